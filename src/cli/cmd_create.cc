// strata create <slug> — a new hand-written migration from the header template.
#include <algorithm>

#include "base/clock.h"
#include "base/fs.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"

namespace strata::cli {
namespace {

std::string GitConfig(const std::string& key) {
  auto r = RunProcess({"git", "config", "--get", key});
  if (!r.ok() || r->exit_code != 0) return "";
  return std::string(Trim(r->out));
}

std::string Author() {
  std::string name = GitConfig("user.name"), email = GitConfig("user.email");
  if (name.empty()) {
    const char* user = std::getenv("USER");
    name = user ? user : "unknown";
  }
  return email.empty() ? name : name + " <" + email + ">";
}

std::string Title(const std::string& slug) {
  std::string t = slug;
  std::replace(t.begin(), t.end(), '_', ' ');
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

constexpr char kRule[] =
    "-- ============================================================================\n";

std::string Template(const std::string& stem, const std::string& slug, const std::string& source,
                     const std::vector<std::string>& implements, bool rollback) {
  std::string out = "-- Migration: " + Title(slug) + "\n-- Date: " + DateNow() +
                    "\n-- Author: " + Author() + "\n-- Source: " +
                    (source.empty() ? "(ticket, audit or discussion)" : source) +
                    "\n--\n-- Implements:\n";
  if (implements.empty()) out += "-- - (what this migration changes)\n";
  for (const auto& i : implements) out += "-- - " + i + "\n";
  out += "--\n-- Rollback: " + (rollback ? "See " + stem + "_rollback.sql" : std::string("none")) +
         "\n\n";
  out += std::string(kRule) + "-- PART 1: " + Title(slug) + "\n" + kRule + "\n\n\n";
  out += std::string(kRule) + "-- VERIFICATION QUERIES\n" +
         "-- Each query must return one row whose first column is true.\n" + kRule +
         "-- strata:verify\n";
  return out;
}

std::string RollbackTemplate(const std::string& stem) {
  return "-- Rollback: " + stem + "\n-- Run by hand only: strata rollback (never automated).\n\n";
}

std::string NextVersion(const MigrationDir& dir) {
  if (dir.naming == Naming::kTimestamp) {
    std::string v = MigrationTimestampNow();
    // Two creates in the same millisecond (scripts) must still get distinct, ordered names.
    for (const auto& f : dir.files) {
      if (f.version >= v) v = std::to_string(std::stoull(f.version) + 1);
    }
    return v;
  }
  size_t width = 4;
  unsigned long long next = 0;
  for (const auto& f : dir.files) {
    width = std::max(width, f.version.size());
    next = std::max(next, std::stoull(f.version) + 1);
  }
  std::string v = std::to_string(next);
  return std::string(width > v.size() ? width - v.size() : 0, '0') + v;
}

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
  if (dir->has_sum_file) {
    auto text = ReadFile(JoinPath(path, kSumFileName));
    auto sum = text.ok() ? ParseSum(*text, JoinPath(path, kSumFileName))
                         : Result<std::vector<SumEntry>>(text.status());
    if (!sum.ok()) return ctx.Fail(sum.status());
    auto problems = CheckSum(*dir, *sum);
    if (!problems.empty()) {
      return ctx.Fail(Status::Conflict(JoinPath(path, problems[0].file) + ": " + problems[0].message +
                                       "; fix that first (or run `strata hash` if it was deliberate)"));
    }
  }
  std::string stem = NextVersion(*dir) + "_" + slug;
  std::string file = JoinPath(path, stem + ".sql");
  Status st = WriteNewFile(file, Template(stem, slug, source, implements, !no_rollback));
  if (st.ok() && !no_rollback) {
    st = WriteNewFile(JoinPath(path, stem + "_rollback.sql"), RollbackTemplate(stem));
  }
  if (!st.ok()) return ctx.Fail(st);
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
