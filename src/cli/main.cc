// strata: one binary for PostgreSQL schema migrations. This file only dispatches.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/strings.h"
#include "base/version.h"
#include "cli/commands.h"
#include "pg/session.h"

namespace strata::cli {
namespace {

constexpr Command kCommands[] = {
    {"adopt", "Import history from node-pg-migrate or drizzle without re-running anything", RunAdopt},
    {"check", "Check strata.sum, names, branch conflicts and drift (schema/ or --db vs migrations/; exit 3)", RunCheck},
    {"create", "Write a new, empty migration from the header template", RunCreate},
    {"dev", "Manage the embedded dev database (start|stop|status|url|reset|destroy)", RunDev},
    {"diff", "Show what differs between two schemas (db:, schema:, migrations:), object by object", RunDiff},
    {"fake", "Record pending migrations as applied without running them", RunFake},
    {"generate", "Write the migration that takes migrations/ to schema/, proven on a shadow database", RunGenerate},
    {"hash", "Rewrite migrations/strata.sum after a deliberate edit", RunHash},
    {"init", "Set up a new project: strata.toml (PostgreSQL version pinned), migrations/, schema/", RunInit},
    {"inspect", "Print a live database's schema as ordered SQL or as the JSON model", RunInspect},
    {"lint", "Check migration files (names, order, directives, syntax)", RunLint},
    {"migrate", "Apply pending migrations", RunMigrate},
    {"push", "Apply schema/ directly to a dev database (refuses protected environments)", RunPush},
    {"rollback", "Run _rollback.sql files of the newest applied migrations (manual only)", RunRollback},
    {"trace", "Run migrations on a shadow and report the locks, rewrites and scans each statement really takes", RunTrace},
    {"status", "Show applied, pending, edited and missing migrations (exit 3 if pending)", RunStatus},
};

void Usage(FILE* out) {
  std::fprintf(out, "usage: strata <command> [flags]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out, "\nRun `strata <command> --help` for its flags. Exit codes: 0 ok, 1 error, "
                    "2 usage, 3 pending or drift.\n");
}

const Command* Find(const char* name) {
  for (const Command& c : kCommands) {
    if (std::strcmp(c.name, name) == 0) return &c;
  }
  return nullptr;
}

// ninja-style "did you mean": the closest command within a small edit distance.
const char* Suggest(const char* name) {
  const char* best = nullptr;
  int best_d = 3;
  for (const Command& c : kCommands) {
    int d = EditDistance(name, c.name);
    if (d < best_d) best = c.name, best_d = d;
  }
  return best;
}

}  // namespace
}  // namespace strata::cli

int main(int argc, char** argv) {
  using namespace strata::cli;
  if (argc < 2) {
    Usage(stderr);
    return 2;
  }
  const char* cmd = argv[1];
  if (!std::strcmp(cmd, "--version") || !std::strcmp(cmd, "version")) {
    std::printf("strata %s\n", STRATA_VERSION);
    return 0;
  }
  if (!std::strcmp(cmd, "--help") || !std::strcmp(cmd, "-h") || !std::strcmp(cmd, "help")) {
    Usage(stdout);
    return 0;
  }
  if (const Command* c = Find(cmd)) {
    // Every command but these connects to a database.
    const char* offline[] = {"lint", "hash", "create", "init"};
    bool connects = std::none_of(std::begin(offline), std::end(offline), [&](const char* o) { return !std::strcmp(cmd, o); });
    if (connects) strata::PreloadLibpq();
    return c->run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "error: unknown command '%s'", cmd);
  if (const char* s = Suggest(cmd)) std::fprintf(stderr, "; did you mean '%s'?", s);
  std::fprintf(stderr, "\n");
  return 2;
}
