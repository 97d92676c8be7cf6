// strata migrate / status / fake end to end against a real server.
#include <regex>
#include <thread>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

std::string Table(int n) {
  return "CREATE TABLE t" + std::to_string(n) + " (id bigint PRIMARY KEY, v text);\n"
         "CREATE INDEX t" + std::to_string(n) + "_v ON t" + std::to_string(n) + " (v);\n";
}

TEST_F(CliTest, MigrateThenStatusIsUpToDate) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_two.sql", Table(2));
  auto st = Run({"status"});
  EXPECT_EQ(st.exit_code, 3) << st.out << st.err;
  auto r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[1/2] " + Version(1) + "_one.sql"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[2/2]"), std::string::npos);
  EXPECT_TRUE(TableExists("t1"));
  EXPECT_TRUE(TableExists("t2"));
  EXPECT_EQ(HistoryRows(), 2);
  st = Run({"status"});
  EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
  EXPECT_NE(st.out.find("2 applied, 0 pending"), std::string::npos) << st.out;
  // A new file makes status exit 3, and a second migrate picks it up.
  p_.Migration(Version(3) + "_three.sql", Table(3));
  st = Run({"status"});
  EXPECT_EQ(st.exit_code, 3);
  EXPECT_NE(st.out.find("pending  " + Version(3) + "_three.sql"), std::string::npos) << st.out;
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(HistoryRows(), 3);
  r = Run({"migrate"});
  EXPECT_NE(r.out.find("nothing to migrate"), std::string::npos);
}

TEST_F(CliTest, StatusJsonIsValidAndComplete) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_two.sql", Table(2));
  ASSERT_EQ(Run({"migrate", "--count", "1"}).exit_code, 0);
  auto st = Run({"status", "--format", "json"});
  EXPECT_EQ(st.exit_code, 3);
  auto j = nlohmann::json::parse(st.out);
  EXPECT_EQ(j["applied"], 1);
  EXPECT_EQ(j["pending"], 1);
  EXPECT_EQ(j["migrations"][0]["state"], "applied");
  EXPECT_EQ(j["migrations"][1]["state"], "pending");
}

TEST_F(CliTest, SyntaxErrorInSecondFileAppliesNothing) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_two.sql", "-- header\nCREATE TABLE ok (id int);\nCREATE TABLEE broken (id int);\n");
  p_.Migration(Version(3) + "_three.sql", Table(3));
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Version(2) + "_two.sql:3:8: syntax error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CREATE TABLEE broken"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("       ^"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_FALSE(TableExists("ok"));
  EXPECT_EQ(HistoryRows(), 0);
}

// A pg_dump taken as a first migration starts with psql's \restrict line (pg_dump 17.6,
// 16.10, 15.14, ...): the server's parser is never asked about a line that starts with a
// backslash, so it used to pass the check and fail after the files before it ran.
TEST_F(CliTest, PsqlMetaCommandIsRefusedBeforeAnythingRuns) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_dump.sql",
               "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc123XYZ\n\nCREATE TABLE dumped (id int);\n\n"
               "\\unrestrict abc123XYZ\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Version(2) + "_dump.sql:5:1: syntax error at or near \"\\\" (SQLSTATE 42601)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(Version(2) + "_dump.sql:9:1: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is a psql meta-command (pg_dump writes \\restrict and \\unrestrict), not SQL"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("no transaction in progress"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_FALSE(TableExists("dumped"));
  EXPECT_EQ(HistoryRows(), 0);
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 1);
  EXPECT_NE(lint.out.find(Version(2) + "_dump.sql:5:1: error[syntax]"), std::string::npos) << lint.out;
  EXPECT_NE(lint.out.find("fix: a line starting with \\ is a psql meta-command"), std::string::npos) << lint.out;
}

TEST_F(CliTest, FailingMigrationLeavesHistoryAndSchemaUnchanged) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_two.sql",
               "CREATE TABLE half (id int);\nALTER TABLE no_such_table ADD COLUMN x int;\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Version(2) + "_two.sql:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no_such_table"), std::string::npos) << r.err;
  EXPECT_TRUE(TableExists("t1"));     // the first file committed on its own
  EXPECT_FALSE(TableExists("half"));  // the second rolled back whole
  EXPECT_EQ(HistoryRows(), 1);
  EXPECT_EQ(Run({"status"}).exit_code, 3);
}

TEST_F(CliTest, EditedAppliedFileIsReportedAndBlocksMigrate) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  p_.Migration(Version(1) + "_one.sql", Table(1) + "ALTER TABLE t1 ADD COLUMN sneaky int;\n");
  p_.Migration(Version(2) + "_two.sql", Table(2));
  auto st = Run({"status"});
  EXPECT_EQ(st.exit_code, 1);
  EXPECT_NE(st.out.find("edited   " + Version(1) + "_one.sql"), std::string::npos) << st.out;
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Version(1) + "_one.sql: edited after it was applied"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("t2"));
}

TEST_F(CliTest, MissingAppliedFileIsReported) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  std::filesystem::remove(p_.Path("migrations/" + Version(1) + "_one.sql"));
  auto st = Run({"status"});
  EXPECT_EQ(st.exit_code, 1);
  EXPECT_NE(st.out.find("missing  " + Version(1) + "_one.sql"), std::string::npos) << st.out;
  EXPECT_EQ(Run({"migrate"}).exit_code, 1);
}

TEST_F(CliTest, NoTransactionFileRunsConcurrentIndex) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_idx.sql",
               "-- Migration: index\n\n--   strata:no-transaction\n"
               "CREATE INDEX CONCURRENTLY t1_id_v ON t1 (id, v);\n");
  auto r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 't1_id_v'::regclass"), "t");
  EXPECT_EQ(Value("SELECT statements_done FROM strata_migrations WHERE name LIKE '%_idx.sql'"), "1");
}

TEST_F(CliTest, ConcurrentIndexWithoutDirectiveIsRejectedBeforeRunning) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_idx.sql", "CREATE INDEX CONCURRENTLY t1_x ON t1 (v);\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("_idx.sql:1:1: this statement cannot run inside a transaction"),
            std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("t1"));
}

TEST_F(CliTest, TransactionControlInFileIsRejected) {
  p_.Migration(Version(1) + "_one.sql", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("_one.sql:1:1: transaction control is not allowed"), std::string::npos) << r.err;
}

TEST_F(CliTest, FakeRecordsWithoutRunning) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  p_.Migration(Version(2) + "_two.sql", Table(2));
  auto r = Run({"fake", "--to", Version(1) + "_one.sql"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_EQ(Value("SELECT kind FROM strata_migrations"), "fake");
  EXPECT_EQ(HistoryRows(), 1);
  r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_TRUE(TableExists("t2"));
}

TEST_F(CliTest, CustomHistoryTableFromConfig) {
  p_.Write("strata.toml", "history_table = \"kortix_migrations.pgmigrations\"\n");
  p_.Migration(Version(1) + "_one.sql", Table(1));
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(HistoryRows("kortix_migrations.pgmigrations"), 1);
  EXPECT_FALSE(TableExists("public.strata_migrations"));
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

TEST_F(CliTest, OutOfOrderIsRefusedUnlessAllowed) {
  p_.Migration(Version(2) + "_two.sql", Table(2));
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  p_.Migration(Version(1) + "_one.sql", Table(1));
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--allow-out-of-order"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("t1"));
  r = Run({"migrate", "--allow-out-of-order"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(TableExists("t1"));
}

TEST_F(CliTest, ToAndCountLimitTheRun) {
  for (int i = 1; i <= 4; ++i) p_.Migration(Version(i) + "_m.sql", Table(i));
  ASSERT_EQ(Run({"migrate", "--count", "1"}).exit_code, 0);
  EXPECT_EQ(HistoryRows(), 1);
  ASSERT_EQ(Run({"migrate", "--to", Version(3)}).exit_code, 0);
  EXPECT_EQ(HistoryRows(), 3);
  EXPECT_FALSE(TableExists("t4"));
  EXPECT_EQ(Run({"migrate", "--to", "nope"}).exit_code, 2);
}

TEST_F(CliTest, DryRunPrintsSqlAndChangesNothing) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  auto r = Run({"migrate", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CREATE TABLE t1"), std::string::npos);
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_FALSE(TableExists("strata_migrations"));
}

TEST_F(CliTest, VerifyFalseRollsBackAndShowsQuery) {
  p_.Migration(Version(1) + "_one.sql",
               Table(1) + "-- strata:verify\nSELECT count(*) = 1 FROM t1;\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("verification failed: the query returned false"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SELECT count(*) = 1 FROM t1"), std::string::npos);
  EXPECT_FALSE(TableExists("t1"));
  EXPECT_EQ(HistoryRows(), 0);
  p_.Migration(Version(1) + "_one.sql",
               Table(1) + "-- strata:verify\nSELECT count(*) = 0 FROM t1;\nSELECT to_regclass('t1_v') IS NOT NULL;\n");
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(TableExists("t1"));
}

TEST_F(CliTest, FolderWithoutSumFileMigratesWithWarning) {
  p_.Migration(Version(1) + "_one.sql", Table(1));
  auto r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("strata hash"), std::string::npos) << r.err;
}

TEST_F(CliTest, SumMismatchBlocksUntilHash) {
  // In CI strata.sum must match as committed.
  p_.Migration(Version(1) + "_one.sql", Table(1));
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  p_.Migration(Version(1) + "_one.sql", Table(1) + "-- edited\n");
  auto r = Run({"migrate"}, {{"CI", "true"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("edited since strata.sum was written"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("t1"));
  ASSERT_EQ(Run({"hash"}).exit_code, 0);
  r = Run({"migrate"}, {{"CI", "true"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("strata hash"), std::string::npos) << r.err;
}

TEST_F(CliTest, CreateEditMigrateNeedsNoHashOnADevelopmentMachine) {
  // The README's flow: create, fill in the body, lint, migrate.
  ASSERT_EQ(Run({"create", "add_notes"}, {{"CI", ""}}).exit_code, 0);
  auto files = ListFiles(p_.Path("migrations"));
  std::string name;
  for (const auto& f : *files) {
    if (f.find("_add_notes.sql") != std::string::npos) name = f;
  }
  ASSERT_FALSE(name.empty());
  std::string body = p_.FillCreated("migrations/" + name, "CREATE TABLE notes (id bigint PRIMARY KEY);\n");
  auto lint = Run({"lint"}, {{"CI", ""}});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_NE(lint.err.find("strata.sum: re-hashed migrations/" + name +
                          " (not committed, not applied here: edited after `strata create`); commit strata.sum with it"),
            std::string::npos) << lint.err;
  auto m = Run({"migrate"}, {{"CI", ""}});
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  EXPECT_TRUE(TableExists("notes"));
  // Once applied, an edit is never settled quietly, even here.
  p_.Write("migrations/" + name, body + "-- later\n");
  auto again = Run({"migrate"}, {{"CI", ""}});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("edited since strata.sum was written"), std::string::npos) << again.err;
}

TEST_F(CliTest, CommittedFileEditIsNeverRehashed) {
  ASSERT_FALSE(FindInPath("git").empty()) << "git is missing: scripts/setup installs it";
  ASSERT_EQ(Run({"create", "one"}, {{"CI", ""}}).exit_code, 0);
  ProcessOptions o;
  o.cwd = p_.dir();
  o.set_env = {{"GIT_AUTHOR_NAME", "t"}, {"GIT_AUTHOR_EMAIL", "t@example.com"}, {"GIT_COMMITTER_NAME", "t"},
               {"GIT_COMMITTER_EMAIL", "t@example.com"}};
  ASSERT_EQ(RunProcess({"git", "init", "-q"}, o)->exit_code, 0);
  ASSERT_EQ(RunProcess({"git", "add", "-A"}, o)->exit_code, 0);
  ASSERT_EQ(RunProcess({"git", "commit", "-qm", "one"}, o)->exit_code, 0);
  auto files = ListFiles(p_.Path("migrations"));
  std::string name;
  for (const auto& f : *files) {
    if (f.find("_one.sql") != std::string::npos) name = f;
  }
  p_.Write("migrations/" + name, p_.Read("migrations/" + name) + "SELECT 1;\n");
  auto m = Run({"migrate"}, {{"CI", ""}});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.err.find("edited since strata.sum was written"), std::string::npos) << m.err;
}

TEST_F(CliTest, PasswordNeverPrinted) {
  auto r = p_.Run({"status"}, "postgresql://alice:s3cretpw@127.0.0.1:1/db");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("s3cretpw"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("alice:****@"), std::string::npos) << r.err;
}

TEST_F(CliTest, NoDatabaseIsAClearUsageError) {
  auto r = p_.Run({"status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("strata dev start"), std::string::npos) << r.err;
}

TEST_F(CliTest, LockTimeoutIsRetriedUntilTheLockIsFree) {
  ExecOrDie(url_, "CREATE TABLE busy (id int)");
  p_.Write("strata.toml", "lock_timeout = \"1s\"\n");  // default lock_retries = 3
  p_.Migration(Version(1) + "_alter.sql", "ALTER TABLE busy ADD COLUMN x int;\n");
  auto holder = Connection::Open(url_);
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE((*holder)->Exec("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE").ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    (*holder)->Exec("COMMIT");
  });
  auto r = Run({"migrate"});
  release.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("retry 1/3"), std::string::npos) << r.err;
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'x'"), "1");
}

}  // namespace
}  // namespace strata::testing
