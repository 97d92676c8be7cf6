// Runner: manual rollback with the <stem>_rollback.sql companions.
#include <algorithm>

#include "base/clock.h"
#include "base/fs.h"
#include "base/strings.h"
#include "migrate/runner.h"

namespace strata {

Result<std::vector<RollbackStep>> Runner::PlanRollback(const RollbackOptions& opts) {
  auto applied = history_.Load();
  if (!applied.ok()) return applied.status();
  std::vector<AppliedMigration> rows = *applied;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
  std::vector<const AppliedMigration*> chosen;
  if (!opts.to.empty()) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const AppliedMigration& a) {
      return a.name == opts.to || a.name == opts.to + ".sql" || StartsWith(a.name, opts.to + "_");
    });
    if (it == rows.end()) return Status::Usage("--to " + opts.to + ": not an applied migration");
    for (auto r = rows.begin(); r != it; ++r) chosen.push_back(&*r);
  } else {
    for (int i = 0; i < opts.count && i < static_cast<int>(rows.size()); ++i) chosen.push_back(&rows[i]);
  }
  std::vector<RollbackStep> steps;
  std::string problems;
  for (const AppliedMigration* a : chosen) {
    RollbackStep step;
    step.migration = dir_.Find(a->name);
    if (a->kind == "partial") {
      problems += a->name + ": only partly applied (no-transaction file); finish it with "
                             "`strata migrate` or repair it by hand first\n";
      continue;
    }
    if (step.migration == nullptr) {
      problems += a->name + ": applied, but the migration file is missing\n";
      continue;
    }
    step.rollback.name = step.migration->RollbackName();
    step.rollback.path = JoinPath(dir_.path, step.rollback.name);
    auto text = ReadFile(step.rollback.path);
    if (!text.ok() && step.migration->down_offset != std::string::npos) {
      // A node-pg-migrate file's down part, at its own lines (the rest blanked, the marker too).
      const std::string& c = step.migration->content;
      size_t marker_end = c.find('\n', step.migration->down_offset);
      marker_end = marker_end == std::string::npos ? c.size() : marker_end;
      std::string blanked = c;
      for (size_t i = 0; i < marker_end; ++i) {
        if (blanked[i] != '\n') blanked[i] = ' ';
      }
      step.rollback.name = step.migration->name + " (down part)";
      step.rollback.path = step.migration->path;
      text = std::move(blanked);
    }
    if (!text.ok()) {
      problems += a->name + ": no rollback file " + step.rollback.path +
                  " (write one, or undo it by hand and remove its history row)\n";
      continue;
    }
    step.rollback.content = std::move(*text);
    std::vector<FileError> errs;
    ParseDirectives(&step.rollback, &errs);
    auto parsed = ParseMigration(step.rollback, &errs);
    if (parsed.ok()) {
      step.parsed = std::move(*parsed);
      STRATA_RETURN_IF_ERROR(CheckSyntaxOnServer(session_, step.rollback, step.parsed, &errs));
    }
    for (const auto& e : errs) problems += e.Format(step.rollback.content) + "\n";
    steps.push_back(std::move(step));
  }
  if (!problems.empty()) {
    problems.pop_back();
    return Status::InvalidInput(problems + "\nnothing was rolled back");
  }
  return steps;
}

Result<MigrateReport> Runner::Rollback(const RollbackOptions& opts,
                                       const std::vector<std::string>& expected) {
  auto lock = Lock(LockMode::kSession, -1);
  if (!lock.ok()) return lock.status();
  auto steps = PlanRollback(opts);
  if (!steps.ok()) return steps.status();
  std::vector<std::string> names;
  for (const auto& s : *steps) names.push_back(s.migration->name);
  if (names != expected) {
    return Status::Conflict("the history changed since the rollback was shown; nothing was rolled back");
  }
  MigrateReport report;
  int total = static_cast<int>(steps->size());
  for (int i = 0; i < total; ++i) {
    const RollbackStep& s = (*steps)[static_cast<size_t>(i)];
    if (observer_) observer_->OnFileStart(s.rollback, i + 1, total);
    int64_t start = MonotonicMillis();
    std::string forget = history_.DeleteSql(s.migration->name);
    if (!s.rollback.directives.no_transaction) {
      STRATA_RETURN_IF_ERROR(RunInTransaction(s.rollback, s.parsed, forget, ""));
    } else {
      int done = 0;
      for (const Statement& st : s.parsed.body) {
        if (!session_->Exec(st.Text(s.rollback.content)).ok()) {
          return FileFailure(s.rollback, st.offset,
                             done == 0 ? "" : "(" + std::to_string(done) + " statement(s) of this "
                                              "no-transaction rollback ran; the history row is kept) ");
        }
        ++done;
      }
      if (!session_->Exec(forget).ok()) return FileFailure(s.rollback, 0, "removing the history row: ");
    }
    FlushNotices();
    if (observer_) observer_->OnFileDone(s.rollback, i + 1, total, MonotonicMillis() - start);
    report.applied.push_back(s.migration->name);
  }
  return report;
}

}  // namespace strata
