#include "pg/session.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(MaskPassword, UrlKeywordAndParameterForms) {
  EXPECT_EQ(MaskPassword("postgresql://alice:s3cret@db:5432/app"), "postgresql://alice:****@db:5432/app");
  EXPECT_EQ(MaskPassword("postgres://bob:p%40ss@h/x?sslmode=require"), "postgres://bob:****@h/x?sslmode=require");
  EXPECT_EQ(MaskPassword("host=h password=hunter2 dbname=x"), "host=h password=**** dbname=x");
  EXPECT_EQ(MaskPassword("host=h password='a b' dbname=x"), "host=h password=**** dbname=x");
  EXPECT_EQ(MaskPassword("postgresql://h/x?user=u&password=pw"), "postgresql://h/x?user=u&password=****");
  EXPECT_EQ(MaskPassword("postgresql://alice@db/app"), "postgresql://alice@db/app");
}

}  // namespace
}  // namespace strata
