// strata init — set up a new project: strata.toml (with the PostgreSQL major version
// pinned), migrations/ with its strata.sum, schema/, .strata/ in .gitignore, and the
// package.json script lines when the project has a package.json. Never overwrites.
//
// strata init --from drizzle | node-pg-migrate — take an existing project over: read the
// tool's configuration, keep its folder, naming scheme and history location, use the
// Drizzle schema as the source, adopt the recorded history from the database when it
// answers (exact matches only, as `strata adopt`), and print the package.json scripts.
#include <fmt/format.h>

#include <filesystem>

#include "base/fs.h"
#include "base/strings.h"
#include "catalog/ddl.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "devdb/dev_cluster.h"
#include "generate/drizzle.h"
#include "generate/generate.h"
#include "introspect/introspect.h"
#include "migrate/adopt.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"
#include "migrate/takeover.h"

namespace strata::cli {
namespace {

// What strata.toml will say.
struct Setup {
  std::string from;  // "", "drizzle", "node-pg-migrate"
  std::string migrations_dir = "migrations";
  Naming naming = Naming::kTimestamp;
  QualifiedName history_table{"public", "strata_migrations"};
  std::string url_env = "DATABASE_URL";
  std::vector<SchemaSource> sources;  // empty: schema/
  // The old tool's history, for adoption.
  QualifiedName old_history;
  std::string journal;      // drizzle: meta/_journal.json
  std::string literal_url;  // drizzle.config.ts's dbCredentials.url (or its fallback)
  std::vector<std::string> read;  // what was read, for the report
};

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string TomlText(const Setup& s, int major) {
  std::string text = "# strata.toml: every key is optional; see the README for all of them.\n";
  if (s.from == "drizzle") {
    text += "# Taken over from drizzle-kit: the folder, its NNNN_ names and the history schema stay;\n"
            "# the Drizzle TypeScript schema stays the source (through drizzle-kit export).\n";
  } else if (s.from == "node-pg-migrate") {
    text += "# Taken over from node-pg-migrate: the folder, its timestamp names and the history\n"
            "# schema stay; node-pg-migrate's own table is left as it was.\n";
  }
  text += "migrations_dir = " + Quote(s.migrations_dir) + "\n";
  if (s.sources.empty()) text += "schema_dir = \"schema\"\n";
  text += std::string("naming = \"") + NamingName(s.naming) + "\"" +
          (s.naming == Naming::kTimestamp ? "                        # 17-digit UTC timestamps; or \"sequence\" (0001_...)\n"
                                          : "                         # 0001_slug.sql, as drizzle-kit numbers them\n");
  text += "history_table = " + Quote(s.history_table.Display()) + "\n";
  text += "url_env = " + Quote(s.url_env) + "\n";
  text += "lock_timeout = \"5s\"\n";
  if (!s.sources.empty()) {
    text += "\n# The desired schema, in order; add { sql = \"schema\" } after it for functions, triggers,\n"
            "# grants and policies the ORM does not model.\n[schema]\nsources = [";
    for (size_t i = 0; i < s.sources.size(); ++i) {
      text += std::string(i ? ", " : "") + "{ " + SchemaSourceKindName(s.sources[i].kind) + " = " + Quote(s.sources[i].value) + " }";
    }
    text += "]\n";
  }
  if (s.from == "node-pg-migrate") {
    text += "\n# node-pg-migrate's history table stays as it was; it is not part of the schema.\n"
            "[scope]\nexclude = [" + Quote("table:" + s.old_history.Display()) + "]\n";
  }
  if (major != 0) {
    text += fmt::format(
        "\n[dev]\n"
        "postgres = \"{}\"                            # the version production runs: the dev database and\n"
        "                                           # every shadow run it\n",
        major);
  }
  return text;
}

// `path` relative to `base` when it lies inside it.
std::string Relative(const std::string& path, const std::string& base) {
  std::error_code ec;
  auto rel = std::filesystem::relative(AbsolutePath(path), AbsolutePath(base.empty() ? "." : base), ec);
  std::string r = ec ? path : rel.lexically_normal().string();
  if (StartsWith(r, "./")) r = r.substr(2);
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r.empty() ? "." : r;
}

// The naming scheme the folder's files already use (timestamp when empty: `fallback`).
Naming NamingOfFolder(const std::string& dir, Naming fallback) {
  auto names = ListFiles(dir);
  if (!names.ok()) return fallback;
  int seq = 0, ts = 0;
  std::string version, slug;
  for (const auto& n : *names) {
    if (ParseMigrationName(n, Naming::kTimestamp, &version, &slug).ok()) ++ts;
    else if (ParseMigrationName(n, Naming::kSequence, &version, &slug).ok()) ++seq;
  }
  return seq > ts ? Naming::kSequence : ts > 0 ? Naming::kTimestamp : fallback;
}

std::string FindDrizzleConfig(const std::string& dir) {
  for (const char* n : {"drizzle.config.ts", "drizzle.config.mts", "drizzle.config.js", "drizzle.config.mjs",
                        "drizzle.config.cjs", "drizzle.config.json"}) {
    if (FileExists(JoinPath(dir, n))) return JoinPath(dir, n);
  }
  return "";
}

// Asks on a TTY; otherwise the error names the flag.
Result<std::string> Decide(const std::string& question, const std::string& suggestion, const std::string& flag_hint) {
  if (!CanPrompt()) return Status::Usage(question + ": " + flag_hint);
  std::string a = Ask(question + (suggestion.empty() ? "" : " [" + suggestion + "]") + ": ");
  a = std::string(Trim(a));
  if (a.empty()) a = suggestion;
  if (a.empty()) return Status::Usage(question + ": " + flag_hint);
  return a;
}

Status FromDrizzle(const std::string& dir, const std::string& config_flag, Setup* s) {
  std::string config = config_flag.empty() ? FindDrizzleConfig(dir) : config_flag;
  if (config.empty()) {
    auto a = Decide("no drizzle.config.ts (or .js, .mjs, .json) in " + (dir == "." ? std::string("this folder") : dir),
                    "", "pass --drizzle-config <path to drizzle.config.ts>");
    if (!a.ok()) return a.status();
    config = *a;
  }
  auto dc = ReadDrizzleConfig(config);
  if (!dc.ok()) return dc.status();
  s->read.push_back(config);
  // drizzle-kit resolves `out` from the folder it runs in: the project's (where the team
  // runs `drizzle-kit --config path/to/drizzle.config.ts`), else the config's own.
  std::string config_dir = std::filesystem::path(AbsolutePath(config)).parent_path().string();
  std::string out = JoinPath(dir, dc->out);
  if (!std::filesystem::is_directory(out)) out = JoinPath(config_dir, dc->out);
  if (!std::filesystem::is_directory(out)) {
    return Status::NotFound("drizzle-kit's out folder " + Relative(out, dir) + " (from " + Relative(config, dir) +
                            ") does not exist: nothing to take over (run `strata init` for a new project)");
  }
  s->migrations_dir = Relative(out, dir);
  s->naming = NamingOfFolder(out, Naming::kSequence);
  s->history_table = {dc->migrations_schema, "strata_migrations"};
  s->old_history = {dc->migrations_schema, dc->migrations_table};
  s->journal = JoinPath(out, "meta/_journal.json");
  if (!dc->url_env.empty()) s->url_env = dc->url_env;
  s->literal_url = dc->url;
  s->sources.push_back({SchemaSource::Kind::kDrizzle, Relative(config, dir)});
  return Status::Ok();
}

Status FromNodePgMigrate(const std::string& dir, const std::string& dir_flag, const std::string& table_flag,
                         const std::string& url, Setup* s) {
  auto pkg = ReadFile(JoinPath(dir, "package.json"));
  NodePgMigrateConfig npm = ParseNodePgMigrateScripts(pkg.ok() ? *pkg : "");
  for (const auto& f : npm.found_in) s->read.push_back(f);
  for (std::string file : {npm.config_file, std::string("config/default.json")}) {
    if (file.empty()) continue;
    auto text = ReadFile(JoinPath(dir, file));
    if (text.ok()) {
      MergeNodePgMigrateConfigFile(*text, &npm);
      s->read.push_back(file);
      break;
    }
  }
  std::string mdir = !dir_flag.empty() ? dir_flag : !npm.migrations_dir.empty() ? npm.migrations_dir : "migrations";
  if (!std::filesystem::is_directory(JoinPath(dir, mdir))) {
    auto a = Decide("node-pg-migrate's migrations folder " + mdir + " does not exist; which folder is it", "",
                    "pass --migrations-dir <folder>");
    if (!a.ok()) return a.status();
    mdir = *a;
    if (!std::filesystem::is_directory(JoinPath(dir, mdir))) return Status::NotFound("migrations folder " + mdir + " not found");
  }
  s->migrations_dir = Relative(JoinPath(dir, mdir), dir);
  s->naming = NamingOfFolder(JoinPath(dir, mdir), Naming::kTimestamp);
  if (!npm.url_env.empty()) s->url_env = npm.url_env;
  std::string table = table_flag;
  if (table.empty() && !npm.migrations_table.empty()) {
    table = (npm.migrations_schema.empty() ? "public" : npm.migrations_schema) + "." + npm.migrations_table;
  } else if (table.empty() && !npm.migrations_schema.empty()) {
    table = npm.migrations_schema + ".pgmigrations";
  }
  if (table.empty() && !url.empty()) {
    // Not in the scripts (a wrapper script runs it): look for node-pg-migrate's table.
    auto conn = Connection::Open(url);
    if (conn.ok()) {
      auto r = (*conn)->Exec(
          "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
          "n.oid = c.relnamespace WHERE c.relkind = 'r' AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM "
          "pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) = "
          "ARRAY['id','name','run_on'] ORDER BY 1");
      if (r.ok() && r->rows.size() == 1) {
        table = r->Get(0, 0);
        s->read.push_back("the database (node-pg-migrate's table " + table + ")");
      } else if (r.ok() && r->rows.size() > 1) {
        std::string list;
        for (size_t i = 0; i < r->rows.size(); ++i) list += (i ? ", " : "") + r->Get(i, 0);
        auto a = Decide("the database has several node-pg-migrate tables (" + list + "); which one is this project's", "",
                        "pass --table <schema.table>");
        if (!a.ok()) return a.status();
        table = *a;
      }
    }
  }
  if (table.empty()) table = "public.pgmigrations";  // node-pg-migrate's own default
  auto q = ParseQualifiedName(table);
  if (!q.ok()) return Status::Usage("--table: " + q.status().message());
  s->old_history = *q;
  s->history_table = {q->schema, q->name == "strata_migrations" ? "strata_history" : "strata_migrations"};
  // The kortix layout: node-pg-migrate runs the files, Drizzle models the schema.
  if (std::string dc = FindDrizzleConfig(dir); !dc.empty()) {
    s->sources.push_back({SchemaSource::Kind::kDrizzle, Relative(dc, dir)});
    s->read.push_back(Relative(dc, dir));
  }
  return Status::Ok();
}

struct Adoption {
  bool attempted = false, done = false;
  std::string why;  // when not done
  AdoptPlan plan;
};

// Records the old tool's history in strata's table when the database answers.
Adoption AdoptHistory(Context& ctx, const Setup& s, const std::string& url, const std::string& project_dir) {
  Adoption a;
  if (url.empty()) {
    a.why = "no database URL ($" + s.url_env + " is not set and --url was not given)";
    return a;
  }
  auto conn = Connection::Open(url);
  if (!conn.ok()) {
    a.why = "the database did not answer: " + conn.status().message();
    return a;
  }
  a.attempted = true;
  Session* db = conn->get();
  std::vector<FileError> errs;
  auto dir = MigrationDir::Load(JoinPath(project_dir, s.migrations_dir), s.naming, &errs);
  if (!dir.ok()) {
    a.why = dir.status().message();
    return a;
  }
  auto exists = db->ExecParams("SELECT to_regclass($1) IS NOT NULL", {s.old_history.Quoted()});
  if (!exists.ok() || exists->Get(0, 0) != "t") {
    a.why = s.old_history.Display() + " does not exist in the database (nothing applied there yet?)";
    return a;
  }
  bool recorded = false;
  auto plan = Adopt(db, *dir, {s.from, s.history_table, s.old_history, s.journal},
                            [&](const std::string& holder) { ctx.Note("waiting for the migration lock, held by " + holder); },
                            &recorded);
  if (!plan.ok()) {
    a.why = plan.status().message();
    return a;
  }
  a.plan = std::move(*plan);
  if (!recorded) {
    a.why = fmt::format("{} row(s) of {} match no file exactly; nothing was adopted", a.plan.unmatched.size(),
                        s.old_history.Display());
    return a;
  }
  a.done = true;
  return a;
}

// A project taken over without a schema source gets schema/schema.sql from the database
// the history was adopted from, so that the next `strata generate` starts from what is
// there instead of planning to drop it. Returns the file written, or "" with `why`.
std::string SeedSchemaFolder(const Setup& s, const std::string& url, const std::string& project_dir, std::string* why) {
  std::string folder = JoinPath(project_dir, "schema");
  auto names = ListFiles(folder);
  if (names.ok()) {
    for (const auto& n : *names) {
      if (EndsWith(n, ".sql")) return "";  // the team has one already
    }
  }
  auto conn = Connection::Open(url);
  if (!conn.ok()) {
    *why = conn.status().message();
    return "";
  }
  auto c = Introspect(conn->get());
  if (!c.ok()) {
    *why = c.status().message();
    return "";
  }
  ExcludeHistoryTable(&*c, s.history_table);
  ExcludeHistoryTable(&*c, s.old_history);
  auto sql = CatalogSql(*c);
  if (!sql.ok()) {
    *why = sql.status().message();
    return "";
  }
  std::string path = JoinPath(folder, "schema.sql");
  std::string text = "-- The desired schema (strata generate compares the migrations with it). Written by\n"
                     "-- `strata init --from " + s.from + "` from the database the history was adopted from;\n"
                     "-- edit it, or split it into more files (they are read in name order).\n\n" + *sql;
  if (Status st = WriteNewFile(path, text); !st.ok()) {
    *why = st.message();
    return "";
  }
  return path;
}

}  // namespace

int RunInit(int argc, char** argv) {
  CLI::App app{"Set up strata here: a new project, or one taken over from drizzle-kit or node-pg-migrate",
               "strata init"};
  GlobalOptions g;
  int major = 0;
  std::string from, drizzle_config, table, migrations_flag;
  app.add_option("--from", from, "Take over an existing project: drizzle | node-pg-migrate")
      ->check(CLI::IsMember({"drizzle", "node-pg-migrate"}));
  app.add_option("--drizzle-config", drizzle_config, "--from drizzle: the drizzle config (default: drizzle.config.ts here)");
  app.add_option("--table", table,
                 "--from node-pg-migrate: its history table (default: from package.json scripts, else the "
                 "database's node-pg-migrate table, else public.pgmigrations)");
  app.add_option("--migrations-dir", migrations_flag,
                 "--from node-pg-migrate: its migrations folder (default: from package.json scripts, else migrations)");
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
  Setup setup;
  setup.from = from;
  if (from == "drizzle") {
    if (Status st = FromDrizzle(dir, drizzle_config, &setup); !st.ok()) return ctx.Fail(st);
  }
  // The database: --url, else the variable the old tool reads, else drizzle's literal URL.
  auto url_of = [&]() -> std::string {
    if (!g.url.empty()) return g.url;
    const char* env = std::getenv(setup.url_env.c_str());
    if (env && *env) return env;
    return setup.literal_url;
  };
  if (from == "node-pg-migrate") {
    if (Status st = FromNodePgMigrate(dir, migrations_flag, table, url_of(), &setup); !st.ok()) return ctx.Fail(st);
  }
  std::string url = url_of();
  std::string version_source;
  if (major == 0 && !url.empty()) {
    auto conn = Connection::Open(url);
    if (conn.ok()) major = (*conn)->server_version() / 10000, version_source = "the database";
  }
  if (major == 0) {
    std::string bin = FindPgBinDir();
    if (!bin.empty()) major = BinDirMajor(bin), version_source = "the newest installed server";
  }
  if (major != 0 && (major < kMinPgMajor || major > kMaxPgMajor)) major = 0;

  std::vector<std::string> created;
  if (Status st = WriteFileAtomic(toml, TomlText(setup, major)); !st.ok()) return ctx.Fail(st);
  created.push_back(toml);
  std::vector<std::string> subs = {setup.migrations_dir};
  if (setup.sources.empty()) subs.push_back("schema");
  for (const auto& sub : subs) {
    std::string path = JoinPath(dir, sub);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) continue;
    if (Status st = MakeDirs(path); !st.ok()) return ctx.Fail(st);
    created.push_back(path + "/");
  }
  std::string migrations = JoinPath(dir, setup.migrations_dir);
  if (!FileExists(JoinPath(migrations, kSumFileName))) {
    std::vector<FileError> errs;
    auto mdir = MigrationDir::Load(migrations, setup.naming, &errs);
    if (mdir.ok()) {
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
  Adoption adoption;
  if (!from.empty()) adoption = AdoptHistory(ctx, setup, url, dir);
  std::string seed_why;
  if (adoption.done && setup.sources.empty()) {
    std::string seeded = SeedSchemaFolder(setup, url, dir, &seed_why);
    if (!seeded.empty()) created.push_back(seeded + " (the database's schema)");
  }
  auto package_json = ReadFile(JoinPath(dir, "package.json"));
  std::vector<std::pair<std::string, std::string>> scripts;
  if (package_json.ok()) scripts = ReplacementScripts(*package_json, !from.empty());
  std::string adopt_cmd = from.empty() ? ""
                          : from == "drizzle"
                              ? "strata adopt drizzle --table " + setup.old_history.Display()
                              : "strata adopt node-pg-migrate --table " + setup.old_history.Display();
  if (ctx.json()) {
    nlohmann::json js = nlohmann::json::object();
    for (const auto& [name, cmd] : scripts) js[name] = cmd;
    nlohmann::json j = {{"created", created}, {"postgres", major}, {"package_json_scripts", js}};
    if (!from.empty()) {
      nlohmann::json matched = nlohmann::json::array(), unmatched = nlohmann::json::array();
      for (const auto& r : adoption.plan.matched) matched.push_back({{"source", r.source}, {"file", r.file}});
      for (const auto& r : adoption.plan.unmatched) unmatched.push_back({{"source", r.source}, {"reason", r.reason}});
      j["from"] = from;
      j["read"] = setup.read;
      j["migrations_dir"] = setup.migrations_dir;
      j["naming"] = NamingName(setup.naming);
      j["history_table"] = setup.history_table.Display();
      j["adopted"] = {{"done", adoption.done}, {"matched", matched}, {"unmatched", unmatched},
                      {"already", adoption.plan.already}, {"pending", adoption.plan.not_recorded}};
      if (!adoption.done) j["adopted"]["why_not"] = adoption.why;
    }
    ctx.PrintJson(j);
    return adoption.attempted && !adoption.done ? kExitError : kExitOk;
  }
  for (const auto& r : setup.read) ctx.Out("read " + r);
  for (const auto& c : created) ctx.Out("created " + c);
  if (!from.empty()) {
    ctx.Out(fmt::format("migrations: {} ({} names), history: {} (the {} table {} stays as it is)", setup.migrations_dir,
                        NamingName(setup.naming), setup.history_table.Display(), from, setup.old_history.Display()));
    for (const auto& src : setup.sources) ctx.Out("schema source: " + src.Label());
    if (!seed_why.empty()) ctx.Err("schema/ was not filled from the database: " + seed_why);
    if (adoption.done) {
      ctx.Out(fmt::format("adopted {} migration(s) from {}; {} already recorded, {} pending", adoption.plan.matched.size(),
                          setup.old_history.Display(), adoption.plan.already.size(), adoption.plan.not_recorded.size()));
    } else {
      for (const auto& r : adoption.plan.unmatched) ctx.Out(ctx.Paint("unmatched", "31") + " " + r.source + ": " + r.reason);
      ctx.Err("history not adopted: " + adoption.why + "\n  run `" + adopt_cmd + "` when the database answers");
    }
  }
  if (major != 0) ctx.Out(fmt::format("targets PostgreSQL {} ({}); change [dev] postgres if production runs another", major, version_source));
  if (!scripts.empty()) {
    ctx.Out("\nset these \"scripts\" in package.json:");
    for (size_t i = 0; i < scripts.size(); ++i) {
      ctx.Out(fmt::format("    \"{}\": \"{}\"{}", scripts[i].first, scripts[i].second, i + 1 < scripts.size() ? "," : ""));
    }
  }
  if (from.empty()) {
    ctx.Out("\nnext: describe tables in schema/*.sql, then `strata generate <slug>` and `strata migrate`");
  } else {
    ctx.Out("\nnext: `strata status`, then edit the schema and run `strata generate <slug>`");
  }
  return adoption.attempted && !adoption.done ? kExitError : kExitOk;
}

}  // namespace strata::cli
