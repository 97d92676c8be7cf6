// strata create and strata hash.
#include <regex>

#include "base/fs.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

TEST_F(CliTest, CreateWritesTimestampedFileWithHeaderAndSum) {
  auto r = Run({"create", "add orders", "--source", "TICKET-7", "--implements", "orders table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto files = ListFiles(p_.Path("migrations"));
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u) << r.out;  // migration, rollback, strata.sum
  std::string name = (*files)[0];
  EXPECT_TRUE(std::regex_match(name, std::regex(R"(\d{17}_add_orders\.sql)"))) << name;
  EXPECT_EQ((*files)[1], name.substr(0, name.size() - 4) + "_rollback.sql");
  EXPECT_EQ((*files)[2], "strata.sum");
  std::string text = p_.Read("migrations/" + name);
  EXPECT_NE(text.find("-- Migration: Add orders"), std::string::npos) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(-- Date: \d{4}-\d{2}-\d{2})")));
  EXPECT_NE(text.find("-- Author: "), std::string::npos);
  EXPECT_NE(text.find("-- Source: TICKET-7"), std::string::npos);
  EXPECT_NE(text.find("-- Implements:\n-- - orders table"), std::string::npos);
  EXPECT_NE(text.find("-- Rollback: See " + name.substr(0, name.size() - 4) + "_rollback.sql"),
            std::string::npos);
  EXPECT_NE(text.find("-- strata:verify"), std::string::npos);
  std::string sum = p_.Read("migrations/strata.sum");
  EXPECT_EQ(sum.rfind("strata.sum v1\n" + name + " ", 0), 0u) << sum;
  // The template itself is a valid, empty migration.
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Run({"status"}).exit_code, 0);
  // A second create sorts after the first and extends the sum.
  ASSERT_EQ(Run({"create", "second", "--no-rollback"}).exit_code, 0);
  files = ListFiles(p_.Path("migrations"));
  EXPECT_EQ(files->size(), 4u);
  EXPECT_GT((*files)[2], name);
  EXPECT_EQ(Run({"lint", "--names-only"}).exit_code, 0);
}

TEST_F(CliTest, CreateUsesSequenceNaming) {
  p_.Write("strata.toml", "naming = \"sequence\"\n");
  p_.Migration("0007_team_routing.sql", "SELECT 1;\n");
  ASSERT_EQ(Run({"create", "add_incident_tables", "--no-rollback"}).exit_code, 0);
  EXPECT_TRUE(FileExists(p_.Path("migrations/0008_add_incident_tables.sql")));
}

TEST_F(CliTest, CreateRejectsBadSlug) {
  auto r = Run({"create", "drop;table"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("slug"), std::string::npos);
}

TEST_F(CliTest, CreateRefusesWhenSumIsBroken) {
  ASSERT_EQ(Run({"create", "first"}).exit_code, 0);
  auto files = ListFiles(p_.Path("migrations"));
  p_.Write("migrations/" + (*files)[0], "SELECT 2;\n");
  auto r = Run({"create", "second"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("edited since strata.sum was written"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace strata::testing
