// strata migrate — apply pending migrations under the advisory lock.
#include <cstdlib>
#include <fmt/format.h>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "migrate/runner.h"

namespace strata::cli {
namespace {

class Printer : public RunObserver {
 public:
  explicit Printer(const Context& ctx) : ctx_(ctx) {}
  void OnWaitingForLock() override {
    ctx_.Note("waiting for another strata run to release the migration lock ...");
  }
  void OnFileDone(const MigrationFile& f, int i, int n, int64_t ms) override {
    if (ctx_.json()) return;
    ctx_.Out(fmt::format("{} [{}/{}] {} ({} ms)", ctx_.Paint("applied", "32"), i, n, f.name, ms));
  }
  void OnRetry(const MigrationFile& f, int attempt, int max, int64_t wait_ms,
               const std::string& why) override {
    ctx_.Note(fmt::format("{}: {}; retry {}/{} in {} ms", f.name, why, attempt, max, wait_ms));
  }
  void OnNotice(const std::string& m) override { ctx_.Note("  " + m); }

 private:
  const Context& ctx_;
};

std::string AppliedBy() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "";
}

int DryRun(Context& ctx, Runner& runner, const MigrateOptions& opts) {
  auto files = runner.Pending(opts);
  if (!files.ok()) return ctx.Fail(files.status());
  nlohmann::json list = nlohmann::json::array();
  for (const PendingMigration& m : *files) {
    const MigrationFile* f = m.file;
    bool tx = !f->directives.no_transaction;
    if (ctx.json()) {
      list.push_back({{"name", f->name}, {"transaction", tx}, {"sql", f->content}});
      continue;
    }
    ctx.Out(ctx.Paint("-- " + f->name + (tx ? " (one transaction)" : " (no transaction: statement by statement)"), "1"));
    ctx.Out(f->content);
  }
  if (ctx.json()) {
    ctx.PrintJson({{"dry_run", true}, {"pending", list}});
  } else {
    ctx.Note(fmt::format("dry run: {} migration(s) would be applied; nothing was changed",
                         files->size()));
  }
  return kExitOk;
}

}  // namespace

int RunMigrate(int argc, char** argv) {
  CLI::App app{"Apply pending migrations, in order, each in its own transaction", "strata migrate"};
  GlobalOptions g;
  MigrateOptions opts;
  bool dry_run = false;
  auto* to = app.add_option("--to", opts.to, "Apply up to and including this migration");
  app.add_option("--count", opts.count, "Apply at most N migrations")->excludes(to);
  app.add_flag("--dry-run", dry_run, "Print the SQL that would run; change nothing");
  app.add_flag("--allow-out-of-order", opts.allow_out_of_order,
               "Apply pending files that sort before an applied one");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  if (Status st = DirectiveErrors(*project); !st.ok()) return ctx.Fail(st);
  if (Status st = CheckSumFile(ctx, *project); !st.ok()) return ctx.Fail(st);
  auto conn = ctx.Connect();
  if (!conn.ok()) return ctx.Fail(conn.status());
  Printer printer(ctx);
  Runner runner(conn->get(), project->config, project->dir, &printer);
  if (dry_run) return DryRun(ctx, runner, opts);
  opts.applied_by = AppliedBy();
  double start = MonotonicSeconds();
  auto report = runner.Migrate(opts);
  if (!report.ok()) return ctx.Fail(report.status());
  double secs = MonotonicSeconds() - start;
  if (ctx.json()) {
    ctx.PrintJson({{"applied", report->applied}, {"seconds", secs}});
  } else if (report->applied.empty()) {
    ctx.Out("nothing to migrate: up to date");
  } else {
    ctx.Out(fmt::format("{} migration(s) applied in {:.2f} s", report->applied.size(), secs));
  }
  return kExitOk;
}

}  // namespace strata::cli
