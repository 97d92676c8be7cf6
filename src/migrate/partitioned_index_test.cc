#include "migrate/partitioned_index.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(OnOnlyForm, DropsConcurrentlyAndAddsOnly) {
  EXPECT_EQ(OnOnlyForm("CREATE INDEX CONCURRENTLY i ON t (a)"), "CREATE INDEX i ON ONLY t (a)");
  EXPECT_EQ(OnOnlyForm("create unique index concurrently if not exists \"on\" on s.t using btree (a)"),
            "create unique index if not exists \"on\" on ONLY s.t using btree (a)");
  EXPECT_EQ(OnOnlyForm("CREATE INDEX CONCURRENTLY ON ONLY t (a)"), "CREATE INDEX ON ONLY t (a)");
  EXPECT_EQ(OnOnlyForm("-- why\nCREATE INDEX /* c */ CONCURRENTLY i ON t (a)"),
            "-- why\nCREATE INDEX /* c */ i ON ONLY t (a)");
  EXPECT_EQ(OnOnlyForm("CREATE INDEX i ON t (a)"), "");
  EXPECT_EQ(OnOnlyForm("CREATE TABLE t (a int)"), "");
  EXPECT_EQ(OnOnlyForm("CREATE INDEX CONCURRENTLY \"unterminated"), "");
}

}  // namespace
}  // namespace strata
