// strata diff --from db: --to db: reports object-level differences.
#include <map>

#include <nlohmann/json.hpp>

#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

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
  auto bad = Run({"diff", "--from", "schema:schema", "--to", "db:" + to});
  EXPECT_EQ(bad.exit_code, 2);
  ExecOrDie(TestServer::Get().AdminUrl(), "DROP DATABASE IF EXISTS \"" + to.substr(to.rfind('/') + 1) + "\" WITH (FORCE)");
}

}  // namespace
}  // namespace strata::testing
