// strata trace: runs migration files on a shadow database, statement by statement in the
// transaction structure `strata migrate` uses, and records what PostgreSQL really did:
// the locks each statement took (pg_locks), the tables and indexes it rewrote (a new
// relfilenode), the constraints it validated and the indexes it built, and how long it
// took. Observed, not predicted: `strata lint` predicts from the parse tree.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "migrate/migration_file.h"
#include "pg/session.h"

namespace strata {

struct TracedLock {
  std::string relation;  // schema.name
  std::string kind;      // "table", "index", ...
  std::string mode;      // PostgreSQL's name, e.g. "AccessExclusiveLock"
  bool existed = true;   // the relation was there before the file ran
};

struct TracedStatement {
  int index = 0;  // 1-based, within the file
  int line = 0;
  std::string sql;                 // the statement, first line (shortened)
  double duration_ms = 0;
  bool in_transaction = true;      // its locks are held until the file's COMMIT
  bool observed_while_running = false;  // locks seen from a second session while it ran
  std::vector<TracedLock> locks;   // the relation locks it took (not held before it)
  std::vector<std::string> rewrites;   // existing tables and indexes given a new relfilenode
  std::vector<std::string> validated;  // existing rows checked: constraints, NOT NULL
  // NOT NULL set without a scan: a validated CHECK (col IS NOT NULL) already proved it.
  std::vector<std::string> proven;
  std::vector<std::string> builds;     // indexes built on tables that existed
  std::string error;                   // the server's message when it failed
};

struct TracedFile {
  std::string name;
  bool transactional = true;
  std::vector<TracedStatement> statements;
  std::vector<std::string> warnings;
};

// What a lock mode blocks among "reads" (SELECT), "writes" (INSERT/UPDATE/DELETE) and
// "ddl" (other schema changes, VACUUM, index builds).
std::vector<std::string> LockBlocks(const std::string& mode);
// "ACCESS EXCLUSIVE" for "AccessExclusiveLock".
std::string LockModeName(const std::string& mode);

// Traces `files` in order on `s`, a shadow database of the target's schema (each file's
// changes stay for the next). `open_watcher` opens a second session on the same database:
// a statement that cannot run in a transaction block (CREATE INDEX CONCURRENTLY) drops
// its locks when it ends, so they are read from there while it runs. A failing statement
// ends the trace of its file and of the files after it (the result so far is returned).
Result<std::vector<TracedFile>> TraceFiles(Session* s, const std::function<Result<std::unique_ptr<Session>>()>& open_watcher,
                                           const std::vector<const MigrationFile*>& files);

}  // namespace strata
