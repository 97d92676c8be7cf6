// The replay behind generate, check and diff is `strata migrate` on a shadow database: what
// migrates replays, and what fails to migrate fails to replay with the same message.
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

TEST_F(CliTest, ReplayRunsEachFileInItsTransactionAsMigrateDoes) {
  // LOCK TABLE only works inside a transaction block: migrate has one per file, and so
  // does the replay now.
  p_.Migration(Version(1) + "_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n");
  p_.Migration(Version(2) + "_backfill.sql",
               "LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;\nALTER TABLE orders ADD COLUMN note text;\n"
               "-- strata:verify\nSELECT count(*) = 0 FROM orders WHERE note IS NOT NULL;\n");
  p_.Write("schema/orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, note text);\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  auto m = Run({"migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  auto c = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("database: matches"), std::string::npos) << c.out;
  auto g = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "nothing"});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  EXPECT_NE(g.out.find("no changes"), std::string::npos) << g.out;
  // The replay leaves no trace of its own bookkeeping.
  auto d = Run({"diff", "--from", "migrations:migrations", "--to", "schema:schema", "--dev-url",
                TestServer::Get().AdminUrl()});
  EXPECT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_EQ(d.out.find("strata_replay"), std::string::npos) << d.out;
}

TEST_F(CliTest, FileThatFailsToMigrateFailsToReplayWithTheSameMessage) {
  // A new enum value cannot be used in the transaction that added it (SQLSTATE 55P04).
  p_.Migration(Version(1) + "_status.sql", "CREATE TYPE status AS ENUM ('new');\nCREATE TABLE jobs (s status);\n");
  p_.Migration(Version(2) + "_done.sql",
               "ALTER TYPE status ADD VALUE 'done';\nUPDATE jobs SET s = 'done' WHERE s = 'new';\n");
  p_.Write("schema/jobs.sql", "CREATE TYPE status AS ENUM ('new', 'done');\nCREATE TABLE jobs (s status);\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  auto m = Run({"migrate"});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.err.find("55P04"), std::string::npos) << m.err;
  EXPECT_NE(m.err.find(Version(2) + "_done.sql:2:"), std::string::npos) << m.err;
  auto c = Run({"check", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
  EXPECT_NE(c.err.find("55P04"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find(Version(2) + "_done.sql:2:"), std::string::npos) << c.err;
  auto g = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "x"});
  EXPECT_EQ(g.exit_code, 1);
  EXPECT_NE(g.err.find("unsafe use of new value \"done\" of enum type status"), std::string::npos) << g.err;
}

TEST_F(CliTest, AddedColumnsKeepTheDeclaredOrder) {
  p_.Migration(Version(1) + "_t.sql", "CREATE TABLE t (id int);\n");
  p_.Write("schema/t.sql", "CREATE DOMAIN posint AS int CHECK (VALUE > 0);\n"
                           "CREATE TABLE t (id int, zeta text, alpha posint, mid text);\n");
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  auto g = Run({"generate", "--dev-url", TestServer::Get().AdminUrl(), "columns"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(Value("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 't'::regclass "
                  "AND attnum > 0"), "id,zeta,alpha,mid");
}

}  // namespace
}  // namespace strata::testing
