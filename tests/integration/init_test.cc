// strata init: a new project in one command, never overwriting anything.
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

TEST_F(CliTest, InitSetsUpAProjectThatGeneratesAndMigrates) {
  // TempProject starts with migrations/; init adds the rest.
  p_.Write("package.json", "{\"name\": \"app\"}\n");
  p_.Write(".gitignore", "node_modules/");
  auto r = Run({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int major = TestServer::Get().Major();
  EXPECT_NE(p_.Read("strata.toml").find("[dev]\npostgres = \"" + std::to_string(major) + "\""), std::string::npos)
      << p_.Read("strata.toml");
  EXPECT_NE(r.out.find("targets PostgreSQL " + std::to_string(major) + " (the database)"), std::string::npos) << r.out;
  EXPECT_EQ(p_.Read(".gitignore"), "node_modules/\n.strata/\n");
  EXPECT_TRUE(FileExists(p_.Path("migrations/strata.sum")));
  EXPECT_NE(r.out.find("\"migrate:generate\": \"strata generate\""), std::string::npos) << r.out;

  // A second init changes nothing.
  std::string toml = p_.Read("strata.toml");
  auto again = Run({"init"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("strata.toml exists: this project is set up already (nothing was changed)"),
            std::string::npos) << again.err;
  EXPECT_EQ(p_.Read("strata.toml"), toml);

  // The project works as it is: lint finds nothing, generate + migrate + check.
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  EXPECT_EQ(lint.out.find("sum-missing"), std::string::npos) << lint.out;
  p_.Write("schema/notes.sql", "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);\n");
  auto g = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "notes"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_TRUE(TableExists("notes"));
  auto c = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
}

TEST_F(CliTest, InitPinsTheVersionAskedFor) {
  auto r = p_.Run({"init", "--postgres", "16", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["postgres"], 16);
  EXPECT_TRUE(j["package_json_scripts"].empty());
  EXPECT_NE(p_.Read("strata.toml").find("postgres = \"16\""), std::string::npos);
  EXPECT_EQ(p_.Run({"init", "--postgres", "12"}).exit_code, 2);
}

}  // namespace
}  // namespace strata::testing
