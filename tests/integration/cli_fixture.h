// Shared fixture for tests that drive the strata binary against a fresh database.
#pragma once

#include <gtest/gtest.h>

#include "test_server.h"

namespace strata::testing {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestServer& s = TestServer::Get();
    ASSERT_TRUE(s.ok()) << "test PostgreSQL did not start: " << s.error();
    url_ = s.NewDatabase();
  }
  ProcessResult Run(const std::vector<std::string>& args,
                    std::map<std::string, std::string> env = {}) {
    return p_.Run(args, url_, std::move(env));
  }
  std::string Value(const std::string& sql) { return QueryValue(url_, sql); }
  bool TableExists(const std::string& name) {
    return Value("SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
  }
  int HistoryRows(const std::string& table = "public.strata_migrations") {
    if (!TableExists(table)) return 0;
    return std::stoi(Value("SELECT count(*) FROM " + table));
  }

  TempProject p_;
  std::string url_;
};

}  // namespace strata::testing
