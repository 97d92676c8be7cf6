// Conformance: every schema in the sqldef, migra and pg-schema-diff suites that loads on
// PostgreSQL 15 must round-trip through strata inspect (apply → inspect → apply the SQL
// to a fresh database → inspect → identical JSON), or fail with strata's explicit
// "cannot represent" error. Anything else is a failure unless listed, with its reason,
// in inspect_expected_failures.txt.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "conformance/corpus.h"
#include "conformance/roundtrip.h"
#include "test_server.h"

namespace strata::testing {
namespace {

struct Job {
  std::string suite, id;
  std::vector<std::string> scripts;
  RoundTripResult result;
};

TEST(InspectConformance, CorporaRoundTrip) {
  ASSERT_TRUE(TestServer::Get().ok()) << TestServer::Get().error();
  std::vector<CorpusCase> cases;
  for (auto* load : {&SqldefCases, &MigraCases, &PgSchemaDiffCases}) {
    auto more = load();
    cases.insert(cases.end(), more.begin(), more.end());
  }
  ASSERT_GT(cases.size(), 1000u) << "corpus not found under " << CorpusDir();
  std::set<std::string> roles;
  std::map<std::string, int> skipped;
  std::vector<Job> jobs;
  std::set<std::string> seen;
  size_t index = 0;
  for (const auto& c : cases) {
    roles.insert(c.roles.begin(), c.roles.end());
    if (!c.skip.empty()) {
      ++skipped[c.suite];
      continue;
    }
    for (const auto& [side, scripts] : {std::pair{"current", &c.current}, std::pair{"desired", &c.desired}}) {
      std::string joined;
      for (const auto& s : *scripts) joined += s + "\n;\n";
      if (Trim(joined).empty() || !seen.insert(c.suite + joined).second) continue;
      if (!InShard(index++)) continue;
      jobs.push_back({c.suite, c.name + " [" + side + "]", *scripts, {}});
    }
  }
  EnsureRoles({roles.begin(), roles.end()});
  RunOnThreads<RoundTripper>(jobs.size(), 4, [&](RoundTripper& rt, size_t i) { jobs[i].result = rt.Run(jobs[i].scripts); });

  std::set<std::string> expected = ExpectedFailures("inspect_expected_failures.txt");
  std::map<std::string, std::map<Outcome, int>> table;
  for (const Job& j : jobs) {
    ++table[j.suite][j.result.outcome];
    std::string id = j.suite + "|" + j.id;
    if (j.result.outcome == Outcome::kFail && !expected.count(id)) {
      ADD_FAILURE() << id << ": " << j.result.detail;
    }
    if (j.result.outcome == Outcome::kUnsupported) std::cout << "  unsupported: " << id << ": " << Split(j.result.detail, '\n').back() << "\n";
    if (j.result.outcome != Outcome::kFail && expected.count(id)) {
      std::cout << "  now passes, remove from the expected failures: " << id << "\n";
    }
  }
  std::cout << fmt::format("\ninspect round trip, distinct schemas per suite\n{:<16} {:>6} {:>12} {:>12} {:>6} {:>14} {:>9}\n",
                           "suite", "pass", "unsupported", "not loadable", "fail", "cases skipped", "pass rate");
  for (const auto& [suite, counts] : table) {
    auto n = [&](Outcome o) { auto it = counts.find(o); return it == counts.end() ? 0 : it->second; };
    int runnable = n(Outcome::kPass) + n(Outcome::kUnsupported) + n(Outcome::kFail);
    std::cout << fmt::format("{:<16} {:>6} {:>12} {:>12} {:>6} {:>14} {:>8.1f}%\n", suite, n(Outcome::kPass),
                             n(Outcome::kUnsupported), n(Outcome::kNotLoadable), n(Outcome::kFail), skipped[suite],
                             runnable ? 100.0 * n(Outcome::kPass) / runnable : 0.0);
  }
}

TEST(SqldefYaml, ReadsBlockScalarsListsAndScalars) {
  auto cases = ParseSqldefYaml(
      "# comment\nFirst:\n  min_version: \"12\"\n  desired: |\n    CREATE TABLE a (\n      id int\n    );\n\n"
      "    CREATE VIEW v AS SELECT 1;\n  managed_roles:\n    - r1\n    - r2\nSecond:\n  current: |\n    SELECT 1;\n");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].Get("min_version"), "12");
  EXPECT_EQ(cases[0].Get("desired"), "CREATE TABLE a (\n  id int\n);\n\nCREATE VIEW v AS SELECT 1;\n");
  EXPECT_EQ(cases[0].List("managed_roles"), (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(cases[1].Get("current"), "SELECT 1;\n");
}

}  // namespace
}  // namespace strata::testing
