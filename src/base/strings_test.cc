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

namespace strata {
namespace {

TEST(UnifiedDiff, ShowsChangedLinesWithContext) {
  std::string a = "SELECT id,\n    name\n   FROM t\n  WHERE active;", b = "SELECT id,\n    name,\n    email\n   FROM t\n  WHERE active;";
  EXPECT_EQ(UnifiedDiff(a, b, 1), " SELECT id,\n-    name\n+    name,\n+    email\n    FROM t\n");
  EXPECT_EQ(UnifiedDiff(a, a), "");
  std::string many;
  for (int i = 0; i < 20; ++i) many += "line " + std::to_string(i) + "\n";
  std::string edited = many;
  edited.replace(edited.find("line 2\n"), 7, "LINE 2\n");
  edited.replace(edited.find("line 17\n"), 8, "LINE 17\n");
  EXPECT_EQ(UnifiedDiff(many, edited, 1), " line 1\n-line 2\n+LINE 2\n line 3\n@@\n line 16\n-line 17\n+LINE 17\n line 18\n");
  // Past max_lines: everything out, everything in (no quadratic table).
  EXPECT_EQ(UnifiedDiff("a\nb", "a\nc", 3, 1), "-a\n-b\n+a\n+c\n");
}

}  // namespace
}  // namespace strata
