// strata adopt node-pg-migrate|drizzle — import another tool's history, never re-running
// anything and never guessing: rows that do not match a file exactly are reported.
#include <fmt/format.h>

#include "base/fs.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "migrate/adopt.h"

namespace strata::cli {
namespace {

void Report(Context& ctx, const AdoptPlan& plan, bool dry_run) {
  if (ctx.json()) {
    nlohmann::json matched = nlohmann::json::array(), unmatched = nlohmann::json::array();
    for (const auto& r : plan.matched) matched.push_back({{"source", r.source}, {"file", r.file}});
    for (const auto& r : plan.unmatched) unmatched.push_back({{"source", r.source}, {"reason", r.reason}});
    ctx.PrintJson({{"matched", matched}, {"unmatched", unmatched}, {"already", plan.already},
                   {"pending", plan.not_recorded}, {"dry_run", dry_run}});
    return;
  }
  for (const auto& r : plan.matched) ctx.Out(ctx.Paint("matched  ", "32") + " " + r.source + " -> " + r.file);
  for (const auto& n : plan.already) ctx.Out("already   " + n);
  for (const auto& r : plan.unmatched) ctx.Out(ctx.Paint("unmatched", "31") + " " + r.source + ": " + r.reason);
  for (const auto& n : plan.not_recorded) ctx.Out("pending   " + n + " (never applied by the other tool)");
  ctx.Out(fmt::format("{} matched, {} already recorded, {} unmatched, {} pending", plan.matched.size(),
                      plan.already.size(), plan.unmatched.size(), plan.not_recorded.size()));
}

}  // namespace

int RunAdopt(int argc, char** argv) {
  CLI::App app{"Import an existing migration history without re-running anything", "strata adopt"};
  GlobalOptions g;
  std::string tool, table, journal;
  bool dry_run = false, allow_unmatched = false;
  app.add_option("tool", tool, "node-pg-migrate | drizzle")
      ->required()
      ->check(CLI::IsMember({"node-pg-migrate", "drizzle"}));
  app.add_option("--table", table,
                 "The other tool's history table (node-pg-migrate: required, e.g. "
                 "kortix_migrations.pgmigrations; drizzle: default drizzle.__drizzle_migrations)");
  app.add_option("--journal", journal, "drizzle: meta/_journal.json (default <migrations>/meta/_journal.json)");
  app.add_flag("--dry-run", dry_run, "Show what would be imported; change nothing");
  app.add_flag("--allow-unmatched", allow_unmatched,
               "Import the matched rows even when some rows match no file");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  if (tool == "node-pg-migrate" && table.empty()) {
    return ctx.Fail(Status::Usage("adopt node-pg-migrate needs --table <schema.table> (node-pg-migrate's default is public.pgmigrations)"));
  }
  auto source = ParseQualifiedName(table.empty() ? "drizzle.__drizzle_migrations" : table);
  if (!source.ok()) return ctx.Fail(Status::Usage(source.status().message()));
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  auto conn = ctx.Connect();
  if (!conn.ok()) return ctx.Fail(conn.status());
  if (journal.empty()) journal = JoinPath(project->dir.path, "meta/_journal.json");
  bool recorded = false;
  auto plan = Adopt(conn->get(), project->dir,
                    {tool, project->config.history_table, *source, journal, !dry_run, allow_unmatched},
                    [&](const std::string& holder) { ctx.Note("waiting for the migration lock, held by " + holder); },
                    &recorded);
  if (!plan.ok()) return ctx.Fail(plan.status());
  Report(ctx, *plan, dry_run);
  if (!plan->unmatched.empty() && !allow_unmatched) {
    return ctx.Fail(Status::Conflict(fmt::format(
        "{} row(s) of {} match no migration file exactly; nothing was imported. Restore the "
        "files, or pass --allow-unmatched to import the {} that match",
        plan->unmatched.size(), source->Display(), plan->matched.size())));
  }
  if (dry_run) return kExitOk;
  if (!ctx.json()) ctx.Out(fmt::format("recorded {} migration(s) as adopted in {}", plan->matched.size(),
                                       project->config.history_table.Display()));
  return kExitOk;
}

}  // namespace strata::cli
