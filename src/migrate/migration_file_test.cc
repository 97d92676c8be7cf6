#include "migrate/migration_file.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

MigrationFile File(const std::string& content) {
  MigrationFile f;
  f.name = "20260101000000001_x.sql";
  f.path = "migrations/" + f.name;
  f.content = content;
  return f;
}

TEST(Directives, RobustToSpacingAndBlankLines) {
  auto f = File("-- Migration: x\n\n--strata:no-transaction\n  --   STRATA:lock-timeout   10s\n"
                "-- strata:statement-timeout 30min\n-- strata:allow ban-drop-table data moved in 0007\n"
                "DROP TABLE old;\n");
  std::vector<FileError> errs;
  ASSERT_TRUE(ParseDirectives(&f, &errs).ok());
  EXPECT_TRUE(f.directives.no_transaction);
  EXPECT_EQ(f.directives.lock_timeout, "10s");
  EXPECT_EQ(f.directives.statement_timeout, "30min");
  ASSERT_EQ(f.directives.allows.size(), 1u);
  EXPECT_EQ(f.directives.allows[0].rule, "ban-drop-table");
  EXPECT_EQ(f.directives.allows[0].reason, "data moved in 0007");
  EXPECT_EQ(f.directives.allows[0].line, 6);
}

TEST(Directives, ErrorsPointAtTheLine) {
  auto f = File("SELECT 1;\n-- strata:no-transaction\n");
  std::vector<FileError> errs;
  EXPECT_FALSE(ParseDirectives(&f, &errs).ok());
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].Format(f.content).substr(0, 37), "migrations/20260101000000001_x.sql:2:");
  errs.clear();
  auto g = File("-- strata:allow ban-drop-table\n-- strata:frobnicate\n-- strata:lock-timeout soon\n");
  EXPECT_FALSE(ParseDirectives(&g, &errs).ok());
  ASSERT_EQ(errs.size(), 3u);
  EXPECT_NE(errs[0].message.find("reason"), std::string::npos);
  EXPECT_NE(errs[1].message.find("unknown directive"), std::string::npos);
  EXPECT_NE(errs[2].message.find("duration"), std::string::npos);
}

TEST(Directives, VerifySectionSplitsBodyAndChecks) {
  auto f = File("CREATE TABLE a (id int);\n-- strata:verify\nSELECT true;\nSELECT 1 = 1;\n");
  std::vector<FileError> errs;
  ASSERT_TRUE(ParseDirectives(&f, &errs).ok());
  EXPECT_EQ(f.body(), "CREATE TABLE a (id int);\n-- strata:verify\n");
  EXPECT_EQ(f.verify(), "SELECT true;\nSELECT 1 = 1;\n");
  auto pm = ParseMigration(f, &errs);
  ASSERT_TRUE(pm.ok());
  EXPECT_EQ(pm->body.size(), 1u);
  ASSERT_EQ(pm->verify.size(), 2u);
  EXPECT_EQ(pm->verify[1].Text(f.content), "SELECT 1 = 1");
}

TEST(ParseMigration, UnparsedVerifyStatementHasFileOffset) {
  // The bundled parser cannot tell newer syntax from a mistake: the statement is kept,
  // with its position in the file, for the server to judge before anything runs.
  auto f = File("SELECT 1;\n-- strata:verify\nSELEC true;\n");
  std::vector<FileError> errs;
  ParseDirectives(&f, &errs);
  auto pm = ParseMigration(f, &errs);
  ASSERT_TRUE(pm.ok());
  EXPECT_TRUE(errs.empty());
  auto unparsed = pm->Unparsed();
  ASSERT_EQ(unparsed.size(), 1u);
  EXPECT_EQ(unparsed[0]->offset, f.content.find("SELEC true"));
  EXPECT_EQ(unparsed[0]->error_offset, f.content.find("SELEC true"));
}

TEST(Durations, Valid) {
  EXPECT_TRUE(IsValidDuration("5s"));
  EXPECT_TRUE(IsValidDuration("250ms"));
  EXPECT_TRUE(IsValidDuration("0"));
  EXPECT_FALSE(IsValidDuration("5s'; DROP TABLE x; --"));
  EXPECT_FALSE(IsValidDuration("soon"));
}

TEST(Directives, NodePgMigrateSections) {
  auto f = File("-- Up Migration\nCREATE TABLE a (id int);\n-- strata:verify\nSELECT true;\n\n  --  down   MIGRATION\nDROP TABLE a;\n");
  std::vector<FileError> errs;
  ASSERT_TRUE(ParseDirectives(&f, &errs).ok());
  EXPECT_EQ(f.body(), "-- Up Migration\nCREATE TABLE a (id int);\n-- strata:verify\n");
  EXPECT_EQ(f.verify(), "SELECT true;\n\n");
  EXPECT_EQ(f.down(), "  --  down   MIGRATION\nDROP TABLE a;\n");
  auto pm = ParseMigration(f, &errs);
  ASSERT_TRUE(pm.ok());
  ASSERT_EQ(pm->body.size(), 1u);
  EXPECT_EQ(pm->verify.size(), 1u);
  // Only node-pg-migrate's marker ends the up part.
  for (const char* text : {"-- downtown migration\nSELECT 1;\n", "-- Down\nSELECT 1;\n", "SELECT '-- Down Migration';\n",
                           "-- the down migration\nSELECT 1;\n"}) {
    auto g = File(text);
    ASSERT_TRUE(ParseDirectives(&g, &errs).ok());
    EXPECT_EQ(g.down_offset, std::string::npos) << text;
    EXPECT_EQ(g.body(), text);
  }
}

}  // namespace
}  // namespace strata
