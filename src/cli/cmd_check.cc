// strata check — is the project consistent? strata.sum and file names (including two
// migrations written on two branches on top of one parent), schema/ against the replayed
// migrations (someone edited the schema without generating), and with --db the live
// database against the replay (drift). Exit 0 clean, 3 drift, 1 errors.
#include <fmt/format.h>

#include "base/fs.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/plan_print.h"
#include "cli/project.h"
#include "emit/emit.h"
#include "generate/generate.h"
#include "lint/names.h"

namespace strata::cli {
namespace {

nlohmann::json ChangesJson(const std::vector<Change>& changes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : changes) {
    nlohmann::json j = {{"action", ActionName(c.action)}, {"kind", c.kind}, {"object", c.object}};
    if (!c.fields.empty()) j["fields"] = c.fields;
    list.push_back(j);
  }
  return list;
}

std::string ChangeLine(const Change& c) {
  std::string s = std::string(c.action == ChangeAction::kCreate ? "+ " : c.action == ChangeAction::kDrop ? "- " : "~ ") +
                  c.kind + " " + c.object;
  for (size_t i = 0; i < c.fields.size(); ++i) s += (i ? ", " : " (") + c.fields[i];
  return s + (c.fields.empty() ? "" : ")");
}

}  // namespace

int RunCheck(int argc, char** argv) {
  CLI::App app{"Check strata.sum, names and branches; schema/ against migrations/; with --db, the database "
               "against migrations/ (exit 3 on drift)", "strata check"};
  GlobalOptions g;
  std::string schema_dir, dev_url, db;
  bool cache = false;
  auto* db_opt = app.add_option("--db", db, "Also compare a live database with the replayed migrations: the URL "
                                "given, or without one the database --url/$DATABASE_URL names")
                     ->expected(0, 1);
  app.add_option("--schema", schema_dir, "Desired schema folder (default: [schema] sources, else schema_dir, from strata.toml)");
  app.add_option("--dev-url", dev_url, "A server where strata may create shadow databases (default: the dev database)");
  bool timings = false;
  app.add_flag("--timings", timings, "Print each phase's wall time on stderr when done");
  app.add_flag("--cache", cache, "Keep shadow databases on the --dev-url server for the next run");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  TimingsReport report(ctx, timings);
  if (db_opt->count() > 0 && db.empty()) {
    auto url = ctx.ResolveUrl();
    if (!url.ok()) return ctx.Fail(url.status());
    db = *url;
  }
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  NameLintInput in = NameLintInputOf(*project);
  std::vector<Diagnostic> ds = LintNames(in);
  bool errors = HasErrors(ds);

  CheckRequest req;
  req.migrations_dir = ctx.MigrationsDir(project->config);
  DesiredSourcesOf(ctx, project->config, schema_dir, &req.schema_dir, &req.schema_sources);
  req.scope = project->config.scope;
  req.naming = project->config.naming;
  req.db_url = db;
  req.history_table = project->config.history_table;
  req.cache = cache || dev_url.empty();
  auto shadow = ctx.ShadowServer(dev_url, db);
  if (!shadow.ok()) return ctx.Fail(shadow.status());
  req.shadow_admin_url = *shadow;
  req.timings = report.get();
  auto out = Check(req);
  if (!out.ok()) {
    for (const auto& d : ds) ctx.Err(fmt::format("{}:{}:{}: {} [{}] {}", d.file, d.line, d.col, SeverityName(d.severity), d.rule, d.message));
    return ctx.Fail(out.status());
  }
  bool drift = !out->schema_changes.empty() || !out->db_changes.empty();
  int rc = errors ? kExitError : drift ? kExitPending : kExitOk;
  if (ctx.json()) {
    nlohmann::json diags = nlohmann::json::array();
    for (const auto& d : ds) {
      diags.push_back({{"rule", d.rule}, {"severity", SeverityName(d.severity)}, {"file", d.file}, {"line", d.line},
                       {"col", d.col}, {"message", d.message}, {"fix", d.fix}});
    }
    nlohmann::json j = {{"diagnostics", diags},
                        {"schema_drift", !out->schema_changes.empty()},
                        {"schema_changes", ChangesJson(out->schema_changes)},
                        {"missing_plan", PlanJson(out->missing)}};
    if (!out->plan_error.empty()) j["plan_error"] = out->plan_error;
    if (out->db_checked) {
      j["db_drift"] = !out->db_changes.empty();
      j["db_changes"] = ChangesJson(out->db_changes);
    }
    j["scope"] = {{"schemas", out->scope.schemas}, {"kinds", out->scope.kinds}, {"exclude", out->scope.exclude},
                  {"everything", out->scope.Everything()}};
    j["exit_code"] = rc;
    ctx.PrintJson(j);
    return rc;
  }
  for (const auto& d : ds) {
    ctx.Out(fmt::format("{}:{}:{}: {} [{}] {}", d.file, d.line, d.col,
                        ctx.Paint(SeverityName(d.severity), d.severity == Severity::kError ? "31" : "33"), d.rule,
                        d.message));
    if (!d.fix.empty()) ctx.Out("  fix: " + d.fix);
  }
  if (out->scope.Everything()) {
    ctx.Out("scope: everything (no [scope] in strata.toml, and the schema sources can describe every kind)");
  } else {
    for (const auto& line : out->scope.Describe()) ctx.Out("scope: " + line);
  }
  if (out->schema_changes.empty()) {
    ctx.Out("schema: " + req.schema_dir + " matches " + req.migrations_dir);
  } else {
    ctx.Out(ctx.Paint(fmt::format("schema drift: {} differs from {} in {} object(s) — run strata generate", req.schema_dir,
                                  req.migrations_dir, out->schema_changes.size()), "33"));
    for (const auto& c : out->schema_changes) ctx.Out("  " + ChangeLine(c));
    if (!out->plan_error.empty()) {
      ctx.Out("the missing migration cannot be planned: " + out->plan_error);
    } else {
      ctx.Out("the missing migration:");
      ctx.Out(PlanSql(out->missing));
    }
  }
  if (out->db_checked) {
    if (out->db_changes.empty()) {
      ctx.Out("database: matches " + req.migrations_dir);
    } else {
      ctx.Out(ctx.Paint(fmt::format("database drift: {} object(s) differ from {} (changed outside migrations, or "
                                    "migrations pending)", out->db_changes.size(), req.migrations_dir), "33"));
      for (const auto& c : out->db_changes) ctx.Out("  " + ChangeLine(c));
    }
  }
  return rc;
}

}  // namespace strata::cli
