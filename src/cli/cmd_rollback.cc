// strata rollback — run <stem>_rollback.sql companions, newest first. Manual only.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/project.h"
#include "migrate/runner.h"

namespace strata::cli {
namespace {

class Printer : public RunObserver {
 public:
  explicit Printer(const Context& ctx) : ctx_(ctx) {}
  void OnWaitingForLock(const std::string& holder) override {
    ctx_.Note("waiting for the migration lock, held by " + holder);
  }
  void OnFileDone(const MigrationFile& f, int i, int n, int64_t ms) override {
    if (!ctx_.json()) ctx_.Out(fmt::format("{} [{}/{}] {} ({} ms)", ctx_.Paint("rolled back", "35"), i, n, f.name, ms));
  }
  void OnNotice(const std::string& m) override { ctx_.Note("  " + m); }

 private:
  const Context& ctx_;
};

}  // namespace

int RunRollback(int argc, char** argv) {
  CLI::App app{"Run the _rollback.sql companions of the newest applied migrations, in reverse "
               "order, each in a transaction with removal of its history row. Manual only: "
               "refused when CI is set", "strata rollback"};
  GlobalOptions g;
  RollbackOptions opts;
  bool yes = false;
  auto* to = app.add_option("--to", opts.to, "Roll back everything applied after this migration");
  app.add_option("--count", opts.count, "Roll back the last N applied (default 1)")->excludes(to);
  app.add_flag("--yes,-y", yes, "Do not ask (refused in CI and on protected environments)");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  if (InCi()) {
    return ctx.Fail(Status::Refused("rollback is a manual, human-approved operation: refused because CI is set"));
  }
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  auto conn = ctx.Connect();
  if (!conn.ok()) return ctx.Fail(conn.status());
  Printer printer(ctx);
  Runner runner(conn->get(), project->config, project->dir, &printer);
  auto steps = runner.PlanRollback(opts);
  if (!steps.ok()) return ctx.Fail(steps.status());
  if (steps->empty()) {
    ctx.Out("nothing to roll back");
    return kExitOk;
  }
  std::vector<std::string> names;
  for (const auto& s : *steps) {
    names.push_back(s.migration->name);
    if (ctx.json()) continue;
    ctx.Out(ctx.Paint("-- " + s.rollback.name + " (undoes " + s.migration->name + ")", "1"));
    ctx.Out(s.rollback.content);
  }
  bool is_protected = !g.env.empty() && project->config.environments[g.env].is_protected;
  if (!yes || is_protected) {
    if (!CanPrompt()) {
      return ctx.Fail(Status::Refused("rollback needs confirmation: run it in a terminal, or pass "
                                      "--yes (not for protected environments); nothing was changed"));
    }
    std::string word = is_protected ? g.env : "rollback";
    std::string answer = Ask(fmt::format("Type '{}' to run the {} rollback file(s) above: ", word, steps->size()));
    if (answer != word) return ctx.Fail(Status::Refused("not confirmed: nothing was changed"));
  }
  auto report = runner.Rollback(opts, names);
  if (!report.ok()) return ctx.Fail(report.status());
  if (ctx.json()) ctx.PrintJson({{"rolled_back", report->applied}});
  else ctx.Out(fmt::format("{} migration(s) rolled back", report->applied.size()));
  return kExitOk;
}

}  // namespace strata::cli
