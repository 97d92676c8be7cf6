// strata generate <slug> — the migration(s) that take migrations/ to schema/, proven on
// the replayed shadow database before anything is written.
#include <algorithm>
#include <future>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/fs.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/plan_print.h"
#include "cli/project.h"
#include "devdb/shadow.h"
#include "generate/generate.h"
#include "migrate/drizzle_journal.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"
#include "migrate/template.h"

namespace strata::cli {

int RunGenerate(int argc, char** argv) {
  CLI::App app{"Write the migration that takes migrations/ to schema/ (proven on a shadow database first)",
               "strata generate"};
  GlobalOptions g;
  std::string slug_arg, schema_dir, dev_url;
  std::vector<std::string> renames;
  bool accept_data_loss = false, no_concurrently = false, dry_run = false, replay_cache = false;
  app.add_option("slug", slug_arg, "What the migration does, e.g. add_orders")->required();
  app.add_option("--schema", schema_dir, "Desired schema folder (default: [schema] sources, else schema_dir, from strata.toml)");
  app.add_option("--rename", renames, "KIND:OLD=NEW, e.g. column:orders.total=orders.amount (repeatable)");
  std::vector<std::string> backfills;
  app.add_option("--backfill", backfills,
                 "SCHEMA.TABLE.COLUMN=EXPR: what NULL rows of a column that becomes NOT NULL get (repeatable), "
                 "e.g. \"public.agents.provider='claude'\"");
  app.add_flag("--accept-data-loss", accept_data_loss, "Allow steps that delete data (drops)");
  app.add_flag("--no-concurrently", no_concurrently,
               "Plain CREATE INDEX / constraints / SET NOT NULL, all in one transaction");
  app.add_flag("--dry-run", dry_run, "Print the files instead of writing them");
  app.add_flag("--cache", replay_cache,
               "Keep the replayed migrations and the applied schema on the --dev-url server for the next run "
               "(always on for the dev database)");
  app.add_option("--dev-url", dev_url, "A server where strata may create shadow databases (default: the dev database)");
  bool timings = false;
  app.add_flag("--timings", timings, "Print each phase's wall time on stderr when done");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  PrefetchMigrationAuthor();  // git config, while the schemas build
  Context ctx(g);
  TimingsReport report(ctx, timings);
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  std::string slug = NormalizeSlug(slug_arg);
  if (!IsValidSlug(slug)) {
    return ctx.Fail(Status::Usage("slug '" + slug_arg + "' must be letters, digits and '_' (at most 100), e.g. add_orders"));
  }
  GenerateRequest req;
  for (const auto& r : renames) {
    auto h = ParseRenameHint(r);
    if (!h.ok()) return ctx.Fail(h.status());
    req.renames.push_back(*h);
  }
  req.migrations_dir = ctx.MigrationsDir(*cfg);
  DesiredSourcesOf(ctx, *cfg, schema_dir, &req.schema_dir, &req.schema_sources);
  req.scope = cfg->scope;
  req.naming = cfg->naming;
  req.slug = slug;
  req.plan.concurrently = !no_concurrently;
  req.plan.require_backfill = true;
  req.plan.online_type_changes = true;
  for (const auto& b : backfills) {
    size_t eq = b.find('=');
    std::string col = b.substr(0, eq);
    if (eq == std::string::npos || eq + 1 == b.size() || std::count(col.begin(), col.end(), '.') != 2) {
      return ctx.Fail(Status::Usage("--backfill '" + b + "' must be SCHEMA.TABLE.COLUMN=EXPR, e.g. \"public.agents.provider='claude'\""));
    }
    req.plan.backfill[col] = b.substr(eq + 1);
  }
  req.accept_data_loss = accept_data_loss;
  req.replay_cache = replay_cache || dev_url.empty();
  // A --dev-url server is reached (and asked what the shadows need) while the folder is
  // read and checked; the dev database only after them (a failed check starts nothing).
  auto shadow_f = std::async(dev_url.empty() ? std::launch::deferred : std::launch::async, [&] {
    auto url = ctx.ShadowServer(dev_url);
    if (url.ok()) ShadowDatabase::Prepare(*url);
    return url;
  });
  if (Status mk = MakeDirs(req.migrations_dir); !mk.ok()) return ctx.Fail(mk);
  std::vector<FileError> errs;
  auto dir = MigrationDir::Load(req.migrations_dir, cfg->naming, &errs);
  if (!dir.ok()) return ctx.Fail(dir.status());
  if (Status st = SumMatchesBeforeWriting(*dir); !st.ok()) return ctx.Fail(st);
  if (CanPrompt()) {
    req.confirm_rename = [&](const RenameCandidate& c) {
      std::string a = Ask(fmt::format("Is {} {} a rename of {}? [y/N] ", c.kind, c.to, c.from));
      return a == "y" || a == "Y" || a == "yes";
    };
  }
  auto shadow = shadow_f.get();
  if (!shadow.ok()) return ctx.Fail(shadow.status());
  req.shadow_admin_url = *shadow;
  req.timings = report.get();
  auto out = Generate(req);
  if (!out.ok()) return ctx.Fail(out.status());
  if (out->empty()) {
    if (ctx.json()) ctx.PrintJson({{"files", nlohmann::json::array()}, {"changes", false}});
    else ctx.Out("no changes: " + req.schema_dir + " matches " + req.migrations_dir);
    return kExitOk;
  }
  std::vector<std::string> written;
  if (!dry_run) {
    for (const auto& f : out->files) {
      std::string path = JoinPath(req.migrations_dir, f.name);
      if (Status st = WriteNewFile(path, f.content); !st.ok()) return ctx.Fail(st);
      written.push_back(path);
    }
    // In a drizzle-kit folder the journal says what is a migration: list the new files first.
    if (HasDrizzleJournal(req.migrations_dir)) {
      std::vector<std::string> names;
      for (const auto& f : out->files) names.push_back(f.name);
      if (Status st = AppendDrizzleJournal(req.migrations_dir, names, WallClockMillis()); !st.ok()) return ctx.Fail(st);
    }
    auto reloaded = MigrationDir::Load(req.migrations_dir, cfg->naming, &errs);
    if (!reloaded.ok()) return ctx.Fail(reloaded.status());
    if (Status st = WriteSum(*reloaded); !st.ok()) return ctx.Fail(st);
  }
  if (ctx.json()) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : out->files) {
      files.push_back({{"name", f.name}, {"path", JoinPath(req.migrations_dir, f.name)}, {"content", f.content}});
    }
    nlohmann::json j = PlanJson(out->plan);
    j["files"] = files;
    j["renames"] = out->rename_sql;
    j["written"] = !dry_run;
    j["changes"] = true;
    ctx.PrintJson(j);
    return kExitOk;
  }
  PrintPlan(ctx, out->plan);
  if (dry_run) {
    for (const auto& f : out->files) ctx.Out("\n==> " + f.name + " <==\n" + f.content);
    ctx.Out("(dry run: nothing written; proven on a shadow database)");
  } else {
    for (const auto& p : written) ctx.Out("created " + p);
    ctx.Out(fmt::format("proven: applied to the replayed migrations, the schema equals {}", req.schema_dir));
  }
  return kExitOk;
}

}  // namespace strata::cli
