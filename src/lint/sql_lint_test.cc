#include "lint/sql_lint.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

// "rule@line" for each finding.
std::vector<std::string> Findings(SqlLinter& linter, const std::string& sql, bool in_tx = true,
                                  std::vector<Allow> allows = {}) {
  LintSource src;
  src.path = "m.sql";
  src.text = sql;
  src.in_transaction = in_tx;
  src.allows = std::move(allows);
  std::vector<std::string> out;
  for (const auto& d : linter.Lint(src)) out.push_back(d.rule + "@" + std::to_string(d.line));
  return out;
}

std::vector<std::string> Findings(const std::string& sql, LintOptions o = {}, bool in_tx = true) {
  SqlLinter linter(o);
  return Findings(linter, sql, in_tx);
}

using V = std::vector<std::string>;

TEST(SqlLint, TablesCreatedEarlierInTheRunAreNew) {
  SqlLinter run{LintOptions{}};
  EXPECT_EQ(Findings(run, "CREATE TABLE public.t (id bigint, note text);\n"), V{});
  // A later file of the same run: t is still new, so no lock findings.
  EXPECT_EQ(Findings(run, "CREATE INDEX t_note_idx ON public.t (note);\n"
                          "ALTER TABLE public.t ADD COLUMN c text NOT NULL;\n"), V{});
  // On its own, the same file is about an existing table.
  EXPECT_EQ(Findings("CREATE INDEX t_note_idx ON public.t (note);\nALTER TABLE public.t ADD COLUMN c text NOT NULL;\n"),
            (V{"require-concurrent-index-creation@1", "adding-required-field@2"}));
}

TEST(SqlLint, ColumnTypesKnownFromTheRunDecideRewrites) {
  LintOptions o;
  o.only = {"changing-column-type"};
  SqlLinter run{o};
  Findings(run, "CREATE TABLE public.t (id int, name varchar(20));\n");
  // Same run, but t was created in an earlier *file*: still new, nothing to report.
  EXPECT_EQ(Findings(run, "ALTER TABLE public.t ALTER COLUMN name TYPE varchar(40);\n"), V{});
  // An existing table whose column type is known from the database.
  LintDatabase db;
  db.tables["public.u"].rows = 1e6;
  db.tables["public.u"].columns["name"] = {"varchar", {20}};
  db.tables["public.u"].columns["id"] = {"int4", {}};
  SqlLinter live(o, &db);
  EXPECT_EQ(Findings(live, "ALTER TABLE public.u ALTER COLUMN name TYPE varchar(40);\n"
                           "ALTER TABLE public.u ALTER COLUMN name TYPE text;\n"), V{});
  EXPECT_EQ(Findings(live, "ALTER TABLE public.u ALTER COLUMN name TYPE varchar(10);\n"),
            V{"changing-column-type@1"});
  EXPECT_EQ(Findings(live, "ALTER TABLE public.u ALTER COLUMN id TYPE bigint;\n"), V{"changing-column-type@1"});
}

TEST(SqlLint, FilesThatMayBeAppliedKeepTheirColumnTypesButNotNewness) {
  LintSource a{"a.sql", "CREATE TABLE public.t (id int, name varchar(20));\n"};
  LintSource b{"b.sql", "ALTER TABLE public.t ALTER COLUMN name TYPE varchar(40);\n"
                        "CREATE INDEX t_name_idx ON public.t (name);\n"};
  LintOptions o;
  o.only = {"changing-column-type", "require-concurrent-index-creation"};
  V got;
  for (const auto& d : LintFiles(o, nullptr, {a, b}, /*one_run=*/false, 2)) got.push_back(d.rule + "@" + d.file);
  EXPECT_EQ(got, V{"require-concurrent-index-creation@b.sql"}) << "t exists, but widening its varchar is known safe";
  EXPECT_TRUE(LintFiles(o, nullptr, {a, b}, /*one_run=*/true, 2).empty()) << "one pending run: t is new";
}

TEST(SqlLint, PartitionedTablesGetTheOnOnlyFormNotConcurrently) {
  LintSource a{"a.sql", "CREATE TABLE public.\"Events\" (id bigint, at date) PARTITION BY RANGE (at);\n"};
  LintSource b{"b.sql", "CREATE INDEX \"Events_id_idx\" ON public.\"Events\" (id);\n"
                        "CREATE INDEX events_at ON ONLY public.\"Events\" (at);\n"};
  LintOptions o;
  o.only = {"require-concurrent-index-creation"};
  // a.sql as context (read, not reported), as `strata lint migrations/b.sql` does.
  auto ds = LintFiles(o, nullptr, {a, b}, /*one_run=*/true, 2, /*context=*/1);
  ASSERT_EQ(ds.size(), 1u) << "ON ONLY reads no rows";
  EXPECT_EQ(ds[0].file, "b.sql");
  EXPECT_EQ(ds[0].line, 1);
  EXPECT_NE(ds[0].message.find("partitioned table"), std::string::npos) << ds[0].message;
  EXPECT_EQ(ds[0].fix.rfind("CREATE INDEX \"Events_id_idx\" ON ONLY ", 0), 0u) << ds[0].fix;
  EXPECT_NE(ds[0].fix.find("ATTACH PARTITION"), std::string::npos) << ds[0].fix;
  EXPECT_EQ(ds[0].fix.find("CREATE INDEX CONCURRENTLY \"Events_id_idx\""), std::string::npos) << ds[0].fix;
}

TEST(SqlLint, PgVersionChangesDefaultsAndNotNull) {
  std::string add = "ALTER TABLE public.t ADD COLUMN c bigint DEFAULT 0;\n";
  LintOptions v10;
  v10.pg_version = 10;
  EXPECT_EQ(Findings(add, v10), V{"adding-field-with-default@1"});
  EXPECT_EQ(Findings(add), V{});
  std::string nn = "ALTER TABLE public.t ADD CONSTRAINT c_nn CHECK (c IS NOT NULL) NOT VALID;\n";
  std::string step2 = "ALTER TABLE public.t VALIDATE CONSTRAINT c_nn;\nALTER TABLE public.t ALTER COLUMN c SET NOT NULL;\n";
  SqlLinter run{LintOptions{}};
  EXPECT_EQ(Findings(run, nn), V{});
  EXPECT_EQ(Findings(run, step2), V{});
  LintOptions v11;
  v11.pg_version = 11;
  SqlLinter old(v11);
  Findings(old, nn);
  EXPECT_EQ(Findings(old, step2), V{"adding-not-nullable-field@2"});
}

TEST(SqlLint, EnumValuesRemovedByRecreatingTheType) {
  SqlLinter run{LintOptions{}};
  Findings(run, "CREATE TYPE public.s AS ENUM ('a', 'b', 'c');\n");
  EXPECT_EQ(Findings(run, "ALTER TYPE public.s RENAME TO s_old;\nCREATE TYPE public.s AS ENUM ('a', 'c');\n"),
            V{"removing-enum-value@2"});
  EXPECT_EQ(Findings("ALTER TYPE s RENAME VALUE 'a' TO 'x';\n"), V{"renaming-enum-value@1"});
}

TEST(SqlLint, RunnerContextForTransactionsAndTimeouts) {
  EXPECT_EQ(Findings("BEGIN;\nSELECT 1;\nCOMMIT;\n"), (V{"transaction-nesting@1", "transaction-nesting@3"}));
  EXPECT_EQ(Findings("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (c);\n"),
            V{"ban-concurrent-index-creation-in-transaction@1"});
  EXPECT_EQ(Findings("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON public.t (c);\n", {}, /*in_tx=*/false), V{});
  // No-transaction files with several statements must be re-runnable.
  EXPECT_EQ(Findings("CREATE INDEX CONCURRENTLY i ON public.t (c);\nDROP INDEX CONCURRENTLY IF EXISTS j;\n", {}, false),
            V{"prefer-robust-stmts@1"});
  // The runner's lock_timeout counts; without it the rule fires once, at the first DDL.
  LintOptions no_runner_timeout;
  no_runner_timeout.runner_lock_timeout = false;
  EXPECT_EQ(Findings("SELECT 1;\nALTER TABLE public.t ADD COLUMN x text;\nALTER TABLE public.t ADD COLUMN y text;\n",
                     no_runner_timeout),
            V{"require-lock-timeout@2"});
  EXPECT_EQ(Findings("SET lock_timeout = '1s';\nALTER TABLE public.t ADD COLUMN x text;\n", no_runner_timeout), V{});
}

TEST(SqlLint, AllowsCoverTheirStatementOrTheFile) {
  std::string sql = "DROP TABLE public.a;\n-- allow\nDROP TABLE public.b;\nDROP TABLE public.c;\n";
  SqlLinter l1{LintOptions{}};
  EXPECT_EQ(Findings(l1, sql, true, {{"ban-drop-table", "archived", 2}}),
            (V{"ban-drop-table@1", "ban-drop-table@4"}));
  SqlLinter l2{LintOptions{}};
  EXPECT_EQ(Findings(l2, sql, true, {{"ban-drop-table", "archived", 1, /*whole_file=*/true}}), V{});
  SqlLinter l3{LintOptions{}};
  EXPECT_EQ(Findings(l3, "SELECT 1;\n", true, {{"ban-drop-table", "x", 1}}), V{"allow@1"});
}

TEST(SqlLint, IdentifierLengthUsesTheRawToken) {
  std::string name(70, 'x');
  auto f = Findings("CREATE TABLE public." + name + " (id bigint);\n");
  EXPECT_EQ(f, V{"identifier-too-long@1"});
  EXPECT_EQ(Findings("CREATE TABLE public." + std::string(63, 'x') + " (id bigint);\n"), V{});
}

TEST(SqlLint, SyntaxErrorsPointAtTheirPosition) {
  // A target the bundled grammar covers: the statement is wrong.
  LintOptions v15;
  v15.pg_version = 15;
  v15.pg_version_known = true;
  EXPECT_EQ(Findings("SELECT 1;\nSELEC 2;\n", v15), V{"syntax@2"});
  // A newer or unknown target: it may be newer syntax; the rest of the file is linted.
  LintOptions v17;
  v17.pg_version = 17;
  v17.pg_version_known = true;
  EXPECT_EQ(Findings("ALTER TABLE t ALTER COLUMN c SET EXPRESSION AS (1);\nDROP TABLE x;\n", v17),
            (V{"not-linted@1", "ban-drop-table@2"}));
  EXPECT_EQ(Findings("SELECT 1;\nSELEC 2;\n"), V{"not-linted@2"});
  // Statements parsed one by one after a failure keep their positions in the file.
  EXPECT_EQ(Findings("ALTER TABLE t ALTER COLUMN c SET EXPRESSION AS (1);\n\n\n"
                     "ALTER TABLE t ADD COLUMN g bigint GENERATED ALWAYS AS (1) STORED;\n", v17),
            (V{"not-linted@1", "adding-field-with-default@4"}));
}

TEST(SqlLint, NotLintedNamesTheGrammarAndTheStatement) {
  SqlLinter linter{LintOptions{}};
  LintSource src;
  src.path = "m.sql";
  src.text = "SELECT 1;\nCREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);\n";
  auto ds = linter.Lint(src);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].severity, Severity::kWarning);
  EXPECT_EQ(ds[0].line, 2);
  EXPECT_EQ(ds[0].col, 58);
  EXPECT_NE(ds[0].message.find("PostgreSQL 15 grammar"), std::string::npos) << ds[0].message;
  EXPECT_NE(ds[0].message.find("syntax error at or near \"VIRTUAL\""), std::string::npos) << ds[0].message;
}

}  // namespace
}  // namespace strata
