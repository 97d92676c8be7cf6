// strata diff --from SRC --to SRC — what differs between two schemas, object by object.
// Sources: db:URL, schema:DIR, migrations:DIR (the last two through a shadow database on
// the dev cluster or --dev-url).
#include <fmt/format.h>

#include <future>

#include "base/strings.h"
#include "generate/generate.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "diff/diff.h"
#include "emit/emit.h"
#include "plan/plan.h"
#include "cli/plan_print.h"
#include "generate/source.h"

namespace strata::cli {
namespace {

std::string Short(const nlohmann::json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

int RunDiff(int argc, char** argv) {
  CLI::App app{"Show what differs between two schemas, object by object", "strata diff"};
  GlobalOptions g;
  std::string from, to, dev_url;
  app.add_option("--from", from, "Source: db:URL, schema:DIR or migrations:DIR")->required();
  app.add_option("--to", to, "Target: db:URL, schema:DIR or migrations:DIR")->required();
  app.add_option("--dev-url", dev_url,
                 "A server where strata may create shadow databases (default: the dev database)");
  app.add_option("--config", g.config_path, "Configuration file")->capture_default_str();
  app.add_option("--format", g.format, "text (object changes), sql (the plan) or json (both, with hazards)")
      ->check(CLI::IsMember({"text", "sql", "json"}));
  bool no_concurrently = false;
  app.add_flag("--no-concurrently", no_concurrently, "Plan plain forms that fit in one transaction");
  app.add_flag("--no-color", g.no_color, "Never colour the output");
  bool timings = false;
  app.add_flag("--timings", timings, "Print each phase's wall time on stderr when done");
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  TimingsReport report(ctx, timings);
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  auto sa = ParseSource(from), sb = ParseSource(to);
  if (!sa.ok()) return ctx.Fail(sa.status().Wrap("--from"));
  if (!sb.ok()) return ctx.Fail(sb.status().Wrap("--to"));
  std::string shadow;
  if (sa->NeedsShadow() || sb->NeedsShadow()) {
    // A database on either side: shadows run its version.
    std::string target = sa->kind == SourceSpec::Kind::kDatabase   ? sa->value
                         : sb->kind == SourceSpec::Kind::kDatabase ? sb->value
                                                                   : "";
    auto url = ctx.ShadowServer(dev_url, target);
    if (!url.ok()) return ctx.Fail(url.status());
    shadow = *url;
  }
  // Both sides load side by side.
  auto a_f = std::async(std::launch::async, [&] {
    Timings::Scope t(report.get(), "load --from");
    return LoadSource(*sa, shadow, cfg->naming);
  });
  auto b = [&] {
    Timings::Scope t(report.get(), "load --to");
    return LoadSource(*sb, shadow, cfg->naming);
  }();
  auto a = a_f.get();
  if (!a.ok()) return ctx.Fail(a.status().Wrap("--from"));
  if (!b.ok()) return ctx.Fail(b.status().Wrap("--to"));
  Timings::Scope planning(report.get(), "diff, plan and print");
  // strata's own history table is bookkeeping, not schema.
  if (sa->kind == SourceSpec::Kind::kDatabase) ExcludeHistoryTable(&*a, cfg->history_table);
  if (sb->kind == SourceSpec::Kind::kDatabase) ExcludeHistoryTable(&*b, cfg->history_table);
  std::vector<Change> changes = Diff(*a, *b);
  PlanOptions po;
  po.concurrently = !no_concurrently;
  if (g.format == "sql") {
    auto plan = MakePlan(*a, *b, po);
    if (!plan.ok()) return ctx.Fail(plan.status());
    std::printf("%s", PlanSql(*plan).c_str());
    return kExitOk;
  }
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : changes) {
      nlohmann::json j = {{"action", ActionName(c.action)}, {"kind", c.kind}, {"object", c.object}};
      if (!c.from.is_null()) j["from"] = c.from;
      if (!c.to.is_null()) j["to"] = c.to;
      if (!c.fields.empty()) j["fields"] = c.fields;
      list.push_back(j);
    }
    auto plan = MakePlan(*a, *b, po);
    if (!plan.ok()) return ctx.Fail(plan.status());
    ctx.PrintJson({{"changes", list}, {"plan", PlanJson(*plan)}});
    return kExitOk;
  }
  for (const auto& c : changes) {
    const char* sign = c.action == ChangeAction::kCreate ? "+" : c.action == ChangeAction::kDrop ? "-" : "~";
    const char* color = c.action == ChangeAction::kCreate ? "32" : c.action == ChangeAction::kDrop ? "31" : "33";
    std::string line = ctx.Paint(std::string(sign) + " " + c.kind + " " + c.object, color);
    std::string texts;  // long or multi-line definitions: a unified diff under the line
    for (size_t i = 0; i < c.fields.size(); ++i) {
      const std::string& f = c.fields[i];
      nlohmann::json va = c.from.value(f, nlohmann::json()), vb = c.to.value(f, nlohmann::json());
      bool text = va.is_string() && vb.is_string() &&
                  (va.get<std::string>().size() > 60 || vb.get<std::string>().size() > 60 ||
                   va.get<std::string>().find('\n') != std::string::npos ||
                   vb.get<std::string>().find('\n') != std::string::npos);
      if (text) {
        line += fmt::format("{} {} (below)", i ? "," : ":", f);
        for (const auto& l : Split(UnifiedDiff(va.get<std::string>(), vb.get<std::string>()), '\n')) {
          if (l.empty()) continue;
          const char* paint = l[0] == '-' ? "31" : l[0] == '+' ? "32" : nullptr;
          texts += "\n    " + (paint ? ctx.Paint(l, paint) : l);
        }
        continue;
      }
      line += fmt::format("{} {}: {} -> {}", i ? "," : ":", f, Short(va), Short(vb));
    }
    ctx.Out(line + texts);
  }
  ctx.Out(changes.empty() ? "no differences" : fmt::format("{} difference(s)", changes.size()));
  return kExitOk;
}

}  // namespace strata::cli
