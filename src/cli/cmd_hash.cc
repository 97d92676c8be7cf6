// strata hash — rewrite strata.sum after a deliberate edit (like `atlas migrate hash`).
#include "base/clock.h"
#include "base/fs.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "migrate/drizzle_journal.h"

namespace strata::cli {

int RunHash(int argc, char** argv) {
  CLI::App app{"Rewrite migrations/strata.sum from the files as they are now", "strata hash"};
  GlobalOptions g;
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  for (const auto& pr : project->dir.problems) {
    if (pr.rule == "unsafe-file" || pr.rule == "unrecordable-name") {
      return ctx.Fail(Status::InvalidInput(JoinPath(project->dir.path, pr.file) + ": " + pr.message));
    }
  }
  // In a drizzle-kit folder, new files written by hand join the journal (drizzle-kit
  // generate --custom would have listed them).
  std::vector<std::string> listed;
  if (auto tags = DrizzleJournalTags(project->dir.path)) {
    for (const auto& f : project->dir.files) {
      if (!tags->count(f.stem())) listed.push_back(f.name);
    }
    if (!listed.empty()) {
      if (Status st = AppendDrizzleJournal(project->dir.path, listed, WallClockMillis()); !st.ok()) return ctx.Fail(st);
    }
  }
  bool changed = !project->sum || !CheckSum(project->dir, *project->sum).empty();
  if (Status st = WriteSum(project->dir); !st.ok()) return ctx.Fail(st);
  std::string path = JoinPath(project->dir.path, kSumFileName);
  if (ctx.json()) {
    ctx.PrintJson({{"file", path}, {"migrations", project->dir.files.size()}, {"changed", changed},
                   {"journal_listed", listed}});
  } else {
    for (const auto& n : listed) ctx.Out("listed " + n + " in " + DrizzleJournalPath(project->dir.path));
    ctx.Out((changed ? "wrote " : "unchanged ") + path + " (" +
            std::to_string(project->dir.files.size()) + " migrations)");
  }
  return kExitOk;
}

}  // namespace strata::cli
