// strata lint — filename/order rules, directives and syntax. The safety rules over
// parse trees arrive with the lint issue; --names-only runs the filename/order rules alone.
#include <fmt/format.h>

#include "base/strings.h"
#include "base/fs.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "lint/names.h"
#include "migrate/history.h"

namespace strata::cli {
namespace {

void AddSyntaxFindings(const MigrationDir& dir, std::vector<Diagnostic>* out) {
  for (const auto& f : dir.files) {
    std::vector<FileError> errs;
    ParseMigration(f, &errs);
    for (const auto& e : errs) {
      LineCol lc = OffsetToLineCol(f.content, e.offset);
      out->push_back({StartsWith(e.message, "syntax error") ? "syntax" : "transaction",
                      Severity::kError, e.file, lc.line, lc.col, e.message, ""});
    }
  }
}

std::string GithubEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\n') out += "%0A";
    else if (c == '\r') out += "%0D";
    else out += c;
  }
  return out;
}

void Print(const Context& ctx, const std::string& format, const std::vector<Diagnostic>& ds) {
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : ds) {
      list.push_back({{"rule", d.rule}, {"severity", SeverityName(d.severity)}, {"file", d.file},
                      {"line", d.line}, {"column", d.col}, {"message", d.message}, {"fix", d.fix}});
    }
    ctx.PrintJson({{"diagnostics", list}, {"errors", HasErrors(ds)}});
    return;
  }
  for (const auto& d : ds) {
    if (format == "github") {
      ctx.Out(fmt::format("::{} file={},line={},col={},title={}::{}", SeverityName(d.severity),
                          d.file, d.line, d.col, d.rule,
                          GithubEscape(d.message + (d.fix.empty() ? "" : " Fix: " + d.fix))));
      continue;
    }
    const char* color = d.severity == Severity::kError ? "31" : "33";
    ctx.Out(fmt::format("{}:{}:{}: {} [{}] {}", d.file, d.line, d.col,
                        ctx.Paint(SeverityName(d.severity), color), d.rule, d.message));
    if (!d.fix.empty()) ctx.Out("  fix: " + d.fix);
  }
  if (format == "text") {
    int errors = 0;
    for (const auto& d : ds) errors += d.severity == Severity::kError;
    ctx.Out(fmt::format("{} error(s), {} warning(s)", errors, static_cast<int>(ds.size()) - errors));
  }
}

}  // namespace

int RunLint(int argc, char** argv) {
  CLI::App app{"Check migration files: naming scheme, duplicates, order against the database "
               "(with --url), strata.sum, directives and syntax", "strata lint"};
  GlobalOptions g;
  bool names_only = false, allow_out_of_order = false;
  app.add_flag("--names-only", names_only, "Only the filename and order rules");
  app.add_flag("--allow-out-of-order", allow_out_of_order, "Do not flag out-of-order files");
  AddGlobalOptions(app, &g, /*with_format=*/false);
  app.add_option("--format", g.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "github"}));
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  NameLintInput in;
  in.dir = &project->dir;
  in.directive_errors = project->directive_errors;
  in.sum = project->sum ? &*project->sum : nullptr;
  in.allow_out_of_order = allow_out_of_order;
  std::vector<AppliedMigration> applied;
  if (!g.url.empty() || !g.env.empty()) {
    auto conn = ctx.Connect();
    if (!conn.ok()) return ctx.Fail(conn.status());
    History history(conn->get(), project->config.history_table);
    auto rows = history.Load();
    if (!rows.ok()) return ctx.Fail(rows.status());
    applied = std::move(*rows);
    in.applied = &applied;
  }
  std::vector<Diagnostic> ds = LintNames(in);
  if (!names_only) AddSyntaxFindings(project->dir, &ds);
  Print(ctx, g.format, ds);
  return HasErrors(ds) ? kExitError : kExitOk;
}

}  // namespace strata::cli
