// strata dev start|stop|status|url|reset|destroy — the embedded throwaway database.
#include "cli/commands.h"
#include "cli/context.h"
#include "devdb/dev_cluster.h"

namespace strata::cli {

int RunDev(int argc, char** argv) {
  CLI::App app{"Manage the embedded dev database: a throwaway local PostgreSQL under "
               ".strata/dev/ (127.0.0.1 only)", "strata dev"};
  GlobalOptions g;
  std::string action;
  bool yes = false, with_password = false;
  std::string database = "strata";
  app.add_option("action", action, "start | stop | status | url | reset | destroy")
      ->required()
      ->check(CLI::IsMember({"start", "stop", "status", "url", "reset", "destroy"}));
  app.add_option("--config", g.config_path, "Configuration file (its folder holds .strata/)");
  app.add_option("--format", g.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--yes,-y", yes, "reset/destroy: do not ask");
  app.add_option("--database", database, "url: this database instead of \"strata\"");
  app.add_flag("--with-password", with_password,
               "url: put the password in the URL, for clients that cannot read a pgpass file "
               "(node-postgres, dbmate); by default the URL names .strata/dev/pgpass instead");
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  DevCluster dev = ctx.Dev();

  if (action == "start") {
    bool was_running = dev.Running();
    if (!was_running) ctx.Note("starting the dev database in " + ctx.DevDir() + " ...");
    Status st = dev.Start();
    if (!st.ok()) return ctx.Fail(st);
    auto url = dev.Url();
    if (!url.ok()) return ctx.Fail(url.status());
    if (ctx.json()) {
      ctx.PrintJson({{"running", true}, {"url", *url}, {"started", !was_running}, {"postgres", dev.DataMajor()}});
    } else {
      ctx.Out((was_running ? "already running: " : "started: ") + *url + " (PostgreSQL " +
              std::to_string(dev.DataMajor()) + ")");
    }
    return kExitOk;
  }
  if (action == "stop") {
    Status st = dev.Stop();
    if (!st.ok()) return ctx.Fail(st);
    if (ctx.json()) ctx.PrintJson({{"running", false}});
    else ctx.Out("stopped");
    return kExitOk;
  }
  if (action == "status" || action == "url") {
    bool running = dev.Running();
    auto url = action == "url" ? (with_password ? dev.UrlWithPassword(database) : dev.Url(database)) : dev.Url();
    if (action == "url") {
      if (!running) return ctx.Fail(Status::Conflict("the dev database is not running: `strata dev start`"));
      ctx.Out(*url);
      return kExitOk;
    }
    if (ctx.json()) {
      ctx.PrintJson({{"running", running}, {"url", url.ok() ? *url : ""}, {"dir", dev.dir()},
                     {"postgres", dev.DataMajor()}});
    } else {
      ctx.Out(running ? "running: " + *url + " (PostgreSQL " + std::to_string(dev.DataMajor()) + ")" : "stopped");
    }
    return running ? kExitOk : kExitPending;
  }
  // reset and destroy lose data: ask, or require --yes (never prompt in CI or without a TTY).
  if (!yes) {
    if (!CanPrompt()) {
      return ctx.Fail(Status::Usage("dev " + action + " deletes the dev database's data; pass --yes"));
    }
    std::string answer = Ask("dev " + action + " deletes all data in the dev database. Continue? [y/N] ");
    if (answer != "y" && answer != "Y" && answer != "yes") return ctx.Fail(Status::Refused("cancelled"));
  }
  std::vector<std::string> dropped;
  Status st = action == "reset" ? dev.Reset(&dropped) : dev.Destroy();
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json()) {
    nlohmann::json j = {{"action", action}, {"dropped", dropped}};
    ctx.PrintJson(j);
    return kExitOk;
  }
  if (action == "reset") {
    for (const auto& name : dropped) ctx.Out("dropped " + name);
    ctx.Out("reset: database strata is empty" +
            (dropped.empty() ? std::string() : "; " + std::to_string(dropped.size()) + " shadow/cache database(s) dropped"));
  } else {
    ctx.Out("destroyed");
  }
  return kExitOk;
}

}  // namespace strata::cli
