// Applies migrations: merges the folder with the history table, validates everything
// pending before touching the database, then runs file by file under the advisory lock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "migrate/history.h"
#include "migrate/migration_dir.h"
#include "pg/session.h"

namespace strata {

enum class MigrationStateKind { kApplied, kPending, kEdited, kMissing };
const char* StateName(MigrationStateKind k);

struct MigrationState {
  std::string name;
  MigrationStateKind kind = MigrationStateKind::kPending;
  const MigrationFile* file = nullptr;         // null when missing
  std::optional<AppliedMigration> applied;     // set unless pending
  bool out_of_order = false;                   // pending, but sorts before an applied file
};

// Pure merge of the folder and the history rows, in name order.
std::vector<MigrationState> ComputeStates(const MigrationDir& dir,
                                          const std::vector<AppliedMigration>& applied);

struct MigrateOptions {
  std::string to;          // apply up to and including this name (or version prefix)
  int count = -1;          // at most this many; -1: all
  bool allow_out_of_order = false;
  std::string applied_by;  // recorded in the history; empty: current_user
};

// Progress callbacks; the CLI prints them. Every method has a no-op default.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnWaitingForLock() {}
  virtual void OnFileStart(const MigrationFile& f, int index, int total) {}
  virtual void OnFileDone(const MigrationFile& f, int index, int total, int64_t ms) {}
  virtual void OnRetry(const MigrationFile& f, int attempt, int max, int64_t wait_ms,
                       const std::string& why) {}
  virtual void OnNotice(const std::string& message) {}
};

// A pending file that passed every check, with its statements split.
struct PendingMigration {
  const MigrationFile* file = nullptr;
  ParsedMigration parsed;
};

struct MigrateReport {
  std::vector<std::string> applied;  // names, in order
};

class Runner {
 public:
  Runner(Session* session, const Config& config, const MigrationDir& dir, RunObserver* observer)
      : session_(session), config_(config), dir_(dir), observer_(observer),
        history_(session, config.history_table) {}

  // Current states (no lock, no writes).
  Result<std::vector<MigrationState>> States();
  // The files `Migrate` would apply, after every check (edited, missing, out of order,
  // syntax) has passed. Writes nothing.
  Result<std::vector<PendingMigration>> Pending(const MigrateOptions& opts);
  // Takes the lock, re-reads the history, validates, applies.
  Result<MigrateReport> Migrate(const MigrateOptions& opts);
  // Records pending files as applied (kind 'fake') without running them.
  Result<MigrateReport> Fake(const MigrateOptions& opts);

 private:
  // The pending files `opts` selects, after the integrity and order checks. With
  // `validate`, also parsed; every file's errors are reported together.
  Result<std::vector<PendingMigration>> Select(const std::vector<MigrationState>& states,
                                               const MigrateOptions& opts, bool validate);
  Status Apply(const PendingMigration& m, int index, int total, const std::string& applied_by);
  Status ApplyTransactional(const MigrationFile& f, const ParsedMigration& pm,
                            const std::string& applied_by);
  Status ApplyEachStatement(const MigrationFile& f, const ParsedMigration& pm,
                            const std::string& applied_by, int64_t started_ms);
  Status RunVerify(const MigrationFile& f, const ParsedMigration& pm);
  Status FileFailure(const MigrationFile& f, size_t offset, const std::string& prefix);
  void FlushNotices();

  Session* session_;
  const Config& config_;
  const MigrationDir& dir_;
  RunObserver* observer_;
  History history_;
};

}  // namespace strata
