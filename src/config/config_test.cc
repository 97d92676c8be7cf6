#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

namespace strata {
namespace {

struct TempToml {
  explicit TempToml(const std::string& text) {
    char tmpl[] = "/tmp/strata-config-XXXXXX";
    int fd = ::mkstemp(tmpl);
    ::close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempToml() { ::unlink(path.c_str()); }
  std::string path;
};

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* k) -> const char* {
    auto it = vars.find(k);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(Config, DefaultsWithoutFile) {
  auto cfg = LoadConfig("/nonexistent/strata.toml", Env({}));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->migrations_dir, "migrations");
  EXPECT_EQ(cfg->history_table.Display(), "public.strata_migrations");
  EXPECT_EQ(cfg->naming, Naming::kTimestamp);
  EXPECT_EQ(cfg->lock_timeout, "5s");
  EXPECT_EQ(cfg->lock_retries, 3);
}

TEST(Config, FileThenEnvironmentOverrides) {
  TempToml t(
      "history_table = \"kortix_migrations.pgmigrations\"\nnaming = \"sequence\"\n"
      "lock_timeout = 1500\n[environments.prod]\nurl_env = \"PROD_URL\"\nprotected = true\n"
      "[lint]\ndisable = [\"ban-char-field\"]\n");
  auto cfg = LoadConfig(t.path, Env({{"STRATA_MIGRATIONS_DIR", "db/migrations"}}));
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->history_table.schema, "kortix_migrations");
  EXPECT_EQ(cfg->history_table.name, "pgmigrations");
  EXPECT_EQ(cfg->history_table.Quoted(), "\"kortix_migrations\".\"pgmigrations\"");
  EXPECT_EQ(cfg->naming, Naming::kSequence);
  EXPECT_EQ(cfg->lock_timeout, "1500ms");
  EXPECT_EQ(cfg->migrations_dir, "db/migrations");
  ASSERT_EQ(cfg->environments.count("prod"), 1u);
  EXPECT_TRUE(cfg->environments["prod"].is_protected);
  EXPECT_EQ(cfg->environments["prod"].url_env, "PROD_URL");
  EXPECT_EQ(cfg->lint_disable, std::vector<std::string>{"ban-char-field"});
}

TEST(Config, ErrorsNameFileLineAndColumn) {
  TempToml t("migrations_dir = \"m\"\nnaming = \"weird\"\n");
  auto cfg = LoadConfig(t.path, Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find(t.path + ":2:"), std::string::npos) << cfg.status().message();
  TempToml unknown("migration_dir = \"m\"\n");
  cfg = LoadConfig(unknown.path, Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("unknown key 'migration_dir'"), std::string::npos);
  TempToml broken("naming = \n");
  cfg = LoadConfig(broken.path, Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find(broken.path + ":1:"), std::string::npos);
}

TEST(Config, QualifiedNames) {
  EXPECT_EQ(ParseQualifiedName("t")->Display(), "public.t");
  EXPECT_FALSE(ParseQualifiedName("a.b.c").ok());
  EXPECT_FALSE(ParseQualifiedName(".t").ok());
}

TEST(Config, ValuesAreValidatedWithTheirPosition) {
  auto none = [](const char*) -> const char* { return nullptr; };
  auto r = ParseConfig(std::string("lock_timeout = \"soon\"\n"), "strata.toml", none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("strata.toml:1:16: lock_timeout must be a duration"), std::string::npos)
      << r.status().message();
  r = ParseConfig(std::string("lock_retries = 99999999999\n"), "strata.toml", none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("strata.toml:1:16: lock_retries must be a whole number from 0 to 100"),
            std::string::npos);
  r = ParseConfig(std::string("# caf\u00e9 \u00a1\nmigrations_dir = \"d\u00e9\u00a1\" # \u00a1\nlock_timeout = 2500\n"),
                  "strata.toml", none);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->migrations_dir, "d\u00e9\u00a1");
  EXPECT_EQ(r->lock_timeout, "2500ms");
  // Outside strings and comments a non-ASCII character is an error, not undefined behaviour
  // in the TOML parser.
  r = ParseConfig(std::string("x = 1 \u00a1\n"), "strata.toml", none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("strata.toml:1:7: unexpected non-ASCII character"), std::string::npos)
      << r.status().message();
  auto env = [](const char* k) -> const char* {
    return std::string(k) == "STRATA_LOCK_TIMEOUT" ? "whenever" : nullptr;
  };
  r = ParseConfig(std::nullopt, "strata.toml", env);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("STRATA_LOCK_TIMEOUT must be a duration"), std::string::npos);
}

TEST(Config, SchemaSourcesAndScope) {
  TempToml t(R"([schema]
sources = [{ drizzle = "packages/db/drizzle.config.ts" }, { sql = "schema" }]

[[schema.sources]]
command = "npx prisma migrate diff --from-empty --to-schema-datamodel prisma/schema.prisma --script"

[scope]
schemas = ["kortix"]
exclude = ["table:kortix.events_*"]
)");
  auto cfg = LoadConfig(t.path, Env({}));
  // An array of inline tables and [[schema.sources]] cannot both define the key.
  EXPECT_FALSE(cfg.ok());
  TempToml ok(R"([schema]
sources = [{ drizzle = "packages/db/drizzle.config.ts" }, { sql = "schema" }, { command = "prisma migrate diff" }]

[scope]
schemas = ["kortix"]
kinds = ["table", "index"]
exclude = ["table:kortix.events_*"]
)");
  cfg = LoadConfig(ok.path, Env({}));
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ(cfg->schema_sources.size(), 3u);
  EXPECT_EQ(cfg->schema_sources[0].kind, SchemaSource::Kind::kDrizzle);
  EXPECT_EQ(cfg->schema_sources[0].value, "packages/db/drizzle.config.ts");
  EXPECT_EQ(cfg->schema_sources[1].Label(), "schema");
  EXPECT_EQ(cfg->schema_sources[2].Label(), "command `prisma migrate diff`");
  EXPECT_EQ(cfg->scope.schemas, std::vector<std::string>{"kortix"});
  EXPECT_EQ(cfg->scope.kinds, (std::vector<std::string>{"table", "index"}));
  EXPECT_EQ(cfg->scope.exclude, std::vector<std::string>{"table:kortix.events_*"});
}

TEST(Config, SchemaSourceErrorsNameTheLine) {
  auto err = [](const std::string& text) {
    auto cfg = ParseConfig(text, "strata.toml", Env({}));
    return cfg.ok() ? std::string("ok") : cfg.status().message();
  };
  EXPECT_EQ(err("[schema]\nsources = [{ prisma = \"x\" }]\n"),
            "strata.toml:2:23: unknown schema source 'prisma' (sql, drizzle or command)");
  EXPECT_EQ(err("[schema]\nsources = [{ sql = \"a\", drizzle = \"b\" }]\n").substr(0, 45),
            "strata.toml:2:12: each schema source is a tab");
  EXPECT_EQ(err("[schema]\nsources = \"schema\"\n").substr(0, 42), "strata.toml:2:11: [schema] takes sources =");
  EXPECT_EQ(err("[schema]\nsources = [{ sql = \"\" }]\n"), "strata.toml:2:20: sql must not be empty");
  EXPECT_EQ(err("[scope]\nexclude = \"x\"\n").substr(0, 35), "strata.toml:2:11: [scope] takes sch");
  EXPECT_EQ(err("[scope]\nschemas = [1]\n"), "strata.toml:2:12: scope.schemas lists non-empty strings");
}

TEST(Config, HugeFloatIsNotAWholeNumber) {
  // The config fuzzer's input: toml++ would cast 9.9e52 to int64 (undefined behaviour).
  auto cfg = ParseConfig(std::string("lock_retries = 99999999888888888888888888888888888888888888888888888.8\n"),
                         "strata.toml", Env({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(), "strata.toml:1:16: lock_retries must be a whole number from 0 to 100");
  auto three = ParseConfig(std::string("lock_retries = 3.0\nlock_timeout = 2.0\n[dev]\npostgres = 16.0\n"), "strata.toml", Env({}));
  ASSERT_TRUE(three.ok()) << three.status().message();
  EXPECT_EQ(three->lock_retries, 3);
  EXPECT_EQ(three->lock_timeout, "2ms");
  EXPECT_EQ(three->pg_major, 16);
  EXPECT_FALSE(ParseConfig(std::string("lock_retries = 2.5\n"), "strata.toml", Env({})).ok());
  EXPECT_FALSE(ParseConfig(std::string("lock_timeout = 1e300\n"), "strata.toml", Env({})).ok());
}

}  // namespace
}  // namespace strata
