#include "generate/drizzle.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(DrizzleConfig, ReadsTheRunbooksConfig) {
  // The drizzle runbook's drizzle.config.ts, as written there.
  auto c = ParseDrizzleConfig(R"(// drizzle.config.ts
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  schema: './drizzle/schema.ts',
  out: './drizzle/migrations',
  dialect: 'postgresql',
  dbCredentials: {
    url: process.env.DATABASE_URL || 'postgresql://localhost:5432/admin_ui',
  },
});
)");
  EXPECT_EQ(c.schema, std::vector<std::string>{"./drizzle/schema.ts"});
  EXPECT_EQ(c.out, "./drizzle/migrations");
  EXPECT_EQ(c.dialect, "postgresql");
  EXPECT_EQ(c.url_env, "DATABASE_URL");
  EXPECT_EQ(c.url, "postgresql://localhost:5432/admin_ui");
  EXPECT_TRUE(c.schema_filter.empty());
  EXPECT_EQ(c.migrations_schema, "drizzle");
  EXPECT_EQ(c.migrations_table, "__drizzle_migrations");
}

TEST(DrizzleConfig, NestedKeysArraysCommentsAndDefaults) {
  auto c = ParseDrizzleConfig(R"(
/* schema: "commented out" */
const config = {
  dialect: "postgresql",
  schema: ["./src/schema/users.ts", `./src/schema/billing.ts`],
  schemaFilter: ["kortix", 'billing'],
  dbCredentials: { url: process.env.PG_URL! },
  migrations: { table: "journal", schema: "ops", prefix: "timestamp" },
  tablesFilter: ["*"], // url: "not this one"
};
export default config;
)");
  EXPECT_EQ(c.schema, (std::vector<std::string>{"./src/schema/users.ts", "./src/schema/billing.ts"}));
  EXPECT_EQ(c.out, "drizzle");  // drizzle-kit's default
  EXPECT_EQ(c.schema_filter, (std::vector<std::string>{"kortix", "billing"}));
  EXPECT_EQ(c.url_env, "PG_URL");
  EXPECT_EQ(c.url, "");
  EXPECT_EQ(c.migrations_table, "journal");
  EXPECT_EQ(c.migrations_schema, "ops");
}

TEST(DrizzleConfig, NeverFailsOnOddText) {
  for (const char* text : {"", "{", "}}}", "schema:", "schema: [", "url: process.env.", "'unterminated", "`${x}`: 1",
                           "a: { b: { c: { d: 'e' } } } } } schema: 'x'"}) {
    DrizzleConfig c = ParseDrizzleConfig(text);
    EXPECT_EQ(c.out, "drizzle") << text;
  }
  EXPECT_EQ(ParseDrizzleConfig("a: { b: { c: { d: 'e' } } } } } schema: 'x'").schema, std::vector<std::string>{"x"});
}

TEST(DrizzleConfig, OtherDialectsAreRefused) {
  auto missing = ReadDrizzleConfig("/nonexistent/drizzle.config.ts");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "drizzle config /nonexistent/drizzle.config.ts not found");
  EXPECT_EQ(ParseDrizzleConfig("export default { dialect: 'mysql' }").dialect, "mysql");
}

TEST(DrizzleExport, SaysWhatIsMissing) {
  auto r = DrizzleExport("/nonexistent/drizzle.config.ts");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "drizzle config /nonexistent/drizzle.config.ts not found");
}

}  // namespace
}  // namespace strata
