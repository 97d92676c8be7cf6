// strata dev: the embedded throwaway database, and commands falling back to it.
#include "base/strings.h"
#include <nlohmann/json.hpp>
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

TEST(DevDatabase, StartMigrateStatusResetStop) {
  TempProject p;
  auto r = p.Run({"dev", "start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("postgresql://postgres@127.0.0.1:"), std::string::npos) << r.out;
  auto url = p.Run({"dev", "url"});
  ASSERT_EQ(url.exit_code, 0);
  std::string u(Trim(url.out));
  EXPECT_EQ(QueryValue(u, "SHOW listen_addresses"), "127.0.0.1");
  p.Migration(Version(1) + "_one.sql", "CREATE TABLE a (id int);\n");
  r = p.Run({"migrate"});  // no URL given: falls back to the dev database and says so
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("using the dev database"), std::string::npos) << r.err;
  EXPECT_EQ(QueryValue(u, "SELECT to_regclass('a') IS NOT NULL"), "t");
  EXPECT_EQ(p.Run({"dev", "start"}).exit_code, 0);  // idempotent
  r = p.Run({"dev", "reset"}, "", {{"CI", "true"}});
  EXPECT_EQ(r.exit_code, 2) << r.err;  // never prompts in CI: needs --yes
  ASSERT_EQ(p.Run({"dev", "reset", "--yes"}).exit_code, 0);
  EXPECT_EQ(QueryValue(u, "SELECT to_regclass('a') IS NULL"), "t");
  auto st = p.Run({"dev", "status", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(st.out)["running"], true);
  ASSERT_EQ(p.Run({"dev", "stop"}).exit_code, 0);
  EXPECT_EQ(p.Run({"dev", "status"}).exit_code, 3);
}

}  // namespace
}  // namespace strata::testing
