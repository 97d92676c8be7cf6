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

TEST(MaskPassword, EverySpelling) {
  EXPECT_EQ(MaskPassword("POSTGRES://alice:s3cret@db/app"), "POSTGRES://alice:****@db/app");
  EXPECT_EQ(MaskPassword("Postgresql://alice:s3cret@db/app"), "Postgresql://alice:****@db/app");
  EXPECT_EQ(MaskPassword("jdbc:postgresql://alice:s3cret@db/app"), "jdbc:postgresql://alice:****@db/app");
  EXPECT_EQ(MaskPassword("postgresql://alice:se cret@db/app"), "postgresql://alice:****@db/app");
  EXPECT_EQ(MaskPassword("postgresql://alice:p@ss@db/app"), "postgresql://alice:****@db/app");
  EXPECT_EQ(MaskPassword("PASSWORD = 'x y' host=h"), "PASSWORD = **** host=h");
  EXPECT_EQ(MaskPassword("PGPASSWORD=hunter2 strata migrate"), "PGPASSWORD=**** strata migrate");
  EXPECT_EQ(MaskPassword("password="), "password=");
}

TEST(MaskPassword, RegisteredSecretsAndLongInput) {
  RegisterSecret("correct-horse-battery");
  EXPECT_EQ(MaskPassword("server said: correct-horse-battery is wrong"), "server said: **** is wrong");
  RegisterSecret("abc");  // too short to mask without garbling text
  EXPECT_EQ(MaskPassword("abc"), "abc");
  std::string token(50000, 'x');
  std::string masked = MaskPassword("postgresql://u:" + token + "@h/db");
  EXPECT_EQ(masked, "postgresql://u:****@h/db");
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "password=a ://b:c@";
  EXPECT_EQ(MaskPassword(many).find("password=a"), std::string::npos);
}

TEST(PasswordOf, UrlAndKeywordForms) {
  EXPECT_EQ(PasswordOf("postgresql://u:p%40ss@h/db"), "p@ss");
  EXPECT_EQ(PasswordOf("postgresql://h/db?user=u&password=pw"), "pw");
  EXPECT_EQ(PasswordOf("host=h password='a b' dbname=x"), "a b");
  EXPECT_EQ(PasswordOf("postgresql://u@h/db"), "");
}

}  // namespace
}  // namespace strata
