#include "generate/source.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace strata {
namespace {

TEST(BlankPsqlRestrict, BlanksOnlyPgDumpsRestrictLines) {
  // The head and tail of a pg_dump 17.6 schema dump.
  std::string sql =
      "--\n-- PostgreSQL database dump\n--\n\n\\restrict zWo0rx25oC8NCilk6ZYwyCTcnhnLy\n\n"
      "CREATE TABLE t (a int);\n\n\\unrestrict zWo0rx25oC8NCilk6ZYwyCTcnhnLy\r\n";
  std::string blanked = sql;
  BlankPsqlRestrict(&blanked);
  ASSERT_EQ(blanked.size(), sql.size());
  EXPECT_EQ(blanked.find("restrict"), std::string::npos) << blanked;
  EXPECT_NE(blanked.find("CREATE TABLE t (a int);"), std::string::npos);
  EXPECT_EQ(blanked.find("CREATE TABLE"), sql.find("CREATE TABLE"));  // offsets kept
  EXPECT_EQ(std::count(blanked.begin(), blanked.end(), '\n'), std::count(sql.begin(), sql.end(), '\n'));

  // Anything else stays: other meta-commands, a key that is not one word, text in a body.
  for (std::string keep : {"\\connect db\n", "\\restrict\n", "\\restrict a b\n", " \\restrict abc\n",
                           "SELECT '\n\\restrict;\n';\n"}) {
    std::string copy = keep;
    BlankPsqlRestrict(&copy);
    EXPECT_EQ(copy, keep);
  }
}

TEST(BlankPsqlRestrict, SchemaFoldersAreReadWithoutThem) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("strata_source_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "schema.sql") << "\\restrict abc123\nCREATE TABLE t (a int);\n\\unrestrict abc123\n"; }
  auto docs = RenderSchemaSources(SourceSpec{SourceSpec::Kind::kSchemaDir, dir.string()});
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].text, std::string(16, ' ') + "\nCREATE TABLE t (a int);\n" + std::string(18, ' ') + "\n");
}

}  // namespace
}  // namespace strata
