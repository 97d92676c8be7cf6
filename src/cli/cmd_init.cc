// strata init — set up a new project: strata.toml (with the PostgreSQL major version
// pinned), migrations/ with its strata.sum, schema/, .strata/ in .gitignore, and the
// package.json script lines when the project has a package.json. Never overwrites.
#include <fmt/format.h>

#include <filesystem>

#include "base/fs.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "devdb/dev_cluster.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"

namespace strata::cli {
namespace {

constexpr const char* kScripts[][2] = {
    {"migrate", "strata migrate"},          {"migrate:status", "strata status"},
    {"migrate:create", "strata create"},    {"migrate:generate", "strata generate"},
    {"migrate:fake", "strata fake"},        {"migrate:lint", "strata lint"},
    {"migrate:check", "strata check"},
};

std::string TomlText(int major) {
  std::string text =
      "# strata.toml: every key is optional; see the README for all of them.\n"
      "migrations_dir = \"migrations\"\n"
      "schema_dir = \"schema\"\n"
      "naming = \"timestamp\"                        # 17-digit UTC timestamps; or \"sequence\" (0001_...)\n"
      "history_table = \"public.strata_migrations\"\n"
      "url_env = \"DATABASE_URL\"\n"
      "lock_timeout = \"5s\"\n";
  if (major != 0) {
    text += fmt::format(
        "\n[dev]\n"
        "postgres = \"{}\"                            # the version production runs: the dev database and\n"
        "                                           # every shadow run it\n",
        major);
  }
  return text;
}

}  // namespace

int RunInit(int argc, char** argv) {
  CLI::App app{"Set up a new strata project here: strata.toml, migrations/, schema/", "strata init"};
  GlobalOptions g;
  int major = 0;
  app.add_option("--postgres", major,
                 "PostgreSQL major version the project targets (default: the database's from --url or "
                 "$DATABASE_URL when it answers, else the newest installed)")
      ->check(CLI::Range(kMinPgMajor, kMaxPgMajor));
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  std::string dir = ctx.ProjectDir();
  std::string toml = g.config_path;
  if (FileExists(toml)) {
    return ctx.Fail(Status::Conflict(toml + " exists: this project is set up already (nothing was changed)"));
  }
  std::string version_source;
  if (major == 0) {
    const char* env = std::getenv("DATABASE_URL");
    std::string url = !g.url.empty() ? g.url : env ? env : "";
    if (!url.empty()) {
      auto conn = Connection::Open(url);
      if (conn.ok()) major = (*conn)->server_version() / 10000, version_source = "the database";
    }
  }
  if (major == 0) {
    std::string bin = FindPgBinDir();
    if (!bin.empty()) major = BinDirMajor(bin), version_source = "the newest installed server";
  }
  if (major != 0 && (major < kMinPgMajor || major > kMaxPgMajor)) major = 0;

  std::vector<std::string> created;
  if (Status st = WriteFileAtomic(toml, TomlText(major)); !st.ok()) return ctx.Fail(st);
  created.push_back(toml);
  for (const char* sub : {"migrations", "schema"}) {
    std::string path = JoinPath(dir, sub);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) continue;
    if (Status st = MakeDirs(path); !st.ok()) return ctx.Fail(st);
    created.push_back(path + "/");
  }
  std::string migrations = JoinPath(dir, "migrations");
  if (!FileExists(JoinPath(migrations, kSumFileName))) {
    std::vector<FileError> errs;
    auto mdir = MigrationDir::Load(migrations, Naming::kTimestamp, &errs);
    if (mdir.ok() && errs.empty()) {
      if (Status st = WriteSum(*mdir); !st.ok()) return ctx.Fail(st);
      created.push_back(JoinPath(migrations, kSumFileName));
    }
  }
  // The dev database's files (and its password) stay out of version control.
  std::string gitignore = JoinPath(dir, ".gitignore");
  auto ignore = ReadFile(gitignore);
  std::string text = ignore.ok() ? *ignore : "";
  bool listed = false;
  for (const auto& line : Split(text, '\n')) listed = listed || Trim(line) == ".strata/" || Trim(line) == ".strata";
  if (!listed) {
    if (!text.empty() && text.back() != '\n') text += "\n";
    if (Status st = WriteFileAtomic(gitignore, text + ".strata/\n"); !st.ok()) return ctx.Fail(st);
    created.push_back(gitignore + " (.strata/)");
  }
  bool package_json = FileExists(JoinPath(dir, "package.json"));
  if (ctx.json()) {
    nlohmann::json scripts = nlohmann::json::object();
    if (package_json) {
      for (const auto& [name, cmd] : kScripts) scripts[name] = cmd;
    }
    ctx.PrintJson({{"created", created}, {"postgres", major}, {"package_json_scripts", scripts}});
    return kExitOk;
  }
  for (const auto& c : created) ctx.Out("created " + c);
  if (major != 0) ctx.Out(fmt::format("targets PostgreSQL {} ({}); change [dev] postgres if production runs another", major, version_source));
  if (package_json) {
    ctx.Out("\nadd to the \"scripts\" of package.json:");
    for (size_t i = 0; i < std::size(kScripts); ++i) {
      ctx.Out(fmt::format("    \"{}\": \"{}\"{}", kScripts[i][0], kScripts[i][1], i + 1 < std::size(kScripts) ? "," : ""));
    }
  }
  ctx.Out("\nnext: describe tables in schema/*.sql, then `strata generate <slug>` and `strata migrate`");
  return kExitOk;
}

}  // namespace strata::cli
