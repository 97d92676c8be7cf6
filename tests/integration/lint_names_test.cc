// strata lint --names-only: filename scheme, duplicates, out of order, sum file.
#include <set>
#include <nlohmann/json.hpp>
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

TEST_F(CliTest, LintNamesFlagsSchemeAndDuplicates) {
  p_.Migration(Version(1) + "_one.sql", "SELECT 1;\n");
  p_.Migration(Version(1) + "_again.sql", "SELECT 1;\n");
  p_.Migration("2026_short.sql", "SELECT 1;\n");
  p_.Migration("zzz_rollback.sql", "SELECT 1;\n");
  auto r = Run({"lint", "--names-only", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> rules;
  for (const auto& d : j["diagnostics"]) rules.insert(d["rule"].get<std::string>());
  EXPECT_TRUE(rules.count("naming-scheme"));
  EXPECT_TRUE(rules.count("duplicate-version"));
  EXPECT_TRUE(rules.count("orphan-rollback"));
  EXPECT_TRUE(rules.count("sum-missing"));
  r = Run({"lint", "--names-only", "--format", "github"});
  EXPECT_NE(r.out.find("::error file=migrations/2026_short.sql,line=1,col=1,title=naming-scheme::"),
            std::string::npos) << r.out;
}

TEST_F(CliTest, LintNamesOutOfOrderNeedsTheDatabase) {
  p_.Migration(Version(2) + "_two.sql", "SELECT 1;\n");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  p_.Migration(Version(1) + "_one.sql", "SELECT 1;\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  EXPECT_EQ(Run({"lint", "--names-only"}).exit_code, 0);
  auto r = Run({"lint", "--names-only", "--url", url_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("[out-of-order]"), std::string::npos) << r.out;
}

TEST_F(CliTest, LintReportsDirectiveAndSyntaxErrorsWithPosition) {
  p_.Migration(Version(1) + "_one.sql", "-- strata:lock-timeout soon\nSELECT 1;\n");
  p_.Migration(Version(2) + "_two.sql", "SELECT 1;\nSELEC 2;\n");
  // The target's version unknown: the statement may be newer syntax, so a warning.
  auto r = Run({"lint"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(Version(1) + "_one.sql:1:1: error[directive]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(Version(2) + "_two.sql:2:1: warning[not-linted] not linted: strata's bundled parser "
                       "(PostgreSQL 15 grammar) cannot read this statement (syntax error at or near \"SELEC\")"),
            std::string::npos) << r.out;
  // A PostgreSQL 15 project: the grammar is the target's, so it is an error.
  p_.Write("strata.toml", "[dev]\npostgres = \"15\"\n");
  r = Run({"lint"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(Version(2) + "_two.sql:2:1: error[syntax] syntax error at or near \"SELEC\" (strata's "
                       "bundled parser (PostgreSQL 15 grammar), and the target is PostgreSQL 15)"),
            std::string::npos) << r.out;
}

}  // namespace
}  // namespace strata::testing
