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
  ASSERT_FALSE(stmts.ok());
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
  EXPECT_FALSE(r.ok());
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
