// strata migrate — apply pending migrations under the migration lock.
#include <unistd.h>

#include <cstdlib>
#include <fmt/format.h>
#include <mutex>

#include "base/clock.h"
#include "base/parse.h"
#include "base/strings.h"
#include <tuple>
#include "cli/commands.h"
#include "cli/project.h"
#include "migrate/runner.h"

namespace strata::cli {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

class Printer : public RunObserver {
 public:
  explicit Printer(const Context& ctx)
      : ctx_(ctx), tty_(::isatty(2)), every_ms_(EnvInt("STRATA_PROGRESS_EVERY_MS", 5000)) {}
  void OnWaitingForLock(const std::string& holder) override {
    ctx_.Note("waiting for the migration lock, held by " + holder);
  }
  void OnWaitingForRun(const MigrationFile& f, const std::string& runner) override {
    ctx_.Note(fmt::format("{}: waiting for {}, which is applying it (later files wait for it)", f.name, runner));
  }
  void OnSettled(const MigrationFile& f, const std::string& how) override {
    ctx_.Note(fmt::format("{}: {}", f.name, how));
  }
  void OnFileDone(const MigrationFile& f, int i, int n, int64_t ms) override {
    ClearProgress();
    if (ctx_.json()) return;
    ctx_.Out(fmt::format("{} [{}/{}] {} ({} ms)", ctx_.Paint("applied", "32"), i, n, f.name, ms));
  }
  void OnResume(const MigrationFile& f, int done) override {
    ctx_.Note(fmt::format("{}: resuming after statement {} (no-transaction file)", f.name, done));
  }
  void OnRetry(const MigrationFile& f, int attempt, int max, int64_t wait_ms,
               const std::string& why) override {
    ctx_.Note(fmt::format("{}: {}; retry {}/{} in {} ms", f.name, why, attempt, max, wait_ms));
  }
  void OnRepair(const MigrationFile& f, const std::string& index) override {
    ctx_.Note(fmt::format("{}: dropping INVALID index {} to rebuild it (--repair-invalid-indexes)",
                          f.name, index));
  }
  void OnSkip(const MigrationFile& f, const std::string& why) override {
    ctx_.Note(fmt::format("{}: skipped, {}", f.name, why));
  }
  void OnIndexProgress(const IndexProgress& p) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string pct = p.percent < 0 ? "" : fmt::format(" {:.0f}%", p.percent);
    std::string line = fmt::format("  index {}: {}{}", p.index.empty() ? "(new)" : p.index, p.phase, pct);
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
      shown_ = true;
      return;
    }
    int64_t now = MonotonicMillis();
    if (last_ms_ != 0 && now - last_ms_ < every_ms_) return;
    last_ms_ = now;
    ctx_.Note(line);
  }
  void OnNotice(const std::string& m) override { ctx_.Note("  " + m); }

 private:
  void ClearProgress() {
    std::lock_guard<std::mutex> lock(mu_);
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
    last_ms_ = 0;
  }
  const Context& ctx_;
  bool tty_;
  int every_ms_;
  std::mutex mu_;
  bool shown_ = false;
  int64_t last_ms_ = 0;
};

std::string AppliedBy() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "";
}

// Prints the exact SQL of every pending file and the plan hash; returns the hash.
std::string PrintPlan(Context& ctx, const std::vector<PendingMigration>& files,
                      const std::string& target) {
  std::string hash = PlanHash(files);
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : files) {
      list.push_back({{"name", m.file->name}, {"checksum", m.file->checksum},
                      {"transaction", !m.file->directives.no_transaction},
                      {"resume_from", m.resume_from}, {"sql", m.file->content}});
    }
    ctx.PrintJson({{"target", target}, {"pending", list}, {"plan_hash", hash}});
    return hash;
  }
  for (const auto& m : files) {
    const MigrationFile* f = m.file;
    std::string how = f->directives.no_transaction ? "no transaction: statement by statement"
                                                   : "one transaction";
    if (m.resuming) how += fmt::format(", resuming after statement {}", m.resume_from);
    if (m.in_doubt > 0) how += fmt::format("; statement {} is in doubt and is settled first", m.in_doubt);
    ctx.Out(ctx.Paint("-- " + f->name + " (" + how + ")", "1"));
    ctx.Out(f->content);
  }
  ctx.Out(fmt::format("-- {} migration(s) pending on {}", files.size(), target));
  ctx.Out("plan-hash: " + hash);
  return hash;
}

}  // namespace

int RunMigrate(int argc, char** argv) {
  CLI::App app{"Apply pending migrations, in order, each in its own transaction", "strata migrate"};
  GlobalOptions g;
  MigrateOptions opts;
  bool plan = false;
  std::string lock_mode = "session", lock_timeout, statement_timeout, lock_wait = "10min";
  auto* to = app.add_option("--to", opts.to, "Apply up to and including this migration");
  app.add_option("--count", opts.count, "Apply at most N migrations")->excludes(to);
  app.add_flag("--plan,--dry-run", plan,
               "Print the exact SQL of every pending file and its plan-hash; change nothing");
  app.add_option("--approve", opts.approve,
                 "Apply only if the plan-hash of what would run equals this (protected environments)");
  app.add_flag("--allow-out-of-order", opts.allow_out_of_order,
               "Apply pending files that sort before an applied one");
  app.add_flag("--repair-invalid-indexes", opts.repair_invalid_indexes,
               "Drop and rebuild indexes left INVALID by a failed CREATE INDEX CONCURRENTLY");
  app.add_option("--lock-mode", lock_mode,
                 "session (default), transaction (behind PgBouncer transaction pooling) or none")
      ->check(CLI::IsMember({"session", "transaction", "none"}));
  app.add_option("--lock-wait", lock_wait,
                 "How long to wait for another run (its migration lock, or a no-transaction file it "
                 "is applying) before giving up (default 10min)");
  app.add_option("--settle", opts.settle,
                 "Settle the in-doubt statement of an interrupted no-transaction file: done (it "
                 "completed) or rerun")
      ->check(CLI::IsMember({"done", "rerun"}));
  app.add_option("--lock-timeout", lock_timeout, "Override lock_timeout (e.g. 2s)");
  app.add_option("--statement-timeout", statement_timeout, "Override statement_timeout (e.g. 10min)");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  opts.lock_mode = *ParseLockMode(lock_mode);
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  Config& cfg = project->config;
  for (const auto& [flag, value, field] :
       {std::tuple{"--lock-timeout", &lock_timeout, &cfg.lock_timeout},
        std::tuple{"--statement-timeout", &statement_timeout, &cfg.statement_timeout}}) {
    if (value->empty()) continue;
    if (!IsValidDuration(*value)) {
      return ctx.Fail(Status::Usage(std::string(flag) + " needs a duration such as 5s or 250ms"));
    }
    *field = *value;
  }
  if (!ParseDurationMs(lock_wait, &opts.lock_wait_ms)) {
    return ctx.Fail(Status::Usage("--lock-wait needs a duration such as 30s or 10min"));
  }
  if (Status st = DirectiveErrors(*project); !st.ok()) return ctx.Fail(st);
  std::string source;
  auto url = ctx.ResolveUrl(&source);
  if (!url.ok()) return ctx.Fail(url.status());
  // A name unique to this run: pg_stat_activity shows it, other runners print it while
  // they wait, and it marks the no-transaction file this run is applying.
  auto conn = Connection::Open(*url, "strata migrate " + RandomHex(6));
  if (!conn.ok()) return ctx.Fail(conn.status());
  {
    // What this database has applied decides which edited files may be re-hashed.
    bool protected_env = !g.env.empty() && cfg.environments[g.env].is_protected;
    std::vector<std::string> applied;
    History history(conn->get(), cfg.history_table);
    auto exists = history.Exists();
    if (exists.ok() && *exists) {
      auto rows = history.Load();
      if (!rows.ok()) return ctx.Fail(rows.status());
      for (const auto& a : *rows) applied.push_back(a.name);
    }
    if (Status st = CheckSumFileOrRehash(ctx, &*project, &applied, protected_env); !st.ok()) return ctx.Fail(st);
  }
  Printer printer(ctx);
  RunnerHooks hooks;
  hooks.open_monitor = Connection::Opener(*url);
  hooks.progress_delay_ms = EnvInt("STRATA_PROGRESS_DELAY_MS", 1000);
  hooks.progress_interval_ms = EnvInt("STRATA_PROGRESS_INTERVAL_MS", 500);
  Runner runner(conn->get(), cfg, project->dir, &printer, hooks);
  std::string target = g.env.empty() ? MaskPassword(url->empty() ? source : *url) : "environment " + g.env;
  bool is_protected = !g.env.empty() && cfg.environments[g.env].is_protected;
  if (plan || (is_protected && opts.approve.empty())) {
    auto files = runner.Pending(opts);
    if (!files.ok()) return ctx.Fail(files.status());
    std::string hash = PrintPlan(ctx, *files, target);
    if (plan || files->empty()) return kExitOk;
    if (!CanPrompt()) {
      return ctx.Fail(Status::Refused(
          g.env + " is a protected environment: nothing was changed. Review the SQL above, then "
                  "run again with --approve " + hash));
    }
    std::string answer = Ask(fmt::format("{} is protected. Type '{}' to apply the {} migration(s) above: ",
                                         g.env, g.env, files->size()));
    if (answer != g.env) return ctx.Fail(Status::Refused("not confirmed: nothing was changed"));
    opts.approve = hash;  // apply exactly what was shown, or nothing
  }
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
