// strata diff --from SRC --to SRC — what differs between two schemas, object by object.
// Sources: db:URL today; schema:DIR and migrations:DIR need the shadow database
// (generate issue) and are refused with a clear message until then.
#include <fmt/format.h>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "diff/diff.h"
#include "introspect/introspect.h"

namespace strata::cli {
namespace {

Result<Catalog> Load(const std::string& source) {
  std::string url;
  if (StartsWith(source, "db:")) url = source.substr(3);
  else if (StartsWith(source, "postgres://") || StartsWith(source, "postgresql://")) url = source;
  else if (StartsWith(source, "schema:") || StartsWith(source, "migrations:")) {
    return Status::Usage(source + ": schema: and migrations: sources are not available yet; "
                                  "compare two databases with db:URL");
  } else {
    return Status::Usage("source '" + MaskPassword(source) + "' must be db:URL, schema:DIR or migrations:DIR");
  }
  auto conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return Introspect(conn->get());
}

std::string Short(const nlohmann::json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

int RunDiff(int argc, char** argv) {
  CLI::App app{"Show what differs between two schemas, object by object", "strata diff"};
  GlobalOptions g;
  std::string from, to;
  app.add_option("--from", from, "Source: db:URL")->required();
  app.add_option("--to", to, "Target: db:URL")->required();
  app.add_option("--format", g.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--no-color", g.no_color, "Never colour the output");
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto a = Load(from);
  if (!a.ok()) return ctx.Fail(a.status().Wrap("--from"));
  auto b = Load(to);
  if (!b.ok()) return ctx.Fail(b.status().Wrap("--to"));
  std::vector<Change> changes = Diff(*a, *b);
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : changes) {
      nlohmann::json j = {{"action", ActionName(c.action)}, {"kind", c.kind}, {"object", c.object}};
      if (!c.from.is_null()) j["from"] = c.from;
      if (!c.to.is_null()) j["to"] = c.to;
      if (!c.fields.empty()) j["fields"] = c.fields;
      list.push_back(j);
    }
    ctx.PrintJson({{"changes", list}});
    return kExitOk;
  }
  for (const auto& c : changes) {
    const char* sign = c.action == ChangeAction::kCreate ? "+" : c.action == ChangeAction::kDrop ? "-" : "~";
    const char* color = c.action == ChangeAction::kCreate ? "32" : c.action == ChangeAction::kDrop ? "31" : "33";
    std::string line = ctx.Paint(std::string(sign) + " " + c.kind + " " + c.object, color);
    for (size_t i = 0; i < c.fields.size(); ++i) {
      const std::string& f = c.fields[i];
      line += fmt::format("{} {}: {} -> {}", i ? "," : ":", f, Short(c.from.value(f, nlohmann::json())),
                          Short(c.to.value(f, nlohmann::json())));
    }
    ctx.Out(line);
  }
  ctx.Out(changes.empty() ? "no differences" : fmt::format("{} difference(s)", changes.size()));
  return kExitOk;
}

}  // namespace strata::cli
