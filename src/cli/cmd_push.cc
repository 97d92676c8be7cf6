// strata push — make a dev database match schema/ directly, without a migration file
// (drizzle-kit push). Refuses protected environments and data loss without a flag.
#include <fmt/format.h>

#include "base/fs.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "cli/context.h"
#include "cli/plan_print.h"
#include "emit/emit.h"
#include "generate/generate.h"

namespace strata::cli {

int RunPush(int argc, char** argv) {
  CLI::App app{"Apply schema/ directly to a dev database (never a protected environment)", "strata push"};
  GlobalOptions g;
  std::string schema_dir, dev_url;
  bool accept_data_loss = false, dry_run = false, no_concurrently = false, cache = false;
  app.add_option("--schema", schema_dir, "Desired schema folder (default: [schema] sources, else schema_dir, from strata.toml)");
  app.add_flag("--accept-data-loss", accept_data_loss, "Allow steps that delete data (drops)");
  app.add_flag("--dry-run", dry_run, "Print the SQL and its hazards; change nothing");
  app.add_flag("--no-concurrently", no_concurrently, "Plain forms in one transaction");
  app.add_flag("--cache", cache, "Keep the applied schema on the --dev-url server for the next run (always on for the dev database)");
  app.add_option("--dev-url", dev_url, "A server where strata may create shadow databases (default: the dev database)");
  bool timings = false;
  app.add_flag("--timings", timings, "Print each phase's wall time on stderr when done");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  TimingsReport report(ctx, timings);
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  auto url = ctx.ResolveUrl();
  if (!url.ok()) return ctx.Fail(url.status());
  if (ctx.IsProtected(*cfg, *url)) {
    return ctx.Fail(Status::Refused("push never runs on a protected environment" +
                                    (g.env.empty() ? std::string() : " (" + g.env + ")") +
                                    ": use strata generate and strata migrate; nothing was changed"));
  }
  PushRequest req;
  req.target_url = *url;
  DesiredSourcesOf(ctx, *cfg, schema_dir, &req.schema_dir, &req.schema_sources);
  req.scope = cfg->scope;
  req.history_table = cfg->history_table;
  req.plan.concurrently = !no_concurrently;
  req.cache = cache || dev_url.empty();
  auto shadow = ctx.ShadowServer(dev_url, *url);
  if (!shadow.ok()) return ctx.Fail(shadow.status());
  req.shadow_admin_url = *shadow;
  req.timings = report.get();
  auto plan = PlanPush(req);
  if (!plan.ok()) return ctx.Fail(plan.status());
  if (plan->empty()) {
    if (ctx.json()) ctx.PrintJson({{"steps", nlohmann::json::array()}, {"applied", false}, {"changes", false}});
    else ctx.Out("no changes: the database matches " + req.schema_dir);
    return kExitOk;
  }
  bool refused = plan->DeletesData() && !accept_data_loss;
  if (ctx.json()) {
    nlohmann::json j = PlanJson(*plan);
    j["changes"] = true;
    j["applied"] = false;
    if (dry_run || refused) {
      ctx.PrintJson(j);
      return refused ? ctx.Fail(Status::Refused("the plan deletes data; pass --accept-data-loss to apply it")) : kExitOk;
    }
    Status st = [&] {
      Timings::Scope t(report.get(), "apply");
      return ApplyPlan(*url, *plan, nullptr);
    }();
    if (!st.ok()) return ctx.Fail(st);
    j["applied"] = true;
    ctx.PrintJson(j);
    return kExitOk;
  }
  if (dry_run) {
    ctx.Out(PlanSql(*plan));
    PrintPlan(ctx, *plan);
    ctx.Out("(dry run: nothing changed)");
    return kExitOk;
  }
  if (refused) {
    PrintPlan(ctx, *plan);
    return ctx.Fail(Status::Refused("the plan deletes data (marked !); pass --accept-data-loss to apply it; nothing was changed"));
  }
  size_t done = 0;
  Timings::Scope applying(report.get(), "apply");
  Status st = ApplyPlan(*url, *plan, [&](const Step& s) {
    ++done;
    std::string line = fmt::format("[{}/{}] {}", done, plan->steps.size(), s.description);
    for (const auto& h : s.hazards) line += ctx.Paint(std::string(" ") + HazardCode(h.type), "33");
    ctx.Out(line);
  });
  if (!st.ok()) return ctx.Fail(st);
  ctx.Out(fmt::format("pushed {} step(s); the database matches {}", plan->steps.size(), req.schema_dir));
  return kExitOk;
}

}  // namespace strata::cli
