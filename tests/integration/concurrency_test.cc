// Eight strata processes on one database: every migration is applied exactly once.
#include <future>

#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

TEST_F(CliTest, EightConcurrentRunnersApplyEachMigrationOnce) {
  // Each file appends to a log table; a file run twice would leave a duplicate row.
  p_.Migration(Version(0) + "_log.sql", "CREATE TABLE runs (file int);\n");
  for (int i = 1; i <= 20; ++i) {
    p_.Migration(Version(i) + "_m.sql",
                 "CREATE TABLE c" + std::to_string(i) + " (id int);\nINSERT INTO runs VALUES (" +
                     std::to_string(i) + ");\nSELECT pg_sleep(0.01);\n");
  }
  std::vector<std::future<ProcessResult>> runs;
  for (int i = 0; i < 8; ++i) {
    runs.push_back(std::async(std::launch::async, [this] { return p_.Run({"migrate"}, url_); }));
  }
  int applied_lines = 0;
  for (auto& f : runs) {
    ProcessResult r = f.get();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (size_t pos = 0; (pos = r.out.find("applied [", pos)) != std::string::npos; ++pos) {
      ++applied_lines;
    }
  }
  EXPECT_EQ(applied_lines, 21);  // across all eight processes, each file once
  EXPECT_EQ(Value("SELECT count(*) FROM runs"), "20");
  EXPECT_EQ(Value("SELECT count(DISTINCT file) FROM runs"), "20");
  EXPECT_EQ(HistoryRows(), 21);
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

}  // namespace
}  // namespace strata::testing
