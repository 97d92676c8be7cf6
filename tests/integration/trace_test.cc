// strata trace: the locks, rewrites and scans PostgreSQL really performs, per statement.
#include <nlohmann/json.hpp>

#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

class TraceTest : public CliTest {
 protected:
  ProcessResult Trace(std::vector<std::string> args) {
    args.insert(args.begin(), "trace");
    args.push_back("--dev-url");
    args.push_back(TestServer::Get().AdminUrl());
    return Run(args, {{"CI", "true"}});
  }
  // The statements of the one traced file in `--format json` output.
  nlohmann::json Statements(const ProcessResult& r) {
    auto j = nlohmann::json::parse(r.out);
    return j["files"][0]["statements"];
  }
  static bool HasLock(const nlohmann::json& st, const std::string& relation, const std::string& mode) {
    for (const auto& l : st["locks"]) {
      if (l["relation"] == relation && l["mode"] == mode) return true;
    }
    return false;
  }
};

TEST_F(TraceTest, AVolatileDefaultTakesAccessExclusiveAndRewritesTheTable) {
  p_.Migration(Version(1) + "_t.sql", "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t SELECT generate_series(1, 100);\n");
  p_.Migration(Version(2) + "_r.sql", "ALTER TABLE t ADD COLUMN r float8 DEFAULT random();\n");
  auto r = Trace({Version(2) + "_r.sql", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto st = Statements(r);
  ASSERT_EQ(st.size(), 1u) << r.out;
  EXPECT_TRUE(HasLock(st[0], "public.t", "ACCESS EXCLUSIVE")) << st[0].dump();
  // The table and its index get new files.
  EXPECT_EQ(st[0]["rewrites"], nlohmann::json::array({"public.t", "public.t_pkey"})) << st[0].dump();
  EXPECT_EQ(st[0]["line"], 1);
  // The target itself is untouched: the trace ran on a shadow.
  EXPECT_FALSE(TableExists("t"));
  auto text = Trace({Version(2) + "_r.sql"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("ACCESS EXCLUSIVE on table public.t (held until COMMIT; blocks reads, writes, ddl)"),
            std::string::npos) << text.out;
  EXPECT_NE(text.out.find("rewrote public.t"), std::string::npos) << text.out;
  // A constant default is a catalog change: no rewrite.
  p_.Migration(Version(3) + "_c.sql", "ALTER TABLE t ADD COLUMN c int DEFAULT 7;\n");
  auto c = Trace({Version(3) + "_c.sql", "--format", "json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(Statements(c)[0]["rewrites"].size(), 0u) << c.out;
  auto md = Trace({Version(2) + "_r.sql", "--format", "markdown"});
  EXPECT_NE(md.out.find("| 1 | 1 | `ALTER TABLE t ADD COLUMN r float8 DEFAULT random()` | ACCESS EXCLUSIVE public.t (blocks reads, writes, ddl)"
                        "<br>ACCESS EXCLUSIVE public.t_pkey"),
            std::string::npos) << md.out;
}

TEST_F(TraceTest, AConcurrentIndexBuildTakesShareUpdateExclusiveOnly) {
  p_.Migration(Version(1) + "_t.sql", "CREATE TABLE t (id int, v text);\nINSERT INTO t SELECT g, g::text FROM generate_series(1, 1000) g;\n");
  p_.Migration(Version(2) + "_i.sql", "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY t_v ON t (v);\n");
  auto r = Trace({Version(2) + "_i.sql", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto st = Statements(r);
  ASSERT_EQ(st.size(), 1u) << r.out;
  EXPECT_TRUE(HasLock(st[0], "public.t", "SHARE UPDATE EXCLUSIVE")) << st[0].dump();
  for (const auto& l : st[0]["locks"]) EXPECT_NE(l["mode"], "ACCESS EXCLUSIVE") << st[0].dump();
  EXPECT_EQ(st[0]["line"], 2);
  EXPECT_EQ(st[0]["index_builds"], nlohmann::json::array({"public.t_v on public.t"})) << st[0].dump();
  // The plain build blocks writes.
  p_.Migration(Version(3) + "_p.sql", "CREATE INDEX t_id ON t (id);\n");
  auto p = Trace({Version(3) + "_p.sql", "--format", "json"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_TRUE(HasLock(Statements(p)[0], "public.t", "SHARE")) << p.out;
}

// SET NOT NULL after a validated CHECK (col IS NOT NULL) skips its scan (PostgreSQL 12+):
// reported as proven, not as a scan, and no warning about a lock held across one. (The
// contract file of an online type change does this inside its transaction.)
TEST_F(TraceTest, ANotNullAValidatedCheckProvesIsNotAScan) {
  p_.Migration(Version(1) + "_t.sql", "CREATE TABLE t (id int PRIMARY KEY, x int, z int);\n"
                                      "INSERT INTO t SELECT g, g, g FROM generate_series(1, 100) g;\n"
                                      "ALTER TABLE t ADD CONSTRAINT t_x_nn CHECK (x IS NOT NULL);\n");
  p_.Migration(Version(2) + "_nn.sql", "ALTER TABLE t ADD COLUMN y int;\n"
                                       "ALTER TABLE t ALTER COLUMN x SET NOT NULL;\n"
                                       "ALTER TABLE t ALTER COLUMN z SET NOT NULL;\n");
  auto r = Trace({Version(2) + "_nn.sql", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto st = Statements(r);
  ASSERT_EQ(st.size(), 3u) << r.out;
  EXPECT_EQ(st[1]["proven_without_scan"], nlohmann::json::array({"NOT NULL on t.x"})) << st[1].dump();
  EXPECT_EQ(st[1]["validated"].size(), 0u) << st[1].dump();
  // Without a check, SET NOT NULL reads every row, under the lock statement 1 took.
  EXPECT_EQ(st[2]["validated"], nlohmann::json::array({"NOT NULL on t.z"})) << st[2].dump();
  auto warnings = nlohmann::json::parse(r.out)["files"][0]["warnings"];
  ASSERT_EQ(warnings.size(), 1u) << warnings.dump();
  EXPECT_NE(warnings[0].get<std::string>().find("statement 3 checks every row for NOT NULL on t.z"), std::string::npos)
      << warnings.dump();
  auto text = Trace({Version(2) + "_nn.sql"});
  EXPECT_NE(text.out.find("no scan: NOT NULL on t.x (a validated check proves it)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("checked every row: NOT NULL on t.z"), std::string::npos) << text.out;
}

TEST_F(TraceTest, PendingMigrationsByDefaultAndALockHeldAcrossAScan) {
  p_.Migration(Version(1) + "_t.sql", "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY, a_id int);\n");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  p_.Migration(Version(2) + "_x.sql",
               "ALTER TABLE a ADD COLUMN note text;\n"
               "ALTER TABLE b ADD CONSTRAINT b_a FOREIGN KEY (a_id) REFERENCES a (id);\n");
  auto r = Trace({"--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 1u) << r.out;
  EXPECT_EQ(j["files"][0]["file"], Version(2) + "_x.sql");
  auto st = j["files"][0]["statements"];
  EXPECT_TRUE(HasLock(st[0], "public.a", "ACCESS EXCLUSIVE")) << st.dump();
  EXPECT_TRUE(HasLock(st[1], "public.b", "SHARE ROW EXCLUSIVE")) << st.dump();
  EXPECT_EQ(st[1]["validated"], nlohmann::json::array({"foreign key b_a on b"})) << st.dump();
  ASSERT_FALSE(j["files"][0]["warnings"].empty()) << r.out;
  EXPECT_NE(j["files"][0]["warnings"][0].get<std::string>().find(
                "ACCESS EXCLUSIVE on public.a (statement 1) is held until COMMIT while statement 2 checks every row"),
            std::string::npos) << r.out;
  // Nothing pending: nothing to trace.
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  auto none = Trace({});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_NE(none.out.find("nothing pending"), std::string::npos) << none.out;
}

TEST_F(TraceTest, AFailingStatementIsReportedWithTheServersMessage) {
  p_.Migration(Version(1) + "_t.sql", "CREATE TABLE t (id int);\n");
  p_.Migration(Version(2) + "_bad.sql", "ALTER TABLE t ADD COLUMN x int;\nALTER TABLE nope ADD COLUMN y int;\n");
  auto r = Trace({Version(2) + "_bad.sql"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("failed: relation \"nope\" does not exist (SQLSTATE 42P01)"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace strata::testing
