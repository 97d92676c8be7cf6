// The version matrix: what a user does on each supported PostgreSQL major version. These
// tests run on whatever server the test run started (Debian's 15 in the full suite; 13,
// 16, 17 and 18 from the npm server packages in the strata_tests_pg<N> ctest entries),
// and use that version's own syntax where it has some.
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"
#include "conformance/roundtrip.h"
#include "sql/statement.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

class VersionTest : public CliTest {
 protected:
  int Major() const { return TestServer::Get().Major(); }
  std::string DevUrl() const { return TestServer::Get().AdminUrl(); }
  int Count(const std::string& dir) {
    auto files = ListFiles(p_.Path(dir));
    return files.ok() ? static_cast<int>(files->size()) : -1;
  }
};

TEST_F(VersionTest, SmallProjectMigratesWithAConcurrentIndex) {
  p_.Migration(Version(1) + "_users.sql",
               "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL,\n"
               "  created_at timestamptz NOT NULL DEFAULT now());\n");
  p_.Migration(Version(2) + "_users_email.sql",
               "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n");
  auto m = Run({"migrate"});
  EXPECT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find("2 migration(s) applied"), std::string::npos) << m.out;
  auto st = Run({"status"});
  EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
  EXPECT_EQ(Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass"), "t");
  EXPECT_EQ(HistoryRows(), 2);
}

// Pagila as published needs PostgreSQL 18 (VIRTUAL generated columns, uuidv7()) and
// pgvector; the corpus also has a copy for 15. On 18 the published file is used without
// its pgvector table; before 18, the copy.
std::string PagilaFor(int major) {
  std::string dir = std::string(STRATA_CORPUS_DIR) + "/real_world/pagila/";
  auto read = [](const std::string& path) {
    auto text = ReadFile(path);
    return text.ok() ? *text : std::string();
  };
  if (major < 18) return read(dir + "pagila-schema-pg15.sql");
  std::string text = read(dir + "pagila-schema.sql");
  std::string out;
  for (auto [begin, end] : SplitLeniently(text)) {
    std::string piece = text.substr(begin, end - begin);
    if (piece.find("film_embedding") != std::string::npos || piece.find("EXTENSION IF NOT EXISTS vector") != std::string::npos ||
        piece.find("EXTENSION vector") != std::string::npos) {
      continue;
    }
    out += piece + ";\n";
  }
  return out;
}

void Psql(const std::string& url, const std::string& file) {
  auto r = RunProcess({ClientBin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", file});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->exit_code, 0) << file << ": " << r->err;
}

TEST_F(VersionTest, PagilaInspectLoadsIntoAnEmptyDatabaseAndReadsBackIdentically) {
  p_.Write("pagila.sql", PagilaFor(Major()));
  Psql(url_, p_.Path("pagila.sql"));
  auto sql = Run({"inspect", "--format", "sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  p_.Write("inspected.sql", sql.out);
  std::string copy = TestServer::Get().NewDatabase("pagila_copy");
  Psql(copy, p_.Path("inspected.sql"));
  auto a = p_.Run({"inspect", "--format", "json", "--url", url_});
  auto b = p_.Run({"inspect", "--format", "json", "--url", copy});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(a.out == b.out) << "the two databases' inspect --format json differ on PostgreSQL " << Major();
  auto j = nlohmann::json::parse(a.out);
  EXPECT_GE(j["objects"]["tables"].size(), 70u);
  if (Major() >= 18) {
    // film.length_hours is VIRTUAL in the published file: it must read back as one.
    EXPECT_NE(sql.out.find("GENERATED ALWAYS AS (round(((length)::numeric / 60.0), 2)) VIRTUAL"), std::string::npos);
  }
  DropDatabase(copy);
}

// generate → migrate → check --db → generate again, with a shadow of the same version.
TEST_F(VersionTest, GenerateMigrateCheckWithTheVersionsOwnSchema) {
  p_.Migration(Version(1) + "_init.sql",
               "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n"
               "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric(10,2) NOT NULL);\n");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  std::string schema =
      "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,\n"
      "  email text, doc jsonb);\n"
      "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric(10,2) NOT NULL,\n"
      "  customer_id bigint REFERENCES customers (id), note text);\n"
      "CREATE INDEX orders_customer_idx ON orders (customer_id);\n";
  if (Major() >= 16) {
    schema += "CREATE VIEW order_limits AS SELECT 1_000_000 AS max_total, JSON_OBJECT('currency' VALUE 'EUR') AS meta,\n"
              "  '{}'::text IS JSON OBJECT AS valid;\n";
  }
  if (Major() >= 17) {
    schema += "CREATE VIEW customer_tags AS SELECT c.id, jt.tag FROM customers c,\n"
              "  JSON_TABLE(c.doc, '$.tags[*]' COLUMNS (tag text PATH '$')) AS jt;\n";
  }
  if (Major() >= 18) {
    schema += "CREATE TABLE items (id bigint PRIMARY KEY, price numeric NOT NULL,\n"
              "  qty bigint CONSTRAINT items_qty_required NOT NULL,\n"
              "  total numeric GENERATED ALWAYS AS (price * qty) VIRTUAL,\n"
              "  CONSTRAINT items_qty_positive CHECK (qty > 0) NOT ENFORCED);\n";
  }
  p_.Write("schema/app.sql", schema);
  auto g = Run({"generate", "--dev-url", DevUrl(), "grow"});
  ASSERT_EQ(g.exit_code, 0) << g.out << g.err;
  EXPECT_NE(g.out.find("proven"), std::string::npos) << g.out;
  auto m = Run({"migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  auto c = Run({"check", "--db", "--dev-url", DevUrl()});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("database: matches"), std::string::npos) << c.out;
  int files = Count("migrations");
  auto again = Run({"generate", "--dev-url", DevUrl(), "again"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("no changes"), std::string::npos) << again.out;
  EXPECT_EQ(Count("migrations"), files);
  if (Major() >= 16) {
    EXPECT_EQ(Value("SELECT max_total FROM order_limits"), "1000000");
  }
  if (Major() >= 17) {
    EXPECT_EQ(Value("SELECT count(*) FROM customer_tags"), "0");
  }
  if (Major() >= 18) {
    EXPECT_EQ(Value("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'total'"), "v");
    EXPECT_EQ(Value("SELECT conenforced FROM pg_constraint WHERE conname = 'items_qty_positive'"), "f");
    EXPECT_EQ(Value("SELECT count(*) FROM pg_constraint WHERE conname = 'items_qty_required' AND contype = 'n'"), "1");
  }
}

// Each version's own syntax, hand-written: lint does not refuse it, migrate applies it.
TEST_F(VersionTest, HandWrittenMigrationInTheVersionsOwnSyntaxApplies) {
  p_.Migration(Version(1) + "_items.sql",
               "CREATE TABLE items (id bigint PRIMARY KEY, price numeric NOT NULL, qty bigint NOT NULL,\n"
               "  total numeric GENERATED ALWAYS AS (price * qty) STORED);\n");
  std::string own;
  std::string check;  // a query that is true once it ran
  if (Major() >= 16) {
    own += "INSERT INTO items (id, price, qty) VALUES (1_000, 2, 3);\n"
           "SELECT JSON_OBJECT('id' VALUE 1) IS JSON;\n"
           "SELECT 1_000 AS n INTO numbers;\n";  // PL/pgSQL would read this INTO as its own
    check = "SELECT count(*) = 1 FROM items WHERE id = 1000";
  }
  if (Major() >= 17) {
    own += "ALTER TABLE items ALTER COLUMN total SET EXPRESSION AS (price * qty * 2);\n";
    check = "SELECT total = 12 FROM items WHERE id = 1000";
  }
  if (Major() >= 18) {
    own += "ALTER TABLE items ADD COLUMN net numeric GENERATED ALWAYS AS (price * qty * 0.5) VIRTUAL;\n"
           "ALTER TABLE items ADD CONSTRAINT items_qty_positive CHECK (qty > 0) NOT ENFORCED;\n";
    check = "SELECT net = 3 AND total = 12 FROM items WHERE id = 1000";
  }
  if (own.empty()) {
    own = "INSERT INTO items (id, price, qty) VALUES (1000, 2, 3);\n";  // 13-15 add nothing newer than the parser
    check = "SELECT total = 6 FROM items WHERE id = 1000";
  }
  p_.Migration(Version(2) + "_own_syntax.sql", own);
  auto lint = Run({"lint", "--pg-version", std::to_string(Major())});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  if (Major() >= 16) {
    EXPECT_NE(lint.out.find("warning[not-linted] not linted: strata's bundled parser (PostgreSQL 15 grammar)"),
              std::string::npos) << lint.out;
  }
  auto m = Run({"migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(Value(check), "t");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

// A mistake that the bundled parser and the server both reject stops migrate before it
// touches anything, with the server's version in the message.
TEST_F(VersionTest, SyntaxErrorIsCheckedByTheServerBeforeAnythingRuns) {
  p_.Migration(Version(1) + "_one.sql", "CREATE TABLE one (id bigint);\n");
  p_.Migration(Version(2) + "_two.sql", "SELECT 1;\nALTER TABLE one ALTER COLUMN id SET EXPRESION AS (1);\n");
  auto m = Run({"migrate"});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.err.find(Version(2) + "_two.sql:2:37: syntax error at or near \"EXPRESION\" (SQLSTATE 42601): "
                       "rejected by the target server (PostgreSQL " + std::to_string(Major()) +
                       ") and by strata's bundled parser (PostgreSQL 15 grammar)"),
            std::string::npos) << m.err;
  EXPECT_FALSE(TableExists("one"));
  EXPECT_EQ(HistoryRows(), 0);
}

// Syntax newer than the target (MERGE is 15's) that the bundled parser reads is checked by
// the target server too: on 13 and 14 migrate refuses before it touches anything (it used
// to apply the first file, then fail on the second); on 15 and later the file runs.
TEST_F(VersionTest, SyntaxNewerThanTheTargetIsRefusedBeforeAnythingRuns) {
  p_.Migration(Version(1) + "_one.sql", "CREATE TABLE one (id bigint);\n");
  p_.Migration(Version(2) + "_two.sql",
               "CREATE TABLE two (id bigint);\nMERGE INTO two USING one ON one.id = two.id\n"
               "  WHEN NOT MATCHED THEN INSERT VALUES (one.id);\n");
  auto m = Run({"migrate"});
  if (Major() >= 15) {
    EXPECT_EQ(m.exit_code, 0) << m.err;
    EXPECT_EQ(HistoryRows(), 2);
    return;
  }
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.err.find(Version(2) + "_two.sql:2:1: syntax error at or near \"MERGE\" (SQLSTATE 42601): "
                       "rejected by the target server (PostgreSQL " + std::to_string(Major()) +
                       "), whose grammar is older than that of strata's bundled parser (PostgreSQL 15 grammar)"),
            std::string::npos) << m.err;
  EXPECT_EQ(m.err.find("no transaction in progress"), std::string::npos) << m.err;
  EXPECT_FALSE(TableExists("one"));
  EXPECT_EQ(HistoryRows(), 0);
}

// lint --db: a table that was never analyzed is not taken for an empty one.
TEST_F(VersionTest, LintDbSeesRowsOfAnUnanalyzedTable) {
  ExecOrDie(url_, "CREATE TABLE big (id bigint, v text) WITH (autovacuum_enabled = false);"
                  "INSERT INTO big SELECT g, 'x' FROM generate_series(1, 200000) g");
  ASSERT_EQ(Value("SELECT reltuples <= 0 FROM pg_class WHERE oid = 'big'::regclass"), "t");
  p_.Migration(Version(1) + "_idx.sql", "CREATE INDEX big_v ON big (v);\n");
  auto r = Run({"lint", "--db", url_});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("require-concurrent-index-creation"), std::string::npos) << r.out;
  ExecOrDie(url_, "CREATE TABLE small (id bigint)");
  p_.Migration(Version(1) + "_idx.sql", "CREATE INDEX small_id ON small (id);\n");
  r = Run({"lint", "--db", url_});
  EXPECT_EQ(r.out.find("require-concurrent-index-creation"), std::string::npos) << r.out;
}

// The dev database and its shadows run the project's version; an older --dev-url is refused.
TEST_F(VersionTest, DevDatabaseRunsTheProjectsVersion) {
  p_.Write("strata.toml", "[dev]\npostgres = \"" + std::to_string(Major()) + "\"\n");
  auto s = Run({"dev", "start", "--format", "json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(nlohmann::json::parse(s.out)["postgres"], Major());
  auto u = Run({"dev", "url"});
  ASSERT_EQ(u.exit_code, 0);
  std::string dev = std::string(Trim(u.out));
  EXPECT_EQ(QueryValue(dev, "SELECT current_setting('server_version_num')::int / 10000"), std::to_string(Major()));
  if (Major() < 18) {
    p_.Write("strata.toml", "[dev]\npostgres = \"" + std::to_string(Major() + 1) + "\"\n");
    p_.Write("schema/a.sql", "CREATE TABLE a (id bigint);\n");
    auto g = Run({"generate", "--dev-url", DevUrl(), "a"});
    EXPECT_EQ(g.exit_code, 1);
    EXPECT_NE(g.err.find("the --dev-url server runs PostgreSQL " + std::to_string(Major()) +
                         ", older than the target's PostgreSQL " + std::to_string(Major() + 1)),
              std::string::npos) << g.err;
  }
}

// A shadow left by a killed run is dropped by the next run; dev reset says what it drops.
TEST_F(VersionTest, LeftoverShadowsOfDeadRunsAreDropped) {
  std::string admin = DevUrl();
  // pid 999999 above pid_max on Linux: never a live process.
  ExecOrDie(admin, "CREATE DATABASE strata_shadow_999999_1_1");
  p_.Write("schema/a.sql", "CREATE TABLE a (id bigint);\n");
  auto g = Run({"generate", "--dev-url", admin, "a"});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(QueryValue(admin, "SELECT count(*) FROM pg_database WHERE datname = 'strata_shadow_999999_1_1'"), "0");
  // Its own shadows' DROP DATABASE finishes after it exits.
  EXPECT_EQ(EventualValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_shadow\\_%'", "0"), "0");
}

TEST_F(VersionTest, DevResetListsWhatItDrops) {
  ASSERT_EQ(Run({"dev", "start"}).exit_code, 0);
  auto u = Run({"dev", "url", "--database", "postgres"});
  std::string admin = std::string(Trim(u.out));
  ExecOrDie(admin, "CREATE DATABASE strata_replay_deadbeef");
  ExecOrDie(admin, "CREATE DATABASE strata_shadow_999999_2_2");
  auto r = Run({"dev", "reset", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dropped strata_replay_deadbeef\ndropped strata_shadow_999999_2_2\n"), std::string::npos) << r.out;
  EXPECT_EQ(QueryValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_%'"), "0");
}

}  // namespace
}  // namespace strata::testing
