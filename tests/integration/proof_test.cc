// generate's proof on a cached replay runs in a transaction that is rolled back. Two things
// make that sound, and are checked here: a statement that refuses a transaction block has
// an in-transaction form that leaves exactly the catalog the real statement leaves; and
// whatever cannot be run that way is handed back (nullopt), never proven wrongly.
#include <optional>

#include "catalog/catalog.h"
#include "diff/diff.h"
#include "generate/proof.h"
#include "integration/cli_fixture.h"
#include "introspect/introspect.h"
#include "pg/session.h"
#include "sql/statement.h"

namespace strata::testing {
namespace {

Catalog Read(const std::string& url) {
  auto conn = Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().message();
  if (!conn.ok()) return {};
  auto c = Introspect(conn->get());
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? std::move(*c) : Catalog{};
}

std::string Summary(const std::vector<Change>& changes) {
  std::string out;
  for (const auto& c : changes) out += std::string(ActionName(c.action)) + " " + c.kind + " " + c.object + "\n";
  return out;
}

constexpr char kBase[] = R"SQL(
CREATE TABLE t (id bigint PRIMARY KEY, a int, b text, c date);
CREATE INDEX t_a_idx ON t (a);
CREATE TABLE p (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX p_at_idx ON p (at);
INSERT INTO t SELECT g, g % 7, 'b' || g, date '2026-01-01' + g FROM generate_series(1, 500) g;
)SQL";

// Each statement outside a transaction block on one database, its in-transaction form
// inside one on another: the catalogs (strata's and pg_dump's) are the same.
TEST(ProofTest, InTransactionFormsLeaveTheCatalogOfTheRealStatement) {
  std::vector<std::string> real = {
      "CREATE INDEX CONCURRENTLY t_b_idx ON t (b)",
      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"T lower b\" ON t USING btree (lower(b)) INCLUDE (c) WHERE a > 0",
      "CREATE INDEX CONCURRENTLY p1_id_idx ON p1 (id)",
      "DROP INDEX CONCURRENTLY IF EXISTS t_a_idx",
      "REINDEX INDEX CONCURRENTLY t_a_idx",
  };
  for (const std::string& sql : real) {
    SCOPED_TRACE(sql);
    std::string plain = InTransactionEquivalent(sql);
    ASSERT_FALSE(plain.empty());
    std::string a = TestServer::Get().NewDatabase("real"), b = TestServer::Get().NewDatabase("intx");
    ExecOrDie(a, kBase);
    ExecOrDie(b, kBase);
    ExecOrDie(a, sql);
    ExecOrDie(b, "BEGIN; " + plain + "; COMMIT");
    EXPECT_EQ(Summary(Diff(Read(a), Read(b))), "");
    EXPECT_EQ(SchemaDump(a), SchemaDump(b));
  }
}

// A transactional file and a no-transaction one with CONCURRENTLY and verify queries: the
// catalog returned has their objects; the database keeps none of them.
TEST(ProofTest, FilesRunInATransactionThatIsRolledBack) {
  std::string url = TestServer::Get().NewDatabase("proof");
  ExecOrDie(url, kBase);
  std::vector<GeneratedFile> files = {
      {"20260101000000000_note.sql", "ALTER TABLE t ADD COLUMN note text;\n-- strata:verify\nSELECT true;\n"},
      {"20260101000000001_note_concurrently.sql",
       "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY t_note_idx ON t (note);\n-- strata:verify\n"
       "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = 'public.t_note_idx'::regclass;\n"},
  };
  auto conn = Connection::Open(url);
  ASSERT_TRUE(conn.ok());
  std::string why;
  auto c = ProveInTransaction(conn->get(), files, Naming::kTimestamp, &why);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(c->has_value()) << why;
  bool column = false, index = false;
  for (const auto& t : (*c)->tables) {
    for (const auto& col : t.columns) column = column || (t.name == "t" && col.name == "note");
  }
  for (const auto& i : (*c)->indexes) index = index || i.name == "t_note_idx";
  EXPECT_TRUE(column);
  EXPECT_TRUE(index);
  EXPECT_EQ(QueryValue(url, "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'"), "0");
  EXPECT_EQ(QueryValue(url, "SELECT to_regclass('t_note_idx') IS NULL"), "t");
  // The session is usable afterwards, outside any transaction.
  auto r = (*conn)->Exec("SELECT pg_catalog.now() = pg_catalog.statement_timestamp()");
  ASSERT_TRUE(r.ok());
}

// What has no in-transaction form, or fails inside one transaction, is handed back.
TEST(ProofTest, WhatCannotRunInOneTransactionIsHandedBack) {
  struct Case {
    std::string sql, why;
  };
  std::vector<Case> cases = {
      // migrate builds it partition by partition (partitioned_index.h).
      {"-- strata:no-transaction\nCREATE INDEX CONCURRENTLY p_id_idx ON p (id);\n", "no in-transaction equivalent"},
      // A new value of an existing enum is unusable in the transaction that added it (55P04).
      {"ALTER TYPE s ADD VALUE 'b';\n", ""},
      // A batch that commits, on a table with rows.
      {"-- strata:no-transaction\nDO $$ BEGIN UPDATE t SET a = a; COMMIT; END $$;\n", "invalid transaction termination"},
      {"-- strata:no-transaction\nVACUUM t;\n", "no in-transaction equivalent"},
      // It leaves a CHECK constraint on the partition that a plain DETACH does not.
      {"-- strata:no-transaction\nALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;\n", "no in-transaction equivalent"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.sql);
    std::string url = TestServer::Get().NewDatabase("back");
    ExecOrDie(url, kBase);
    ExecOrDie(url, "CREATE TYPE s AS ENUM ('a')");
    std::vector<GeneratedFile> files = {{"20260101000000000_a.sql", k.sql}};
    if (k.sql.find("ADD VALUE") != std::string::npos) {
      files.push_back({"20260101000000001_b.sql", "ALTER TABLE t ADD COLUMN s s NOT NULL DEFAULT 'b';\n"});
    }
    auto conn = Connection::Open(url);
    ASSERT_TRUE(conn.ok());
    std::string why;
    auto c = ProveInTransaction(conn->get(), files, Naming::kTimestamp, &why);
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_FALSE(c->has_value());
    EXPECT_NE(why.find(k.why.empty() ? "unsafe use of new value" : k.why), std::string::npos) << why;
    EXPECT_EQ(QueryValue(url, "SELECT string_agg(enumlabel, ',') FROM pg_enum WHERE enumtypid = 's'::regtype"), "a");
    EXPECT_EQ(QueryValue(url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'p_id_idx'"), "0");
  }
}

}  // namespace
}  // namespace strata::testing
