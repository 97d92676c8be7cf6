// The two runbooks of ../shared/seeds end to end, with the peers themselves (pinned in
// tests/e2e/package.json, installed by scripts/setup): a drizzle-kit project and a
// node-pg-migrate project, each applied by its own tool, then taken over with
// `strata init --from ...` and carried on with strata.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "base/fs.h"
#include "base/subprocess.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

std::string E2eModules() { return std::string(STRATA_SOURCE_DIR) + "/tests/e2e/node_modules"; }

class TakeoverTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ASSERT_TRUE(FileExists(E2eModules() + "/.bin/drizzle-kit"))
        << "tests/e2e/node_modules is missing: scripts/setup installs it (npm ci --prefix tests/e2e)";
    std::filesystem::create_directory_symlink(E2eModules(), p_.Path("node_modules"));
  }
  // Runs one of the project's node tools (node_modules/.bin/<tool>) in the project.
  ProcessResult Tool(const std::string& tool, std::vector<std::string> args) {
    args.insert(args.begin(), p_.Path("node_modules/.bin/" + tool));
    ProcessOptions o;
    o.cwd = p_.dir();
    // node-postgres reads the password file from PGPASSFILE, not from the URL.
    size_t q = url_.find("?passfile=");
    o.set_env["DATABASE_URL"] = url_.substr(0, q);
    if (q != std::string::npos) o.set_env["PGPASSFILE"] = url_.substr(q + 10);
    auto r = RunProcess(args, o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : ProcessResult{};
  }
  std::vector<std::string> Files(const std::string& dir) {
    auto names = ListFiles(p_.Path(dir));
    return names.ok() ? *names : std::vector<std::string>{};
  }
  std::string All(const std::string& dir, const std::string& suffix) {
    std::string out;
    for (const auto& n : Files(dir)) {
      if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out += "==> " + n + "\n" + p_.Read(dir + "/" + n);
      }
    }
    return out;
  }
};

constexpr const char* kDrizzleConfig = R"(import { defineConfig } from "drizzle-kit";

export default defineConfig({
  schema: "./src/db/schema.ts",
  out: "./drizzle/migrations",
  dialect: "postgresql",
  dbCredentials: {
    url: process.env.DATABASE_URL || "postgresql://localhost:5432/app",
  },
});
)";

constexpr const char* kSchemaBefore = R"(import { pgSchema, serial, text, integer, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const app = pgSchema("app");
export const taskStatus = app.enum("task_status", ["todo", "done"]);

export const users = app.table("users", {
  id: serial("id").primaryKey(),
  email: text("email").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex("users_email_key").on(t.email)]);

export const tasks = app.table("tasks", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  status: taskStatus("status").notNull().default("todo"),
});
)";

// The edit of the runbook's safe-change table: an enum value, a NOT NULL column with a
// default and a nullable one, an index on a populated table, and a foreign key from an
// existing table to a new one.
constexpr const char* kSchemaAfter = R"(import { pgSchema, serial, text, integer, timestamp, uniqueIndex, index } from "drizzle-orm/pg-core";

export const app = pgSchema("app");
export const taskStatus = app.enum("task_status", ["todo", "done", "paused"]);

export const teams = app.table("teams", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
});

export const users = app.table("users", {
  id: serial("id").primaryKey(),
  email: text("email").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  provider: text("provider").notNull().default("claude"),
  nickname: text("nickname"),
  teamId: integer("team_id").references(() => teams.id),
}, (t) => [uniqueIndex("users_email_key").on(t.email), index("users_provider_idx").on(t.provider)]);

export const tasks = app.table("tasks", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  status: taskStatus("status").notNull().default("todo"),
});
)";

TEST_F(TakeoverTest, DrizzleProjectTakenOverThenEditedInTypeScript) {
  p_.Write("package.json", R"({"name": "app", "private": true, "scripts": {
  "db:generate": "drizzle-kit generate", "db:migrate": "drizzle-kit migrate", "db:push": "drizzle-kit push"}}
)");
  p_.Write("drizzle.config.ts", kDrizzleConfig);
  p_.Write("src/db/schema.ts", kSchemaBefore);
  // The team's history: drizzle-kit generate + migrate, then rows.
  auto gen = Tool("drizzle-kit", {"generate", "--name", "init"});
  ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  auto mig = Tool("drizzle-kit", {"migrate"});
  ASSERT_EQ(mig.exit_code, 0) << mig.out << mig.err;
  Value("INSERT INTO app.users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 500) g");
  Value("INSERT INTO app.tasks (user_id, title) SELECT g, 'task ' || g FROM generate_series(1, 500) g");
  ASSERT_EQ(Value("SELECT count(*) FROM drizzle.__drizzle_migrations"), "1");

  auto init = Run({"init", "--from", "drizzle"});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  std::string toml = p_.Read("strata.toml");
  EXPECT_NE(toml.find("migrations_dir = \"drizzle/migrations\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("naming = \"sequence\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("history_table = \"drizzle.strata_migrations\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("sources = [{ drizzle = \"drizzle.config.ts\" }]"), std::string::npos) << toml;
  EXPECT_NE(init.out.find("adopted 1 migration(s) from drizzle.__drizzle_migrations"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("\"db:generate\": \"strata generate\""), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("\"db:migrate\": \"strata migrate\""), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("\"db:push\": \"strata push\""), std::string::npos) << init.out;
  auto status = Run({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_NE(status.out.find("1 applied, 0 pending"), std::string::npos) << status.out;

  // A hand-written migration: a trigger function the TypeScript schema cannot describe.
  auto create = Run({"create", "normalize_email"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  std::string hand = "drizzle/migrations/0001_normalize_email.sql";
  ASSERT_TRUE(FileExists(p_.Path(hand))) << create.out;
  p_.FillCreated(hand,
                 "CREATE FUNCTION app.normalize_email() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                 "BEGIN\n  NEW.email := lower(NEW.email);\n  RETURN NEW;\nEND $$;\n"
                 "CREATE TRIGGER users_normalize_email BEFORE INSERT OR UPDATE ON app.users\n"
                 "  FOR EACH ROW EXECUTE FUNCTION app.normalize_email();\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  auto m1 = Run({"migrate"});
  ASSERT_EQ(m1.exit_code, 0) << m1.out << m1.err;

  // The TypeScript edit, then strata generate.
  p_.Write("src/db/schema.ts", kSchemaAfter);
  auto before = Files("drizzle/migrations");
  auto g = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "team_routing"});
  ASSERT_EQ(g.exit_code, 0) << g.out << g.err;
  std::string written = All("drizzle/migrations", "_team_routing_enum_values.sql");
  EXPECT_NE(written.find("ALTER TYPE \"app\".\"task_status\" ADD VALUE IF NOT EXISTS 'paused'"), std::string::npos) << written;
  std::string concurrent = All("drizzle/migrations", "_team_routing_concurrently.sql");
  EXPECT_NE(concurrent.find("-- strata:no-transaction"), std::string::npos) << concurrent;
  EXPECT_NE(concurrent.find("CREATE INDEX CONCURRENTLY users_provider_idx ON app.users"), std::string::npos) << concurrent;
  std::string main = All("drizzle/migrations", "_team_routing.sql");
  EXPECT_NE(main.find("-- Migration: Team routing"), std::string::npos) << main;
  EXPECT_NE(main.find("ADD COLUMN \"provider\" text DEFAULT 'claude'::text NOT NULL"), std::string::npos) << main;
  std::string every = All("drizzle/migrations", ".sql");
  EXPECT_NE(every.find("FOREIGN KEY (team_id) REFERENCES app.teams(id) NOT VALID"), std::string::npos) << every;
  EXPECT_NE(every.find("VALIDATE CONSTRAINT \"users_team_id_teams_id_fk\""), std::string::npos) << every;
  EXPECT_NE(main.find("-- strata:verify"), std::string::npos) << main;
  EXPECT_EQ(every.find("DROP FUNCTION"), std::string::npos) << every;
  EXPECT_EQ(every.find("DROP TRIGGER"), std::string::npos) << every;
  EXPECT_NE(All("drizzle/migrations", "_team_routing_rollback.sql").find("DROP COLUMN \"provider\""), std::string::npos);
  // drizzle-kit's journal lists every new migration (not the rollback files).
  std::string journal = p_.Read("drizzle/migrations/meta/_journal.json");
  for (const auto& n : Files("drizzle/migrations")) {
    if (n.size() < 4 || n.compare(n.size() - 4, 4, ".sql") != 0) continue;
    bool rollback = n.find("_rollback.sql") != std::string::npos;
    std::string tag = "\"tag\": \"" + n.substr(0, n.size() - 4) + "\"";
    EXPECT_EQ(journal.find(tag) != std::string::npos, !rollback) << n << "\n" << journal;
  }
  auto check_kit = Tool("drizzle-kit", {"check"});
  EXPECT_EQ(check_kit.exit_code, 0) << check_kit.out << check_kit.err;

  auto m2 = Run({"migrate"});
  ASSERT_EQ(m2.exit_code, 0) << m2.out << m2.err;
  EXPECT_EQ(Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.users_provider_idx'::regclass"), "t");
  EXPECT_EQ(Value("SELECT count(*) FROM app.users WHERE provider = 'claude'"), "500");
  EXPECT_EQ(Value("SELECT convalidated FROM pg_constraint WHERE conname = 'users_team_id_teams_id_fk'"), "t");
  EXPECT_EQ(Value("SELECT 'paused' = ANY (enum_range(NULL::app.task_status)::text[])"), "t");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_trigger WHERE tgname = 'users_normalize_email'"), "1");
  EXPECT_EQ(Value("SELECT count(*) FROM drizzle.__drizzle_migrations"), "1");  // left as it was

  auto check = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("scope: schemas: app"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("kept as they are: "), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("database: matches drizzle/migrations"), std::string::npos) << check.out;

  auto files = Files("drizzle/migrations");
  auto again = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "nothing"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("no changes: drizzle (drizzle.config.ts) matches drizzle/migrations"), std::string::npos) << again.out;
  EXPECT_EQ(Files("drizzle/migrations"), files);
}

TEST_F(TakeoverTest, DrizzleConfigInASubfolderReadsPathsFromTheProject) {
  // As in Dokploy: `drizzle-kit generate --config server/db/drizzle.config.ts`, run from the
  // package folder, with schema and out relative to that folder.
  std::string config = kDrizzleConfig;
  p_.Write("server/db/drizzle.config.ts", config);
  p_.Write("src/db/schema.ts", kSchemaBefore);
  auto gen = Tool("drizzle-kit", {"generate", "--config", "server/db/drizzle.config.ts", "--name", "init"});
  ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  ASSERT_EQ(Tool("drizzle-kit", {"migrate", "--config", "server/db/drizzle.config.ts"}).exit_code, 0);
  auto init = Run({"init", "--from", "drizzle", "--drizzle-config", "server/db/drizzle.config.ts"});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_NE(p_.Read("strata.toml").find("sources = [{ drizzle = \"server/db/drizzle.config.ts\" }]"), std::string::npos)
      << p_.Read("strata.toml");
  EXPECT_NE(p_.Read("strata.toml").find("migrations_dir = \"drizzle/migrations\""), std::string::npos);
  EXPECT_EQ(Run({"status"}).exit_code, 0);
  auto g = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "nothing"});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  EXPECT_NE(g.out.find("no changes: drizzle (server/db/drizzle.config.ts) matches drizzle/migrations"), std::string::npos)
      << g.out;
  // Not given and not at the top: init names the flag.
  p_.Write("strata.toml.keep", p_.Read("strata.toml"));
  std::filesystem::remove(p_.Path("strata.toml"));
  auto ask = Run({"init", "--from", "drizzle"}, {{"CI", "true"}});
  EXPECT_EQ(ask.exit_code, 2);
  EXPECT_NE(ask.err.find("no drizzle.config.ts (or .js, .mjs, .json) in this folder: pass --drizzle-config <path to "
                          "drizzle.config.ts>"), std::string::npos)
      << ask.err;
  EXPECT_FALSE(FileExists(p_.Path("strata.toml")));
}

TEST_F(TakeoverTest, FileMissingFromTheJournalIsNotAMigration) {
  // Found in a real drizzle-kit history: a leftover .sql file its journal does not list.
  // drizzle-kit migrate never runs it; neither does strata, and lint says so.
  p_.Write("drizzle/0000_init.sql", "CREATE TABLE a (id int);\n");
  p_.Write("drizzle/0001_leftover.sql", "DROP TABLE a;\n");
  p_.Write("drizzle/0002_more.sql", "ALTER TABLE a ADD COLUMN b text;\n");
  p_.Write("drizzle/meta/_journal.json", R"({"version": "7", "dialect": "postgresql", "entries": [
    {"idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true},
    {"idx": 1, "version": "7", "when": 1700000001000, "tag": "0002_more", "breakpoints": true}]})");
  p_.Write("strata.toml", "migrations_dir = \"drizzle\"\nnaming = \"sequence\"\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  auto m = Run({"migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("2 migration(s) applied"), std::string::npos) << m.out;
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'a'"), "2");
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  EXPECT_NE(lint.out.find("drizzle/0001_leftover.sql:1:1: warning[not-in-journal] not listed in meta/_journal.json: "
                          "drizzle-kit never runs it, and neither does strata"), std::string::npos) << lint.out;
  auto create = Run({"create", "next"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_TRUE(FileExists(p_.Path("drizzle/0003_next.sql"))) << create.out;
  EXPECT_NE(p_.Read("drizzle/meta/_journal.json").find("\"tag\": \"0003_next\""), std::string::npos);
  // A file written by hand after the last listed one is a new migration: strata runs it,
  // lint says drizzle-kit would not, and strata hash lists it.
  p_.Write("drizzle/0004_by_hand.sql", "ALTER TABLE a ADD COLUMN c text;\n");
  auto lint2 = Run({"lint", "--names-only"});
  EXPECT_NE(lint2.out.find("drizzle/0004_by_hand.sql:1:1: warning[not-in-journal] not listed in meta/_journal.json yet: "
                           "strata runs it, drizzle-kit would not (`strata hash` lists it)"), std::string::npos) << lint2.out;
  auto hash = Run({"hash"});
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  EXPECT_NE(hash.out.find("listed 0004_by_hand.sql in drizzle/meta/_journal.json"), std::string::npos) << hash.out;
  EXPECT_NE(p_.Read("drizzle/meta/_journal.json").find("\"tag\": \"0004_by_hand\""), std::string::npos);
  auto m2 = Run({"migrate"});
  ASSERT_EQ(m2.exit_code, 0) << m2.out << m2.err;
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'a'"), "3");
  EXPECT_EQ(Run({"lint", "--names-only"}).out.find("0004_by_hand.sql:1:1: warning"), std::string::npos);
}

TEST_F(TakeoverTest, DrizzleSourceErrorsSayWhatIsMissing) {
  p_.Write("strata.toml", "[schema]\nsources = [{ drizzle = \"drizzle.config.ts\" }]\n");
  auto missing = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "x"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("error: loading drizzle (drizzle.config.ts): drizzle config drizzle.config.ts not found"),
            std::string::npos) << missing.err;
  p_.Write("drizzle.config.ts", kDrizzleConfig);
  p_.Write("src/db/schema.ts", kSchemaBefore);
  // node not on PATH, then drizzle-kit not installed.
  auto no_node = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "x"}, {{"PATH", "/nonexistent"}});
  EXPECT_EQ(no_node.exit_code, 1);
  EXPECT_NE(no_node.err.find("node is not on PATH: drizzle-kit needs Node.js 18 or later to read drizzle.config.ts"),
            std::string::npos) << no_node.err;
  std::filesystem::remove(p_.Path("node_modules"));
  auto no_kit = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "x"});
  EXPECT_EQ(no_kit.exit_code, 1);
  EXPECT_NE(no_kit.err.find("drizzle-kit is not installed for drizzle.config.ts (no node_modules/.bin/drizzle-kit in the project "
                            "folder or above): run `npm install -D drizzle-kit`"), std::string::npos) << no_kit.err;
  std::filesystem::create_directory_symlink(E2eModules(), p_.Path("node_modules"));
  // A schema file that does not compile: drizzle-kit's own message, and nothing written.
  p_.Write("src/db/schema.ts", "import { pgTable } from \"drizzle-orm/pg-core\";\nexport const t = pgTable(\"t\", { id: nope() });\n");
  auto broken = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "x"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("drizzle-kit export failed for drizzle.config.ts (exit 0, and the schema did not load):"),
            std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find("nope is not defined"), std::string::npos) << broken.err;
  EXPECT_EQ(Files("migrations").size(), 0u);
}

TEST_F(TakeoverTest, CommandSourceAndSqlOnTop) {
  // Any program that prints DDL, then SQL files for what it does not model.
  p_.Write("strata.toml",
           "[schema]\nsources = [{ command = \"cat orm/ddl.sql\" }, { sql = \"schema\" }]\n");
  p_.Write("orm/ddl.sql", "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);\n");
  p_.Write("schema/grants.sql", "CREATE FUNCTION items_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM items';\n");
  auto g = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "items"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_TRUE(TableExists("items"));
  EXPECT_EQ(Value("SELECT items_count()"), "0");
  auto c = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("scope: everything"), std::string::npos) << c.out;
  // A command that fails stops the run with its own words.
  p_.Write("strata.toml", "[schema]\nsources = [{ command = \"echo 'prisma: schema.prisma not found' >&2; exit 3\" }]\n");
  auto bad = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("failed (exit 3):\nprisma: schema.prisma not found"), std::string::npos) << bad.err;
}

TEST_F(TakeoverTest, ScopeKeepsWhatTheProjectExcludes) {
  // Tables the application creates at run time, excluded by pattern, are neither dropped
  // by generate nor reported as drift.
  p_.Write("strata.toml", "[scope]\nexclude = [\"table:public.events_2*\"]\n");
  p_.Write("schema/events.sql", "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL);\n");
  ASSERT_EQ(Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "events"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  Value("CREATE TABLE events_2026_11 (LIKE events INCLUDING ALL)");
  auto c = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("scope: excluded: table:public.events_2*"), std::string::npos) << c.out;
  p_.Write("strata.toml", "[scope]\nexclude = [\"tabel:public.events_2*\"]\n");
  auto bad = Run({"check", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("scope.exclude 'tabel:public.events_2*': unknown kind 'tabel'"), std::string::npos) << bad.err;
}

TEST_F(TakeoverTest, NodePgMigrateProjectTakenOver) {
  p_.Write("package.json", R"({"name": "kortix-db", "private": true, "scripts": {
  "migrate": "node-pg-migrate up -m migrations --migrations-schema kortix_migrations --create-migrations-schema --migrations-table pgmigrations -j sql",
  "migrate:create": "node-pg-migrate create -m migrations -j sql --migration-filename-format utc"}}
)");
  p_.Migration("20260301101500123_create_agents.sql",
               "-- Up Migration\nCREATE SCHEMA kortix;\nCREATE TABLE kortix.agents (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL);\n"
               "INSERT INTO kortix.agents (name) VALUES ('a'), ('b');\n\n-- Down Migration\nDROP TABLE kortix.agents;\nDROP SCHEMA kortix;\n");
  p_.Migration("20260302093000456_agents_provider.sql",
               "-- Up Migration\nALTER TABLE kortix.agents ADD COLUMN provider text DEFAULT 'claude';\n"
               "-- Down Migration\nALTER TABLE kortix.agents DROP COLUMN provider;\n");
  auto up = Tool("node-pg-migrate", {"up", "-m", "migrations", "--migrations-schema", "kortix_migrations",
                                     "--create-migrations-schema", "--migrations-table", "pgmigrations", "-j", "sql"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  ASSERT_EQ(Value("SELECT count(*) FROM kortix_migrations.pgmigrations"), "2");

  auto init = Run({"init", "--from", "node-pg-migrate"});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  std::string toml = p_.Read("strata.toml");
  EXPECT_NE(toml.find("migrations_dir = \"migrations\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("naming = \"timestamp\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("history_table = \"kortix_migrations.strata_migrations\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("[scope]\nexclude = [\"table:kortix_migrations.pgmigrations\"]"), std::string::npos) << toml;
  EXPECT_NE(init.out.find("read package.json scripts.migrate"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("adopted 2 migration(s) from kortix_migrations.pgmigrations"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("\"migrate:create\": \"strata create\""), std::string::npos) << init.out;

  auto status = Run({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_NE(status.out.find("2 applied, 0 pending"), std::string::npos) << status.out;
  // The down parts are not linted or run: only the up parts are the migration.
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  EXPECT_EQ(lint.out.find("DROP"), std::string::npos) << lint.out;

  // schema/ starts as the database is, so generate has nothing to do until it is edited.
  EXPECT_NE(p_.Read("schema/schema.sql").find("CREATE TABLE \"kortix\".\"agents\""), std::string::npos) << p_.Read("schema/schema.sql");
  EXPECT_EQ(p_.Read("schema/schema.sql").find("pgmigrations"), std::string::npos) << p_.Read("schema/schema.sql");
  auto check = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  auto create = Run({"create", "agents_flags"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(create.out, m, std::regex(R"(migrations/(\d{17})_agents_flags\.sql)"))) << create.out;
  std::string file = "migrations/" + m[1].str() + "_agents_flags.sql";
  p_.FillCreated(file, "ALTER TABLE kortix.agents ADD COLUMN flags jsonb;\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  auto mig = Run({"migrate"});
  ASSERT_EQ(mig.exit_code, 0) << mig.out << mig.err;
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'agents' AND column_name = 'flags'"), "1");
  EXPECT_EQ(Value("SELECT count(*) FROM kortix_migrations.pgmigrations"), "2");  // the old rows remain
  EXPECT_EQ(Value("SELECT count(*) FROM kortix.agents"), "2");
  EXPECT_EQ(Value("SELECT string_agg(kind, ',' ORDER BY id) FROM kortix_migrations.strata_migrations"), "adopted,adopted,applied");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
  // A node-pg-migrate file's down part is its rollback.
  auto rb = Run({"rollback", "--to", "20260301101500123_create_agents.sql", "--yes"}, {{"CI", ""}});
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'agents' AND column_name = 'provider'"), "0");
}

TEST_F(TakeoverTest, NodePgMigrateHistoryFoundInTheDatabase) {
  // A wrapper script runs node-pg-migrate (as in the kortix runbook): the flags are not in
  // package.json, so init finds node-pg-migrate's table in the database.
  p_.Write("package.json", R"({"name": "db", "scripts": {"migrate": "tsx scripts/migrate.ts"}})");
  p_.Migration("20260301101500123_one.sql", "-- Up Migration\nCREATE TABLE one (id int);\n-- Down Migration\nDROP TABLE one;\n");
  auto up = Tool("node-pg-migrate", {"up", "-m", "migrations", "--migrations-schema", "ops", "--create-migrations-schema",
                                     "--migrations-table", "history", "-j", "sql"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  auto init = Run({"init", "--from", "node-pg-migrate", "--format", "json"});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  auto j = nlohmann::json::parse(init.out);
  EXPECT_EQ(j["history_table"], "ops.strata_migrations");
  EXPECT_EQ(j["adopted"]["done"], true);
  EXPECT_EQ(j["adopted"]["matched"].size(), 1u);
  EXPECT_EQ(j["package_json_scripts"]["migrate"], "strata migrate");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

}  // namespace
}  // namespace strata::testing
