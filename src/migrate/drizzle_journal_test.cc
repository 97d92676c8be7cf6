#include "migrate/drizzle_journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "base/fs.h"

namespace strata {
namespace {

TEST(DrizzleJournal, AppendsInOrderAfterTheLastEntry) {
  char tmpl[] = "/tmp/strata-journal-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  EXPECT_FALSE(HasDrizzleJournal(dir));
  ASSERT_TRUE(MakeDirs(dir + "/meta").ok());
  ASSERT_TRUE(WriteFileAtomic(DrizzleJournalPath(dir), R"({"version": "7", "dialect": "postgresql", "entries": [
    {"idx": 0, "version": "7", "when": 1900000000000, "tag": "0000_init", "breakpoints": true}]})").ok());
  ASSERT_TRUE(HasDrizzleJournal(dir));
  ASSERT_TRUE(AppendDrizzleJournal(dir, {"0001_a.sql", "0002_b.sql", "0001_a_rollback.sql", "0000_init.sql"}, 1700000000000).ok());
  auto text = ReadFile(DrizzleJournalPath(dir));
  ASSERT_TRUE(text.ok());
  // Keys stay in drizzle-kit's order; "when" keeps increasing past the clock.
  EXPECT_NE(text->find(R"({
      "idx": 1,
      "version": "7",
      "when": 1900000000001,
      "tag": "0001_a",
      "breakpoints": true
    })"), std::string::npos) << *text;
  EXPECT_NE(text->find(R"("tag": "0002_b")"), std::string::npos);
  EXPECT_EQ(text->find("rollback"), std::string::npos);
  EXPECT_EQ(text->find("\"idx\": 3"), std::string::npos);  // 0000_init was listed already
  ASSERT_TRUE(WriteFileAtomic(DrizzleJournalPath(dir), "[]").ok());
  auto bad = AppendDrizzleJournal(dir, {"0003_c.sql"}, 0);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("meta/_journal.json: not a drizzle-kit journal"), std::string::npos) << bad.message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strata
