// Runner: running one file (transactional, or statement by statement).
#include <algorithm>
#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/parse.h"
#include "base/strings.h"
#include "migrate/partitioned_index.h"
#include "migrate/runner.h"
#include "sql/statement.h"

namespace strata {
namespace {

constexpr char kLockNotAvailable[] = "55P03";

std::string TimeoutSettings(const std::string& scope, const std::string& lock_timeout,
                            const std::string& statement_timeout) {
  std::string out;
  if (!lock_timeout.empty()) out += "SET " + scope + "lock_timeout = " + QuoteLiteral(lock_timeout) + ";\n";
  if (!statement_timeout.empty()) {
    out += "SET " + scope + "statement_timeout = " + QuoteLiteral(statement_timeout) + ";\n";
  }
  return out;
}

bool BuildsIndex(const ParsedMigration& pm) {
  return std::any_of(pm.body.begin(), pm.body.end(), [](const Statement& s) { return s.creates_index; });
}

int64_t BackoffMillis(int attempt) { return std::min<int64_t>(500LL << attempt, 8000); }

// Arms the progress monitor for the lifetime of a statement.
class Watch {
 public:
  Watch(ProgressMonitor* m, bool on) : m_(on ? m : nullptr) {
    if (m_) m_->Arm();
  }
  ~Watch() {
    if (m_) m_->Disarm();
  }

 private:
  ProgressMonitor* m_;
};

}  // namespace

Status Runner::RollbackAndFail(const MigrationFile& f, size_t offset, const std::string& prefix) {
  DbError e = session_->last_error();  // before ROLLBACK replaces it
  session_->Exec("ROLLBACK");
  return FileFailure(f, offset, prefix, e);
}

Status AppliedByAnotherRunStatus(const std::string& why) {
  return Status::Conflict(why).With("skip", "applied-by-another-run");
}

bool AppliedByAnotherRun(const Status& st) {
  for (const auto& [k, v] : st.fields()) {
    if (k == "skip") return true;
  }
  return false;
}

Status Runner::Apply(const PendingMigration& m, int index, int total, const MigrateOptions& opts) {
  const MigrationFile& f = *m.file;
  if (observer_) observer_->OnFileStart(f, index, total);
  int64_t start = MonotonicMillis();
  Status st = f.directives.no_transaction ? ApplyEachStatement(m, opts) : ApplyTransactional(m, opts);
  FlushNotices();
  if (!st.ok()) return st;
  if (observer_) observer_->OnFileDone(f, index, total, MonotonicMillis() - start);
  return Status::Ok();
}

Status Runner::ApplyTransactional(const PendingMigration& m, const MigrateOptions& opts) {
  const MigrationFile& f = *m.file;
  std::string insert = history_.InsertSql(
      f.name, f.checksum, "applied", static_cast<int>(m.parsed.body.size()),
      "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint", opts.applied_by);
  std::string claim = opts.lock_mode == LockMode::kTransaction ? ClaimSql(f.name) : "";
  return RunInTransaction(f, m.parsed, insert, claim);
}

Status Runner::RunInTransaction(const MigrationFile& f, const ParsedMigration& pm,
                                const std::string& epilogue, const std::string& claim) {
  const Directives& d = f.directives;
  std::string settings = TimeoutSettings(
      "LOCAL ", d.lock_timeout.empty() ? config_.lock_timeout : d.lock_timeout,
      d.statement_timeout.empty() ? config_.statement_timeout : d.statement_timeout);
  // With a claim, BEGIN and the claim go first, in a round trip of their own.
  std::string prefix = (claim.empty() ? "BEGIN;\n" : "") + settings;
  int prefix_statements = static_cast<int>(std::count(prefix.begin(), prefix.end(), '\n'));
  std::string body(f.body());
  std::string sql = prefix + body + "\n;\n";
  if (pm.verify.empty()) sql += epilogue + ";\nCOMMIT";
  for (int attempt = 0;; ++attempt) {
    if (!claim.empty()) {
      auto c = session_->Exec("BEGIN; " + claim);
      if (!c.ok()) return RollbackAndFail(f, 0, "taking the migration lock: ");
      if (c->Get(0, 0) != "0") {
        session_->Exec("ROLLBACK");
        return AppliedByAnotherRunStatus("already applied by another runner");
      }
    }
    Watch watch(monitor_.get(), BuildsIndex(pm));
    auto r = session_->Exec(sql);
    if (r.ok()) break;
    DbError e = session_->last_error();
    session_->Exec("ROLLBACK");
    if (e.sqlstate == kLockNotAvailable && attempt < config_.lock_retries) {
      int64_t wait = BackoffMillis(attempt);
      if (observer_) observer_->OnRetry(f, attempt + 1, config_.lock_retries, wait, e.message);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      continue;
    }
    size_t offset = 0;
    size_t at = e.position > 0 ? CharPositionToOffset(sql, e.position) : std::string::npos;
    int idx = e.statement_index - prefix_statements;
    if (at != std::string::npos && at >= prefix.size() && at < prefix.size() + body.size()) {
      offset = at - prefix.size();
    } else if (idx >= 0 && idx < static_cast<int>(pm.body.size())) {
      offset = pm.body[static_cast<size_t>(idx)].offset;
    }
    std::string prefix_note;
    if (e.connection_lost) {
      prefix_note = "the connection was lost while this file's transaction was open; the server "
                    "rolls it back unless its COMMIT had arrived, and `strata status` shows whether "
                    "it was recorded: ";
    }
    return FileFailure(f, offset, prefix_note, e);
  }
  if (!pm.verify.empty()) {
    Status v = RunVerify(f, pm, true);
    if (!v.ok()) {
      session_->Exec("ROLLBACK");
      return v;
    }
    auto r = session_->Exec(epilogue + ";\nCOMMIT");
    if (!r.ok()) {
      return RollbackAndFail(f, 0, "recording the migration: ");
    }
  }
  return Status::Ok();
}

Status Runner::RunVerify(const MigrationFile& f, const ParsedMigration& pm, bool transactional) {
  const std::string outcome = transactional ? "the migration was rolled back"
                                            : "its statements stay applied and the file is not recorded as done";
  // One round trip for all of them: a generated file verifies every index and constraint it made.
  std::string all;
  for (const Statement& st : pm.verify) all += std::string(st.Text(f.content)) + "\n;\n";
  auto results = session_->ExecAll(all);
  if (!results.ok()) {
    size_t i = session_->last_error().FailedStatement(pm.verify.size());
    Status failed = FileFailure(f, pm.verify[i].offset, "verify query failed: ");
    return Status::Database(failed.message() + "\n  " + outcome);
  }
  for (size_t i = 0; i < pm.verify.size(); ++i) {
    const Statement& st = pm.verify[i];
    std::string text = st.Text(f.content);
    if (i >= results->size()) {
      return Status::Database(PointAt(f.path, f.content, st.offset, "verification failed: the query returned no result; " + outcome) +
                              "\n  query: " + text);
    }
    const QueryResult* r = &(*results)[i];
    std::string got;
    if (r->rows.size() != 1) {
      got = std::to_string(r->rows.size()) + " rows";
    } else if (r->columns.empty() || !r->rows[0][0].has_value()) {
      got = "NULL";
    } else if (*r->rows[0][0] != "t") {
      got = *r->rows[0][0] == "f" ? "false" : "'" + *r->rows[0][0] + "'";
    }
    if (!got.empty()) {
      return Status::Database(PointAt(f.path, f.content, st.offset,
                                      "verification failed: the query returned " + got +
                                          ", expected one row whose first column is true; " +
                                          outcome) +
                              "\n  query: " + text);
    }
  }
  return Status::Ok();
}

Status Runner::ClaimNoTransactionFile(PendingMigration* m, const MigrateOptions& opts) {
  const MigrationFile& f = *m->file;
  int64_t start = MonotonicMillis();
  bool said_waiting = false;
  for (;;) {
    if (!m->resuming) {
      std::string insert = history_.InsertSql(f.name, f.checksum, "partial", 0, "NULL",
                                              opts.applied_by, runner_name_);
      auto c = session_->Exec("BEGIN; " + (opts.lock_mode == LockMode::kTransaction
                                               ? ClaimSql(f.name)
                                               : history_.CountSql(f.name)));
      if (!c.ok()) {
        return RollbackAndFail(f, 0, "recording the migration: ");
      }
      if (c->Get(0, 0) == "0") {
        auto ins = session_->Exec(insert + ";\nCOMMIT");
        if (!ins.ok()) {
          return RollbackAndFail(f, 0, "recording the migration: ");
        }
        return Status::Ok();
      }
      session_->Exec("ROLLBACK");
      m->resuming = true;  // someone else's row: applied, in progress, or left by a crash
    }
    // Take the row over when the run that owns it is gone.
    auto t = session_->Exec(history_.TakeOverSql(f.name, runner_name_));
    if (!t.ok()) return FileFailure(f, 0, "taking over the partial migration: ");
    if (!t->rows.empty()) {
      m->resume_from = static_cast<int>(ToInt64Or(t->Get(0, 0), 0));
      int started = static_cast<int>(ToInt64Or(t->Get(0, 1), 0));
      m->in_doubt = started > m->resume_from ? started : 0;
      if (observer_ && (m->resume_from > 0 || m->in_doubt > 0)) observer_->OnResume(f, m->resume_from);
      return Status::Ok();
    }
    auto row = session_->Exec("SELECT kind, coalesce(runner, ''), coalesce(runner_pid, 0) FROM " +
                              history_.table().Quoted() + " WHERE name = " + QuoteLiteral(f.name));
    if (!row.ok()) return FileFailure(f, 0, "reading the history: ");
    if (row->rows.empty()) {
      m->resuming = false;  // the row went away (rolled back by hand): start afresh
      continue;
    }
    if (row->Get(0, 0) != "partial") return AppliedByAnotherRunStatus("already applied by another runner");
    std::string owner = "run '" + row->Get(0, 1) + "' (backend pid " + row->Get(0, 2) + ")";
    int64_t waited = MonotonicMillis() - start;
    if (opts.lock_wait_ms >= 0 && waited >= opts.lock_wait_ms) {
      return Status::Conflict(f.path + ": another " + owner + " is still applying this "
                              "no-transaction file; gave up waiting after " +
                              std::to_string(opts.lock_wait_ms / 1000) + " s (--lock-wait). Later "
                              "files wait for it, so nothing after it was applied");
    }
    if (!said_waiting && observer_) observer_->OnWaitingForRun(f, owner);
    said_waiting = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

namespace {

// The indexes of `st`'s table named like its index (all of them when it names none), as
// `schema.name` (quoted as needed) with whether each is valid.
Result<std::vector<std::pair<std::string, bool>>> IndexesOf(Session* s, const Statement& st) {
  std::string table = (st.table_schema.empty() ? "" : QuoteIdent(st.table_schema) + ".") +
                      QuoteIdent(st.table_name);
  auto r = s->ExecParams(
      "SELECT i.indexrelid::regclass::text, i.indisvalid FROM pg_index i JOIN pg_class c ON "
      "c.oid = i.indexrelid WHERE i.indrelid = to_regclass($1) AND ($2 = '' OR c.relname = $2) "
      "ORDER BY 1",
      {table, st.index_name});
  if (!r.ok()) return r.status();
  std::vector<std::pair<std::string, bool>> out;
  for (size_t i = 0; i < r->rows.size(); ++i) out.emplace_back(r->Get(i, 0), r->Get(i, 1) == "t");
  return out;
}

// Invalid indexes a failed CREATE INDEX CONCURRENTLY of `st` may have left behind.
Result<std::vector<std::string>> InvalidIndexes(Session* s, const Statement& st) {
  auto all = IndexesOf(s, st);
  if (!all.ok()) return all.status();
  std::vector<std::string> out;
  for (const auto& [name, valid] : *all) {
    if (!valid) out.push_back(name);
  }
  return out;
}

}  // namespace

Status Runner::SettleInDoubt(PendingMigration* m, const MigrateOptions& opts) {
  const MigrationFile& f = *m->file;
  int n = m->in_doubt;
  if (n <= 0 || n > static_cast<int>(m->parsed.body.size())) return Status::Ok();
  const Statement& st = m->parsed.body[static_cast<size_t>(n - 1)];
  std::string what = "statement " + std::to_string(n);
  auto done = [&](const std::string& how) -> Status {
    auto p = session_->Exec(history_.ProgressSql(f.name, n));
    if (!p.ok()) return FileFailure(f, st.offset, "recording progress: ");
    m->resume_from = n;
    m->in_doubt = 0;
    if (observer_) observer_->OnSettled(f, what + " " + how);
    return Status::Ok();
  };
  auto rerun = [&](const std::string& how) -> Status {
    m->in_doubt = 0;
    if (observer_) observer_->OnSettled(f, what + " " + how);
    return Status::Ok();
  };
  if (opts.settle == "done") return done("recorded as completed (--settle done)");
  if (opts.settle == "rerun") return rerun("runs again (--settle rerun)");
  auto expands = ConcurrentOnPartitioned(session_, st);
  if (expands.ok() && *expands) {
    return rerun("continues: building a partitioned table's index partition by partition picks up where it stopped");
  }
  if (st.creates_index && !st.index_name.empty()) {
    auto idx = IndexesOf(session_, st);
    if (!idx.ok()) return FileFailure(f, st.offset, "looking for the index: ");
    if (!idx->empty() && idx->front().second) {
      return done("had completed: index " + idx->front().first + " exists and is valid");
    }
    if (!idx->empty()) {
      auto d = session_->Exec("DROP INDEX CONCURRENTLY IF EXISTS " + idx->front().first);
      if (!d.ok()) return FileFailure(f, st.offset, "dropping the INVALID index an interrupted build left: ");
      return rerun("had not completed: dropped the INVALID index " + idx->front().first +
                   " its interrupted build left, and builds it again");
    }
    return rerun("had not completed (index " + st.index_name + " does not exist); it runs again");
  }
  if (!st.adds_constraint.empty()) {
    // One ALTER TABLE in its own transaction: the constraint exists exactly when it committed.
    std::string table = (st.table_schema.empty() ? "" : QuoteIdent(st.table_schema) + ".") + QuoteIdent(st.table_name);
    auto k = session_->ExecParams(
        "SELECT count(*) FROM pg_catalog.pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
        {table, st.adds_constraint});
    if (!k.ok()) return FileFailure(f, st.offset, "looking for the constraint: ");
    if (k->Get(0, 0) != "0") return done("had completed: constraint " + st.adds_constraint + " exists");
    return rerun("had not completed (constraint " + st.adds_constraint + " does not exist); it runs again");
  }
  if (st.rerunnable) return rerun("may have completed; running it again changes nothing, so it runs again");
  return Status::Conflict(
      PointAt(f.path, f.content, st.offset,
              what + " of this no-transaction file was running when the last run stopped, and "
                     "strata cannot tell from the database whether it completed") +
      "\n  statement: " + st.Text(f.content) +
      "\n  check the database, then run one of:\n"
      "    strata migrate --settle done    # it completed: record it and continue after it\n"
      "    strata migrate --settle rerun   # it did not: run it again");
}

namespace {

std::string DropStatements(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + ("DROP INDEX CONCURRENTLY IF EXISTS " + n + ";");
  return out;
}

}  // namespace

Status Runner::CheckInvalidIndex(const PendingMigration& m, const Statement& st, bool repair) {
  auto invalid = InvalidIndexes(session_, st);
  if (!invalid.ok() || invalid->empty()) return invalid.status();
  if (!repair) {
    return Status::Conflict(PointAt(m.file->path, m.file->content, st.offset,
                                    "index " + (*invalid)[0] + " is INVALID: an earlier CREATE INDEX "
                                    "CONCURRENTLY failed and left it behind") +
                            "\n  fix: " + DropStatements(*invalid) +
                            " then re-run strata migrate, or pass --repair-invalid-indexes");
  }
  for (const auto& name : *invalid) {
    if (observer_) observer_->OnRepair(*m.file, name);
    auto r = session_->Exec("DROP INDEX CONCURRENTLY IF EXISTS " + name);
    if (!r.ok()) return FileFailure(*m.file, st.offset, "dropping invalid index " + name + ": ");
  }
  return Status::Ok();
}

Status Runner::ApplyEachStatement(const PendingMigration& pending, const MigrateOptions& opts) {
  const MigrationFile& f = *pending.file;
  const ParsedMigration& pm = pending.parsed;
  const Directives& d = f.directives;
  int64_t started = MonotonicMillis();
  PendingMigration m = pending;
  STRATA_RETURN_IF_ERROR(ClaimNoTransactionFile(&m, opts));
  std::string settings = TimeoutSettings(
      "", d.lock_timeout.empty() ? config_.lock_timeout : d.lock_timeout,
      d.statement_timeout.empty() ? config_.statement_timeout : d.statement_timeout);
  if (!settings.empty() && !session_->Exec(settings).ok()) return FileFailure(f, 0, "setting timeouts: ");
  STRATA_RETURN_IF_ERROR(SettleInDoubt(&m, opts));
  int total = static_cast<int>(pm.body.size());
  for (int i = m.resume_from; i < total; ++i) {
    const Statement& st = pm.body[static_cast<size_t>(i)];
    auto expands = ConcurrentOnPartitioned(session_, st);
    if (!expands.ok()) return FileFailure(f, st.offset, "looking up the index's table: ");
    if (st.creates_index && st.concurrent && !*expands) {
      Status ok = CheckInvalidIndex(m, st, opts.repair_invalid_indexes);
      if (!ok.ok()) return ok;
    }
    // Recorded before it is sent: if this run dies, the next one knows which statement
    // may have completed on the server, and settles it instead of running it twice.
    auto mark = session_->Exec(history_.StartStatementSql(f.name, i + 1, runner_name_));
    if (!mark.ok()) return FileFailure(f, st.offset, "recording progress: ");
    if (mark->affected != 1) {
      return Status::Conflict(f.path + ": another run took this no-transaction file over; stopping");
    }
    for (int attempt = 0;; ++attempt) {
      bool ran;
      if (*expands) {
        // PostgreSQL refuses CONCURRENTLY on a partitioned table: built partition by partition.
        DbError failed_with;
        Status built = BuildPartitionedIndex(session_, st, st.Text(f.content), [&](const std::string& sql, bool builds) {
          if (observer_) observer_->OnNotice(sql);
          Watch watch(monitor_.get(), builds);
          auto r = session_->Exec(sql);
          if (r.ok()) return Status::Ok();
          failed_with = session_->last_error();
          return Status::Database(sql).With("sqlstate", failed_with.sqlstate);
        });
        if (!built.ok() && failed_with.sqlstate.empty() && !failed_with.connection_lost) {
          session_->Exec(history_.ProgressSql(f.name, i));
          return Status::Conflict(PointAt(f.path, f.content, st.offset, built.message()));
        }
        ran = built.ok();
      } else {
        Watch watch(monitor_.get(), st.creates_index);
        ran = session_->Exec(st.Text(f.content)).ok();
      }
      if (ran) break;
      DbError e = session_->last_error();
      if (e.sqlstate == kLockNotAvailable && attempt < config_.lock_retries) {
        int64_t wait = BackoffMillis(attempt);
        if (observer_) observer_->OnRetry(f, attempt + 1, config_.lock_retries, wait, e.message);
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        continue;
      }
      std::string note;
      if (e.connection_lost) {
        note = "the connection was lost while statement " + std::to_string(i + 1) +
               " of this no-transaction file was running; it may have completed on the server. "
               "The next `strata migrate` settles it (it waits for a backend still running it, "
               "decides from the catalog where it can, and otherwise asks you to) and continues: ";
      } else {
        // It failed, so it did not complete: clear the in-doubt mark.
        session_->Exec(history_.ProgressSql(f.name, i));
      }
      size_t at = e.position > 0 && !*expands ? st.offset + CharPositionToOffset(st.Text(f.content), e.position)
                                              : st.offset;
      Status failed = FileFailure(f, at, note, e);
      if (!e.connection_lost && i > 0) {
        failed = failed.Extend("\n  note: statements 1-" + std::to_string(i) +
                               " of this no-transaction file are applied and recorded; a re-run "
                               "continues with statement " + std::to_string(i + 1));
      }
      if (st.creates_index && st.concurrent && *expands) {
        return failed.Extend("\n  a re-run continues this index where it stopped (partitions already done are kept)");
      }
      if (st.creates_index && st.concurrent) {
        auto left = InvalidIndexes(session_, st);
        if (left.ok() && !left->empty()) {
          return failed.Extend("\n  the failed build left " + (*left)[0] +
                               " INVALID: fix the cause, then `strata migrate "
                               "--repair-invalid-indexes` drops and rebuilds it (or run: " +
                               DropStatements(*left) + ")");
        }
      }
      return failed;
    }
    auto p = session_->Exec(history_.ProgressSql(f.name, i + 1));
    if (!p.ok()) return FileFailure(f, st.offset, "recording progress: ");
  }
  if (!pm.verify.empty()) {
    Status v = RunVerify(f, pm, false);
    if (!v.ok()) return v;
  }
  // The session-level timeouts set above end with the file: Migrate runs RESET ALL after it.
  auto r = session_->Exec(history_.CompleteSql(f.name, total, MonotonicMillis() - started));
  if (!r.ok()) return FileFailure(f, 0, "recording the migration: ");
  return Status::Ok();
}

}  // namespace strata
