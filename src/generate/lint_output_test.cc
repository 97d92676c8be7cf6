#include "generate/lint_output.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(AnnotateLintFindings, AddsOnlyAllowLines) {
  // A plain CREATE INDEX on a table an earlier migration made: an error of
  // require-concurrent-index-creation, explained by the step's hazard comment.
  std::string original =
      "-- Migration: Add index\n"
      "\n"
      "-- create index \"public\".\"t_a_idx\"\n"
      "--   hazard INDEX_BUILD: builds an index\n"
      "CREATE INDEX t_a_idx ON public.t USING btree (a);\n";
  std::vector<GeneratedFile> files = {{"20260101000000_add_index.sql", original}};
  ASSERT_TRUE(AnnotateLintFindings(&files).ok());
  EXPECT_NE(files[0].content, original);
  EXPECT_NE(files[0].content.find("-- strata:allow require-concurrent-index-creation"), std::string::npos)
      << files[0].content;
  EXPECT_TRUE(OnlyAllowsAdded(original, files[0].content));
}

TEST(AnnotateLintFindings, OnlyAllowsAddedRefusesAnyOtherChange) {
  std::string a = "-- x\nCREATE TABLE t (a int);\nSELECT 1;";
  EXPECT_TRUE(OnlyAllowsAdded(a, a));
  EXPECT_TRUE(OnlyAllowsAdded(a, "-- x\n-- strata:allow some-rule why\nCREATE TABLE t (a int);\nSELECT 1;"));
  EXPECT_TRUE(OnlyAllowsAdded(a, a + "\n-- strata:allow r why"));
  EXPECT_FALSE(OnlyAllowsAdded(a, "-- x\nCREATE TABLE t (a bigint);\nSELECT 1;"));  // a changed line
  EXPECT_FALSE(OnlyAllowsAdded(a, "-- x\nSELECT 1;"));                                // a removed line
  EXPECT_FALSE(OnlyAllowsAdded(a, "-- x\nDROP TABLE t;\nCREATE TABLE t (a int);\nSELECT 1;"));
  EXPECT_FALSE(OnlyAllowsAdded(a, "-- x\n-- strata:allowed\nCREATE TABLE t (a int);\nSELECT 1;"));
}

}  // namespace
}  // namespace strata
