// strata create <slug> — a new hand-written migration from the header template.
#include <algorithm>

#include "base/clock.h"
#include "base/fs.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/project.h"
#include "migrate/drizzle_journal.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"
#include "migrate/template.h"

namespace strata::cli {
namespace {

}  // namespace

int RunCreate(int argc, char** argv) {
  CLI::App app{"Write a new, empty migration from the header template and update strata.sum",
               "strata create"};
  GlobalOptions g;
  std::string slug_arg, source;
  std::vector<std::string> implements;
  bool no_rollback = false;
  app.add_option("slug", slug_arg, "What the migration does, e.g. add_orders")->required();
  app.add_option("--source", source, "What triggered it (ticket, audit, discussion)");
  app.add_option("--implements", implements, "A change it implements (repeatable)");
  app.add_flag("--no-rollback", no_rollback, "Do not write the _rollback.sql companion");
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  std::string slug = NormalizeSlug(slug_arg);
  if (!IsValidSlug(slug)) {
    return ctx.Fail(Status::Usage("slug '" + slug_arg +
                                  "' must be letters, digits and '_' (at most 100), e.g. add_orders"));
  }
  std::string path = ctx.MigrationsDir(*cfg);
  if (Status mk = MakeDirs(path); !mk.ok()) return ctx.Fail(mk);
  std::vector<FileError> errs;
  auto dir = MigrationDir::Load(path, cfg->naming, &errs);
  if (!dir.ok()) return ctx.Fail(dir.status());
  if (Status st = SumMatchesBeforeWriting(*dir); !st.ok()) return ctx.Fail(st);
  std::string stem = NextVersion(*dir) + "_" + slug;
  std::string file = JoinPath(path, stem + ".sql");
  Status st = WriteNewFile(file, RenderMigration({stem, slug, source, implements, dir->files.empty() ? "" : dir->files.back().name, !no_rollback, {}, "", {}}));
  if (st.ok() && !no_rollback) {
    st = WriteNewFile(JoinPath(path, stem + "_rollback.sql"), RenderRollback(stem, ""));
  }
  if (!st.ok()) return ctx.Fail(st);
  // In a drizzle-kit folder the journal says what is a migration: list the new file first.
  if (HasDrizzleJournal(path)) {
    st = AppendDrizzleJournal(path, {stem + ".sql"}, WallClockMillis());
    if (!st.ok()) return ctx.Fail(st);
  }
  auto reloaded = MigrationDir::Load(path, cfg->naming, &errs);
  if (!reloaded.ok()) return ctx.Fail(reloaded.status());
  st = WriteSum(*reloaded);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json()) {
    ctx.PrintJson({{"file", file},
                   {"rollback", no_rollback ? "" : JoinPath(path, stem + "_rollback.sql")}});
  } else {
    ctx.Out("created " + file);
    if (!no_rollback) ctx.Out("created " + JoinPath(path, stem + "_rollback.sql"));
  }
  return kExitOk;
}

}  // namespace strata::cli
