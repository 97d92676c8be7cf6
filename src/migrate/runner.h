// Applies migrations: merges the folder with the history table, validates everything
// pending before touching the database, then runs file by file under the migration lock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "migrate/history.h"
#include "migrate/migration_dir.h"
#include "migrate/progress_monitor.h"
#include "pg/session.h"

namespace strata {

enum class MigrationStateKind { kApplied, kPending, kEdited, kMissing, kPartial };
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

// How runners exclude each other (see docs/history-table.md):
//  kSession     — pg_advisory_lock for the whole run (needs a direct or session-pooled connection)
//  kTransaction — pg_advisory_xact_lock inside each file's transaction (PgBouncer transaction pooling)
//  kNone        — no lock; the caller guarantees a single runner
enum class LockMode { kSession, kTransaction, kNone };
Result<LockMode> ParseLockMode(const std::string& text);

struct MigrateOptions {
  std::string to;          // apply up to and including this name (or version, or stem)
  int count = -1;          // at most this many; -1: all
  bool allow_out_of_order = false;
  bool repair_invalid_indexes = false;  // drop and rebuild indexes a failed CONCURRENTLY left
  LockMode lock_mode = LockMode::kSession;
  std::string applied_by;  // recorded in the history; empty: current_user
  std::string approve;     // plan hash that must match what would run (empty: no check)
  // How long to wait for another run (its migration lock, or a no-transaction file it is
  // applying) before giving up; negative: forever.
  int64_t lock_wait_ms = 10 * 60 * 1000;
  // How to settle the in-doubt statement of a partial no-transaction file that strata
  // cannot decide from the catalog: "done" (it completed) or "rerun". Empty: decide or stop.
  std::string settle;
};

// Progress callbacks; the CLI prints them. Every method has a no-op default. Index
// progress arrives on another thread.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Another run holds the migration lock; `holder` says who (pid, application_name,
  // client address, since when). Called at once and then every 30 s while waiting.
  virtual void OnWaitingForLock(const std::string& holder) {}
  // Another live run is applying no-transaction file `f` (transaction lock mode).
  virtual void OnWaitingForRun(const MigrationFile& f, const std::string& runner) {}
  // How the in-doubt statement of a partial no-transaction file was settled.
  virtual void OnSettled(const MigrationFile& f, const std::string& how) {}
  virtual void OnFileStart(const MigrationFile& f, int index, int total) {}
  virtual void OnFileDone(const MigrationFile& f, int index, int total, int64_t ms) {}
  virtual void OnResume(const MigrationFile& f, int done) {}
  virtual void OnRetry(const MigrationFile& f, int attempt, int max, int64_t wait_ms,
                       const std::string& why) {}
  virtual void OnRepair(const MigrationFile& f, const std::string& index) {}
  virtual void OnSkip(const MigrationFile& f, const std::string& why) {}
  virtual void OnIndexProgress(const IndexProgress& p) {}
  virtual void OnNotice(const std::string& message) {}
};

// A pending file that passed every check, with its statements split.
struct PendingMigration {
  const MigrationFile* file = nullptr;
  ParsedMigration parsed;
  bool resuming = false;  // a partial no-transaction file: its history row exists
  int resume_from = 0;    // statements already done (a partial no-transaction file)
  // The statement (1-based) that was sent when the last run stopped and was never
  // recorded as done: it may or may not have completed. 0: none.
  int in_doubt = 0;
};

// Hash of what a run would apply (names and checksums, in order): what `--approve` takes.
std::string PlanHash(const std::vector<PendingMigration>& pending);

struct MigrateReport {
  std::vector<std::string> applied;  // names, in order
};

struct RollbackOptions {
  std::string to;  // roll back everything applied after this migration (it stays applied)
  int count = 1;   // else the last N applied
  std::string applied_by;
};

// One migration to undo: its companion <stem>_rollback.sql, parsed.
struct RollbackStep {
  const MigrationFile* migration = nullptr;
  MigrationFile rollback;
  ParsedMigration parsed;
};

struct RunnerHooks {
  // Opens a second session for index progress; unset: no progress reports.
  ProgressMonitor::Opener open_monitor;
  int progress_delay_ms = 1000;
  int progress_interval_ms = 500;
};

// The status of a file another run applied first (transaction lock mode): skipped, not
// an error.
Status AppliedByAnotherRunStatus(const std::string& why);
bool AppliedByAnotherRun(const Status& st);

// Has the server check the syntax of the statements the bundled parser could not read
// (newer syntax than its grammar, or mistakes), before anything runs: each one the server
// rejects is added to `errors`. Fails only when the server cannot be asked.
Status CheckSyntaxOnServer(Session* session, const MigrationFile& file, const ParsedMigration& pm,
                          std::vector<FileError>* errors);

class Runner {
 public:
  Runner(Session* session, const Config& config, const MigrationDir& dir, RunObserver* observer,
         RunnerHooks hooks = {})
      : session_(session), config_(config), dir_(dir), observer_(observer),
        hooks_(std::move(hooks)), history_(session, config.history_table) {}

  // Current states (no lock, no writes).
  Result<std::vector<MigrationState>> States();
  // What `Migrate` would apply, after every check (edited, missing, out of order,
  // syntax) has passed. Writes nothing.
  Result<std::vector<PendingMigration>> Pending(const MigrateOptions& opts);
  // Locks, re-reads the history, validates, applies. With opts.approve set, refuses
  // (changing nothing) unless PlanHash of what would run equals it.
  Result<MigrateReport> Migrate(const MigrateOptions& opts);
  // Records pending files as applied (kind 'fake') without running them.
  Result<MigrateReport> Fake(const MigrateOptions& opts);
  // The rollback files to run, newest applied first. Every one must exist and parse,
  // or nothing is returned.
  Result<std::vector<RollbackStep>> PlanRollback(const RollbackOptions& opts);
  // Takes the lock, re-plans, and runs each rollback file with removal of its history
  // row — only if the plan still names exactly `expected` (what the user confirmed).
  Result<MigrateReport> Rollback(const RollbackOptions& opts, const std::vector<std::string>& expected);

 private:
  // The pending files `opts` selects, after the integrity and order checks. With
  // `validate`, also parsed; every file's errors are reported together.
  Result<std::vector<PendingMigration>> Select(const std::vector<MigrationState>& states,
                                               const MigrateOptions& opts, bool validate);
  Result<std::unique_ptr<MigrationLock>> Lock(LockMode mode, int64_t wait_ms);
  // This run's application_name (unique per run): what owns a partial file's row.
  Status LearnRunnerName();
  Status EnsureHistory(LockMode mode);
  Status Apply(const PendingMigration& m, int index, int total, const MigrateOptions& opts);
  // Returns kConflict when another runner applied the file first (transaction lock mode).
  Status ApplyTransactional(const PendingMigration& m, const MigrateOptions& opts);
  // Runs f's body in one transaction, then its verify section, then `epilogue` (the
  // history write) and COMMIT; retries on lock timeouts. `claim` (may be empty) runs
  // first in the transaction and must return 0, else kConflict.
  Status RunInTransaction(const MigrationFile& f, const ParsedMigration& pm,
                          const std::string& epilogue, const std::string& claim);
  Status ApplyEachStatement(const PendingMigration& m, const MigrateOptions& opts);
  // Makes this run the owner of no-transaction file m's history row: inserts it, or takes
  // over a partial row whose run is gone (filling resume_from and in_doubt), or waits
  // while a live run applies it. kConflict: another run applied it meanwhile.
  Status ClaimNoTransactionFile(PendingMigration* m, const MigrateOptions& opts);
  // Decides the in-doubt statement from the catalog (an index there and valid: done;
  // INVALID: dropped and rebuilt), reruns it when running it again changes nothing, or
  // follows opts.settle; otherwise stops with the statement and the commands to settle it.
  Status SettleInDoubt(PendingMigration* m, const MigrateOptions& opts);
  // Transaction lock mode: takes the transaction-level lock, then counts `name`'s history
  // rows (0: still ours to run). REQUIRES: inside a transaction.
  std::string ClaimSql(const std::string& name) const {
    return MigrationLock::XactLockSql(config_.history_table) + "; " + history_.CountSql(name);
  }
  Status CheckInvalidIndex(const PendingMigration& m, const Statement& st, bool repair);
  Status RunVerify(const MigrationFile& f, const ParsedMigration& pm, bool transactional);
  // The server's error `e` (message, SQLSTATE, detail, hint, context) at f:offset, as
  // text for people and fields for --format json.
  Status FileFailure(const MigrationFile& f, size_t offset, const std::string& prefix, const DbError& e);
  Status FileFailure(const MigrationFile& f, size_t offset, const std::string& prefix) {
    return FileFailure(f, offset, prefix, session_->last_error());
  }
  // The failed statement's error, kept, then ROLLBACK (whose reply would replace it).
  Status RollbackAndFail(const MigrationFile& f, size_t offset, const std::string& prefix);
  void FlushNotices();

  Session* session_;
  const Config& config_;
  const MigrationDir& dir_;
  RunObserver* observer_;
  RunnerHooks hooks_;
  History history_;
  std::unique_ptr<ProgressMonitor> monitor_;
  std::string runner_name_;
};

}  // namespace strata
