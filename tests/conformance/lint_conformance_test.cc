// strata lint against squawk's own rule tests (../shared/corpus/squawk/linter_rule_tests.json,
// Apache-2.0 OR MIT, see the LICENSE files there). Each squawk test lints SQL with one rule
// enabled and expects it to warn ("error" and "fix" tests) or not ("ok" tests). strata runs
// the rule of the same id with the test's settings and must agree; the deliberate
// disagreements, with reasons, are in lint_expected_disagreements.txt.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <regex>

#include "base/fs.h"
#include "conformance/corpus.h"
#include "conformance/roundtrip.h"
#include "lint/sql_lint.h"

namespace strata::testing {
namespace {

struct SquawkCase {
  std::string id;    // "squawk|<rule file>/<test>"
  std::string rule;  // squawk's rule code
  bool expect_warning = false;
  std::vector<std::string> sqls;
  int pg_version = 15;
  bool assume_in_transaction = false;
};

std::vector<SquawkCase> LoadCases() {
  std::vector<SquawkCase> out;
  auto text = ReadFile(CorpusDir() + "/squawk/linter_rule_tests.json");
  EXPECT_TRUE(text.ok()) << "squawk corpus missing";
  if (!text.ok()) return out;
  auto tests = nlohmann::json::parse(*text)["tests"];
  for (const auto& t : tests) {
    std::string kind = t["kind"];
    if (kind == "other" || t["rule_codes"].empty()) continue;  // lock-kind tables: no verdict
    SquawkCase c;
    std::string file = t["rule_file"];
    file = file.substr(file.rfind('/') + 1);
    c.id = "squawk|" + file + "/" + std::string(t["test"]);
    c.rule = t["rule_codes"][0];
    c.expect_warning = kind != "ok";
    std::string settings = t["settings"].is_string() ? std::string(t["settings"]) : "";
    if (settings == "see raw_test_body" && t.contains("raw_test_body")) settings = t["raw_test_body"];
    std::smatch m;
    if (std::regex_search(settings, m, std::regex("pg_version: \"(\\d+)\""))) c.pg_version = std::stoi(m[1]);
    c.assume_in_transaction = settings.find("assume_in_transaction: true") != std::string::npos;
    // prefer_repack.rs's fix() helper lints with pg_version 19 (the helper is not in the JSON).
    if (c.rule == "prefer-repack" && kind == "fix") c.pg_version = 19;
    if (kind == "fix") {
      for (const auto& f : t["fix_cases"]) {
        if (!f.contains("input") || f["input"] == "{:?}") continue;
        c.sqls.push_back(f["input"]);
      }
    } else if (t["sql"].is_string()) {
      c.sqls.push_back(t["sql"]);
    } else if (t["sql"].is_array()) {
      // format!-built SQL: [fill, template] with {prefix} = fill x 63, or
      // [identifier pattern, fill, template] with {identifier} = pattern with {} = fill x 63.
      std::vector<std::string> parts = t["sql"];
      if (parts.size() == 2) {
        std::string fill;
        for (int i = 0; i < 63; ++i) fill += parts[0];
        c.sqls.push_back(std::regex_replace(parts[1], std::regex("\\{prefix\\}"), fill));
      } else if (parts.size() == 3) {
        std::string fill;
        for (int i = 0; i < 63; ++i) fill += parts[1];
        std::string ident = std::regex_replace(parts[0], std::regex("\\{\\}"), fill);
        c.sqls.push_back(std::regex_replace(parts[2], std::regex("\\{identifier\\}"), ident));
      }
    }
    if (c.sqls.empty()) continue;
    out.push_back(std::move(c));
  }
  return out;
}

// squawk's require-timeout-settings reports under the two timeout rule ids.
std::set<std::string> RuleIds(const std::string& rule) {
  if (rule == "require-timeout-settings") return {"require-lock-timeout", "require-statement-timeout"};
  return {rule};
}

bool Warns(const SquawkCase& c, const std::string& sql, std::string* shown) {
  LintOptions o;
  o.pg_version = c.pg_version;
  o.only = RuleIds(c.rule);
  o.strata_runner = false;  // squawk lints plain SQL files
  SqlLinter linter(o);
  LintSource src;
  src.path = "test.sql";
  src.text = sql;
  // squawk's opt-out comment is strata's -- strata:no-transaction.
  src.in_transaction = c.assume_in_transaction &&
                       sql.find("squawk-disable-assume-in-transaction") == std::string::npos;
  bool warned = false;
  for (const auto& d : linter.Lint(src)) {
    if (d.rule == "syntax") *shown += " syntax error: " + d.message;
    if (o.only.count(d.rule)) {
      warned = true;
      *shown += " " + std::to_string(d.line) + ":" + std::to_string(d.col) + " " + d.message;
    }
  }
  return warned;
}

TEST(LintConformance, AgreesWithSquawkRuleTests) {
  auto cases = LoadCases();
  ASSERT_GT(cases.size(), 300u);
  auto expected = ExpectedFailures("lint_expected_disagreements.txt");
  std::map<std::string, std::pair<int, int>> table;  // rule -> agree, total
  int agree = 0;
  std::vector<std::string> unexpected, fixed;
  for (const auto& c : cases) {
    bool ok = true;
    std::string detail;
    for (const auto& sql : c.sqls) {
      std::string shown;
      bool warned = Warns(c, sql, &shown);
      if (warned != c.expect_warning) {
        ok = false;
        detail += "\n    sql: " + sql.substr(0, 300) + "\n    strata:" + (shown.empty() ? " (nothing)" : shown);
      }
    }
    auto& row = table[c.rule];
    ++row.second;
    if (ok) {
      ++row.first;
      ++agree;
      if (expected.count(c.id)) fixed.push_back(c.id);
    } else if (!expected.count(c.id)) {
      unexpected.push_back(c.id + (c.expect_warning ? " (squawk warns)" : " (squawk is silent)") + detail);
    }
  }
  std::string report = "\nrule                                          agree/total\n";
  for (const auto& [rule, r] : table) {
    char line[160];
    snprintf(line, sizeof line, "%-45s %3d/%d\n", rule.c_str(), r.first, r.second);
    report += line;
  }
  double pct = 100.0 * agree / static_cast<double>(cases.size());
  char total[160];
  snprintf(total, sizeof total, "%-45s %3d/%zu (%.1f%%)\n", "all", agree, cases.size(), pct);
  report += total;
  std::printf("%s", report.c_str());
  for (const auto& f : fixed) std::printf("now agrees (remove from the list): %s\n", f.c_str());
  std::string list;
  for (const auto& u : unexpected) list += "\n  " + u;
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " unexpected disagreements:" << list;
  EXPECT_GE(pct, 95.0);
}

}  // namespace
}  // namespace strata::testing
