// Readers for the external test corpora in ../shared/corpus (see its MANIFEST.md):
// sqldef's YAML cases, migra's fixture folders and pg-schema-diff's acceptance cases.
#pragma once

#include <string>
#include <vector>

namespace strata::testing {

struct CorpusCase {
  std::string suite;  // "sqldef", "migra", "pg-schema-diff"
  std::string name;   // e.g. "tests_views.yml/MaterializedView"
  std::vector<std::string> current;  // statements or scripts, applied in order
  std::vector<std::string> desired;
  std::vector<std::string> roles;    // roles the SQL refers to
  std::string skip;                  // why the case cannot run here (empty: it can)
};

std::string CorpusDir();
std::vector<CorpusCase> SqldefCases();
std::vector<CorpusCase> MigraCases();
std::vector<CorpusCase> PgSchemaDiffCases();

// The minimal YAML subset sqldef's test files use: top-level "Name:" keys, two-space
// nested "key: value" / "key: |" block scalars / "- item" lists. Exposed for its test.
struct YamlCase {
  std::string name;
  std::vector<std::pair<std::string, std::string>> fields;  // block scalars and scalars
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;
  std::string Get(const std::string& key) const;
  std::vector<std::string> List(const std::string& key) const;
};
std::vector<YamlCase> ParseSqldefYaml(const std::string& text);

}  // namespace strata::testing
