#include "cli/project.h"

#include "base/fs.h"

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

Status CheckSumFile(Context& ctx, const Project& p) {
  if (!p.sum) {
    if (!p.dir.files.empty()) {
      ctx.Note("warning: " + JoinPath(p.dir.path, kSumFileName) +
               " does not exist, so edits to migrations cannot be caught before they run; "
               "run `strata hash` and commit it");
    }
    return Status::Ok();
  }
  auto problems = CheckSum(p.dir, *p.sum);
  if (problems.empty()) return Status::Ok();
  std::string msg;
  for (const auto& pr : problems) msg += JoinPath(p.dir.path, pr.file) + ": " + pr.message + "\n";
  return Status::Conflict(msg + "strata.sum does not match the migrations folder. Restore the "
                                "files, or if the change is deliberate (and not yet applied "
                                "anywhere) run `strata hash`");
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

Status DirectiveErrors(const Project& p) {
  if (p.directive_errors.empty()) return Status::Ok();
  std::string msg;
  for (const auto& e : p.directive_errors) {
    const MigrationFile* f = nullptr;
    for (const auto& file : p.dir.files) {
      if (file.path == e.file) f = &file;
    }
    msg += (f ? e.Format(f->content) : e.file + ": " + e.message) + "\n";
  }
  msg.pop_back();
  return Status::InvalidInput(msg);
}

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
