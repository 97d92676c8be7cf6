#include "sql/statement.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(ParseStatements, SplitsAndClassifies) {
  std::string sql =
      "-- header\nCREATE TABLE a (id int);\n\n/* c */ CREATE INDEX CONCURRENTLY i ON a (id);\n"
      "BEGIN;\nVACUUM a;\nSELECT 'x;y'";
  auto stmts = ParseStatements(sql);
  ASSERT_TRUE(stmts.ok()) << stmts.status().message();
  ASSERT_EQ(stmts->size(), 5u);
  EXPECT_EQ((*stmts)[0].Text(sql), "CREATE TABLE a (id int)");
  EXPECT_EQ((*stmts)[0].kind, "create_stmt");
  EXPECT_EQ((*stmts)[1].Text(sql), "CREATE INDEX CONCURRENTLY i ON a (id)");
  EXPECT_TRUE((*stmts)[1].needs_no_transaction);
  EXPECT_TRUE((*stmts)[2].transaction_control);
  EXPECT_TRUE((*stmts)[3].needs_no_transaction);
  EXPECT_EQ((*stmts)[4].Text(sql), "SELECT 'x;y'");
  EXPECT_FALSE((*stmts)[0].needs_no_transaction);
  EXPECT_TRUE((*stmts)[1].creates_index);
  EXPECT_TRUE((*stmts)[1].concurrent);
  EXPECT_EQ((*stmts)[1].index_name, "i");
  EXPECT_EQ((*stmts)[1].table_name, "a");
  auto q = ParseStatements("CREATE UNIQUE INDEX ON app.users (email)");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE((*q)[0].creates_index);
  EXPECT_FALSE((*q)[0].concurrent);
  EXPECT_EQ((*q)[0].index_name, "");
  EXPECT_EQ((*q)[0].table_schema, "app");
  EXPECT_EQ((*q)[0].table_name, "users");
}

TEST(ParseStatements, SyntaxErrorOffsetIsInBytes) {
  std::string sql = "SELECT 'é';\nSELEC 1;";
  SyntaxError err;
  auto stmts = ParseStatements(sql, &err);
  ASSERT_TRUE(stmts.ok());
  ASSERT_EQ(stmts->size(), 2u);
  EXPECT_FALSE((*stmts)[1].parsed);
  EXPECT_EQ(sql.substr((*stmts)[1].error_offset, 5), "SELEC");
  EXPECT_EQ(sql.substr(err.offset, 5), "SELEC");
  EXPECT_NE(err.message.find("syntax error"), std::string::npos);
}

TEST(ParseStatements, EmptyAndCommentOnly) {
  EXPECT_TRUE(ParseStatements("")->empty());
  EXPECT_TRUE(ParseStatements("-- nothing\n/* here */\n")->empty());
}

TEST(ParseStatements, CharPositions) {
  std::string s = "aé b";
  EXPECT_EQ(CharPositionToOffset(s, 1), 0u);
  EXPECT_EQ(CharPositionToOffset(s, 3), 3u);  // ' ' after the two-byte é
  EXPECT_EQ(CharCount(s), 4u);
  EXPECT_EQ(SkipSpaceAndComments("  /* a /* nested */ b */ -- x\n  SELECT", 0), 32u);
}

}  // namespace
TEST(ScannerSafeCopy, BlanksCommentInsidesOnlyWhenARunIsLong) {
  std::string normal = "SELECT 1 /* a + b */ + 2;";
  EXPECT_EQ(ScannerSafeCopy(normal), normal);
  std::string runs(200, '/');
  std::string text = "SELECT '/*' || $x$ /* $x$, E'\\' /*' AS a; /* c " + runs + " /* nested */ d */ SELECT 2;";
  std::string safe = ScannerSafeCopy(text);
  ASSERT_EQ(safe.size(), text.size());
  // Strings and dollar quotes untouched; comment delimiters kept, insides blanked.
  EXPECT_EQ(safe.substr(0, 44), text.substr(0, 44));
  EXPECT_EQ(safe.find(runs), std::string::npos);
  EXPECT_NE(safe.find("/* c "), std::string::npos);
  EXPECT_NE(safe.find("nested"), std::string::npos);
  auto a = ParseStatements(text), b = ParseStatements(normal);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[1].kind, "select_stmt");
}

TEST(ScannerSafeCopy, UnterminatedNestedCommentsParseInLinearTime) {
  std::string text = "SELECT 1;\n";
  for (int i = 0; i < 40000; ++i) text += "/*";
  SyntaxError err;
  auto r = ParseStatements(text, &err);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0].parsed);
  EXPECT_FALSE((*r)[1].parsed);
  EXPECT_NE(err.message.find("unterminated /* comment"), std::string::npos) << err.message;
  EXPECT_EQ(err.offset, 10u);
}

TEST(ParseStatements, Rerunnable) {
  auto r = ParseStatements(
      "VACUUM t; CREATE TABLE IF NOT EXISTS a (x int); CREATE TABLE b (x int); DROP INDEX IF EXISTS i; "
      "ALTER TABLE t VALIDATE CONSTRAINT c; ALTER TABLE t ADD COLUMN y int; UPDATE t SET x = x + 1; "
      "ALTER TYPE e ADD VALUE IF NOT EXISTS 'v'; REFRESH MATERIALIZED VIEW CONCURRENTLY m");
  ASSERT_TRUE(r.ok());
  std::vector<bool> want = {true, true, false, true, true, false, false, true, true};
  ASSERT_EQ(r->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ((*r)[i].rerunnable, want[i]) << i;
}

TEST(ParseStatements, LineCommentEndsAtCarriageReturn) {
  // Found by fuzz_split: "--" runs to \n or \r in PostgreSQL's scanner.
  std::string text = "--\t-- note\rSELECT 1;\r\nSELECT 2";
  auto r = ParseStatements(text);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].Text(text), "SELECT 1");
  EXPECT_EQ((*r)[1].Text(text), "SELECT 2");
}

}  // namespace strata

namespace strata {
namespace {

std::vector<std::string> Pieces(std::string_view sql) {
  std::vector<std::string> out;
  for (auto [b, e] : SplitLeniently(sql)) out.emplace_back(sql.substr(b, e - b));
  return out;
}

TEST(SplitLeniently, SplitsLikeTheServer) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Pieces("SELECT 1; SELECT 2"), (V{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(Pieces("SELECT ';' ; SELECT E'\\';' ; SELECT \"a;b\""),
            (V{"SELECT ';'", "SELECT E'\\';'", "SELECT \"a;b\""}));
  EXPECT_EQ(Pieces("SELECT $x$ ; $y$ ; $x$; SELECT $1;"), (V{"SELECT $x$ ; $y$ ; $x$", "SELECT $1"}));
  EXPECT_EQ(Pieces("-- a; b\nSELECT 1 /* ; /* ; */ ; */;\n-- only a comment;\n"),
            (V{"SELECT 1 /* ; /* ; */ ; */"}));
  EXPECT_EQ(Pieces("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1"),
            (V{"CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))",
               "SELECT 1"}));
  // SQL-standard function bodies hold semicolons up to their END (CASE ... END nests).
  std::string f = "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC "
                  "SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END; SELECT 1_000; END";
  EXPECT_EQ(Pieces(f + ";\nSELECT 2;"), (V{f, "SELECT 2"}));
  // Newer literal syntax the PostgreSQL 15 scanner refuses splits all the same.
  EXPECT_EQ(Pieces("SELECT 1_000_000; SELECT 0x1F"), (V{"SELECT 1_000_000", "SELECT 0x1F"}));
}

TEST(ParseStatements, NewerSyntaxKeepsTheOtherStatementsParsed) {
  std::string sql =
      "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);\n"
      "-- strata\n"
      "CREATE INDEX CONCURRENTLY t_a ON public.t (a);\n"
      "SELECT JSON_OBJECT('a' VALUE 1);\n";
  auto r = ParseStatements(sql);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].parsed);
  EXPECT_EQ((*r)[0].Text(sql), "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL)");
  EXPECT_TRUE((*r)[1].parsed);
  EXPECT_TRUE((*r)[1].needs_no_transaction);
  EXPECT_EQ((*r)[1].index_name, "t_a");
  EXPECT_FALSE((*r)[2].parsed);
}

TEST(ClassifyByKeywords, ReadsWhatTheRunnerNeeds) {
  Statement st;
  ClassifyByKeywords("create unique index concurrently if not exists \"Big Idx\" on only app.t (x) where 1_000 > 0", &st);
  EXPECT_TRUE(st.creates_index);
  EXPECT_TRUE(st.needs_no_transaction);
  EXPECT_EQ(st.index_name, "Big Idx");
  EXPECT_EQ(st.table_schema, "app");
  EXPECT_EQ(st.table_name, "t");
  Statement tx;
  ClassifyByKeywords("COMMIT AND CHAIN", &tx);
  EXPECT_TRUE(tx.transaction_control);
  Statement vac;
  ClassifyByKeywords("VACUUM (BUFFER_USAGE_LIMIT 1_000) t", &vac);
  EXPECT_TRUE(vac.needs_no_transaction);
  Statement detach;
  ClassifyByKeywords("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", &detach);
  EXPECT_TRUE(detach.needs_no_transaction);
  Statement table;
  ClassifyByKeywords("CREATE UNLOGGED TABLE IF NOT EXISTS app.\"T\" (a int GENERATED ALWAYS AS (1) VIRTUAL)", &table);
  EXPECT_TRUE(table.creates_table);
  EXPECT_EQ(table.table_schema, "app");
  EXPECT_EQ(table.table_name, "T");
  Statement plain;
  ClassifyByKeywords("ALTER TABLE t ALTER COLUMN c SET EXPRESSION AS (1)", &plain);
  EXPECT_FALSE(plain.needs_no_transaction || plain.transaction_control || plain.creates_index);
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

TEST(ParseStatements, ADoBlockThatSaysItMayRunAgainIsRerunnable) {
  auto r = ParseStatements("DO $$\n-- re-runnable: only rows still NULL are updated\nBEGIN NULL; END $$;\n"
                           "DO $$ BEGIN NULL; END $$;\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0].rerunnable);
  EXPECT_FALSE((*r)[1].rerunnable);
}

TEST(Statement, ConcurrentDetachRefusesATransactionBlock) {
  auto r = ParseStatements("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY; ALTER TABLE p DETACH PARTITION p2;");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].needs_no_transaction);
  EXPECT_FALSE((*r)[1].needs_no_transaction);
}

TEST(InTransactionEquivalent, DropsConcurrentlyFromTheStatementsThatHaveAPlainForm) {
  EXPECT_EQ(InTransactionEquivalent("CREATE INDEX CONCURRENTLY i ON t (a)"), "CREATE INDEX i ON t (a)");
  EXPECT_EQ(InTransactionEquivalent("create unique index /* c */ concurrently if not exists \"concurrently\" on t (a)"),
            "create unique index /* c */ if not exists \"concurrently\" on t (a)");
  EXPECT_EQ(InTransactionEquivalent("DROP INDEX CONCURRENTLY IF EXISTS public.i"), "DROP INDEX IF EXISTS public.i");
  EXPECT_EQ(InTransactionEquivalent("REINDEX INDEX CONCURRENTLY i"), "REINDEX INDEX i");
  // No plain form: the caller proves these another way. (A concurrent DETACH leaves a
  // CHECK constraint on the partition: ProofTest.InTransactionForms... found it.)
  EXPECT_EQ(InTransactionEquivalent("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY"), "");
  EXPECT_EQ(InTransactionEquivalent("ALTER TABLE p DETACH PARTITION p1 FINALIZE"), "");
  EXPECT_EQ(InTransactionEquivalent("VACUUM t"), "");
  EXPECT_EQ(InTransactionEquivalent("CREATE DATABASE x"), "");
  EXPECT_EQ(InTransactionEquivalent("REINDEX (CONCURRENTLY) INDEX i"), "");
  EXPECT_EQ(InTransactionEquivalent("CREATE INDEX \"CONCURRENTLY\" ON t (a)"), "");
}

}  // namespace
}  // namespace strata
