// The tracking table (DESIGN.md §3) and the advisory lock that serialises runners.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "pg/session.h"

namespace strata {

struct AppliedMigration {
  int64_t id = 0;        // order of application
  std::string name;
  std::string checksum;  // empty for adopted rows that had none
  std::string applied_at;
  int64_t duration_ms = 0;
  std::string applied_by;
  std::string kind;      // applied | fake | adopted | partial (a no-transaction file in progress)
  int statements_done = 0;
  std::string tool_version;
  // A no-transaction file in progress: the statement (1-based) sent to the server and not
  // yet recorded as done (0: none), and the run that owns the row — its application_name,
  // which pg_stat_activity shows while its session lives — and that session's backend pid.
  int statement_started = 0;
  std::string runner;
  int runner_pid = 0;
};

class History {
 public:
  History(Session* session, QualifiedName table) : session_(session), table_(std::move(table)) {}

  Result<bool> Exists();
  // Creates the schema and table when missing, and adds the columns newer versions of
  // strata use to a table an older one made. REQUIRES: the advisory lock is held.
  Status Ensure();
  // Rows ordered by name. An absent table reads as empty.
  Result<std::vector<AppliedMigration>> Load();
  // INSERT statement for one row. `duration_sql` is an SQL expression (so a transactional
  // file can record the server-side duration of its own transaction).
  std::string InsertSql(const std::string& name, const std::string& checksum,
                        const std::string& kind, int statements_done,
                        const std::string& duration_sql, const std::string& applied_by,
                        const std::string& runner = "") const;
  // Progress of a no-transaction file: `done` statements have run.
  std::string ProgressSql(const std::string& name, int done) const;
  // Before statement `n` (1-based) of a no-transaction file is sent: marks it in doubt,
  // as long as `runner` still owns the row (the UPDATE affects no row otherwise).
  std::string StartStatementSql(const std::string& name, int n, const std::string& runner) const;
  // Takes over a partial row whose owning run is gone (no session of its
  // application_name remains); returns statements_done, statement_started when taken.
  std::string TakeOverSql(const std::string& name, const std::string& runner) const;

  // Marks a partial row applied.
  std::string CompleteSql(const std::string& name, int done, int64_t duration_ms) const;
  std::string DeleteSql(const std::string& name) const;
  // A row of kind 'adopted'; `applied_at_sql` is an SQL expression.
  std::string AdoptSql(const std::string& name, const std::string& checksum,
                       const std::string& applied_at_sql) const;
  // Whether `name` has a row: "SELECT count(*) ..." for use inside a transaction.
  std::string CountSql(const std::string& name) const;
  const QualifiedName& table() const { return table_; }

 private:
  // Newer columns (statement_started, runner, runner_pid) the table lacks.
  Result<std::vector<std::string>> MissingColumns();
  Session* session_;
  QualifiedName table_;
};

// A pg_advisory_lock keyed by the history table, released on destruction.
class MigrationLock {
 public:
  // Tries once; when the lock is busy, calls `on_wait` with who holds it (pid,
  // application_name, client address, since when), then polls until it is free. Gives up
  // after `wait_ms` (negative: never) with an error naming the holder.
  static Result<std::unique_ptr<MigrationLock>> Acquire(
      Session* session, const QualifiedName& table,
      const std::function<void(const std::string& holder)>& on_wait, int64_t wait_ms = -1);
  // Who holds the lock for `table` now, as one line ("" when nobody).
  static std::string Holder(Session* session, const QualifiedName& table);
  ~MigrationLock();
  static int64_t KeyFor(const QualifiedName& table);
  // "SELECT pg_advisory_xact_lock(<key>)": the same lock, held until the transaction ends
  // (--lock-mode transaction).
  static std::string XactLockSql(const QualifiedName& table);

 private:
  MigrationLock(Session* s, int64_t key) : session_(s), key_(key) {}
  Session* session_;
  int64_t key_;
};

}  // namespace strata
