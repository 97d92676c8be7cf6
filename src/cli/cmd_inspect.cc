// strata inspect — a live database as an ordered DDL script or as the JSON snapshot.
#include <cstdlib>
#include <iostream>

#include "catalog/catalog_json.h"
#include "catalog/ddl.h"
#include "cli/commands.h"
#include "generate/generate.h"
#include "cli/context.h"
#include "introspect/introspect.h"

namespace strata::cli {

int RunInspect(int argc, char** argv) {
  CLI::App app{"Print the schema of a live database: a dependency-ordered SQL script that "
               "recreates it (--format sql, the default) or the JSON model (--format json)",
               "strata inspect"};
  GlobalOptions g;
  g.format = "sql";
  IntrospectOptions opts;
  app.add_option("--schema", opts.schemas, "Only this schema (repeatable)");
  app.add_option("--exclude-schema", opts.exclude_schemas, "Leave this schema out (repeatable)");
  AddGlobalOptions(app, &g, /*with_format=*/false);
  app.add_option("--format", g.format, "sql or json")->check(CLI::IsMember({"sql", "json"}));
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto url = ctx.ResolveUrl();
  if (!url.ok()) return ctx.Fail(url.status());
  auto conn = Connection::Open(*url);
  if (!conn.ok()) return ctx.Fail(conn.status());
  if (!std::getenv("STRATA_INSPECT_SERIAL")) opts.open_second = Connection::Opener(*url);
  auto catalog = Introspect(conn->get(), opts);
  if (!catalog.ok()) return ctx.Fail(catalog.status());
  // strata's own history table is bookkeeping, not schema (strata.toml's history_table).
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  ExcludeHistoryTable(&*catalog, cfg->history_table);
  if (g.format == "json") {
    std::cout << CatalogToJson(*catalog).dump(2) << "\n";
    return kExitOk;
  }
  auto sql = CatalogSql(*catalog);
  if (!sql.ok()) return ctx.Fail(sql.status());
  std::cout << *sql;
  return kExitOk;
}

}  // namespace strata::cli
