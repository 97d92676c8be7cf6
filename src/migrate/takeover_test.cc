#include "migrate/takeover.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(NodePgMigrateScripts, FlagsInEveryForm) {
  auto c = ParseNodePgMigrateScripts(R"({"scripts": {
    "build": "tsc -p .",
    "migrate": "dotenv -- node-pg-migrate up -m db/migrations --migrations-schema=kortix_migrations -t pgmigrations -j sql",
    "migrate:create": "node-pg-migrate create --migration-filename-format utc -d PG_URL"
  }})");
  EXPECT_EQ(c.migrations_dir, "db/migrations");
  EXPECT_EQ(c.migrations_schema, "kortix_migrations");
  EXPECT_EQ(c.migrations_table, "pgmigrations");
  EXPECT_EQ(c.filename_format, "utc");
  EXPECT_EQ(c.url_env, "PG_URL");
  EXPECT_EQ(c.found_in, (std::vector<std::string>{"package.json scripts.migrate", "package.json scripts.migrate:create"}));
}

TEST(NodePgMigrateScripts, OnlyNodePgMigratesOwnFlags) {
  // -m of another program in the same line is not node-pg-migrate's.
  auto c = ParseNodePgMigrateScripts(R"({"scripts": {"migrate": "other -m wrong && node-pg-migrate up"}})");
  EXPECT_EQ(c.migrations_dir, "");
  EXPECT_EQ(c.found_in.size(), 1u);
  auto none = ParseNodePgMigrateScripts("not json");
  EXPECT_TRUE(none.found_in.empty());
  EXPECT_TRUE(ParseNodePgMigrateScripts(R"({"scripts": []})").found_in.empty());
}

TEST(NodePgMigrateScripts, ConfigFileFillsTheGaps) {
  NodePgMigrateConfig c;
  c.migrations_table = "from_flags";
  MergeNodePgMigrateConfigFile(R"({"db": {"migrations-dir": "sql", "migrations-table": "ignored", "migrations-schema": "ops"}})", &c);
  EXPECT_EQ(c.migrations_dir, "sql");
  EXPECT_EQ(c.migrations_table, "from_flags");
  EXPECT_EQ(c.migrations_schema, "ops");
}

TEST(ReplacementScripts, MapsEachToolCommand) {
  auto r = ReplacementScripts(R"({"scripts": {
    "db:generate": "drizzle-kit generate", "db:migrate": "drizzle-kit migrate", "db:push": "drizzle-kit push",
    "migrate": "node-pg-migrate up", "migrate:down": "node-pg-migrate down", "migrate:status": "tsx scripts/status.ts",
    "test": "vitest"}})");
  std::map<std::string, std::string> m(r.begin(), r.end());
  EXPECT_EQ(m["db:generate"], "strata generate");
  EXPECT_EQ(m["db:migrate"], "strata migrate");
  EXPECT_EQ(m["db:push"], "strata push");
  EXPECT_EQ(m["migrate"], "strata migrate");
  EXPECT_EQ(m["migrate:down"], "strata rollback");
  EXPECT_EQ(m["migrate:status"], "strata status");
  EXPECT_EQ(m["migrate:lint"], "strata lint");  // added
  EXPECT_EQ(m.count("test"), 0u);
  auto t = ReplacementScripts(R"({"scripts": {"migrate:lint": "tsx scripts/lint-names.ts"}})", /*takeover=*/true);
  std::map<std::string, std::string> tm(t.begin(), t.end());
  EXPECT_EQ(tm["migrate:lint"], "strata lint --names-only");
}

}  // namespace
}  // namespace strata
