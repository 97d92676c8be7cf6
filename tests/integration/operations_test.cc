// Runner operations: verify sections, no-transaction resume and invalid indexes, index
// progress, protected environments, rollback, adoption, lock modes.
#include <filesystem>
#include <future>
#include <regex>

#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

std::string PlanHashOf(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(plan-hash: ([0-9a-f]+)\s*$)"))) return "";
  return m[1];
}

TEST_F(CliTest, VerifyEmptyOrFailingQueryRollsBack) {
  p_.Migration(Version(1) + "_one.sql",
               "CREATE TABLE a (id int);\n-- strata:verify\nSELECT true WHERE false;\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("returned 0 rows"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(Version(1) + "_one.sql:3:1"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("a"));
  p_.Migration(Version(1) + "_one.sql",
               "CREATE TABLE a (id int);\n-- strata:verify\nSELECT count(*) > 0 FROM nope;\n");
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("verify query failed: relation \"nope\" does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("a"));
  EXPECT_EQ(HistoryRows(), 0);
  // The verify queries go to the server in one round trip: each failure still names its own line.
  p_.Migration(Version(1) + "_one.sql",
               "CREATE TABLE a (id int);\n-- strata:verify\nSELECT true;\nSELECT count(*) > 0 FROM nope;\nSELECT true;\n");
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Version(1) + "_one.sql:4:1: verify query failed: relation \"nope\" does not exist"), std::string::npos)
      << r.err;
  p_.Migration(Version(1) + "_one.sql",
               "CREATE TABLE a (id int);\n-- strata:verify\nSELECT true;\nSELECT true; -- a comment\nSELECT 1 = 2;\n");
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Version(1) + "_one.sql:5:1: verification failed: the query returned false"), std::string::npos)
      << r.err;
  EXPECT_FALSE(TableExists("a"));
  EXPECT_EQ(HistoryRows(), 0);
}

TEST_F(CliTest, NoTransactionFileResumesAndRepairsInvalidIndex) {
  ExecOrDie(url_, "CREATE TABLE log (step int); CREATE TABLE dup (v int); INSERT INTO dup VALUES (1), (1), (2)");
  p_.Migration(Version(1) + "_idx.sql",
               "-- strata:no-transaction\nINSERT INTO log VALUES (1);\n"
               "CREATE UNIQUE INDEX CONCURRENTLY dup_v ON dup (v);\nINSERT INTO log VALUES (3);\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("_idx.sql:3:1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("statements 1-1 of this no-transaction file are applied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("left dup_v INVALID"), std::string::npos) << r.err;
  auto st = Run({"status"});
  EXPECT_EQ(st.exit_code, 3);
  EXPECT_NE(st.out.find("partial"), std::string::npos) << st.out;
  ExecOrDie(url_, "DELETE FROM dup WHERE ctid IN (SELECT max(ctid) FROM dup GROUP BY v HAVING count(*) > 1)");
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("index dup_v is INVALID"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DROP INDEX CONCURRENTLY IF EXISTS dup_v;"), std::string::npos) << r.err;
  r = Run({"migrate", "--repair-invalid-indexes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming after statement 1"), std::string::npos) << r.err;
  EXPECT_EQ(Value("SELECT string_agg(step::text, ',' ORDER BY step) FROM log"), "1,3");
  EXPECT_EQ(Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'dup_v'::regclass"), "t");
  EXPECT_EQ(Value("SELECT kind || ' ' || statements_done FROM strata_migrations"), "applied 3");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

TEST_F(CliTest, IndexBuildReportsProgress) {
  ExecOrDie(url_, "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 400000) g");
  p_.Migration(Version(1) + "_idx.sql", "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY big_v ON big (v);\n");
  auto r = Run({"migrate"}, {{"STRATA_PROGRESS_DELAY_MS", "0"},
                             {"STRATA_PROGRESS_INTERVAL_MS", "10"},
                             {"STRATA_PROGRESS_EVERY_MS", "0"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(index [^\n]*: building index[^\n]* \d+%)"))) << r.err;
}

TEST_F(CliTest, ProtectedEnvironmentNeedsTheExactPlanHash) {
  p_.Write("strata.toml", "[environments.prod]\nurl_env = \"PROD_URL\"\nprotected = true\n");
  p_.Migration(Version(1) + "_one.sql", "CREATE TABLE a (id int);\n");
  std::map<std::string, std::string> env = {{"PROD_URL", url_}, {"CI", "true"}};
  auto r = p_.Run({"migrate", "--env", "prod"}, "", env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("CREATE TABLE a (id int);"), std::string::npos) << r.out;
  std::string hash = PlanHashOf(r.out);
  ASSERT_EQ(hash.size(), 16u) << r.out;
  EXPECT_NE(r.err.find("--approve " + hash), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("a"));
  EXPECT_FALSE(TableExists("strata_migrations"));
  r = p_.Run({"migrate", "--env", "prod", "--approve", "0123456789abcdef"}, "", env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not match"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("a"));
  // --plan shows the same hash for any target and changes nothing.
  auto plan = p_.Run({"migrate", "--plan"}, url_);
  EXPECT_EQ(plan.exit_code, 0);
  EXPECT_EQ(PlanHashOf(plan.out), hash);
  r = p_.Run({"migrate", "--env", "prod", "--approve", hash}, "", env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(TableExists("a"));
}

TEST_F(CliTest, RollbackIsManualOnlyAndRunsCompanionsNewestFirst) {
  p_.Migration(Version(1) + "_a.sql", "CREATE TABLE a (id int);\n");
  p_.Migration(Version(1) + "_a_rollback.sql", "DROP TABLE a;\n");
  p_.Migration(Version(2) + "_b.sql", "CREATE TABLE b (id int);\n");
  p_.Migration(Version(2) + "_b_rollback.sql", "DROP TABLE b;\n");
  p_.Migration(Version(3) + "_c.sql", "CREATE TABLE c (id int);\n");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  auto r = Run({"rollback", "--yes"}, {{"CI", "true"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("refused because CI is set"), std::string::npos) << r.err;
  EXPECT_TRUE(TableExists("c"));
  // c has no rollback file: stops before doing anything.
  r = Run({"rollback", "--count", "2", "--yes"}, {{"CI", ""}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no rollback file"), std::string::npos) << r.err;
  EXPECT_TRUE(TableExists("b"));
  p_.Migration(Version(3) + "_c_rollback.sql", "DROP TABLE c;\n");
  // No TTY and no --yes: refuses instead of hanging.
  r = Run({"rollback"}, {{"CI", ""}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("needs confirmation"), std::string::npos) << r.err;
  EXPECT_TRUE(TableExists("c"));
  r = Run({"rollback", "--to", Version(1) + "_a.sql", "--yes"}, {{"CI", ""}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DROP TABLE c;"), std::string::npos);
  EXPECT_LT(r.out.find(Version(3) + "_c_rollback.sql"), r.out.find(Version(2) + "_b_rollback.sql"));
  EXPECT_FALSE(TableExists("c"));
  EXPECT_FALSE(TableExists("b"));
  EXPECT_TRUE(TableExists("a"));
  EXPECT_EQ(HistoryRows(), 1);
  EXPECT_EQ(Run({"status"}).exit_code, 3);
}

TEST_F(CliTest, AdoptNodePgMigrateHistory) {
  ExecOrDie(url_,
            "CREATE SCHEMA kortix_migrations; CREATE TABLE kortix_migrations.pgmigrations "
            "(id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);"
            "CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (id int);"
            "INSERT INTO kortix_migrations.pgmigrations (name, run_on) VALUES "
            "('" + Version(1) + "_a', '2026-01-01 10:00'), ('" + Version(2) + "_b', '2026-01-02 10:00'), "
            "('" + Version(3) + "_c', '2026-01-03 10:00')");
  for (const char* s : {"a", "b", "c"}) {
    int n = s[0] - 'a' + 1;
    p_.Migration(Version(n) + "_" + s + ".sql", std::string("CREATE TABLE ") + s + " (id int);\n");
  }
  p_.Migration(Version(4) + "_d.sql", "CREATE TABLE d (id int);\n");
  auto r = Run({"adopt", "node-pg-migrate", "--table", "kortix_migrations.pgmigrations"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 matched, 0 already recorded, 0 unmatched, 1 pending"), std::string::npos) << r.out;
  EXPECT_EQ(Value("SELECT count(*) FROM strata_migrations WHERE kind = 'adopted'"), "3");
  EXPECT_EQ(Value("SELECT applied_at::date FROM strata_migrations ORDER BY name LIMIT 1"), "2026-01-01");
  EXPECT_EQ(Run({"status"}).exit_code, 3);  // d is still pending
  std::filesystem::remove(p_.Path("migrations/" + Version(4) + "_d.sql"));
  EXPECT_EQ(Run({"status"}).exit_code, 0);
  // Nothing was re-run: migrate has nothing to do.
  EXPECT_NE(Run({"migrate"}).out.find("nothing to migrate"), std::string::npos);
}

TEST_F(CliTest, AdoptRefusesToGuess) {
  ExecOrDie(url_,
            "CREATE TABLE pgmigrations (id serial, name text, run_on timestamp);"
            "INSERT INTO pgmigrations (name, run_on) VALUES ('" + Version(1) + "_a', now()), ('1700000000000_gone', now())");
  p_.Migration(Version(1) + "_a.sql", "SELECT 1;\n");
  auto r = Run({"adopt", "node-pg-migrate", "--table", "public.pgmigrations"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("unmatched 1700000000000_gone"), std::string::npos) << r.out;
  EXPECT_EQ(HistoryRows(), 0);
  r = Run({"adopt", "node-pg-migrate", "--table", "public.pgmigrations", "--allow-unmatched"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(HistoryRows(), 1);
}

TEST_F(CliTest, AdoptDrizzleMatchesByHashAndJournal) {
  p_.Write("strata.toml", "naming = \"sequence\"\n");
  std::string f0 = "CREATE TABLE users (id serial PRIMARY KEY);\n";
  std::string f1 = "ALTER TABLE users ADD COLUMN email text;--> statement-breakpoint\nSELECT 1;\n";
  p_.Migration("0000_init.sql", f0);
  p_.Migration("0001_email.sql", f1);
  p_.Migration("meta/_journal.json",
               R"({"version":"7","dialect":"postgresql","entries":[)"
               R"({"idx":0,"version":"7","when":1700000000000,"tag":"0000_init","breakpoints":true},)"
               R"({"idx":1,"version":"7","when":1700000001000,"tag":"0001_email","breakpoints":true}]})");
  ExecOrDie(url_, "CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations "
                  "(id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);"
                  "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('" +
                      Sha256::Hex(f0) + "', 1700000000000), ('" + Sha256::Hex(f1) + "', 1700000001000)");
  auto r = Run({"adopt", "drizzle"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 matched"), std::string::npos) << r.out;
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

TEST_F(CliTest, TransactionLockModeStillAppliesEachFileOnce) {
  p_.Migration(Version(0) + "_log.sql", "CREATE TABLE runs (file int);\n");
  for (int i = 1; i <= 10; ++i) {
    p_.Migration(Version(i) + "_m.sql", "INSERT INTO runs VALUES (" + std::to_string(i) + ");\n");
  }
  std::vector<std::future<ProcessResult>> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(std::async(std::launch::async, [this] {
      return p_.Run({"migrate", "--lock-mode", "transaction"}, url_);
    }));
  }
  for (auto& f : runs) {
    ProcessResult r = f.get();
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(Value("SELECT count(*) FROM runs"), "10");
  EXPECT_EQ(Value("SELECT count(DISTINCT file) FROM runs"), "10");
  EXPECT_EQ(HistoryRows(), 11);
}

}  // namespace
}  // namespace strata::testing
