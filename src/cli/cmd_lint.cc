// strata lint — the migration safety linter (DESIGN.md §5) plus the filename/order rules.
//   strata lint                 all migrations (earlier files' tables count as existing), or with --db only the
//                               pending ones, as one run against the live database's facts
//   strata lint FILE...         the given files, as one run in the order given
#include <fmt/format.h>

#include <map>
#include <thread>

#include "base/fs.h"
#include "base/strings.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "lint/db_facts.h"
#include "lint/names.h"
#include "lint/sql_lint.h"
#include "migrate/history.h"
#include "sql/statement.h"

namespace strata::cli {
namespace {

std::string GithubEscape(const std::string& s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\n') out += "%0A";
    else if (c == '\r') out += "%0D";
    else if (property && c == ':') out += "%3A";
    else if (property && c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

nlohmann::json Sarif(const std::vector<Diagnostic>& ds) {
  nlohmann::json rules = nlohmann::json::array();
  std::map<std::string, int> index;
  auto rule_index = [&](const Diagnostic& d) {
    auto it = index.find(d.rule);
    if (it != index.end()) return it->second;
    const RuleInfo* r = FindRule(d.rule);
    rules.push_back({{"id", d.rule},
                     {"shortDescription", {{"text", r ? r->summary : d.rule}}},
                     {"defaultConfiguration", {{"level", SeverityName(r ? r->severity : d.severity)}}}});
    return index[d.rule] = static_cast<int>(rules.size()) - 1;
  };
  nlohmann::json results = nlohmann::json::array();
  for (const auto& d : ds) {
    int ri = rule_index(d);
    nlohmann::json result = {
        {"ruleId", d.rule},
        {"ruleIndex", ri},
        {"level", SeverityName(d.severity)},
        {"message", {{"text", d.message + (d.fix.empty() ? "" : " Fix: " + d.fix)}}},
        {"locations",
         {{{"physicalLocation",
            {{"artifactLocation", {{"uri", d.file}}},
             {"region", {{"startLine", d.line}, {"startColumn", d.col}}}}}}}}};
    results.push_back(result);
  }
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs",
           {{{"tool",
              {{"driver",
                {{"name", "strata"},
                 {"version", STRATA_VERSION},
                 {"informationUri", "https://github.com/strata-migrate/strata"},
                 {"rules", rules}}}}},
             {"results", results}}}}};
}

void Print(const Context& ctx, const std::string& format, const std::vector<Diagnostic>& ds) {
  int errors = 0;
  for (const auto& d : ds) errors += d.severity == Severity::kError;
  int warnings = static_cast<int>(ds.size()) - errors;
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : ds) {
      list.push_back({{"rule", d.rule}, {"severity", SeverityName(d.severity)}, {"file", d.file},
                      {"line", d.line}, {"column", d.col}, {"message", d.message}, {"fix", d.fix},
                      {"source", d.source}});
    }
    ctx.PrintJson({{"diagnostics", list}, {"errors", errors}, {"warnings", warnings}});
    return;
  }
  if (format == "sarif") {
    ctx.PrintJson(Sarif(ds));
    return;
  }
  std::string out;
  for (const auto& d : ds) {
    if (format == "github") {
      out += fmt::format("::{} file={},line={},col={},title={}::{}\n", SeverityName(d.severity),
                         GithubEscape(d.file, true), d.line, d.col, GithubEscape(d.rule, true),
                         GithubEscape(d.message + (d.fix.empty() ? "" : ". Fix: " + d.fix), false));
      continue;
    }
    const char* color = d.severity == Severity::kError ? "1;31" : "1;33";
    out += fmt::format("{}:{}:{}: {} {}\n", d.file, d.line, d.col,
                       ctx.Paint(std::string(SeverityName(d.severity)) + "[" + d.rule + "]", color),
                       d.message);
    if (!d.source.empty()) {
      std::string gutter = std::to_string(d.line);
      std::string pad(gutter.size(), ' ');
      std::string caret;
      for (int i = 1; i < d.col && i <= static_cast<int>(d.source.size()); ++i) {
        caret += d.source[i - 1] == '\t' ? '\t' : ' ';
      }
      out += fmt::format(" {} | {}\n {} | {}{}\n", gutter, d.source, pad, caret, ctx.Paint("^", color));
    }
    if (!d.fix.empty()) out += "  " + ctx.Paint("fix:", "36") + " " + d.fix + "\n";
  }
  if (!out.empty()) out.pop_back();
  if (!out.empty()) ctx.Out(out);
  if (format == "text") ctx.Out(fmt::format("{} error(s), {} warning(s)", errors, warnings));
}

void PrintRules(const Context& ctx, const std::string& format) {
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : SqlRules()) {
      list.push_back({{"rule", r.id}, {"severity", SeverityName(r.severity)}, {"summary", r.summary},
                      {"opt_in", r.opt_in}});
    }
    ctx.PrintJson({{"rules", list}});
    return;
  }
  for (const auto& r : SqlRules()) {
    ctx.Out(fmt::format("{:<45} {:<8} {}{}", r.id, SeverityName(r.severity), r.summary,
                        r.opt_in ? " (opt-in: [lint] enable)" : ""));
  }
}

}  // namespace

int RunLint(int argc, char** argv) {
  CLI::App app{"Check migrations: safety rules over PostgreSQL's parse tree (squawk's rule ids, "
               "strong_migrations' checks, the runbook rules), file naming and order, strata.sum. "
               "Exit 1 when an error-level finding remains.", "strata lint"};
  GlobalOptions g;
  bool names_only = false, allow_out_of_order = false, list_rules = false;
  std::string db_url;
  int pg_version = 0;
  std::vector<std::string> files;
  app.add_option("files", files, "Lint these SQL files (as one run, in this order) instead of the migrations folder");
  app.add_option("--db", db_url,
                 "Database to lint against: only its pending migrations, with its row estimates "
                 "(pg_class.reltuples), tables, enums and PostgreSQL version");
  app.add_option("--pg-version", pg_version, "PostgreSQL major version the migrations run on "
                 "(default: the --db server's, else [dev] postgres in strata.toml; unknown: "
                 "statements the bundled parser cannot read are warnings, not errors)")->check(CLI::Range(9, 30));
  app.add_flag("--rules", list_rules, "List the rules and exit");
  app.add_flag("--names-only", names_only, "Only the filename and order rules");
  app.add_flag("--allow-out-of-order", allow_out_of_order, "Do not flag out-of-order files");
  AddGlobalOptions(app, &g, /*with_format=*/false);
  app.add_option("--format", g.format, "Output format: text, json, github (workflow annotations), sarif")
      ->check(CLI::IsMember({"text", "json", "github", "sarif"}));
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  if (!db_url.empty()) g.url = db_url;
  Context ctx(g);
  if (list_rules) {
    PrintRules(ctx, g.format);
    return kExitOk;
  }
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());

  std::unique_ptr<Connection> conn;
  LintDatabase facts;
  bool have_db = !g.url.empty() || !g.env.empty();
  if (have_db) {
    auto c = ctx.Connect();
    if (!c.ok()) return ctx.Fail(c.status());
    conn = std::move(*c);
  }
  LintOptions options;
  options.disabled.insert(cfg->lint_disable.begin(), cfg->lint_disable.end());
  options.enabled.insert(cfg->lint_enable.begin(), cfg->lint_enable.end());
  options.runner_lock_timeout = !cfg->lock_timeout.empty() && cfg->lock_timeout != "0";
  options.runner_statement_timeout = !cfg->statement_timeout.empty() && cfg->statement_timeout != "0";
  std::vector<std::string> named = cfg->lint_disable;
  named.insert(named.end(), cfg->lint_enable.begin(), cfg->lint_enable.end());
  for (const auto& id : named) {
    if (!FindRule(id) && id != "require-timeout-settings") return ctx.Fail(Status::InvalidInput(cfg->path + ": [lint] names an unknown rule '" + id + "' (see strata lint --rules)"));
  }
  if (conn && !names_only) {
    auto f = LoadLintDatabase(conn.get());
    if (!f.ok()) return ctx.Fail(f.status());
    facts = std::move(*f);
    if (pg_version == 0) {
      auto v = ServerMajorVersion(conn.get());
      if (v.ok()) pg_version = *v;
    }
  }
  if (pg_version == 0) pg_version = cfg->pg_major;
  options.pg_version_known = pg_version != 0;
  options.pg_version = pg_version == 0 ? BundledParserMajor() : pg_version;
  const int kThreads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::vector<Diagnostic> ds;
  if (!files.empty()) {
    // Given files: one run, in the order given.
    std::vector<MigrationFile> loaded(files.size());
    std::vector<LintSource> sources;
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string& path = files[i];
      MigrationFile& f = loaded[i];
      f.path = path;
      f.name = path.substr(path.find_last_of('/') + 1);
      std::vector<FileError> errs;
      std::vector<std::string> notes;
      std::vector<std::string> roots = {CanonicalPath(ctx.ProjectDir()),
                                        CanonicalPath(ctx.MigrationsDir(*cfg))};
      if (Status st = ReadMigrationFile(&f, roots, &errs, &notes); !st.ok()) {
        return ctx.Fail(Status::InvalidInput(path + ": " + st.message()));
      }
      for (const auto& n : notes) ctx.Note(n);
      for (const auto& e : errs) {
        LineCol lc = OffsetToLineCol(f.content, e.offset);
        ds.push_back({"directive", Severity::kError, path, lc.line, lc.col, e.message, "",
                      std::string(LineAt(f.content, lc.line))});
      }
    }
    // Files of the migrations folder: the folder's files before them are read first, for
    // what they created (a table made PARTITION BY two files earlier is partitioned here).
    size_t context = 0;
    auto project = LoadProject(ctx);
    std::string mdir = CanonicalPath(ctx.MigrationsDir(*cfg));
    bool in_folder = project.ok() && !loaded.empty();
    std::set<std::string> given;
    for (const auto& f : loaded) {
      in_folder = in_folder && CanonicalPath(f.path) == mdir + "/" + f.name;
      given.insert(f.name);
    }
    if (in_folder) {
      for (const auto& f : project->dir.files) {
        if (f.name >= loaded.front().name) break;
        if (!given.count(f.name)) sources.push_back(LintSourceOf(f)), ++context;
      }
    }
    for (const auto& f : loaded) sources.push_back(LintSourceOf(f));
    auto found = LintFiles(options, conn ? &facts : nullptr, sources, /*one_run=*/true, kThreads, context);
    ds.insert(ds.end(), found.begin(), found.end());
  } else {
    auto project = LoadProject(ctx);
    if (!project.ok()) return ctx.Fail(project.status());
    std::vector<AppliedMigration> applied;
    if (conn) {
      History history(conn.get(), project->config.history_table);
      auto rows = history.Load();
      if (!rows.ok()) return ctx.Fail(rows.status());
      applied = std::move(*rows);
    }
    {
      // create, edit, lint: a file not yet committed (nor applied, with --db) is re-hashed
      // on a development machine, as migrate does.
      std::vector<std::string> names;
      for (const auto& a : applied) names.push_back(a.name);
      if (project->sum) CheckSumFileOrRehash(ctx, &*project, conn ? &names : nullptr, false);
    }
    NameLintInput in = NameLintInputOf(*project);
    in.allow_out_of_order = allow_out_of_order;
    if (conn) in.applied = &applied;
    ds = LintNames(in);
    if (!names_only) {
      std::set<std::string> done;
      for (const auto& a : applied) done.insert(a.name);
      // With a database, the pending files are one run on top of it. Without one, nothing
      // says which files are applied: what an earlier file created counts as existing.
      std::vector<LintSource> sources;
      for (const auto& f : project->dir.files) {
        if (!done.count(f.name)) sources.push_back(LintSourceOf(f));
      }
      auto found = LintFiles(options, conn ? &facts : nullptr, sources, /*one_run=*/conn != nullptr, kThreads);
      ds.insert(ds.end(), found.begin(), found.end());
    }
  }
  Print(ctx, g.format, ds);
  return HasErrors(ds) ? kExitError : kExitOk;
}

}  // namespace strata::cli
