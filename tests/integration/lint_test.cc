// strata lint: hazardous migration files are flagged with the right rule at the right
// line, their safe twins are clean, output formats parse, suppression needs a reason, and
// --db uses the live database's row estimates and objects.
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

struct Case {
  const char* name;
  const char* rule;  // expected rule; nullptr: a safe twin, nothing at error or warning level from SQL rules
  int line;
  const char* sql;
};

// Hazards (with the line they are on) and safe twins. Tables not created in the file are
// existing, populated tables.
const Case kCases[] = {
    {"index", "require-concurrent-index-creation", 2,
     "-- add an index\nCREATE INDEX orders_customer_idx ON public.orders (customer_id);\n"},
    {"index_safe", nullptr, 0,
     "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON public.orders (customer_id);\n"},
    {"index_new_table", nullptr, 0,
     "CREATE TABLE public.items (id bigint PRIMARY KEY, sku text);\nCREATE INDEX items_sku_idx ON public.items (sku);\n"},
    {"rename_column", "renaming-column", 3,
     "SELECT 1;\n\nALTER TABLE public.agents RENAME COLUMN name TO display_name;\n"},
    {"rename_column_safe", nullptr, 0,
     "ALTER TABLE public.agents ADD COLUMN display_name text;\n"},
    {"rename_table", "renaming-table", 1, "ALTER TABLE public.agents RENAME TO bots;\n"},
    {"rename_enum_value", "renaming-enum-value", 1, "ALTER TYPE public.task_status RENAME VALUE 'done' TO 'finished';\n"},
    {"enum_value_safe", nullptr, 0, "ALTER TYPE public.task_status ADD VALUE IF NOT EXISTS 'paused' AFTER 'running';\n"},
    {"remove_enum_value", "removing-enum-value", 3,
     "CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');\nDROP TYPE public.mood;\n"
     "CREATE TYPE public.mood AS ENUM ('sad', 'happy');\n"},
    {"backfill", "non-idempotent-backfill", 2,
     "-- bump every counter\nUPDATE public.agents SET runs = runs + 1;\n"},
    {"backfill_safe", nullptr, 0,
     "UPDATE public.agents SET provider = 'claude' WHERE provider IS NULL;\n"},
    {"insert_backfill", "non-idempotent-backfill", 1,
     "INSERT INTO public.plans (name) VALUES ('free');\n"},
    {"insert_backfill_safe", nullptr, 0,
     "INSERT INTO public.plans (name) VALUES ('free') ON CONFLICT DO NOTHING;\n"},
    {"type_change", "changing-column-type", 2,
     "-- widen\nALTER TABLE public.orders ALTER COLUMN total TYPE bigint;\n"},
    {"not_null", "adding-not-nullable-field", 1, "ALTER TABLE public.agents ALTER COLUMN provider SET NOT NULL;\n"},
    {"not_null_safe", nullptr, 0,
     "ALTER TABLE public.agents ADD CONSTRAINT agents_provider_not_null CHECK (provider IS NOT NULL) NOT VALID;\n"},
    {"not_null_safe_step2", nullptr, 0,
     "ALTER TABLE public.agents VALIDATE CONSTRAINT agents_provider_not_null;\n"
     "ALTER TABLE public.agents ALTER COLUMN provider SET NOT NULL;\n"
     "ALTER TABLE public.agents DROP CONSTRAINT IF EXISTS agents_provider_not_null;\n"},
    {"required_column", "adding-required-field", 1, "ALTER TABLE public.agents ADD COLUMN tier text NOT NULL;\n"},
    {"column_with_default", nullptr, 0, "ALTER TABLE public.agents ADD COLUMN IF NOT EXISTS provider text DEFAULT 'claude';\n"},
    {"volatile_default", "adding-field-with-default", 1,
     "ALTER TABLE public.agents ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"},
    {"drop_table", "ban-drop-table", 2, "SELECT 1;\nDROP TABLE public.legacy;\n"},
    {"drop_column", "ban-drop-column", 1, "ALTER TABLE public.agents DROP COLUMN name;\n"},
    {"fk", "adding-foreign-key-constraint", 1,  // one finding per hazard
     "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES public.customers (id);\n"},
    {"fk_safe", nullptr, 0,
     "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES public.customers (id) NOT VALID;\n"},
    {"unique", "disallowed-unique-constraint", 1, "ALTER TABLE public.customers ADD CONSTRAINT customers_email_key UNIQUE (email);\n"},
    {"concurrently_in_tx", "ban-concurrent-index-creation-in-transaction", 1,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.orders (total);\n"},
    {"begin", "transaction-nesting", 1, "BEGIN;\nALTER TABLE public.agents ADD COLUMN x text;\nCOMMIT;\n"},
    {"drop_index", "require-concurrent-index-deletion", 1, "DROP INDEX public.orders_customer_idx;\n"},
    {"truncate", "ban-truncate-cascade", 1, "TRUNCATE public.orders CASCADE;\n"},
    {"char", "ban-char-field", 1, "CREATE TABLE public.codes (code char(2));\n"},
};

class LintTest : public CliTest {
 protected:
  std::string WriteCase(const Case& c) {
    std::string path = "sql/" + std::string(c.name) + ".sql";
    p_.Write(path, c.sql);
    return path;
  }
};

TEST_F(LintTest, HazardsAreFlaggedAtTheirLineAndSafeTwinsAreClean) {
  for (const Case& c : kCases) {
    auto r = Run({"lint", WriteCase(c), "--format", "json"});
    auto j = nlohmann::json::parse(r.out);
    std::vector<std::string> found;
    bool hit = false, any_error = false;
    for (const auto& d : j["diagnostics"]) {
      std::string rule = d["rule"];
      found.push_back(rule + "@" + std::to_string(d["line"].get<int>()));
      any_error |= d["severity"] == "error";
      if (c.rule && rule == c.rule && d["line"] == c.line) hit = true;
    }
    std::string all;
    for (const auto& f : found) all += f + " ";
    if (c.rule) {
      EXPECT_TRUE(hit) << c.name << ": expected " << c.rule << " at line " << c.line << ", got " << all;
    } else {
      EXPECT_TRUE(found.empty()) << c.name << " should be clean, got " << all;
      EXPECT_EQ(r.exit_code, 0) << c.name;
    }
    EXPECT_EQ(r.exit_code, any_error ? 1 : 0) << c.name;
  }
}

TEST_F(LintTest, TextShowsSourceAndCaretAndGithubAndSarifParse) {
  std::string path = WriteCase(kCases[0]);
  auto r = Run({"lint", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(path + ":2:1: error[require-concurrent-index-creation] CREATE INDEX without CONCURRENTLY"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 2 | CREATE INDEX orders_customer_idx ON public.orders (customer_id);\n   | ^"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fix: CREATE INDEX CONCURRENTLY"), std::string::npos) << r.out;

  r = Run({"lint", path, "--format", "github"});
  EXPECT_EQ(r.exit_code, 1);
  int annotations = 0;
  for (const auto& line : Split(r.out, '\n')) {
    if (line.empty()) continue;
    ASSERT_TRUE(StartsWith(line, "::error file=") || StartsWith(line, "::warning file=")) << line;
    EXPECT_NE(line.find(",line="), std::string::npos);
    EXPECT_NE(line.find(",col="), std::string::npos);
    EXPECT_NE(line.find(",title="), std::string::npos);
    EXPECT_NE(line.find("::", 2), std::string::npos);
    ++annotations;
  }
  EXPECT_GE(annotations, 1);
  EXPECT_NE(r.out.find("::error file=" + path + ",line=2,col=1,title=require-concurrent-index-creation::"),
            std::string::npos) << r.out;

  r = Run({"lint", path, "--format", "sarif"});
  auto sarif = nlohmann::json::parse(r.out);
  EXPECT_EQ(sarif["version"], "2.1.0");
  const auto& result = sarif["runs"][0]["results"][0];
  EXPECT_EQ(result["ruleId"], "require-concurrent-index-creation");
  EXPECT_EQ(result["locations"][0]["physicalLocation"]["region"]["startLine"], 2);

  r = Run({"lint", "--rules", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_GE(nlohmann::json::parse(r.out)["rules"].size(), 40u);
}

TEST_F(LintTest, SuppressionNeedsAReasonAndCoversOneStatement) {
  p_.Write("sql/no_reason.sql",
           "-- strata:allow ban-drop-table\nDROP TABLE public.legacy;\n");
  auto r = Run({"lint", "sql/no_reason.sql"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("sql/no_reason.sql:1:1: error[directive] strata:allow needs a rule and a reason"),
            std::string::npos) << r.out;

  p_.Write("sql/reason.sql",
           "SELECT 1;\n-- strata:allow ban-drop-table replaced by archive.legacy in release 41\n"
           "DROP TABLE public.legacy;\nDROP TABLE public.other;\n");
  r = Run({"lint", "sql/reason.sql", "--format", "json"});
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["diagnostics"].size(), 1u) << r.out;
  EXPECT_EQ(j["diagnostics"][0]["rule"], "ban-drop-table");
  EXPECT_EQ(j["diagnostics"][0]["line"], 4) << "the allow covers only the statement below it";

  p_.Write("sql/unknown.sql", "-- strata:allow no-such-rule because\nSELECT 1;\n");
  r = Run({"lint", "sql/unknown.sql"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error[allow] strata:allow names an unknown rule 'no-such-rule'"), std::string::npos) << r.out;

  // [lint] disable turns a rule off for the project.
  p_.Write("strata.toml", "[lint]\ndisable = [\"ban-drop-table\"]\n");
  r = Run({"lint", "sql/no_reason.sql", "--format", "json"});
  for (const auto& d : nlohmann::json::parse(r.out)["diagnostics"]) EXPECT_NE(d["rule"], "ban-drop-table");
}

TEST_F(LintTest, DatabaseRowEstimatesAndObjectsDecide) {
  ExecOrDie(url_,
            "CREATE TABLE small (id int, note varchar(20));"
            "CREATE TABLE big (id int, note varchar(20));"
            "INSERT INTO big SELECT g, 'x' FROM generate_series(1, 20000) g;"
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
            "ANALYZE small; ANALYZE big;");
  p_.Write("sql/index_small.sql", "CREATE INDEX small_id_idx ON small (id);\n");
  p_.Write("sql/index_big.sql", "CREATE INDEX big_id_idx ON big (id);\n");
  auto r = Run({"lint", "sql/index_small.sql", "--db", url_});
  EXPECT_EQ(r.exit_code, 0) << "a table under 10,000 rows is not flagged: " << r.out;
  r = Run({"lint", "sql/index_big.sql", "--db", url_});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("(~20000 rows)"), std::string::npos) << r.out;
  // Without --db nothing is known: flagged.
  EXPECT_EQ(Run({"lint", "sql/index_small.sql"}).exit_code, 1);

  // The live column type decides whether a type change rewrites.
  p_.Write("sql/widen.sql", "ALTER TABLE big ALTER COLUMN note TYPE varchar(50);\n");
  p_.Write("sql/retype.sql", "ALTER TABLE big ALTER COLUMN id TYPE bigint;\n");
  r = Run({"lint", "sql/widen.sql", "--db", url_, "--format", "json"});
  for (const auto& d : nlohmann::json::parse(r.out)["diagnostics"]) EXPECT_NE(d["rule"], "changing-column-type") << r.out;
  r = Run({"lint", "sql/retype.sql", "--db", url_});
  EXPECT_NE(r.out.find("error[changing-column-type] changing big.id from int4 to int8"), std::string::npos) << r.out;

  // Enum values known from the database: re-creating the type without one is a removal.
  p_.Write("sql/enum.sql", "ALTER TYPE mood RENAME TO mood_old;\nCREATE TYPE mood AS ENUM ('sad', 'happy');\n");
  r = Run({"lint", "sql/enum.sql", "--db", url_});
  EXPECT_NE(r.out.find("sql/enum.sql:2:1: error[removing-enum-value]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'ok'"), std::string::npos) << r.out;
}

TEST_F(LintTest, ProjectLintChecksPendingFilesAndAppliedEdits) {
  p_.Migration(Version(1) + "_create.sql", "CREATE TABLE public.t (id bigint PRIMARY KEY, note text);\n");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  p_.Migration(Version(2) + "_index.sql", "CREATE INDEX t_note_idx ON public.t (note);\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO t SELECT g, 'x' FROM generate_series(1, 20000) g; ANALYZE t;");
  auto r = Run({"lint", "--db", url_, "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  auto j = nlohmann::json::parse(r.out);
  int index_findings = 0;
  for (const auto& d : j["diagnostics"]) {
    std::string file = d["file"];
    EXPECT_EQ(file.find("_create.sql"), std::string::npos) << "applied files are not linted again: " << r.out;
    index_findings += d["rule"] == "require-concurrent-index-creation";
  }
  EXPECT_EQ(index_findings, 1) << r.out;

  // Editing an applied migration is caught against the database.
  p_.Migration(Version(1) + "_create.sql", "CREATE TABLE public.t (id bigint PRIMARY KEY, note text, x int);\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  r = Run({"lint", "--db", url_});
  EXPECT_NE(r.out.find("error[applied-migration-edited]"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace strata::testing
