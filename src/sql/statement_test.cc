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
}  // namespace strata
