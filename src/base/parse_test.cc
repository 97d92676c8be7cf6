#include "base/parse.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(ParseDurationMs, PostgresUnits) {
  int64_t ms = -1;
  EXPECT_TRUE(ParseDurationMs("5s", &ms));
  EXPECT_EQ(ms, 5000);
  EXPECT_TRUE(ParseDurationMs("250ms", &ms));
  EXPECT_EQ(ms, 250);
  EXPECT_TRUE(ParseDurationMs(" 30 min ", &ms));
  EXPECT_EQ(ms, 1800000);
  EXPECT_TRUE(ParseDurationMs("0", &ms));
  EXPECT_EQ(ms, 0);
  EXPECT_TRUE(ParseDurationMs("2h", &ms));
  EXPECT_TRUE(ParseDurationMs("24d", &ms));
  EXPECT_FALSE(ParseDurationMs("25d", &ms));  // past INT32_MAX ms
  EXPECT_FALSE(ParseDurationMs("soon", &ms));
  EXPECT_FALSE(ParseDurationMs("5s'; DROP TABLE x; --", &ms));
  EXPECT_FALSE(ParseDurationMs(std::string(100000, '1'), &ms));
  EXPECT_FALSE(ParseDurationMs("", &ms));
  EXPECT_FALSE(ParseDurationMs("-1s", &ms));
}

TEST(ParseInt64, Overflow) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_FALSE(ParseInt64("9223372036854775808", &v));
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_FALSE(ParseInt64("", &v));
  EXPECT_FALSE(ParseInt64("12a", &v));
  EXPECT_EQ(ToInt64Or("", 7), 7);
}

TEST(CheckSqlText, NulAndUtf8) {
  EXPECT_FALSE(CheckSqlText("SELECT 'café', '日本';").has_value());
  auto nul = CheckSqlText(std::string("SELECT 1;\0x", 11));
  ASSERT_TRUE(nul.has_value());
  EXPECT_EQ(nul->offset, 9u);
  auto bad = CheckSqlText("SELECT 'caf\xE9';");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->offset, 11u);
  EXPECT_TRUE(CheckSqlText("\xC0\xAF").has_value());          // overlong
  EXPECT_TRUE(CheckSqlText("\xED\xA0\x80").has_value());      // surrogate
  EXPECT_TRUE(CheckSqlText("\xF4\x90\x80\x80").has_value());  // past U+10FFFF
  EXPECT_TRUE(CheckSqlText("\xE2\x82").has_value());          // cut short
}

}  // namespace
}  // namespace strata
