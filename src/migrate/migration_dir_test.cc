#include "migrate/migration_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "migrate/runner.h"
#include "migrate/sum_file.h"

namespace strata {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/strata-dir-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name) << text;
  }
  std::string path;
};

TEST(MigrationName, Schemes) {
  std::string v, s;
  EXPECT_TRUE(ParseMigrationName("20261121093000123_add_orders.sql", Naming::kTimestamp, &v, &s).ok());
  EXPECT_EQ(v, "20261121093000123");
  EXPECT_EQ(s, "add_orders");
  EXPECT_FALSE(ParseMigrationName("2026112109300012_x.sql", Naming::kTimestamp, &v, &s).ok());
  EXPECT_FALSE(ParseMigrationName("20261321093000123_x.sql", Naming::kTimestamp, &v, &s).ok());
  EXPECT_FALSE(ParseMigrationName("20261121093000123.sql", Naming::kTimestamp, &v, &s).ok());
  EXPECT_TRUE(ParseMigrationName("0007_team_routing.sql", Naming::kSequence, &v, &s).ok());
  EXPECT_EQ(v, "0007");
  EXPECT_FALSE(ParseMigrationName("7_team.sql", Naming::kSequence, &v, &s).ok());
  EXPECT_EQ(NormalizeSlug("Add Orders-Table"), "add_orders_table");
  EXPECT_FALSE(IsValidSlug("drop;table"));
}

TEST(MigrationDir, LoadsInOrderAndSetsRollbacksAside) {
  TempDir d;
  d.Write("0002_b.sql", "SELECT 2;");
  d.Write("0001_a.sql", "SELECT 1;");
  d.Write("0001_a_rollback.sql", "SELECT -1;");
  d.Write("0003_c_rollback.sql", "SELECT -3;");
  d.Write("0001_dup.sql", "SELECT 1;");
  d.Write("notes.txt", "ignored");
  d.Write("bad.sql", "SELECT 0;");
  std::vector<FileError> errs;
  auto dir = MigrationDir::Load(d.path, Naming::kSequence, &errs);
  ASSERT_TRUE(dir.ok());
  ASSERT_EQ(dir->files.size(), 3u);
  EXPECT_EQ(dir->files[0].name, "0001_a.sql");
  EXPECT_TRUE(dir->files[0].has_rollback);
  EXPECT_FALSE(dir->files[2].has_rollback);
  std::set<std::string> rules;
  for (const auto& p : dir->problems) rules.insert(p.rule);
  EXPECT_EQ(rules, (std::set<std::string>{"naming-scheme", "duplicate-version", "orphan-rollback"}));
}

TEST(SumFile, ChainBreaksOnEditRenameAndInsert) {
  TempDir d;
  d.Write("0001_a.sql", "SELECT 1;");
  d.Write("0002_b.sql", "SELECT 2;");
  std::vector<FileError> errs;
  auto dir = MigrationDir::Load(d.path, Naming::kSequence, &errs);
  auto sum = ComputeSum(*dir);
  auto parsed = ParseSum(SerializeSum(sum), "strata.sum");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(CheckSum(*dir, *parsed).empty());
  // Editing the first file breaks it (reported once, not for every later line).
  d.Write("0001_a.sql", "SELECT 10;");
  dir = MigrationDir::Load(d.path, Naming::kSequence, &errs);
  auto problems = CheckSum(*dir, *parsed);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file, "0001_a.sql");
  // A new file not in the sum.
  d.Write("0001_a.sql", "SELECT 1;");
  d.Write("0003_c.sql", "SELECT 3;");
  dir = MigrationDir::Load(d.path, Naming::kSequence, &errs);
  problems = CheckSum(*dir, *parsed);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file, "0003_c.sql");
  // A removed file.
  std::filesystem::remove(d.path + "/0002_b.sql");
  std::filesystem::remove(d.path + "/0003_c.sql");
  dir = MigrationDir::Load(d.path, Naming::kSequence, &errs);
  problems = CheckSum(*dir, *parsed);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file, "0002_b.sql");
  EXPECT_FALSE(ParseSum("garbage\n", "strata.sum").ok());
}

TEST(ComputeStates, MergesFolderAndHistory) {
  TempDir d;
  d.Write("0001_a.sql", "SELECT 1;");
  d.Write("0002_b.sql", "SELECT 2;");
  d.Write("0004_d.sql", "SELECT 4;");
  std::vector<FileError> errs;
  auto dir = MigrationDir::Load(d.path, Naming::kSequence, &errs);
  std::vector<AppliedMigration> applied(3);
  applied[0].name = "0001_a.sql";
  applied[0].checksum = dir->files[0].checksum;
  applied[1].name = "0002_b.sql";
  applied[1].checksum = "different";
  applied[2].name = "0003_c.sql";
  applied[2].checksum = "x";
  auto states = ComputeStates(*dir, applied);
  ASSERT_EQ(states.size(), 4u);
  EXPECT_EQ(states[0].kind, MigrationStateKind::kApplied);
  EXPECT_EQ(states[1].kind, MigrationStateKind::kEdited);
  EXPECT_EQ(states[2].kind, MigrationStateKind::kMissing);
  EXPECT_EQ(states[3].kind, MigrationStateKind::kPending);
  EXPECT_FALSE(states[3].out_of_order);
  applied[2].name = "0005_e.sql";
  states = ComputeStates(*dir, applied);
  EXPECT_TRUE(states[2].out_of_order);  // 0004 pending, 0005 applied
}

}  // namespace
}  // namespace strata
