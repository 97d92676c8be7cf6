// The rest of the schema through generate (views over a retyped column, RLS and
// policies, an updated_at trigger, a materialized view with an index, a new partition,
// grants) and strata check: schema drift, live drift, branch conflicts.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "devdb/dev_cluster.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

class CheckTest : public CliTest {
 protected:
  ProcessResult Strata(std::vector<std::string> args) {
    args.push_back("--dev-url");
    args.push_back(TestServer::Get().AdminUrl());
    return Run(args, {{"CI", "true"}});
  }
};

constexpr char kBefore[] = R"SQL(
CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance integer NOT NULL DEFAULT 0,
                       updated_at timestamptz NOT NULL DEFAULT now());
CREATE VIEW rich AS SELECT id, owner, balance FROM accounts WHERE balance > 1000;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON accounts USING (owner = current_user);
CREATE MATERIALIZED VIEW totals AS SELECT owner, sum(balance) AS total FROM accounts GROUP BY owner;
CREATE INDEX totals_owner ON totals (owner);
CREATE TABLE events (id bigint, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX events_at ON events (at);
GRANT SELECT ON accounts TO PUBLIC;
)SQL";

constexpr char kAfter[] = R"SQL(
CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL DEFAULT 0,
                       updated_at timestamptz NOT NULL DEFAULT now());
CREATE VIEW rich AS SELECT id, owner, balance FROM accounts WHERE balance > 1000;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON accounts USING (owner = current_user) WITH CHECK (balance >= 0);
CREATE MATERIALIZED VIEW totals AS SELECT owner, sum(balance) AS total, count(*) AS n FROM accounts GROUP BY owner;
CREATE INDEX totals_owner ON totals (owner);
CREATE TABLE events (id bigint, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE INDEX events_at ON events (at);
CREATE INDEX events_id ON events (id);
GRANT SELECT ON accounts TO PUBLIC;
GRANT UPDATE (balance) ON accounts TO PUBLIC;
)SQL";

TEST_F(CheckTest, ViewsPoliciesTriggersMatviewsPartitionsAndGrantsMigrateAndCheckClean) {
  p_.Write("schema/01.sql", kBefore);
  auto r = Strata({"generate", "init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(Strata({"check", "--db", url_}).exit_code, 0);

  p_.Write("schema/01.sql", kAfter);
  r = Strata({"check"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("run strata generate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ALTER COLUMN \"balance\" TYPE bigint"), std::string::npos) << r.out;
  r = Strata({"generate", "v2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("drop view \"public\".\"rich\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("create index \"public\".\"totals_owner\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replace FUNCTION \"public\".\"touch\"()"), std::string::npos) << r.out;
  // A new index on an existing partitioned table: built by the runner ON ONLY, then
  // concurrently on each partition and attached.
  EXPECT_NE(r.out.find("create index \"public\".\"events_id\" on every partition, one at a time  (outside a transaction)"),
            std::string::npos) << r.out;
  EXPECT_EQ(Strata({"check"}).exit_code, 0);
  // What generate wrote passes its own linter, file by file and as the pending run.
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  lint = Run({"lint", "--db", url_});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  auto drift = Strata({"check", "--db", url_});
  EXPECT_EQ(drift.exit_code, 3) << "v2 is not applied yet: " << drift.out;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(Strata({"check", "--db", url_}).exit_code, 0);

  std::string desired = TestServer::Get().NewDatabase("desired");
  ExecOrDie(desired, kAfter);
  EXPECT_EQ(SchemaDump(url_), SchemaDump(desired));
  r = Strata({"generate", "v3"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("no changes"), std::string::npos) << r.out;

  // Someone changes the database by hand: drift, listed.
  ExecOrDie(url_, "CREATE TABLE sneaky (id int)");
  r = Strata({"check", "--db", url_, "--format", "json"});
  EXPECT_EQ(r.exit_code, 3);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["db_drift"].get<bool>());
  EXPECT_EQ(j["db_changes"][0]["object"], "public.sneaky");
  EXPECT_FALSE(j["schema_drift"].get<bool>());
}

TEST_F(CheckTest, TwoMigrationsOnOneParentAreABranchConflict) {
  p_.Write("schema/01.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(Strata({"generate", "init"}).exit_code, 0);
  auto names = ListFiles(p_.dir() + "/migrations");
  ASSERT_TRUE(names.ok());
  // Branch 1 adds a column; branch 2, from the same parent, adds a table.
  p_.Write("schema/01.sql", "CREATE TABLE a (id int, n int);\n");
  ASSERT_EQ(Strata({"generate", "add_n"}).exit_code, 0);
  std::string add_n;
  auto after = ListFiles(p_.dir() + "/migrations");
  ASSERT_TRUE(after.ok());
  for (const auto& n : *after) {
    if (EndsWith(n, "_add_n.sql")) add_n = n;
  }
  ASSERT_FALSE(add_n.empty());
  std::string branch1 = *ReadFile(p_.dir() + "/migrations/" + add_n);
  ASSERT_EQ(std::remove((p_.dir() + "/migrations/" + add_n).c_str()), 0);
  ASSERT_EQ(std::remove((p_.dir() + "/migrations/" + add_n.substr(0, add_n.size() - 4) + "_rollback.sql").c_str()), 0);
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  p_.Write("schema/01.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n");
  ASSERT_EQ(Strata({"generate", "add_b"}).exit_code, 0);
  // The merge: both files, strata.sum rewritten.
  p_.Write("migrations/" + add_n, branch1);
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  auto r = Strata({"check"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("branch-conflict"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strata generate` again"), std::string::npos) << r.out;
  EXPECT_EQ(Run({"lint", "--names-only"}).exit_code, 1);
}

}  // namespace
}  // namespace strata::testing
