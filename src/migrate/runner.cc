#include "migrate/runner.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "base/clock.h"
#include "base/fs.h"
#include "base/strings.h"
#include "sql/statement.h"

namespace strata {

const char* StateName(MigrationStateKind k) {
  switch (k) {
    case MigrationStateKind::kApplied: return "applied";
    case MigrationStateKind::kPending: return "pending";
    case MigrationStateKind::kEdited: return "edited";
    case MigrationStateKind::kMissing: return "missing";
  }
  return "?";
}

std::vector<MigrationState> ComputeStates(const MigrationDir& dir,
                                          const std::vector<AppliedMigration>& applied) {
  std::map<std::string, MigrationState> by_name;
  std::string last_applied;
  for (const auto& a : applied) {
    MigrationState s;
    s.name = a.name;
    s.kind = MigrationStateKind::kMissing;
    s.applied = a;
    by_name[a.name] = s;
    last_applied = std::max(last_applied, a.name);
  }
  for (const auto& f : dir.files) {
    auto it = by_name.find(f.name);
    if (it == by_name.end()) {
      MigrationState s;
      s.name = f.name;
      s.file = &f;
      s.out_of_order = f.name < last_applied;
      by_name[f.name] = s;
      continue;
    }
    MigrationState& s = it->second;
    s.file = &f;
    bool same = s.applied->checksum.empty() || s.applied->checksum == f.checksum;
    s.kind = same ? MigrationStateKind::kApplied : MigrationStateKind::kEdited;
  }
  std::vector<MigrationState> out;
  for (auto& [name, s] : by_name) out.push_back(std::move(s));
  return out;
}

Result<std::vector<MigrationState>> Runner::States() {
  auto applied = history_.Load();
  if (!applied.ok()) return applied.status();
  return ComputeStates(dir_, *applied);
}

namespace {

std::string Short(const std::string& hash) { return hash.substr(0, 12); }

Status CheckIntegrity(const MigrationDir& dir, const std::vector<MigrationState>& states) {
  std::string msg;
  for (const auto& p : dir.problems) {
    msg += JoinPath(dir.path, p.file) + ": " + p.message + " [" + p.rule + "]\n";
  }
  for (const auto& s : states) {
    if (s.kind == MigrationStateKind::kEdited) {
      msg += JoinPath(dir.path, s.name) + ": edited after it was applied (history checksum " +
             Short(s.applied->checksum) + ", file now " + Short(s.file->checksum) +
             "); applied migrations are immutable: restore the file and write a new migration\n";
    } else if (s.kind == MigrationStateKind::kMissing) {
      msg += JoinPath(dir.path, s.name) + ": recorded as applied on " + s.applied->applied_at +
             " but the file is missing; restore it from version control\n";
    }
  }
  if (msg.empty()) return Status::Ok();
  msg.pop_back();
  return Status::Conflict(msg);
}

bool MatchesTarget(const MigrationFile& f, const std::string& to) {
  return f.name == to || f.stem() == to || f.version == to;
}

}  // namespace

Result<std::vector<PendingMigration>> Runner::Select(const std::vector<MigrationState>& states,
                                                     const MigrateOptions& opts, bool validate) {
  STRATA_RETURN_IF_ERROR(CheckIntegrity(dir_, states));
  if (!opts.to.empty()) {
    bool known = std::any_of(dir_.files.begin(), dir_.files.end(),
                             [&](const MigrationFile& f) { return MatchesTarget(f, opts.to); });
    if (!known) return Status::Usage("--to " + opts.to + ": no such migration in " + dir_.path);
  }
  std::vector<PendingMigration> out;
  std::string blocked;
  for (const auto& s : states) {
    if (s.kind != MigrationStateKind::kPending) {
      if (s.file && !opts.to.empty() && MatchesTarget(*s.file, opts.to)) break;
      continue;
    }
    if (opts.count >= 0 && static_cast<int>(out.size()) >= opts.count) break;
    if (s.out_of_order && !opts.allow_out_of_order) {
      blocked += JoinPath(dir_.path, s.name) +
                 ": pending, but sorts before a migration that is already applied; give it a "
                 "newer name, or pass --allow-out-of-order\n";
    }
    out.push_back({s.file, {}});
    if (!opts.to.empty() && MatchesTarget(*s.file, opts.to)) break;
  }
  if (!blocked.empty()) {
    blocked.pop_back();
    return Status::Conflict(blocked);
  }
  if (!validate) return out;
  std::string errors;
  for (PendingMigration& m : out) {
    std::vector<FileError> errs;
    auto parsed = ParseMigration(*m.file, &errs);
    if (parsed.ok()) m.parsed = std::move(*parsed);
    for (const auto& e : errs) errors += e.Format(m.file->content) + "\n";
  }
  if (!errors.empty()) {
    errors.pop_back();
    return Status::InvalidInput(errors);
  }
  return out;
}

Result<std::vector<PendingMigration>> Runner::Pending(const MigrateOptions& opts) {
  auto states = States();
  if (!states.ok()) return states.status();
  return Select(*states, opts, /*validate=*/true);
}

Result<MigrateReport> Runner::Migrate(const MigrateOptions& opts) {
  auto lock = MigrationLock::Acquire(session_, config_.history_table,
                                     [this] { if (observer_) observer_->OnWaitingForLock(); });
  if (!lock.ok()) return lock.status();
  auto files = Pending(opts);
  if (!files.ok()) return files.status();
  MigrateReport report;
  if (files->empty()) return report;
  STRATA_RETURN_IF_ERROR(history_.Ensure());
  int total = static_cast<int>(files->size());
  for (int i = 0; i < total; ++i) {
    const PendingMigration& m = (*files)[static_cast<size_t>(i)];
    STRATA_RETURN_IF_ERROR(Apply(m, i + 1, total, opts.applied_by));
    report.applied.push_back(m.file->name);
  }
  return report;
}

Result<MigrateReport> Runner::Fake(const MigrateOptions& opts) {
  auto lock = MigrationLock::Acquire(session_, config_.history_table,
                                     [this] { if (observer_) observer_->OnWaitingForLock(); });
  if (!lock.ok()) return lock.status();
  auto states = States();
  if (!states.ok()) return states.status();
  auto files = Select(*states, opts, /*validate=*/false);
  if (!files.ok()) return files.status();
  MigrateReport report;
  if (files->empty()) return report;
  STRATA_RETURN_IF_ERROR(history_.Ensure());
  std::string sql = "BEGIN;\n";
  for (const PendingMigration& m : *files) {
    sql += history_.InsertSql(m.file->name, m.file->checksum, "fake", 0, "0", opts.applied_by) + ";\n";
    report.applied.push_back(m.file->name);
  }
  auto r = session_->Exec(sql + "COMMIT");
  if (!r.ok()) {
    session_->Exec("ROLLBACK");
    return r.status().Wrap("recording fake migrations");
  }
  return report;
}

void Runner::FlushNotices() {
  for (const auto& n : session_->TakeNotices()) {
    if (observer_) observer_->OnNotice(n);
  }
}

Status Runner::FileFailure(const MigrationFile& f, size_t offset, const std::string& prefix) {
  const DbError& e = session_->last_error();
  std::string msg = prefix + (e.message.empty() ? "" : e.message);
  if (!e.sqlstate.empty()) msg += " (SQLSTATE " + e.sqlstate + ")";
  std::string out = PointAt(f.path, f.content, offset, msg);
  if (!e.detail.empty()) out += "\n  detail: " + e.detail;
  if (!e.hint.empty()) out += "\n  hint: " + e.hint;
  return Status::Database(out);
}

Status Runner::Apply(const PendingMigration& m, int index, int total,
                     const std::string& applied_by) {
  const MigrationFile& f = *m.file;
  const ParsedMigration* pm = &m.parsed;
  if (observer_) observer_->OnFileStart(f, index, total);
  int64_t start = MonotonicMillis();
  Status st = f.directives.no_transaction ? ApplyEachStatement(f, *pm, applied_by, start)
                                          : ApplyTransactional(f, *pm, applied_by);
  FlushNotices();
  if (!st.ok()) return st;
  if (observer_) observer_->OnFileDone(f, index, total, MonotonicMillis() - start);
  return Status::Ok();
}

namespace {

std::string TimeoutSettings(const std::string& scope, const std::string& lock_timeout,
                            const std::string& statement_timeout) {
  std::string out;
  if (!lock_timeout.empty()) out += "SET " + scope + "lock_timeout = " + QuoteLiteral(lock_timeout) + ";\n";
  if (!statement_timeout.empty()) {
    out += "SET " + scope + "statement_timeout = " + QuoteLiteral(statement_timeout) + ";\n";
  }
  return out;
}

bool SetsSessionState(const ParsedMigration& pm) {
  return std::any_of(pm.body.begin(), pm.body.end(),
                     [](const Statement& s) { return s.kind == "variable_set_stmt"; });
}

constexpr char kLockNotAvailable[] = "55P03";

int64_t BackoffMillis(int attempt) { return std::min<int64_t>(500LL << attempt, 8000); }

}  // namespace

Status Runner::ApplyTransactional(const MigrationFile& f, const ParsedMigration& pm,
                                  const std::string& applied_by) {
  const Directives& d = f.directives;
  std::string settings = TimeoutSettings(
      "LOCAL ", d.lock_timeout.empty() ? config_.lock_timeout : d.lock_timeout,
      d.statement_timeout.empty() ? config_.statement_timeout : d.statement_timeout);
  std::string prefix = "BEGIN;\n" + settings;
  int prefix_statements = 1 + static_cast<int>(std::count(settings.begin(), settings.end(), '\n'));
  std::string body(f.body());
  std::string insert = history_.InsertSql(
      f.name, f.checksum, "applied", static_cast<int>(pm.body.size()),
      "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint", applied_by);
  std::string sql = prefix + body + "\n;\n";
  if (pm.verify.empty()) sql += insert + ";\nCOMMIT";
  for (int attempt = 0;; ++attempt) {
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
    return FileFailure(f, offset, "");
  }
  if (!pm.verify.empty()) {
    Status v = RunVerify(f, pm);
    if (!v.ok()) {
      session_->Exec("ROLLBACK");
      return v;
    }
    auto r = session_->Exec(insert + ";\nCOMMIT");
    if (!r.ok()) {
      session_->Exec("ROLLBACK");
      return FileFailure(f, 0, "recording the migration: ");
    }
  }
  if (SetsSessionState(pm)) session_->Exec("RESET ALL");
  return Status::Ok();
}

Status Runner::RunVerify(const MigrationFile& f, const ParsedMigration& pm) {
  for (const Statement& st : pm.verify) {
    std::string text = st.Text(f.content);
    auto r = session_->Exec(text);
    if (!r.ok()) return FileFailure(f, st.offset, "verify query failed: ");
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
                                          ", expected one row whose first column is true; "
                                          "the migration was rolled back") +
                              "\n  query: " + text);
    }
  }
  return Status::Ok();
}

Status Runner::ApplyEachStatement(const MigrationFile& f, const ParsedMigration& pm,
                                  const std::string& applied_by, int64_t started_ms) {
  const Directives& d = f.directives;
  std::string settings = TimeoutSettings(
      "", d.lock_timeout.empty() ? config_.lock_timeout : d.lock_timeout,
      d.statement_timeout.empty() ? config_.statement_timeout : d.statement_timeout);
  if (!settings.empty()) {
    auto r = session_->Exec(settings);
    if (!r.ok()) return FileFailure(f, 0, "setting timeouts: ");
  }
  int done = 0;
  for (const Statement& st : pm.body) {
    for (int attempt = 0;; ++attempt) {
      auto r = session_->Exec(st.Text(f.content));
      if (r.ok()) break;
      DbError e = session_->last_error();
      if (e.sqlstate == kLockNotAvailable && attempt < config_.lock_retries) {
        int64_t wait = BackoffMillis(attempt);
        if (observer_) observer_->OnRetry(f, attempt + 1, config_.lock_retries, wait, e.message);
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        continue;
      }
      session_->Exec("RESET lock_timeout; RESET statement_timeout");
      std::string note = done == 0 ? "" : "(statements 1-" + std::to_string(done) +
                                              " of this no-transaction file were applied) ";
      size_t at = e.position > 0 ? st.offset + CharPositionToOffset(st.Text(f.content), e.position)
                                 : st.offset;
      return FileFailure(f, at, note);
    }
    ++done;
  }
  auto r = session_->Exec(history_.InsertSql(f.name, f.checksum, "applied", done,
                                             std::to_string(MonotonicMillis() - started_ms),
                                             applied_by) +
                          ";\nRESET lock_timeout; RESET statement_timeout");
  if (!r.ok()) return FileFailure(f, 0, "recording the migration: ");
  return Status::Ok();
}

}  // namespace strata
