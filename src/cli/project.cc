#include "cli/project.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "base/subprocess.h"

namespace strata::cli {

Result<Project> LoadProject(Context& ctx) {
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return cfg.status();
  Project p;
  p.config = *cfg;
  auto dir = MigrationDir::Load(ctx.MigrationsDir(p.config), p.config.naming, &p.directive_errors,
                                ctx.ProjectDir());
  if (!dir.ok()) return dir.status();
  p.dir = std::move(*dir);
  for (const auto& note : p.dir.notes) ctx.Note(note);
  if (p.dir.has_sum_file) {
    std::string path = JoinPath(p.dir.path, kSumFileName);
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    auto sum = ParseSum(*text, path);
    if (!sum.ok()) return sum.status();
    p.sum = std::move(*sum);
  }
  return p;
}

NameLintInput NameLintInputOf(const Project& p) {
  NameLintInput in;
  in.dir = &p.dir;
  in.directive_errors = p.directive_errors;
  in.sum = p.sum ? &*p.sum : nullptr;
  return in;
}

namespace {

// The error for strata.sum problems (none: ok).
Status SumConflict(const MigrationDir& dir, const std::vector<SumProblem>& problems) {
  if (problems.empty()) return Status::Ok();
  std::string msg;
  for (const auto& pr : problems) msg += JoinPath(dir.path, pr.file) + ": " + pr.message + "\n";
  return Status::Conflict(msg + "strata.sum does not match the migrations folder. Restore the "
                                "files, or if the change is deliberate (and not yet applied "
                                "anywhere) run `strata hash`");
}

}  // namespace

Status CheckSumFile(Context& ctx, const Project& p) {
  if (!p.sum) {
    if (!p.dir.files.empty()) {
      ctx.Note("warning: " + JoinPath(p.dir.path, kSumFileName) +
               " does not exist, so edits to migrations cannot be caught before they run; "
               "run `strata hash` and commit it");
    }
    return Status::Ok();
  }
  return SumConflict(p.dir, CheckSum(p.dir, *p.sum));
}

namespace {

// The files of `names` (in `dir`) that were never committed (git reports them untracked or
// only added); all of them when git cannot tell (no git, not a repository).
std::set<std::string> Uncommitted(const std::string& dir, const std::vector<std::string>& names) {
  std::set<std::string> all(names.begin(), names.end());
  std::vector<std::string> argv = {"git", "-C", dir, "status", "--porcelain", "--untracked-files=all", "--"};
  argv.insert(argv.end(), names.begin(), names.end());
  if (FindInPath("git").empty()) return all;
  auto r = RunProcess(argv);
  if (!r.ok() || r->exit_code != 0) return all;
  std::set<std::string> out;
  for (const auto& line : Split(r->out, '\n')) {
    // "?? path": untracked; "A  path": added, never committed. A committed file edited
    // in the working tree ("M") is not new.
    if (line.size() < 4 || !(StartsWith(line, "??") || line[0] == 'A')) continue;
    for (const auto& n : names) {
      if (EndsWith(line, n)) out.insert(n);
    }
  }
  return out;
}

}  // namespace

Status CheckSumFileOrRehash(Context& ctx, Project* p, const std::vector<std::string>* applied, bool is_protected) {
  if (!p->sum) return CheckSumFile(ctx, *p);
  auto problems = CheckSum(p->dir, *p->sum);
  Status strict = SumConflict(p->dir, problems);
  const char* ci = std::getenv("CI");
  if (strict.ok() || (ci && *ci) || is_protected) return strict;
  std::vector<std::string> files;
  for (const auto& pr : problems) {
    if (!p->dir.Find(pr.file)) return strict;  // a deleted file: never settled quietly
    files.push_back(pr.file);
  }
  std::string last_applied;
  if (applied) {
    for (const auto& a : *applied) last_applied = std::max(last_applied, a);
  }
  std::set<std::string> uncommitted = Uncommitted(p->dir.path, files);
  for (const auto& f : files) {
    if (!uncommitted.count(f)) return strict;
    if (applied && f <= last_applied) return strict;  // applied, or sorts before an applied file
  }
  STRATA_RETURN_IF_ERROR(WriteSum(p->dir));
  for (const auto& f : files) {
    ctx.Note("strata.sum: re-hashed " + JoinPath(p->dir.path, f) +
             " (not committed, not applied here: edited after `strata create`); commit strata.sum with it");
  }
  p->sum = ComputeSum(p->dir);
  return Status::Ok();
}

Status SumMatchesBeforeWriting(const MigrationDir& dir) {
  if (!dir.has_sum_file) return Status::Ok();
  std::string path = JoinPath(dir.path, kSumFileName);
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto sum = ParseSum(*text, path);
  if (!sum.ok()) return sum.status();
  auto problems = CheckSum(dir, *sum);
  if (problems.empty()) return Status::Ok();
  return Status::Conflict(JoinPath(dir.path, problems[0].file) + ": " + problems[0].message +
                          "; fix that first (or run `strata hash` if it was deliberate)");
}

Status DirectiveErrors(const Project& p) { return FileErrorsStatus(p.dir, p.directive_errors); }

void DesiredSourcesOf(const Context& ctx, const Config& cfg, const std::string& schema_flag, std::string* schema_dir,
                      std::vector<SchemaSource>* sources) {
  sources->clear();
  if (!schema_flag.empty() || cfg.schema_sources.empty()) {
    *schema_dir = schema_flag.empty() ? JoinPath(ctx.ProjectDir(), cfg.schema_dir) : schema_flag;
    return;
  }
  std::string label;
  for (SchemaSource s : cfg.schema_sources) {
    if (s.kind != SchemaSource::Kind::kCommand) s.value = JoinPath(ctx.ProjectDir(), s.value);
    if (s.kind != SchemaSource::Kind::kSql) s.run_dir = ctx.ProjectDir().empty() ? "." : ctx.ProjectDir();
    label += (label.empty() ? "" : " + ") + s.Label();
    sources->push_back(s);
  }
  *schema_dir = label;
}

}  // namespace strata::cli
