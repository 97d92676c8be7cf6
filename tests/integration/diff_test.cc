// strata diff --from db: --to db: reports object-level differences.
#include <map>

#include <nlohmann/json.hpp>
#include <regex>

#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

// The database name in a URL (its path, without ?passfile=...).
std::string DatabaseName(const std::string& url) {
  std::string path = url.substr(0, url.find('?'));
  return path.substr(path.rfind('/') + 1);
}

TEST_F(CliTest, HistoryTableIsNotSchema) {
  p_.Write("strata.toml", "history_table = \"meta.applied\"\n");
  p_.Migration(Version(1) + "_a.sql", "CREATE TABLE a (id bigint PRIMARY KEY);\n");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  auto inspect = Run({"inspect"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("CREATE TABLE \"public\".\"a\""), std::string::npos) << inspect.out;
  EXPECT_EQ(inspect.out.find("applied"), std::string::npos) << inspect.out;
  EXPECT_EQ(inspect.out.find("meta"), std::string::npos) << inspect.out;
  auto diff = Run({"diff", "--from", "db:" + url_, "--to", "migrations:migrations", "--dev-url",
                   TestServer::Get().AdminUrl(), "--format", "sql"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_EQ(diff.out.find("DROP"), std::string::npos) << diff.out;
}

TEST_F(CliTest, DiffReportsCreatesDropsAndAlters) {
  std::string to = TestServer::Get().NewDatabase("to");
  ExecOrDie(url_, "CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE a (id int PRIMARY KEY, n int); "
                  "CREATE TABLE gone (id int); CREATE INDEX a_n ON a (n)");
  ExecOrDie(to, "CREATE TYPE mood AS ENUM ('ok', 'meh'); CREATE TABLE a (id int PRIMARY KEY, n bigint NOT NULL, m text); "
                "CREATE TABLE fresh (id int); COMMENT ON TABLE a IS 'now documented'");
  auto r = Run({"diff", "--from", "db:" + url_, "--to", "db:" + to, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, nlohmann::json> by;
  nlohmann::json parsed = nlohmann::json::parse(r.out);  // kept alive: the loop refers into it
  for (const auto& c : parsed["changes"]) {
    by[c["action"].get<std::string>() + " " + c["kind"].get<std::string>() + " " + c["object"].get<std::string>()] = c;
  }
  std::string keys;
  for (const auto& [k, v] : by) keys += k + "\n";
  EXPECT_TRUE(by.count("create table public.fresh")) << keys;
  EXPECT_TRUE(by.count("drop table public.gone"));
  EXPECT_TRUE(by.count("drop index public.a_n"));
  EXPECT_TRUE(by.count("create column public.a.m"));
  ASSERT_TRUE(by.count("alter column public.a.n"));
  EXPECT_EQ(by["alter column public.a.n"]["fields"], (nlohmann::json{"not_null", "type"}));
  ASSERT_TRUE(by.count("alter table public.a"));
  EXPECT_EQ(by["alter table public.a"]["fields"], nlohmann::json{"comment"});
  ASSERT_TRUE(by.count("alter enum public.mood"));
  EXPECT_EQ(by.size(), 7u) << r.out;
  auto same = Run({"diff", "--from", "db:" + url_, "--to", "db:" + url_});
  EXPECT_NE(same.out.find("no differences"), std::string::npos) << same.out;
  auto bad = Run({"diff", "--from", "somewhere", "--to", "db:" + to});
  EXPECT_EQ(bad.exit_code, 2);
  ExecOrDie(TestServer::Get().AdminUrl(), "DROP DATABASE IF EXISTS \"" + DatabaseName(to) + "\" WITH (FORCE)");
}

// A changed view or function body reads as a unified diff of the definitions, and the
// plan's undo of a replaced function puts the old body back.
TEST_F(CliTest, DiffShowsChangedDefinitionsAsAUnifiedDiff) {
  std::string to = TestServer::Get().NewDatabase("to");
  const char* kBase = "CREATE TABLE t (id int, name text, email text, active bool);";
  ExecOrDie(url_, std::string(kBase) + "CREATE VIEW v AS SELECT id, name FROM t WHERE active;"
                  "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';");
  ExecOrDie(to, std::string(kBase) + "CREATE VIEW v AS SELECT id, name, email FROM t WHERE active;"
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';");
  auto r = Run({"diff", "--from", "db:" + url_, "--to", "db:" + to, "--no-color"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // PostgreSQL 16 stopped qualifying single-table columns in view definitions ("t.id" → "id").
  EXPECT_TRUE(std::regex_search(r.out, std::regex("~ view public\\.v: definition \\(below\\)\n     SELECT (t\\.)?id,\n"
                                                  "    -    (t\\.)?name\n    \\+    (t\\.)?name,\n    \\+    (t\\.)?email\n")))
      << r.out;
  EXPECT_NE(r.out.find("    -AS $function$SELECT 1$function$\n    +AS $function$SELECT 2$function$"), std::string::npos) << r.out;
  auto j = Run({"diff", "--from", "db:" + url_, "--to", "db:" + to, "--format", "json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  bool undo_found = false;
  nlohmann::json plan = nlohmann::json::parse(j.out);  // kept alive: the loop refers into it
  for (const auto& s : plan["plan"]["steps"]) {
    if (s["description"].get<std::string>().rfind("replace ", 0) == 0) {
      undo_found = s.value("undo", "").find("SELECT 1") != std::string::npos;
    }
  }
  EXPECT_TRUE(undo_found) << j.out;
  ExecOrDie(TestServer::Get().AdminUrl(), "DROP DATABASE IF EXISTS \"" + DatabaseName(to) + "\" WITH (FORCE)");
}

TEST_F(CliTest, DiffMigrationsAgainstSchemaThroughShadowDatabases) {
  p_.Migration(Version(1) + "_init.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
  p_.Migration(Version(2) + "_idx.sql", "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n");
  p_.Write("schema/01_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n");
  p_.Write("schema/02_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);\n");
  std::string admin = TestServer::Get().AdminUrl();
  auto r = Run({"diff", "--from", "migrations:migrations", "--to", "schema:schema", "--dev-url", admin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("+ table public.orders"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("~ column public.users.email: not_null: false -> true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("- index public.users_email"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("+ constraint public.orders.orders_user_id_fkey"), std::string::npos) << r.out;
  EXPECT_EQ(EventualValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata_shadow_%'", "0"), "0");
  // An error in a schema file names the file, line and column, and still cleans up.
  p_.Write("schema/03_bad.sql", "CREATE TABLE ok (id int);\nCREATE TABLE broken (id nosuchtype);\n");
  r = Run({"diff", "--from", "migrations:migrations", "--to", "schema:schema", "--dev-url", admin});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("schema/03_bad.sql:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nosuchtype"), std::string::npos) << r.err;
  EXPECT_EQ(EventualValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata_shadow_%'", "0"), "0");
}

}  // namespace
}  // namespace strata::testing
