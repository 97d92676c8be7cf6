#include "base/strings.h"

#include <gtest/gtest.h>

namespace strata {

TEST(Strings, QuoteIdentAlwaysQuotesAndEscapes) {
  EXPECT_EQ(QuoteIdent("orders"), "\"orders\"");
  EXPECT_EQ(QuoteIdent("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
}

TEST(Strings, OffsetToLineCol) {
  std::string t = "ab\ncd\n\nx";
  EXPECT_EQ(OffsetToLineCol(t, 0).line, 1);
  EXPECT_EQ(OffsetToLineCol(t, 4).line, 2);
  EXPECT_EQ(OffsetToLineCol(t, 4).col, 2);
  EXPECT_EQ(OffsetToLineCol(t, 7).line, 4);
  EXPECT_EQ(LineAt(t, 2), "cd");
}

TEST(Strings, PointAtDrawsCaretUnderColumn) {
  std::string t = "select 1;\nselec 2;\n";
  std::string out = PointAt("f.sql", t, 10, "syntax error");
  EXPECT_EQ(out, "f.sql:2:1: syntax error\n  selec 2;\n  ^");
  out = PointAt("f.sql", t, 16, "boom");
  EXPECT_EQ(out, "f.sql:2:7: boom\n  selec 2;\n        ^");
}

TEST(Strings, EditDistance) {
  EXPECT_EQ(EditDistance("migrate", "migrate"), 0);
  EXPECT_EQ(EditDistance("migrat", "migrate"), 1);
  EXPECT_EQ(EditDistance("stauts", "status"), 2);
}

TEST(QuoteIdentIfNeeded, OnlyWhenPostgresNeedsIt) {
  EXPECT_EQ(QuoteIdentIfNeeded("orders_idx"), "orders_idx");
  EXPECT_EQ(QuoteIdentIfNeeded("Action_tenantId_idx"), "\"Action_tenantId_idx\"");
  EXPECT_EQ(QuoteIdentIfNeeded("user"), "\"user\"");
  EXPECT_EQ(QuoteIdentIfNeeded("1st"), "\"1st\"");
  EXPECT_EQ(QuoteIdentIfNeeded("a b"), "\"a b\"");
  EXPECT_EQ(QuoteIdentIfNeeded("we\"ird"), "\"we\"\"ird\"");
}

}  // namespace strata
