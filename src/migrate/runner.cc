#include "migrate/runner.h"

#include <algorithm>
#include <map>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "sql/statement.h"

namespace strata {

const char* StateName(MigrationStateKind k) {
  switch (k) {
    case MigrationStateKind::kApplied: return "applied";
    case MigrationStateKind::kPending: return "pending";
    case MigrationStateKind::kEdited: return "edited";
    case MigrationStateKind::kMissing: return "missing";
    case MigrationStateKind::kPartial: return "partial";
  }
  return "?";
}

Result<LockMode> ParseLockMode(const std::string& text) {
  if (text == "session") return LockMode::kSession;
  if (text == "transaction") return LockMode::kTransaction;
  if (text == "none") return LockMode::kNone;
  return Status::Usage("--lock-mode must be session, transaction or none, not '" + text + "'");
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
    if (a.kind != "partial") last_applied = std::max(last_applied, a.name);
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
    if (!same) {
      s.kind = MigrationStateKind::kEdited;
    } else {
      s.kind = s.applied->kind == "partial" ? MigrationStateKind::kPartial
                                            : MigrationStateKind::kApplied;
    }
  }
  std::vector<MigrationState> out;
  for (auto& [name, s] : by_name) out.push_back(std::move(s));
  return out;
}

std::string PlanHash(const std::vector<PendingMigration>& pending) {
  Sha256 h;
  for (const auto& m : pending) {
    h.Update(m.file->name + " " + m.file->checksum + " " + std::to_string(m.resume_from) + "\n");
  }
  auto d = h.Finish();
  return ToHex(d.data(), 8);
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
    if (!p.blocks_migrate) continue;
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

bool Runnable(MigrationStateKind k) {
  return k == MigrationStateKind::kPending || k == MigrationStateKind::kPartial;
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
    if (!Runnable(s.kind)) {
      if (s.file && !opts.to.empty() && MatchesTarget(*s.file, opts.to)) break;
      continue;
    }
    if (opts.count >= 0 && static_cast<int>(out.size()) >= opts.count) break;
    if (s.out_of_order && !opts.allow_out_of_order) {
      blocked += JoinPath(dir_.path, s.name) +
                 ": pending, but sorts before a migration that is already applied; give it a "
                 "newer name, or pass --allow-out-of-order\n";
    }
    PendingMigration m;
    m.file = s.file;
    if (s.kind == MigrationStateKind::kPartial) {
      m.resuming = true;
      m.resume_from = s.applied->statements_done;
      if (s.applied->statement_started > m.resume_from) m.in_doubt = s.applied->statement_started;
    }
    out.push_back(std::move(m));
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
    if (parsed.ok()) {
      m.parsed = std::move(*parsed);
      STRATA_RETURN_IF_ERROR(CheckSyntaxOnServer(session_, *m.file, m.parsed, &errs));
    }
    for (const auto& e : errs) errors += e.Format(m.file->content) + "\n";
  }
  if (!errors.empty()) {
    errors.pop_back();
    return Status::InvalidInput(errors);
  }
  return out;
}

Status CheckSyntaxOnServer(Session* session, const MigrationFile& file, const ParsedMigration& pm,
                          std::vector<FileError>* errors) {
  // A server older than the bundled parser's grammar may reject what the parser read
  // (MERGE on 13 or 14): then every statement is checked, not only the unread ones.
  const int major = session->server_version() / 10000;
  std::vector<const Statement*> check = pm.Unparsed();
  if (major < BundledParserMajor()) {
    check.clear();
    for (const auto* list : {&pm.body, &pm.verify}) {
      for (const Statement& st : *list) check.push_back(&st);
    }
  }
  for (const Statement* st : check) {
    DbError e;
    auto ok = ServerAcceptsSyntax(session, st->Text(file.content), &e);
    if (!ok.ok()) return ok.status();
    if (*ok) continue;
    size_t at = st->offset + (e.position > 0 ? CharPositionToOffset(st->Text(file.content), e.position) : 0);
    std::string who = "rejected by the target server (PostgreSQL " + std::to_string(major) + ")";
    who += st->parsed ? ", whose grammar is older than that of " + BundledParserNote() + ", which reads it"
                      : " and by " + BundledParserNote();
    errors->push_back({file.path, at, e.Summary() + ": " + who + (e.hint.empty() ? "" : "; " + e.hint)});
  }
  return Status::Ok();
}

Result<std::vector<PendingMigration>> Runner::Pending(const MigrateOptions& opts) {
  auto states = States();
  if (!states.ok()) return states.status();
  return Select(*states, opts, /*validate=*/true);
}

Result<std::unique_ptr<MigrationLock>> Runner::Lock(LockMode mode, int64_t wait_ms) {
  if (mode != LockMode::kSession) return std::unique_ptr<MigrationLock>();
  return MigrationLock::Acquire(
      session_, config_.history_table,
      [this](const std::string& holder) { if (observer_) observer_->OnWaitingForLock(holder); }, wait_ms);
}

Status Runner::LearnRunnerName() {
  auto r = session_->Exec("SELECT current_setting('application_name')");
  if (!r.ok()) return r.status();
  runner_name_ = r->Get(0, 0);
  return Status::Ok();
}

Status Runner::EnsureHistory(LockMode mode) {
  if (mode != LockMode::kTransaction) return history_.Ensure();
  auto r = session_->Exec("BEGIN; " + MigrationLock::XactLockSql(config_.history_table));
  if (!r.ok()) return r.status();
  Status st = history_.Ensure();
  session_->Exec(st.ok() ? "COMMIT" : "ROLLBACK");
  return st;
}

Result<MigrateReport> Runner::Migrate(const MigrateOptions& opts) {
  STRATA_RETURN_IF_ERROR(LearnRunnerName());
  auto lock = Lock(opts.lock_mode, opts.lock_wait_ms);
  if (!lock.ok()) return lock.status();
  auto files = Pending(opts);
  if (!files.ok()) return files.status();
  if (!opts.approve.empty() && PlanHash(*files) != opts.approve) {
    return Status::Refused("--approve " + opts.approve + " does not match what would run now (plan-hash " +
                           PlanHash(*files) + "); review the plan again with --plan");
  }
  MigrateReport report;
  if (files->empty()) return report;
  STRATA_RETURN_IF_ERROR(EnsureHistory(opts.lock_mode));
  if (hooks_.open_monitor && observer_) {
    monitor_ = std::make_unique<ProgressMonitor>(
        hooks_.open_monitor, session_->backend_pid(),
        [this](const IndexProgress& p) { observer_->OnIndexProgress(p); },
        hooks_.progress_delay_ms, hooks_.progress_interval_ms);
  }
  int total = static_cast<int>(files->size());
  for (int i = 0; i < total; ++i) {
    const PendingMigration& m = (*files)[static_cast<size_t>(i)];
    Status st = Apply(m, i + 1, total, opts);
    // Whatever the file SET (search_path, role, ...) must not reach the next file.
    session_->Exec("RESET ALL");
    if (AppliedByAnotherRun(st) && opts.lock_mode == LockMode::kTransaction) {
      if (observer_) observer_->OnSkip(*m.file, st.message());
      continue;
    }
    if (!st.ok()) return st;
    report.applied.push_back(m.file->name);
  }
  monitor_.reset();
  return report;
}

Result<MigrateReport> Runner::Fake(const MigrateOptions& opts) {
  auto lock = Lock(opts.lock_mode, opts.lock_wait_ms);
  if (!lock.ok()) return lock.status();
  auto states = States();
  if (!states.ok()) return states.status();
  auto files = Select(*states, opts, /*validate=*/false);
  if (!files.ok()) return files.status();
  MigrateReport report;
  if (files->empty()) return report;
  STRATA_RETURN_IF_ERROR(EnsureHistory(opts.lock_mode));
  std::string sql = "BEGIN;\n";
  if (opts.lock_mode == LockMode::kTransaction) {
    sql += MigrationLock::XactLockSql(config_.history_table) + ";\n";
  }
  for (const PendingMigration& m : *files) {
    if (m.resuming) {
      return Status::Conflict(m.file->name + " is partially applied; finish it with `strata migrate`");
    }
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

Status Runner::FileFailure(const MigrationFile& f, size_t offset, const std::string& prefix,
                           const DbError& e) {
  std::string out = PointAt(f.path, f.content, offset, prefix + e.Summary()) + e.Details();
  LineCol lc = OffsetToLineCol(f.content, offset);
  return Status::Database(out)
      .With("file", f.path)
      .With("line", std::to_string(lc.line))
      .With("column", std::to_string(lc.col))
      .With("message", e.message)
      .With("sqlstate", e.sqlstate)
      .With("detail", e.detail)
      .With("hint", e.hint)
      .With("context", e.context)
      .With("connection_lost", e.connection_lost ? "true" : "");
}

}  // namespace strata
