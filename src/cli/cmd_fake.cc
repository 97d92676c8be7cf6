// strata fake — record pending migrations as applied without running them (baselining).
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/project.h"
#include "migrate/runner.h"

namespace strata::cli {

int RunFake(int argc, char** argv) {
  CLI::App app{"Record pending migrations as applied (kind 'fake') without running them",
               "strata fake"};
  GlobalOptions g;
  MigrateOptions opts;
  auto* to = app.add_option("--to", opts.to, "Up to and including this migration");
  app.add_option("--count", opts.count, "At most N migrations")->excludes(to);
  app.add_flag("--allow-out-of-order", opts.allow_out_of_order, "Include files that sort before an applied one");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  if (Status st = CheckSumFile(ctx, *project); !st.ok()) return ctx.Fail(st);
  auto conn = ctx.Connect();
  if (!conn.ok()) return ctx.Fail(conn.status());
  Runner runner(conn->get(), project->config, project->dir, nullptr);
  auto report = runner.Fake(opts);
  if (!report.ok()) return ctx.Fail(report.status());
  if (ctx.json()) {
    ctx.PrintJson({{"faked", report->applied}});
    return kExitOk;
  }
  for (const auto& n : report->applied) ctx.Out(ctx.Paint("faked  ", "36") + " " + n);
  ctx.Out(fmt::format("{} migration(s) recorded as applied without running", report->applied.size()));
  return kExitOk;
}

}  // namespace strata::cli
