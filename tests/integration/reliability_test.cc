// What a user reads when things go wrong (issue 12): PostgreSQL's own error in text and
// JSON, input refused before anything runs, session state that stays in its file, lock
// waits that say who holds the lock, masked secrets, and no crash on hostile input.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "config/config.h"
#include "integration/cli_fixture.h"
#include "migrate/history.h"

namespace strata::testing {
namespace {

int Count(const std::string& url, const std::string& sql) { return std::stoi(QueryValue(url, sql)); }

TEST_F(CliTest, FailingStatementShowsServerMessageAndSqlstate) {
  p_.Migration(Version(1) + "_ok.sql", "CREATE TABLE a (x int);\n");
  p_.Migration(Version(2) + "_bad.sql", "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1/0);\n");
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("migrations/" + Version(2) + "_bad.sql:2:1: division by zero (SQLSTATE 22012)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("INSERT INTO a VALUES (1/0);"), std::string::npos) << r.err;
  // The failed file left nothing: the first file is applied, the second is not.
  EXPECT_EQ(Count(url_, "SELECT count(*) FROM a"), 0);
  EXPECT_EQ(HistoryRows(), 1);

  auto j = Run({"migrate", "--format", "json"});
  EXPECT_EQ(j.exit_code, 1);
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["error"]["sqlstate"], "22012");
  EXPECT_EQ(doc["error"]["message"], "division by zero");
  EXPECT_EQ(doc["error"]["line"], 2);
  EXPECT_EQ(doc["error"]["file"], "migrations/" + Version(2) + "_bad.sql");
}

TEST_F(CliTest, ErrorShowsDetailHintAndPosition) {
  p_.Migration(Version(1) + "_t.sql",
               "CREATE TABLE u (id int PRIMARY KEY);\nINSERT INTO u VALUES (1), (1);\n");
  p_.Migration(Version(2) + "_typo.sql", "SELECT nosuchcolumn\n  FROM pg_class;\n");
  auto r = Run({"migrate", "--count", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("duplicate key value violates unique constraint \"u_pkey\" (SQLSTATE 23505)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("detail: Key (id)=(1) already exists."), std::string::npos) << r.err;
  // A no-transaction file reports the position inside its statement.
  p_.Migration(Version(1) + "_t.sql", "-- strata:no-transaction\nSELECT 1;\nSELECT nosuchcolumn\n  FROM pg_class;\n");
  r = Run({"migrate", "--count", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(Version(1) + "_t.sql:3:8: column \"nosuchcolumn\" does not exist (SQLSTATE 42703)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("note: statements 1-1 of this no-transaction file are applied and recorded"),
            std::string::npos) << r.err;
}

TEST_F(CliTest, SetInNoTransactionFileDoesNotReachTheNextFile) {
  ExecOrDie(url_, "CREATE SCHEMA other");
  p_.Migration(Version(1) + "_set.sql",
               "-- strata:no-transaction\nSET search_path = other;\nSET ROLE postgres;\nCREATE TABLE in_other (x int);\n");
  p_.Migration(Version(2) + "_next.sql", "CREATE TABLE in_public (x int);\n");
  auto r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Value("SELECT to_regclass('other.in_other') IS NOT NULL"), "t");
  EXPECT_EQ(Value("SELECT to_regclass('public.in_public') IS NOT NULL"), "t");
  EXPECT_EQ(Value("SELECT to_regclass('other.in_public') IS NULL"), "t");
}

// Each of these is refused, with file:line:col, by lint and by migrate, and migrate applies
// nothing (not even the good file before it).
struct BadInput {
  const char* what;
  std::string content;
  const char* message;
  int line;
};

TEST_F(CliTest, InputThatCannotRunAsWrittenIsRefusedBeforeAnything) {
  std::vector<BadInput> cases = {
      {"nul", std::string("CREATE TABLE n (x int);\nSELECT 1;\0DROP TABLE n;\n", 46), "NUL byte in the file", 2},
      {"utf8", "CREATE TABLE u (x text);\nINSERT INTO u VALUES ('caf\xE9');\n", "not valid UTF-8", 2},
      {"verify_commit", "CREATE TABLE v (x int);\n-- strata:verify\nCOMMIT;\nSELECT true;\n",
       "transaction control is not allowed in the verify section", 3},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempProject p;
    std::string url = TestServer::Get().NewDatabase("bad");
    p.Migration(Version(1) + "_good.sql", "CREATE TABLE good (x int);\n");
    p.Migration(Version(2) + "_bad.sql", c.content);
    std::string where = "migrations/" + Version(2) + "_bad.sql:" + std::to_string(c.line) + ":";
    auto lint = p.Run({"lint", "--no-color"});
    EXPECT_EQ(lint.exit_code, 1) << lint.out << lint.err;
    EXPECT_NE(lint.out.find(where), std::string::npos) << lint.out;
    EXPECT_NE(lint.out.find(c.message), std::string::npos) << lint.out;
    auto r = p.Run({"migrate"}, url);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.err.find(where), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(QueryValue(url, "SELECT to_regclass('good') IS NULL"), "t");
    EXPECT_EQ(QueryValue(url, "SELECT to_regclass('public.strata_migrations') IS NULL"), "t");
  }
}

TEST_F(CliTest, SymlinkOutsideTheProjectIsNeverRead) {
  p_.Migration(Version(1) + "_good.sql", "CREATE TABLE good (x int);\n");
  std::filesystem::create_symlink("/proc/self/environ", p_.Path("migrations/" + Version(2) + "_env.sql"));
  std::filesystem::create_symlink(p_.Path("nowhere.sql"), p_.Path("migrations/" + Version(3) + "_dangling.sql"));
  std::filesystem::create_directories(p_.Path("migrations/" + Version(4) + "_dir.sql"));
  std::map<std::string, std::string> env = {{"STRATA_TEST_SECRET", "hunter2-do-not-print"}};
  auto lint = p_.Run({"lint"}, "", env);
  EXPECT_EQ(lint.exit_code, 1);
  std::string all = lint.out + lint.err;
  EXPECT_EQ(all.find("hunter2-do-not-print"), std::string::npos) << all;
  EXPECT_NE(all.find("symbolic link to a file outside the project folder"), std::string::npos) << all;
  EXPECT_NE(all.find("symbolic link whose target does not exist"), std::string::npos) << all;
  EXPECT_NE(all.find("a directory named like a migration"), std::string::npos) << all;
  auto r = Run({"migrate"}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ((r.out + r.err).find("hunter2-do-not-print"), std::string::npos);
  EXPECT_FALSE(TableExists("good"));
  // Named on the command line it is refused too.
  auto named = p_.Run({"lint", "migrations/" + Version(2) + "_env.sql"}, "", env);
  EXPECT_EQ(named.exit_code, 1);
  EXPECT_EQ((named.out + named.err).find("hunter2-do-not-print"), std::string::npos);
  // A symlink inside the project is fine.
  std::filesystem::remove(p_.Path("migrations/" + Version(2) + "_env.sql"));
  std::filesystem::remove(p_.Path("migrations/" + Version(3) + "_dangling.sql"));
  std::filesystem::remove(p_.Path("migrations/" + Version(4) + "_dir.sql"));
  p_.Write("shared/t.sql", "CREATE TABLE linked (x int);\n");
  std::filesystem::create_symlink(p_.Path("shared/t.sql"), p_.Path("migrations/" + Version(2) + "_linked.sql"));
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(TableExists("linked"));
}

TEST_F(CliTest, ByteOrderMarkIsStrippedWithANote) {
  p_.Migration(Version(1) + "_bom.sql", "\xEF\xBB\xBF" "CREATE TABLE bom (x int);\n");
  auto r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("ignoring the UTF-8 byte order mark"), std::string::npos) << r.err;
  EXPECT_TRUE(TableExists("bom"));
}

TEST_F(CliTest, NameWithASpaceIsRefusedEverywhere) {
  p_.Migration(Version(1) + "_a b.sql", "SELECT 1;\n");
  auto hash = Run({"hash"});
  EXPECT_EQ(hash.exit_code, 1);
  EXPECT_NE(hash.err.find("contains a space or a control character"), std::string::npos) << hash.err;
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 1);
  EXPECT_NE(lint.out.find("contains a space or a control character"), std::string::npos) << lint.out;
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("contains a space or a control character"), std::string::npos) << r.err;
  // create never writes such a name: it turns the space into '_'.
  auto create = Run({"create", "a b"});
  EXPECT_EQ(create.exit_code, 0) << create.err;
  bool underscored = false;
  for (const auto& e : std::filesystem::directory_iterator(p_.Path("migrations"))) {
    underscored = underscored || e.path().filename().string().find("_a_b.sql") != std::string::npos;
  }
  EXPECT_TRUE(underscored);
}

TEST_F(CliTest, HostileInputsNeverCrash) {
  // A 100,000-character directive argument.
  p_.Migration(Version(1) + "_long.sql", "-- strata:lock-timeout " + std::string(100000, '1') + "\nSELECT 1;\n");
  auto r = Run({"lint"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("needs a duration"), std::string::npos);
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  std::filesystem::remove(p_.Path("migrations/" + Version(1) + "_long.sql"));
  // A 50,000-character password-like token in a URL.
  std::string token(50000, 'x');
  r = p_.Run({"status"}, "postgresql://u:" + token + "@127.0.0.1:1/db");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find(token.substr(0, 100)), std::string::npos);
  // A sequence number past 2^64.
  p_.Write("strata.toml", "naming = \"sequence\"\n");
  p_.Migration("99999999999999999999999_big.sql", "SELECT 1;\n");
  r = Run({"create", "next"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(p_.Path("migrations/100000000000000000000000_next.sql")));
  // A NULL statements_done in the history table.
  std::filesystem::remove_all(p_.Path("migrations"));
  std::filesystem::remove(p_.Path("strata.toml"));
  p_.Migration(Version(1) + "_one.sql", "CREATE TABLE one (x int);\n");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "ALTER TABLE strata_migrations ALTER statements_done DROP NOT NULL; "
                  "UPDATE strata_migrations SET statements_done = NULL, duration_ms = NULL");
  r = Run({"status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The adversarial lint inputs finish (linear time: see bench/hostile) with a clear error.
  p_.Migration(Version(2) + "_comments.sql", "SELECT 1;\n" + [] {
    std::string s;
    for (int i = 0; i < 40000; ++i) s += "/*";
    return s;
  }());
  std::string verify = "SELECT 1;\n";
  for (int i = 0; i < 40000; ++i) verify += "-- strata:verify\n";
  p_.Migration(Version(3) + "_verify.sql", verify);
  r = Run({"lint", "--no-color"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(Version(2) + "_comments.sql:2:1"), std::string::npos) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("unterminated /* comment"), std::string::npos);
  EXPECT_NE(r.out.find(Version(3) + "_verify.sql:3:1"), std::string::npos);
  EXPECT_NE(r.out.find("a second strata:verify line"), std::string::npos);
}

TEST_F(CliTest, ConfigurationIsValidatedOnLoad) {
  p_.Write("strata.toml", "naming = \"timestamp\"\nlock_timeout = \"soon\"\n");
  auto r = Run({"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("strata.toml:2:16: lock_timeout must be a duration"), std::string::npos) << r.err;
  p_.Write("strata.toml", "lock_retries = 99999999999\n");
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("strata.toml:1:16: lock_retries must be a whole number from 0 to 100"), std::string::npos) << r.err;
  p_.Write("strata.toml", "statement_timeout = \"30 days\"\n");
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("strata.toml:1:21: statement_timeout must be a duration"), std::string::npos) << r.err;
}

TEST_F(CliTest, PasswordsAreMaskedInEverySpelling) {
  for (std::string url : {"POSTGRES://alice:Sup3rSecret@127.0.0.1:1/db",
                          "Postgresql://alice:Sup3rSecret@127.0.0.1:1/db",
                          "postgresql://alice:Sup3r%20Secret@127.0.0.1:1/db",
                          "postgresql://alice:Sup3r Secret@127.0.0.1:1/db",
                          "host=127.0.0.1 port=1 password=Sup3rSecret dbname=x",
                          "host=127.0.0.1 port=1 password='Sup3r Secret' dbname=x",
                          "postgresql://127.0.0.1:1/db?user=alice&password=Sup3rSecret"}) {
    SCOPED_TRACE(url);
    auto r = p_.Run({"status", "--format", "json"}, url);
    EXPECT_EQ(r.exit_code, 1);
    std::string all = r.out + r.err;
    EXPECT_EQ(all.find("Sup3r"), std::string::npos) << all;
    EXPECT_EQ(all.find("Secret"), std::string::npos) << all;
  }
  auto r = p_.Run({"status"}, "postgresql://alice@127.0.0.1:1/db", {{"PGPASSWORD", "Sup3rSecretEnv"}});
  EXPECT_EQ((r.out + r.err).find("Sup3rSecretEnv"), std::string::npos);
}

TEST_F(CliTest, RunnerWaitingOnTheLockSaysWhoHoldsItAndGivesUp) {
  p_.Migration(Version(1) + "_t.sql", "CREATE TABLE t (x int);\n");
  auto holder = Connection::Open(url_, "deploy-bot holding the lock");
  ASSERT_TRUE(holder.ok());
  int64_t key = MigrationLock::KeyFor({"public", "strata_migrations"});
  ASSERT_TRUE((*holder)->Exec("SELECT pg_advisory_lock(" + std::to_string(key) + ")").ok());
  auto start = std::chrono::steady_clock::now();
  auto r = Run({"migrate", "--lock-wait", "2s"});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_LT(secs, 30);
  EXPECT_NE(r.err.find("waiting for the migration lock, held by pid " + std::to_string((*holder)->backend_pid()) +
                       ", application_name 'deploy-bot holding the lock', from 127.0.0.1"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gave up waiting for the migration lock after 2 s"), std::string::npos) << r.err;
  EXPECT_FALSE(TableExists("t"));
  holder->reset();
  r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliTest, TransactionLockModeKeepsFileOrder) {
  p_.Migration(Version(1) + "_a.sql", "CREATE TABLE a (x int);\n");
  p_.Migration(Version(2) + "_slow.sql", "-- strata:no-transaction\nSELECT pg_sleep(2);\nINSERT INTO a VALUES (1);\n");
  // Fails unless the slow file is recorded as applied before it runs.
  p_.Migration(Version(3) + "_after.sql",
               "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM strata_migrations WHERE name = '" + Version(2) +
                   "_slow.sql' AND kind = 'applied') THEN RAISE EXCEPTION 'applied before the slow file'; "
                   "END IF; END $$;\nINSERT INTO a VALUES (2);\n");
  ProcessResult first, second;
  std::thread t1([&] { first = Run({"migrate", "--lock-mode", "transaction"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  std::thread t2([&] { second = Run({"migrate", "--lock-mode", "transaction"}); });
  t1.join();
  t2.join();
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("waiting for run 'strata migrate "), std::string::npos) << second.err;
  EXPECT_EQ(Count(url_, "SELECT count(*) FROM a"), 2);
  EXPECT_EQ(HistoryRows(), 3);
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

TEST_F(CliTest, InDoubtStatementBlocksLaterFilesUntilSettled) {
  p_.Migration(Version(1) + "_base.sql", "CREATE TABLE p1 (x int);\nINSERT INTO p1 VALUES (0);\n");
  p_.Migration(Version(2) + "_nt.sql", "-- strata:no-transaction\nSELECT 1;\nUPDATE p1 SET x = x + 1;\n");
  p_.Migration(Version(3) + "_later.sql", "CREATE TABLE later (x int);\n");
  ASSERT_EQ(Run({"migrate", "--count", "1"}).exit_code, 0);
  // A crash left statement 2 in doubt (sent, never recorded as done), owned by a run
  // that is gone; it had in fact completed.
  ExecOrDie(url_, "UPDATE p1 SET x = 1; INSERT INTO strata_migrations (name, checksum, kind, "
                  "statements_done, statement_started, runner) VALUES ('" + Version(2) +
                  "_nt.sql', '', 'partial', 1, 2, 'strata migrate deadbeef')");
  for (const char* mode : {"transaction", "session"}) {
    SCOPED_TRACE(mode);
    auto r = Run({"migrate", "--lock-mode", mode});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(Version(2) + "_nt.sql:3:1: statement 2 of this no-transaction file was running"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find("strata migrate --settle done"), std::string::npos) << r.err;
    EXPECT_FALSE(TableExists("later"));
  }
  EXPECT_NE(Run({"status"}).exit_code, 0);
  // The operator checked: the UPDATE had completed.
  auto r = Run({"migrate", "--settle", "done"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Value("SELECT x FROM p1"), "1");  // not incremented a second time
  EXPECT_TRUE(TableExists("later"));
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

// An in-doubt ALTER TABLE ... ADD CONSTRAINT <name> (the NOT VALID check of a generated
// NOT NULL backfill) settles from pg_constraint: it exists exactly when the statement
// committed. Completed: recorded as done, not run twice (which would fail: it exists).
// Not completed: it runs again.
TEST_F(CliTest, InDoubtAddConstraintSettlesFromTheCatalog) {
  p_.Migration(Version(1) + "_base.sql", "CREATE TABLE a (x int);\nCREATE TABLE b (x int);\n");
  p_.Migration(Version(2) + "_nn.sql", "-- strata:no-transaction\n"
                                       "ALTER TABLE a ADD CONSTRAINT a_x_nn CHECK (x IS NOT NULL) NOT VALID;\n"
                                       "ALTER TABLE b ADD CONSTRAINT b_x_nn CHECK (x IS NOT NULL) NOT VALID;\n"
                                       "ALTER TABLE a VALIDATE CONSTRAINT a_x_nn;\n");
  ASSERT_EQ(Run({"migrate", "--count", "1"}).exit_code, 0);
  // Killed while statement 1 ran; it had completed.
  ExecOrDie(url_, "ALTER TABLE a ADD CONSTRAINT a_x_nn CHECK (x IS NOT NULL) NOT VALID; "
                  "INSERT INTO strata_migrations (name, checksum, kind, statements_done, statement_started, runner) "
                  "VALUES ('" + Version(2) + "_nn.sql', '', 'partial', 0, 1, 'strata migrate deadbeef')");
  auto r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("statement 1 had completed: constraint a_x_nn exists"), std::string::npos) << r.err;
  EXPECT_EQ(Value("SELECT string_agg(conname || ':' || convalidated, ',' ORDER BY conname) FROM pg_constraint "
                  "WHERE conname IN ('a_x_nn', 'b_x_nn')"),
            "a_x_nn:true,b_x_nn:false");
  // Killed while statement 2 waited for its lock: it had not completed.
  ExecOrDie(url_, "ALTER TABLE b DROP CONSTRAINT b_x_nn; UPDATE strata_migrations SET kind = 'partial', "
                  "statements_done = 1, statement_started = 2, runner = 'strata migrate deadbeef' "
                  "WHERE name = '" + Version(2) + "_nn.sql'");
  r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("statement 2 had not completed (constraint b_x_nn does not exist); it runs again"),
            std::string::npos) << r.err;
  EXPECT_EQ(Value("SELECT count(*) FROM pg_constraint WHERE conname = 'b_x_nn'"), "1");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

TEST_F(CliTest, KilledDuringFirstStatementResumesInsteadOfDuplicatingTheRow) {
  p_.Migration(Version(1) + "_base.sql", "CREATE TABLE big AS SELECT g AS id FROM generate_series(1, 1000) g;\n");
  p_.Migration(Version(2) + "_idx.sql", "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY big_id ON big (id);\n");
  ASSERT_EQ(Run({"migrate", "--count", "1"}).exit_code, 0);
  // The state a kill during statement 1 leaves: a partial row with 0 done, statement 1
  // in doubt, and the INVALID index of the interrupted build.
  ExecOrDie(url_, "INSERT INTO strata_migrations (name, checksum, kind, statements_done, statement_started, runner) "
                  "VALUES ('" + Version(2) + "_idx.sql', '', 'partial', 0, 1, 'strata migrate deadbeef'); "
                  "CREATE INDEX big_id ON big (id); UPDATE pg_index SET indisvalid = false "
                  "WHERE indexrelid = 'big_id'::regclass");
  auto st = Run({"status"});
  EXPECT_EQ(st.exit_code, 3) << st.out;
  auto r = Run({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dropped the INVALID index big_id its interrupted build left"), std::string::npos) << r.err;
  EXPECT_EQ(Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_id'::regclass"), "t");
  EXPECT_EQ(Value("SELECT kind || statements_done FROM strata_migrations WHERE name LIKE '%_idx.sql'"), "applied1");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

// A kill during a partitioned table's index build, partition by partition: the parent's
// index exists ON ONLY, one partition's is built and attached, another's build was
// killed (INVALID). The next migrate continues: it keeps what is done, drops the INVALID
// leftover, builds and attaches the rest, and the parent's index ends valid.
TEST_F(CliTest, KilledDuringAPartitionedIndexBuildContinues) {
  p_.Migration(Version(1) + "_base.sql",
               "CREATE TABLE ev (id int, at date NOT NULL) PARTITION BY RANGE (at);\n"
               "CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2026-06-01');\n"
               "CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2026-06-01') TO ('2027-01-01');\n"
               "CREATE TABLE ev_c PARTITION OF ev FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');\n");
  p_.Migration(Version(2) + "_idx.sql", "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY ev_id ON ev (id);\n");
  ASSERT_EQ(Run({"migrate", "--count", "1"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO strata_migrations (name, checksum, kind, statements_done, statement_started, runner) "
                  "VALUES ('" + Version(2) + "_idx.sql', '', 'partial', 0, 1, 'strata migrate deadbeef'); "
                  "CREATE INDEX ev_id ON ONLY ev (id); CREATE INDEX ev_a_id_idx ON ev_a (id); "
                  "ALTER INDEX ev_id ATTACH PARTITION ev_a_id_idx; CREATE INDEX ev_b_id_idx ON ev_b (id); "
                  "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ev_b_id_idx'::regclass");
  EXPECT_EQ(Run({"status"}).exit_code, 3);
  auto r = Run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("continues: building a partitioned table's index partition by partition"), std::string::npos)
      << r.err;
  EXPECT_EQ(Value("SELECT string_agg(c.relname || ':' || i.indisvalid || ':' || "
                  "(SELECT count(*) FROM pg_inherits h WHERE h.inhrelid = i.indexrelid), ' ' ORDER BY c.relname) "
                  "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'ev%'"),
            "ev_a_id_idx:true:1 ev_b_id_idx:true:1 ev_c_id_idx:true:1 ev_id:true:0");
  EXPECT_EQ(Value("SELECT kind || statements_done FROM strata_migrations WHERE name LIKE '%_idx.sql'"), "applied1");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

TEST_F(CliTest, LintFixKeepsTheQuotesTheNameNeeds) {
  p_.Migration(Version(1) + "_drop.sql", "DROP INDEX \"Action_tenantId_idx\";\nDROP INDEX public.plain_idx;\n");
  auto r = Run({"lint", "--no-color"});
  EXPECT_NE(r.out.find("fix: DROP INDEX CONCURRENTLY IF EXISTS \"Action_tenantId_idx\"; in a file"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fix: DROP INDEX CONCURRENTLY IF EXISTS public.plain_idx; in a file"), std::string::npos)
      << r.out;
}

TEST_F(CliTest, ExampleShopRollsBackToItsFirstMigration) {
  std::filesystem::copy(std::string(STRATA_SOURCE_DIR) + "/examples/shop", p_.Path("shop"),
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(p_.Path("shop/.strata"));
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--config", p_.Path("shop/strata.toml")});
    return Run(args, {{"CI", ""}});  // rollback is refused in CI: this is the operator's run
  };
  auto r = run({"migrate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({"rollback", "--to", "20261101090000000_create_customers.sql", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(HistoryRows("shop_meta.strata_migrations"), 1);
  EXPECT_FALSE(TableExists("orders"));
  EXPECT_TRUE(TableExists("customers"));
}

}  // namespace
}  // namespace strata::testing
