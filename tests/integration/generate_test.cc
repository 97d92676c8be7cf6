// strata generate, push and diff --format sql|json end to end: generate → migrate reaches
// the desired schema (pg_dump equal), a second generate finds nothing, safe forms are
// used, data loss and suspected renames need a flag, and push refuses protected targets.
#include <chrono>
#include <cstdlib>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "devdb/dev_cluster.h"
#include "devdb/shadow.h"
#include "generate/cache.h"
#include "integration/cli_fixture.h"

namespace strata::testing {
namespace {

std::vector<std::string> Files(const TempProject& p) {
  auto names = ListFiles(p.dir() + "/migrations");
  return names.ok() ? *names : std::vector<std::string>{};
}

// The stem (name without .sql) of the migration whose name ends with `suffix`, for --to.
std::string MigrationStem(const TempProject& p, const std::string& suffix) {
  for (const auto& n : Files(p)) {
    if (EndsWith(n, suffix)) return n.substr(0, n.size() - 4);
  }
  return "";
}

std::string ReadMigration(const TempProject& p, const std::string& suffix) {
  for (const auto& n : Files(p)) {
    if (EndsWith(n, suffix)) return *ReadFile(p.dir() + "/migrations/" + n);
  }
  return "";
}

class GenerateTest : public CliTest {
 protected:
  ProcessResult Gen(std::vector<std::string> args) {
    args.insert(args.begin(), "generate");
    args.push_back("--dev-url");
    args.push_back(TestServer::Get().AdminUrl());
    return Run(args, {{"CI", "true"}});
  }
  // A fresh database built straight from schema/, for comparison.
  std::string Desired() {
    std::string db = TestServer::Get().NewDatabase("desired");
    auto names = ListFiles(p_.dir() + "/schema");
    for (const auto& n : *names) ExecOrDie(db, *ReadFile(p_.dir() + "/schema/" + n));
    return db;
  }
};

constexpr char kV1[] = R"SQL(
CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL,
  status status NOT NULL DEFAULT 'new',
  total numeric(10,2)
);
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE status = 'new';
)SQL";

// Every kind of change the safe forms cover, on tables that already exist.
constexpr char kV2[] = R"SQL(
CREATE TYPE status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status status NOT NULL DEFAULT 'new',
  total numeric(12,2) CHECK (total >= 0),
  note text
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE status = 'new';
COMMENT ON TABLE orders IS 'one row per order';
)SQL";

TEST_F(GenerateTest, GenerateThenMigrateReachesTheDesiredSchemaWithSafeSql) {
  p_.Write("schema/01.sql", kV1);
  auto r = Gen({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("proven"), std::string::npos) << r.out;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(Gen({"again"}).exit_code, 0);
  EXPECT_EQ(Files(p_).size(), 3u) << "init, its rollback, strata.sum";

  p_.Write("schema/01.sql", kV2);
  // customers.name becomes NOT NULL without a default: what its NULL rows get is asked for.
  r = Gen({"orders_v2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("column public.customers.name becomes NOT NULL and has no default"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--backfill public.customers.name=EXPR"), std::string::npos) << r.err;
  EXPECT_EQ(Files(p_).size(), 3u);
  EXPECT_EQ(Gen({"orders_v2", "--backfill", "customers.name=x"}).exit_code, 2);
  ExecOrDie(url_, "INSERT INTO customers (email) VALUES ('a@example.com'), ('b@example.com')");
  r = Gen({"orders_v2", "--backfill", "public.customers.name=split_part(email, '@', 1)"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  std::string enums = ReadMigration(p_, "_orders_v2_enum_values.sql");
  std::string main = ReadMigration(p_, "_orders_v2.sql");
  std::string late = ReadMigration(p_, "_orders_v2_concurrently.sql");
  EXPECT_NE(enums.find("ADD VALUE IF NOT EXISTS 'shipped' AFTER 'paid'"), std::string::npos) << enums;
  EXPECT_NE((main + late).find("FOREIGN KEY (customer_id) REFERENCES public.customers(id) NOT VALID"), std::string::npos) << main;
  EXPECT_NE(main.find("CHECK ((total >= (0)::numeric)) NOT VALID"), std::string::npos) << main;
  // The NOT VALID check on customers.name goes on after its backfill (late), not before.
  EXPECT_EQ(main.find("CHECK (\"name\" IS NOT NULL) NOT VALID"), std::string::npos) << main;
  EXPECT_LT(late.find("SET \"name\" = split_part(email, '@', 1)"), late.find("CHECK (\"name\" IS NOT NULL) NOT VALID"))
      << late;
  EXPECT_NE(main.find("-- strata:verify\n"), std::string::npos);
  EXPECT_TRUE(StartsWith(late, "-- strata:no-transaction\n")) << late;
  EXPECT_NE(late.find("CREATE INDEX CONCURRENTLY orders_customer_idx"), std::string::npos) << late;
  EXPECT_NE(late.find("CREATE UNIQUE INDEX CONCURRENTLY \"customers_email_key\""), std::string::npos) << late;
  EXPECT_NE(late.find("UNIQUE USING INDEX \"customers_email_key\""), std::string::npos) << late;
  EXPECT_NE(late.find("VALIDATE CONSTRAINT \"orders_customer_id_fkey\""), std::string::npos) << late;
  EXPECT_NE(late.find("SET NOT NULL"), std::string::npos) << late;
  EXPECT_NE(late.find("SET \"name\" = split_part(email, '@', 1)"), std::string::npos) << late;
  EXPECT_NE(late.find("SELECT indisvalid FROM pg_catalog.pg_index"), std::string::npos) << late;
  EXPECT_FALSE(ReadMigration(p_, "_orders_v2_rollback.sql").empty());
  EXPECT_NE(r.out.find("TABLE_REWRITE"), std::string::npos) << "numeric(10,2) -> (12,2) rewrites: " << r.out;
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 0) << "generate's output passes strata lint:\n" << lint.out << lint.err;

  ExecOrDie(url_, "INSERT INTO customers (email, name) VALUES ('a@x', 'A'); "
                  "INSERT INTO orders (customer_id, total) VALUES (1, 5)");
  auto m = Run({"migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.err << m.out;
  std::string desired = Desired();
  EXPECT_EQ(SchemaDump(url_), SchemaDump(desired));
  EXPECT_EQ(Value("SELECT count(*) FROM orders"), "1");
  EXPECT_EQ(Value("SELECT string_agg(name, ',' ORDER BY id) FROM customers"), "a,b,A");
  size_t files = Files(p_).size();
  r = Gen({"nothing"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("no changes"), std::string::npos) << r.out;
  EXPECT_EQ(Files(p_).size(), files);
  EXPECT_EQ(Run({"status"}).exit_code, 0);
  EXPECT_EQ(EventualValue(TestServer::Get().AdminUrl(), "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata_shadow_%'", "0"), "0");
}

// A new table is one statement with its keys, checks and foreign keys (no ALTER TABLE
// each, no validation of an empty table), after the new tables it references. A cycle of
// foreign keys, and a check calling a function (created after the tables, since a SQL
// body may read them), stay ALTER TABLEs; migrate reaches the schema either way.
TEST_F(GenerateTest, NewTablesCarryTheirConstraintsInOneStatement) {
  p_.Write("schema/01.sql", R"SQL(
CREATE TABLE people (id bigint PRIMARY KEY, email text UNIQUE, CHECK (email LIKE '%@%'));
CREATE TABLE orders (id bigint PRIMARY KEY, person_id bigint NOT NULL REFERENCES people (id),
  EXCLUDE USING btree (id WITH =));
CREATE TABLE ping (id int PRIMARY KEY, pong_id int);
CREATE TABLE pong (id int PRIMARY KEY, ping_id int REFERENCES ping (id));
ALTER TABLE ping ADD FOREIGN KEY (pong_id) REFERENCES pong (id);
CREATE TABLE nodes (id int PRIMARY KEY, parent int REFERENCES nodes (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE quotas (id int PRIMARY KEY, n int);
CREATE FUNCTION quota_ok(v int) RETURNS boolean LANGUAGE sql
  AS $$ SELECT v <= coalesce((SELECT max(n) FROM public.quotas), 100) $$;
ALTER TABLE quotas ADD CONSTRAINT quotas_n_check CHECK (quota_ok(n));
)SQL");
  auto r = Gen({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("proven"), std::string::npos) << r.out;
  std::string m = ReadMigration(p_, "_init.sql");
  EXPECT_NE(m.find("    \"email\" text,\n"
                   "    CONSTRAINT \"people_pkey\" PRIMARY KEY (id),\n"
                   "    CONSTRAINT \"people_email_key\" UNIQUE (email),\n"
                   "    CONSTRAINT \"people_email_check\" CHECK ((email ~~ '%@%'::text))\n);"),
            std::string::npos) << m;
  EXPECT_NE(m.find("CONSTRAINT \"orders_person_id_fkey\" FOREIGN KEY (person_id) REFERENCES public.people(id)\n);"),
            std::string::npos) << m;
  EXPECT_LT(m.find("CREATE TABLE \"public\".\"people\""), m.find("CREATE TABLE \"public\".\"orders\"")) << m;
  EXPECT_NE(m.find("CONSTRAINT \"orders_id_excl\" EXCLUDE USING btree (id WITH =)"), std::string::npos) << m;
  EXPECT_NE(m.find("FOREIGN KEY (parent) REFERENCES public.nodes(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED\n);"),
            std::string::npos) << m;
  EXPECT_NE(m.find("ALTER TABLE \"public\".\"ping\" ADD CONSTRAINT \"ping_pong_id_fkey\""), std::string::npos) << m;
  EXPECT_NE(m.find("ALTER TABLE \"public\".\"pong\" ADD CONSTRAINT \"pong_ping_id_fkey\""), std::string::npos) << m;
  size_t check = m.find("ADD CONSTRAINT \"quotas_n_check\" CHECK (public.quota_ok(n))");
  ASSERT_NE(check, std::string::npos) << m;
  EXPECT_LT(m.find("FUNCTION public.quota_ok(v integer)"), check) << m;
  EXPECT_EQ(m.find("ADD CONSTRAINT \"people_"), std::string::npos) << m;
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  auto mig = Run({"migrate"});
  ASSERT_EQ(mig.exit_code, 0) << mig.err << mig.out;
  EXPECT_EQ(SchemaDump(url_), SchemaDump(Desired()));
  // The keys work as keys.
  ExecOrDie(url_, "INSERT INTO people VALUES (1, 'a@x'); INSERT INTO orders VALUES (1, 1)");
  auto sqlstate = [&](const std::string& sql) {
    return QueryValue(url_, "CREATE FUNCTION pg_temp.try_it() RETURNS text LANGUAGE plpgsql AS $f$ BEGIN SET CONSTRAINTS ALL IMMEDIATE; EXECUTE " +
                                QuoteLiteral(sql) + "; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $f$; "
                                "SELECT pg_temp.try_it()");
  };
  EXPECT_EQ(sqlstate("INSERT INTO orders VALUES (2, 7)"), "23503");
  EXPECT_EQ(sqlstate("INSERT INTO people VALUES (2, 'no-at')"), "23514");
  EXPECT_EQ(sqlstate("INSERT INTO people VALUES (1, 'b@x')"), "23505");
  EXPECT_EQ(sqlstate("INSERT INTO nodes VALUES (1, 2)"), "23503");
  EXPECT_EQ(Value("SELECT condeferred FROM pg_constraint WHERE conname = 'nodes_parent_fkey'"), "t");
  auto again = Gen({"again"});
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_NE(again.out.find("no changes"), std::string::npos) << again.out;
}

// Partitions the application makes at run time: the migrations make the parent, the
// application its partitions. A new index on the parent must reach every partition that
// exists when the migration runs (built concurrently, then attached), and check --db
// must not report the partitions when the scope excludes them.
TEST_F(GenerateTest, AParentIndexReachesPartitionsMadeAtRunTime) {
  constexpr char kParent[] =
      "CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);\n";
  p_.Write("schema/01.sql", kParent);
  ASSERT_EQ(Gen({"events"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_,
            "CREATE TABLE events_2026_10 PARTITION OF events FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');"
            "CREATE TABLE events_2026_11 PARTITION OF events FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');"
            "INSERT INTO events SELECT g, '2026-10-15'::timestamptz + g * interval '1 hour', 'k' || g % 7 "
            "FROM generate_series(1, 1000) g;");
  p_.Write("schema/01.sql", std::string(kParent) + "CREATE INDEX events_kind_idx ON events (kind);\n");
  auto g = Gen({"events_kind"});
  ASSERT_EQ(g.exit_code, 0) << g.err << g.out;
  std::string m = ReadMigration(p_, "_events_kind.sql");
  EXPECT_NE(m.find("-- strata:no-transaction"), std::string::npos) << m;
  EXPECT_NE(m.find("CREATE INDEX CONCURRENTLY events_kind_idx ON public.events"), std::string::npos) << m;
  EXPECT_EQ(m.find("ON ONLY public"), std::string::npos) << m;
  auto mig = Run({"migrate"});
  ASSERT_EQ(mig.exit_code, 0) << mig.err << mig.out;
  EXPECT_EQ(Value("SELECT string_agg(c.relname || ':' || i.indisvalid, ' ' ORDER BY c.relname) FROM pg_index i "
                  "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                  "WHERE t.relname LIKE 'events%'"),
            "events_2026_10_kind_idx:true events_2026_11_kind_idx:true events_kind_idx:true");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events_kind_idx'::regclass"), "2");
  // Run-time partitions are drift unless the scope says the application owns them.
  auto drift = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}});
  EXPECT_EQ(drift.exit_code, 3) << drift.err << drift.out;
  EXPECT_NE((drift.out + drift.err).find("events_2026_10"), std::string::npos) << drift.out << drift.err;
  p_.Write("strata.toml", "[scope]\nexclude = [\"partitions:public.events\"]\n");
  auto clean = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}});
  EXPECT_EQ(clean.exit_code, 0) << clean.err << clean.out;
  // Nothing left to generate: the partitions are the application's.
  auto again = Gen({"nothing"});
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_EQ(ReadMigration(p_, "_nothing.sql"), "");
}

// A partition's build fails (duplicates for a unique index): migrate stops with
// PostgreSQL's message, and once the data is fixed a re-run continues where it stopped.
TEST_F(GenerateTest, AFailedPartitionBuildResumesAfterTheFix) {
  constexpr char kParent[] = "CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);\n";
  p_.Write("schema/01.sql", kParent);
  ASSERT_EQ(Gen({"events"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_,
            "CREATE TABLE events_a PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2026-06-01');"
            "CREATE TABLE events_b PARTITION OF events FOR VALUES FROM ('2026-06-01') TO ('2027-01-01');"
            "INSERT INTO events VALUES (1, '2026-02-01'), (2, '2026-07-01'), (2, '2026-07-01');");
  p_.Write("schema/01.sql", std::string(kParent) + "CREATE UNIQUE INDEX events_id_at ON events (id, at);\n");
  ASSERT_EQ(Gen({"unique"}).exit_code, 0);
  auto failed = Run({"migrate"});
  EXPECT_EQ(failed.exit_code, 1) << failed.err << failed.out;
  EXPECT_NE(failed.err.find("could not create unique index"), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("23505"), std::string::npos) << failed.err;
  EXPECT_EQ(Value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_id_at'::regclass"), "f");
  ExecOrDie(url_, "DELETE FROM events WHERE ctid = (SELECT max(ctid) FROM events_b)");
  auto again = Run({"migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_EQ(Value("SELECT string_agg(c.relname || ':' || i.indisvalid, ' ' ORDER BY c.relname) FROM pg_index i "
                  "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'events%'"),
            "events_a_id_at_idx:true events_b_id_at_idx:true events_id_at:true");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

// From a schema without them to one with a range type, extended statistics and a text
// search configuration used by an expression index (and the other kinds kept whole):
// generate proves it, migrate applies it, check --db is clean, a second run finds nothing.
TEST_F(GenerateTest, KindsKeptWholeGenerateFromNothing) {
  p_.Write("schema/01.sql", "CREATE SCHEMA app;\nCREATE TABLE app.shops (id bigint PRIMARY KEY, city text, zip text, body text);\n"
                            "CREATE TABLE app.log (id int, msg text);\n");
  ASSERT_EQ(Gen({"base"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  std::string full = *ReadFile(std::string(STRATA_SOURCE_DIR) + "/tests/golden/inspect/kept_whole.sql");
  p_.Write("schema/01.sql", full);
  auto g = Gen({"kinds"});
  ASSERT_EQ(g.exit_code, 0) << g.err << g.out;
  std::string m = ReadMigration(p_, "_kinds.sql") + ReadMigration(p_, "_kinds_concurrently.sql");
  for (const char* want : {"CREATE TYPE app.timerange AS RANGE (SUBTYPE = time without time zone, SUBTYPE_DIFF = app.time_diff",
                           "CREATE STATISTICS app.shops_city_zip", "CREATE TEXT SEARCH CONFIGURATION app.english_custom",
                           "ADD MAPPING FOR asciiword WITH app.english_nostop", "CREATE RULE log_no_delete",
                           "CREATE CAST (integer AS app.floatrange)", "CREATE EVENT TRIGGER app_ddl",
                           "CREATE PUBLICATION shops_pub", "to_tsvector('app.english_custom'::regconfig, body)",
                           "CREATE SERVER warehouse FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'warehouse.internal'",
                           "total numeric(10,2) OPTIONS (column_name 'amount')"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
  }
  auto mig = Run({"migrate"});
  ASSERT_EQ(mig.exit_code, 0) << mig.err << mig.out;
  EXPECT_EQ(Value("SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'shops_city_zip'"), "1");
  EXPECT_EQ(Value("SELECT to_tsvector('app.english_custom', 'the running dogs')::text"), "'dog':3 'run':2 'the':1");
  auto check = Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}});
  EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
  auto again = Gen({"again"});
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_EQ(ReadMigration(p_, "_again.sql"), "");
  // A changed statistics object is dropped and made again; a comment changes in place.
  std::string edited = full;
  edited.replace(edited.find("(dependencies, ndistinct) ON city, zip"), 38, "(ndistinct) ON city, zip");
  edited.replace(edited.find("'opening hours'"), 15, "'hours open'");
  p_.Write("schema/01.sql", edited);
  auto changed = Gen({"changed"});
  ASSERT_EQ(changed.exit_code, 0) << changed.err << changed.out;
  std::string c = ReadMigration(p_, "_changed.sql");
  EXPECT_NE(c.find("DROP STATISTICS app.shops_city_zip;"), std::string::npos) << c;
  EXPECT_NE(c.find("CREATE STATISTICS app.shops_city_zip (ndistinct) ON city, zip FROM app.shops;"), std::string::npos) << c;
  EXPECT_NE(c.find("COMMENT ON TYPE app.timerange IS 'hours open';"), std::string::npos) << c;
  EXPECT_EQ(c.find("DROP TYPE"), std::string::npos) << c;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
}

// A column's type becomes a domain in a schema on the search_path: format_type prints it
// without its schema there, and the verify query must still recognise it.
TEST_F(GenerateTest, ADomainTypedColumnGeneratesAndVerifies) {
  constexpr char kDomains[] = "CREATE SCHEMA app;\nCREATE DOMAIN public.email AS text CHECK (VALUE LIKE '%@%');\n"
                              "CREATE DOMAIN app.code AS varchar(12);\n";
  p_.Write("schema/01.sql", std::string(kDomains) + "CREATE TABLE users (id int, contact text, code varchar(12));\n");
  ASSERT_EQ(Gen({"users"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO users VALUES (1, 'a@example.com', 'X1')");
  p_.Write("schema/01.sql", std::string(kDomains) +
                                "CREATE TABLE users (id int, contact public.email, code app.code, note app.code);\n");
  auto g = Gen({"domains"});
  ASSERT_EQ(g.exit_code, 0) << g.err << g.out;
  std::string m = ReadMigration(p_, "_domains.sql");
  EXPECT_NE(m.find("ALTER TABLE \"public\".\"users\" ALTER COLUMN \"contact\" TYPE public.email"), std::string::npos) << m;
  EXPECT_NE(m.find("::pg_catalog.regtype"), std::string::npos) << m;
  auto mig = Run({"migrate"});
  ASSERT_EQ(mig.exit_code, 0) << mig.err << mig.out;
  EXPECT_EQ(Value("SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute "
                  "WHERE attrelid = 'users'::regclass AND attnum > 0"),
            "integer,email,app.code,app.code");
  EXPECT_EQ(Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}}).exit_code, 0);
}

// A partition's column default may differ from its parent's (its own, or none): modelled,
// so generate reaches it and a second run finds nothing.
TEST_F(GenerateTest, PartitionColumnDefaultsOfTheirOwn) {
  constexpr char kBase[] = "CREATE TABLE ev (id int, at date NOT NULL, kind text DEFAULT 'x') PARTITION BY RANGE (at);\n"
                           "CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2026-06-01');\n";
  p_.Write("schema/01.sql", kBase);
  ASSERT_EQ(Gen({"base"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  p_.Write("schema/01.sql", std::string(kBase) + "ALTER TABLE ev_a ALTER COLUMN kind SET DEFAULT 'a';\n"
                            "CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2026-06-01') TO ('2027-01-01');\n"
                            "ALTER TABLE ev_b ALTER COLUMN kind DROP DEFAULT;\n");
  auto g = Gen({"defaults"});
  ASSERT_EQ(g.exit_code, 0) << g.err << g.out;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO ev (id, at) VALUES (1, '2026-02-01'), (2, '2026-07-01')");
  EXPECT_EQ(Value("SELECT string_agg(id || ':' || coalesce(kind, 'null'), ',' ORDER BY id) FROM ev"), "1:x,2:x")
      << "through the parent, the parent's default applies; a partition's own only to a direct insert";
  ExecOrDie(url_, "INSERT INTO ev_a (id, at) VALUES (3, '2026-03-01'); INSERT INTO ev_b (id, at) VALUES (4, '2026-08-01')");
  EXPECT_EQ(Value("SELECT string_agg(id || ':' || coalesce(kind, 'null'), ',' ORDER BY id) FROM ev WHERE id > 2"), "3:a,4:null");
  auto again = Gen({"again"});
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_EQ(ReadMigration(p_, "_again.sql"), "");
}

// --timings: each phase's wall time on stderr (text, or one JSON object with --format
// json, stdout staying one document), on generate, check, diff and push.
TEST_F(GenerateTest, TimingsShowWhereTheTimeGoes) {
  p_.Write("schema/01.sql", kV1);
  auto g = Gen({"init", "--timings"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  for (const char* phase : {"timings:", "replay migrations (apply + introspect)", "desired schema (build + introspect)",
                            "diff and plan", "proof: apply the files", "proof: introspect", "total"}) {
    EXPECT_NE(g.err.find(phase), std::string::npos) << phase << "\n" << g.err;
  }
  auto check = Run({"check", "--timings", "--format", "json", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NO_THROW(nlohmann::json::parse(check.out));
  std::string line = check.err.substr(check.err.find("{\"timings\""));
  auto t = nlohmann::json::parse(line.substr(0, line.find('\n')))["timings"];
  EXPECT_TRUE(t.contains("desired schema (build + introspect)")) << t.dump();
  EXPECT_GE(t["total"].get<int>(), t["diff and plan"].get<int>());
  auto diff = Run({"diff", "--from", "schema:" + p_.Path("schema"), "--to", "migrations:" + p_.Path("migrations"),
                   "--timings", "--dev-url", TestServer::Get().AdminUrl()});
  EXPECT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.err.find("load --from"), std::string::npos) << diff.err;
}

// The runbook's NOT NULL in three steps with the backfill in the middle: a column that
// becomes NOT NULL with a default gets its NULL rows set to it in batches (a commit after
// each) before VALIDATE, so the migration succeeds on a table holding NULLs.
TEST_F(GenerateTest, NotNullWithADefaultBackfillsTheNullRows) {
  p_.Write("schema/01.sql", "CREATE TABLE agents (id bigint PRIMARY KEY, provider text, note text);\n");
  ASSERT_EQ(Gen({"agents"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO agents SELECT g, CASE WHEN g % 3 = 0 THEN 'openai' END FROM generate_series(1, 25000) g");
  p_.Write("schema/01.sql", "CREATE TABLE agents (id bigint PRIMARY KEY, provider text NOT NULL DEFAULT 'claude', note text);\n");
  auto g = Gen({"provider"});
  ASSERT_EQ(g.exit_code, 0) << g.err << g.out;
  std::string m = ReadMigration(p_, "_provider_concurrently.sql");
  EXPECT_NE(m.find("-- re-runnable: only pending rows are updated"), std::string::npos) << m;
  // Backfill, then the NOT VALID check, then a second pass for NULLs written in between,
  // then VALIDATE.
  size_t fill = m.find("UPDATE \"public\".\"agents\" SET \"provider\" = DEFAULT");  // by ctid, in batches
  size_t check = m.find("CHECK (\"provider\" IS NOT NULL) NOT VALID");
  ASSERT_NE(fill, std::string::npos) << m;
  ASSERT_NE(check, std::string::npos) << m;
  EXPECT_LT(fill, check) << m;
  EXPECT_LT(check, m.find("SET \"provider\" = DEFAULT", check)) << m;
  EXPECT_LT(m.find("SET \"provider\" = DEFAULT", check), m.find("VALIDATE CONSTRAINT")) << m;
  // Between the first file and the backfill the application keeps updating rows that are
  // still NULL (a check added before the backfill failed those with 23514).
  ASSERT_EQ(Run({"migrate", "--to", MigrationStem(p_, "_provider.sql")}).exit_code, 0);
  ExecOrDie(url_, "UPDATE agents SET note = 'written while provider is still NULL' WHERE id = 1");
  ExecOrDie(url_, "INSERT INTO agents (id, provider) VALUES (30000, NULL)");  // an explicit NULL, before the check
  auto mig = Run({"migrate"});
  ASSERT_EQ(mig.exit_code, 0) << mig.err << mig.out;
  EXPECT_NE(mig.err.find("backfilled 16668 rows of public.agents.provider"), std::string::npos) << mig.err;
  EXPECT_EQ(Value("SELECT string_agg(provider || ':' || n, ',' ORDER BY provider) FROM "
                  "(SELECT provider, count(*) n FROM agents GROUP BY 1) x"),
            "claude:16668,openai:8333");
  EXPECT_EQ(Value("SELECT note FROM agents WHERE id = 1"), "written while provider is still NULL");
  EXPECT_EQ(Value("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'agents'::regclass AND attname = 'provider'"), "t");
  EXPECT_EQ(Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}}).exit_code, 0);
}

TEST_F(GenerateTest, DataLossNeedsAFlagAndRenamesNeedAHint) {
  p_.Write("schema/01.sql", "CREATE TABLE t (id int PRIMARY KEY, note text, extra int);\n");
  ASSERT_EQ(Gen({"init"}).exit_code, 0);
  size_t files = Files(p_).size();
  // A dropped column alone: data loss.
  p_.Write("schema/01.sql", "CREATE TABLE t (id int PRIMARY KEY, note text);\n");
  auto r = Gen({"drop_extra"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--accept-data-loss"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("drop column"), std::string::npos) << r.err;
  EXPECT_EQ(Files(p_).size(), files);
  // A dropped and an added column of one type: asked about, and without a TTY refused.
  p_.Write("schema/01.sql", "CREATE TABLE t (id int PRIMARY KEY, remark text, extra int);\n");
  r = Gen({"rename_note"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--rename column:public.t.note=remark"), std::string::npos) << r.err;
  EXPECT_EQ(Files(p_).size(), files);
  r = Gen({"rename_note", "--rename", "column:t.note=remark"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expand = ReadMigration(p_, "_rename_note.sql"), contract = ReadMigration(p_, "_rename_note_contract.sql");
  EXPECT_NE(expand.find("ADD COLUMN \"remark\" text"), std::string::npos) << expand;
  EXPECT_NE(expand.find("CREATE TRIGGER \"strata_sync_t_note_remark\" BEFORE INSERT OR UPDATE ON \"public\".\"t\""),
            std::string::npos) << expand;
  EXPECT_EQ(expand.find("DROP COLUMN"), std::string::npos) << expand;
  std::string fill = ReadMigration(p_, "_rename_note_backfill.sql");
  EXPECT_NE(fill.find("-- strata:no-transaction"), std::string::npos) << fill;
  EXPECT_NE(fill.find("UPDATE \"public\".\"t\" SET \"remark\" = \"note\""), std::string::npos) << fill;
  EXPECT_NE(fill.find("COMMIT;"), std::string::npos) << fill;
  EXPECT_NE(contract.find("DROP TRIGGER IF EXISTS \"strata_sync_t_note_remark\""), std::string::npos) << contract;
  EXPECT_NE(contract.find("DROP COLUMN \"note\""), std::string::npos) << contract;
  ExecOrDie(url_, "SELECT 1");
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_TRUE(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'remark'") == "1");
  // With the flag, a drop is written.
  p_.Write("schema/01.sql", "CREATE TABLE t (id int PRIMARY KEY, remark text);\n");
  r = Gen({"drop_extra", "--accept-data-loss"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string drop = ReadMigration(p_, "_drop_extra.sql");
  EXPECT_NE(drop.find("DROP COLUMN \"extra\""), std::string::npos);
  // generate lints its own output: the accepted loss is recorded as a strata:allow.
  EXPECT_NE(drop.find("-- strata:allow ban-drop-column planned by strata generate, which reported DELETES_DATA"),
            std::string::npos) << drop.substr(drop.find("-- drop"));
  auto lint = Run({"lint"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_NE(lint.out.find("0 error(s)"), std::string::npos) << lint.out;
}

// The rolling deploy of a column rename: after the expand file the old application
// still writes the old column (and the new one the new column); nothing either writes may
// be lost between expand and contract.
TEST_F(GenerateTest, AColumnRenameLosesNoWriteDuringTheRollingDeploy) {
  p_.Write("schema/01.sql", "CREATE TABLE agents (id int PRIMARY KEY, name text NOT NULL);\n");
  ASSERT_EQ(Gen({"init"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO agents SELECT g, 'agent ' || g FROM generate_series(1, 25000) g");
  p_.Write("schema/01.sql", "CREATE TABLE agents (id int PRIMARY KEY, display_name text NOT NULL);\n");
  auto r = Gen({"rename", "--rename", "column:agents.name=display_name"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stem = [&](const std::string& suffix) { return MigrationStem(p_, suffix); };
  ASSERT_FALSE(stem("_rename_backfill.sql").empty()) << r.out;
  // Expand only: the new application's column exists, the old one is still written.
  ASSERT_EQ(Run({"migrate", "--to", stem("_rename.sql")}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO agents (id, name) VALUES (30001, 'written by the old version')");
  ExecOrDie(url_, "UPDATE agents SET name = 'renamed by the old version' WHERE id = 7");
  ExecOrDie(url_, "INSERT INTO agents (id, display_name) VALUES (30002, 'written by the new version')");
  ExecOrDie(url_, "UPDATE agents SET display_name = 'renamed by the new version' WHERE id = 8");
  // A write to neither column fills the new one too (the NOT VALID check sees the row).
  ExecOrDie(url_, "UPDATE agents SET id = id WHERE id = 10");
  EXPECT_EQ(Value("SELECT name FROM agents WHERE id = 8"), "renamed by the new version");
  // The backfill copies the rows written before the trigger, in batches with a commit each.
  auto fill = Run({"migrate", "--to", stem("_rename_backfill.sql")});
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  EXPECT_NE((fill.out + fill.err).find("copied 24997 rows of public.agents.name to display_name"), std::string::npos)
      << fill.out << fill.err;
  EXPECT_EQ(Value("SELECT count(*) FROM agents WHERE display_name IS DISTINCT FROM name"), "0");
  // Still both versions: the old one keeps writing until the contract file.
  ExecOrDie(url_, "INSERT INTO agents (id, name) VALUES (30003, 'written after the backfill')");
  ExecOrDie(url_, "UPDATE agents SET name = 'late update' WHERE id = 9");
  auto rest = Run({"migrate"});
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(Value("SELECT count(*) FROM agents"), "25003");
  EXPECT_EQ(Value("SELECT string_agg(display_name, '|' ORDER BY id) FROM agents WHERE id IN (7, 8, 9, 30001, 30002, 30003)"),
            "renamed by the old version|renamed by the new version|late update|written by the old version|"
            "written by the new version|written after the backfill");
  EXPECT_EQ(Value("SELECT count(*) FROM agents WHERE display_name = 'agent ' || id"), "24997");
  EXPECT_EQ(Value("SELECT display_name FROM agents WHERE id = 10"), "agent 10");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'agents'::regclass AND NOT tgisinternal"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_proc WHERE proname LIKE 'strata_sync%'"), "0");
  EXPECT_EQ(Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}}).exit_code, 0);
}

// A type change that would rewrite the table under ACCESS EXCLUSIVE (integer -> bigint)
// is done as expand/contract: a new column kept in step by a trigger, converted in
// batches, swapped in by the contract file. Nothing written during the deploy is lost and
// the table is never rewritten. A column an index uses keeps the in-place change.
TEST_F(GenerateTest, ATypeChangeLosesNoWriteAndRewritesNothing) {
  p_.Write("schema/01.sql", "CREATE TABLE counters (id int PRIMARY KEY, hits integer NOT NULL DEFAULT 0, note text);\n"
                            "CREATE TABLE ranked (id int PRIMARY KEY, score integer);\n"
                            "CREATE INDEX ranked_score_idx ON ranked (score);\n");
  ASSERT_EQ(Gen({"init"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO counters SELECT g, g % 1000 FROM generate_series(1, 25000) g");
  std::string file = Value("SELECT pg_relation_filenode('counters')");
  p_.Write("schema/01.sql", "CREATE TABLE counters (id int PRIMARY KEY, hits bigint NOT NULL DEFAULT 0, note text);\n"
                            "CREATE TABLE ranked (id int PRIMARY KEY, score bigint);\n"
                            "CREATE INDEX ranked_score_idx ON ranked (score);\n");
  auto r = Gen({"widen"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  std::string expand = ReadMigration(p_, "_widen.sql"), contract = ReadMigration(p_, "_widen_contract.sql");
  EXPECT_NE(expand.find("ADD COLUMN \"hits_strata_new\" bigint;"), std::string::npos) << expand;
  EXPECT_NE(expand.find("CREATE TRIGGER \"strata_retype_counters_hits\" BEFORE INSERT OR UPDATE"), std::string::npos)
      << expand;
  EXPECT_EQ((expand + contract).find("ALTER COLUMN \"hits\" TYPE"), std::string::npos);
  EXPECT_NE(expand.find("ALTER TABLE \"public\".\"ranked\" ALTER COLUMN \"score\" TYPE bigint"), std::string::npos)
      << expand;
  EXPECT_NE(contract.find("-- CONTRACT: apply once no running application"), std::string::npos) << contract;
  // Expand: both application versions write hits (integer) meanwhile.
  ASSERT_EQ(Run({"migrate", "--to", MigrationStem(p_, "_widen.sql")}).exit_code, 0);
  ExecOrDie(url_, "UPDATE counters SET hits = 77 WHERE id = 5");
  ExecOrDie(url_, "INSERT INTO counters (id, hits) VALUES (30001, 5)");
  ExecOrDie(url_, "INSERT INTO counters (id) VALUES (30002)");
  auto fill = Run({"migrate", "--to", MigrationStem(p_, "_widen_concurrently.sql")});
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  EXPECT_NE(fill.err.find("converted 24999 rows of public.counters.hits"), std::string::npos) << fill.err;
  ExecOrDie(url_, "UPDATE counters SET hits = 88 WHERE id = 6");
  EXPECT_EQ(Value("SELECT count(*) FROM counters WHERE hits_strata_new IS DISTINCT FROM hits"), "0");
  auto last = Run({"migrate"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(Value("SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute "
                  "WHERE attrelid = 'counters'::regclass AND attname = 'hits'"),
            "bigint true");
  EXPECT_EQ(Value("SELECT string_agg(hits::text, ',' ORDER BY id) FROM counters WHERE id IN (5, 6, 7, 30001, 30002)"),
            "77,88,7,5,0");
  EXPECT_EQ(Value("SELECT sum(hits) FROM counters"), std::to_string(12487500 - 5 + 77 - 6 + 88 + 5));
  EXPECT_EQ(Value("SELECT pg_relation_filenode('counters')"), file);  // never rewritten
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'counters'::regclass AND attname LIKE '%strata%'"),
            "0");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_proc WHERE proname LIKE 'strata_retype%'"), "0");
  EXPECT_EQ(Run({"check", "--db", "--dev-url", TestServer::Get().AdminUrl()}, {{"CI", "true"}}).exit_code, 0);
  auto again = Gen({"again"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("no changes"), std::string::npos) << again.out;
}

// A backfill whose backend is terminated halfway (a killed session, a failover): the
// batches committed so far stay, the next `strata migrate` runs the block again (it only
// touches rows still to do) and finishes; nothing is converted twice or lost.
TEST_F(GenerateTest, AKilledBackfillFinishesOnTheNextRun) {
  p_.Write("schema/01.sql", "CREATE TABLE counters (id int PRIMARY KEY, hits integer NOT NULL DEFAULT 0);\n");
  ASSERT_EQ(Gen({"init"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO counters SELECT g, g % 1000 FROM generate_series(1, 300000) g");
  ExecOrDie(url_, "VACUUM ANALYZE counters");
  p_.Write("schema/01.sql", "CREATE TABLE counters (id int PRIMARY KEY, hits bigint NOT NULL DEFAULT 0);\n");
  ASSERT_EQ(Gen({"widen"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate", "--to", MigrationStem(p_, "_widen.sql")}).exit_code, 0);
  ProcessResult first;
  std::thread run([&] { first = Run({"migrate", "--to", MigrationStem(p_, "_widen_concurrently.sql")}); });
  std::string done = "0";
  for (int i = 0; i < 600 && std::stoi(done) < 30000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    done = Value("SELECT count(*) FROM counters WHERE hits_strata_new IS NOT NULL");
  }
  std::string killed = Value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE query LIKE 'DO $strata$%' AND state = 'active'");
  run.join();
  ASSERT_EQ(killed, "1") << "the backfill was not running; converted so far: " << done;
  EXPECT_EQ(first.exit_code, 1) << first.err;
  EXPECT_NE(first.err.find("57P01"), std::string::npos) << first.err;
  std::string partial = Value("SELECT count(*) FROM counters WHERE hits_strata_new IS NOT NULL");
  EXPECT_GE(std::stoi(partial), 30000);
  EXPECT_LT(std::stoi(partial), 300000);
  auto again = Run({"migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("running it again changes nothing, so it runs again"), std::string::npos) << again.err;
  EXPECT_EQ(Value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                  "WHERE attrelid = 'counters'::regclass AND attname = 'hits'"),
            "bigint");
  EXPECT_EQ(Value("SELECT count(*) || ':' || sum(hits) FROM counters"),
            "300000:" + Value("SELECT sum(g % 1000) FROM generate_series(1, 300000) g"));
  EXPECT_EQ(Value("SELECT string_agg(kind, ',' ORDER BY name) FROM strata_migrations"), "applied,applied,applied,applied");
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

// --cache (always on with the embedded dev database): the replay and the schema are kept
// between runs and used while their inputs are unchanged.
TEST_F(GenerateTest, TheCacheKeepsTheReplayAndTheSchemaBetweenRuns) {
  p_.Write("schema/01.sql", "CREATE TABLE t (id int PRIMARY KEY);\n");
  auto r = Gen({"init", "--cache"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string admin = TestServer::Get().AdminUrl();
  auto kept = [&] { return QueryValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_replay\\_%'"); };
  EXPECT_NE(kept(), "0");
  r = Gen({"again", "--cache"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no changes"), std::string::npos) << r.out;
  p_.Write("schema/01.sql", "CREATE TABLE t (id int PRIMARY KEY, note text);\n");
  r = Gen({"note", "--cache"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(ReadMigration(p_, "_note.sql").find("ADD COLUMN \"note\" text"), std::string::npos);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(Run({"check", "--db", "--dev-url", admin}, {{"CI", "true"}}).exit_code, 0);
  r = Gen({"again", "--cache"});
  EXPECT_NE(r.out.find("no changes"), std::string::npos) << r.out << r.err;
}

// With a cached replay, the proof runs the files inside a transaction on the cache and
// rolls it back: no copy of the database is made, and the cache is left as it was. What
// cannot run in one transaction (an enum value used where it is added) is proven on a copy.
TEST_F(GenerateTest, TheCachedReplayIsProvenInATransactionWithoutACopy) {
  p_.Write("schema/01.sql", "CREATE TYPE status AS ENUM ('new');\n"
                            "CREATE TABLE t (id int PRIMARY KEY, a int, s status);\n");
  ASSERT_EQ(Gen({"init", "--cache"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO t (id) SELECT g FROM generate_series(1, 1000) g");
  std::string admin = TestServer::Get().AdminUrl();
  std::string prefix = "strata_replay_" + Sha256::Hex(AbsolutePath(p_.dir() + "/migrations")).substr(0, 8) + "_";
  // The one replay cache of the folder (the one it replaces is dropped without waiting).
  auto caches = [&] {
    std::string where = "FROM pg_database WHERE starts_with(datname, '" + prefix + "')";
    EventualValue(admin, "SELECT count(*) " + where, "1");
    return QueryValue(admin, "SELECT string_agg(datname, ',') " + where);
  };
  // A column, a NOT NULL with a default (a batched backfill) and an index built
  // CONCURRENTLY in a no-transaction file.
  p_.Write("schema/01.sql", "CREATE TYPE status AS ENUM ('new');\n"
                            "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL DEFAULT 0, s status, note text);\n"
                            "CREATE INDEX t_a_idx ON t (a);\n");
  ASSERT_EQ(Gen({"warm", "--cache", "--dry-run"}).exit_code, 0);  // the replay is cached now
  std::string cache = caches();
  ASSERT_EQ(cache.find(','), std::string::npos) << cache;
  ASSERT_FALSE(cache.empty());
  auto g = Gen({"more", "--cache", "--timings"});
  ASSERT_EQ(g.exit_code, 0) << g.err << g.out;
  EXPECT_NE(g.err.find("proof: in a transaction on the cached replay"), std::string::npos) << g.err;
  EXPECT_EQ(g.err.find("proof database (a copy of the cached replay)"), std::string::npos) << g.err;
  EXPECT_NE(ReadMigration(p_, "_more_concurrently.sql").find("CREATE INDEX CONCURRENTLY t_a_idx"), std::string::npos);
  // The cache holds the migrations before this run's files, untouched by the proof.
  auto cache_url = WithDatabase(admin, cache);
  ASSERT_TRUE(cache_url.ok());
  EXPECT_EQ(QueryValue(*cache_url, "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'"), "0");
  EXPECT_EQ(QueryValue(*cache_url, "SELECT to_regclass('public.t_a_idx') IS NULL"), "t");
  auto m = Run({"migrate"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(Value("SELECT count(*) FROM t WHERE a = 0"), "1000");
  EXPECT_EQ(Run({"check", "--db", "--dev-url", admin}, {{"CI", "true"}}).exit_code, 0);
  EXPECT_NE(Gen({"again", "--cache"}).out.find("no changes"), std::string::npos);

  // The new enum value is the column's default: the value is added in a file of its own,
  // committed before it is used, which one transaction cannot do. Proven on a copy.
  p_.Write("schema/01.sql", "CREATE TYPE status AS ENUM ('new', 'done');\n"
                            "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL DEFAULT 0, s status DEFAULT 'done', note text);\n"
                            "CREATE INDEX t_a_idx ON t (a);\n");
  g = Gen({"done", "--cache", "--timings"});
  ASSERT_EQ(g.exit_code, 0) << g.err << g.out;
  EXPECT_NE(g.err.find("proof database (a copy of the cached replay)"), std::string::npos) << g.err;
  EXPECT_NE(g.out.find("proven: applied to the replayed migrations"), std::string::npos) << g.out;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO t (id) VALUES (5000)");
  EXPECT_EQ(Value("SELECT s FROM t WHERE id = 5000"), "done");
  EXPECT_EQ(Run({"check", "--db", "--dev-url", admin}, {{"CI", "true"}}).exit_code, 0);
}

// Outside CI, an edited schema rebuilds in part the cache of the schema before the edit:
// what the edited statements made, what depends on it, and the statements that made
// those. After every edit the cache equals a database built from the files from scratch,
// and a table the edit does not reach is the same table (same oid). check, push and CI
// never take such a cache on trust.
TEST_F(GenerateTest, AnEditedSchemaRebuildsOnlyWhatTheEditReaches) {
  const std::string head = R"SQL(
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n posint, note text);
CREATE TABLE b (id bigserial PRIMARY KEY, a_id bigint REFERENCES a (id) ON DELETE CASCADE, at timestamptz DEFAULT now());
CREATE INDEX b_a_idx ON b (a_id);
CREATE VIEW b_view AS SELECT b.id, a.note FROM b JOIN a ON a.id = b.a_id;
CREATE TABLE c (id int PRIMARY KEY, b_id bigint REFERENCES b);
COMMENT ON TABLE a IS 'as';
GRANT SELECT ON b_view TO PUBLIC;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.at := now(); RETURN NEW; END$$;
CREATE TRIGGER b_touch BEFORE UPDATE ON b FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE untouched (id int PRIMARY KEY, label text NOT NULL);
INSERT INTO untouched VALUES (1, 'one');
)SQL";
  p_.Write("schema/01.sql", head);
  std::string admin = TestServer::Get().AdminUrl();
  std::map<std::string, std::string> no_ci = {{"CI", ""}, {"STRATA_TRACE_GENERATE", "1"}};
  auto gen = [&](const std::string& slug) {
    return Run({"generate", slug, "--cache", "--dry-run", "--dev-url", admin}, no_ci);
  };
  // The schema's cache: the one database named after the folder (older ones are being
  // dropped, without anyone waiting for them).
  std::string prefix = "strata\\_desired\\_" + Sha256::Hex(AbsolutePath(p_.Path("schema"))).substr(0, 8) + "\\_%";
  auto cache_url = [&] {
    std::string where = "FROM pg_database WHERE datname LIKE '" + prefix + "' AND datname NOT LIKE '%\\_inc'";
    EXPECT_EQ(EventualValue(admin, "SELECT count(*) " + where, "1"), "1");
    return *WithDatabase(admin, QueryValue(admin, "SELECT datname " + where));
  };
  auto fresh = [&] {
    std::string db = TestServer::Get().NewDatabase("fresh");
    ExecOrDie(db, *ReadFile(p_.Path("schema/01.sql")));
    return SchemaDump(db);
  };
  auto oid_of = [&](const std::string& table) {
    return QueryValue(cache_url(), "SELECT '" + table + "'::regclass::oid");
  };
  auto r = gen("init");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("proof"), std::string::npos) << r.err;
  std::string untouched = oid_of("untouched");

  struct Edit {
    std::string what, from, to;
  };
  std::vector<Edit> edits = {
      // a's foreign key from b is put back; the view over a is made again, with its grant.
      {"a column of a", "note text);", "note text, extra int DEFAULT 7);"},
      // b is rebuilt (c's key to it put back), with its index, trigger and view.
      {"the trigger function", "NEW.at := now();", "NEW.at := clock_timestamp();"},
      {"the domain's check", "CHECK (VALUE > 0)", "CHECK (VALUE >= 0)"},
      {"an index", "CREATE INDEX b_a_idx ON b (a_id);", "CREATE INDEX b_a_idx ON b (a_id, at);"},
      {"a table at the end", "INSERT INTO untouched VALUES (1, 'one');",
       "INSERT INTO untouched VALUES (1, 'one');\nCREATE TABLE d (id int PRIMARY KEY, c_id int REFERENCES c);"},
  };
  std::string text = head;
  for (const Edit& e : edits) {
    SCOPED_TRACE(e.what);
    size_t at = text.find(e.from);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, e.from.size(), e.to);
    p_.Write("schema/01.sql", text);
    r = gen("edit");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("desired schema rebuilt in part"), std::string::npos) << r.err;
    EXPECT_EQ(SchemaDump(cache_url()), fresh());
    EXPECT_EQ(oid_of("untouched"), untouched) << "a table the edit does not reach is not rebuilt";
  }
  // An edit that breaks the schema fails as a build from scratch fails: file, line, column.
  p_.Write("schema/01.sql", text + "CREATE INDEX broken ON b (no_such_column);\n");
  r = gen("broken");
  EXPECT_EQ(r.exit_code, 1);
  std::string line = std::to_string(std::count(text.begin(), text.end(), '\n') + 1);
  EXPECT_NE(r.err.find("schema/01.sql:" + line + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("column \"no_such_column\" does not exist (SQLSTATE 42703)"), std::string::npos) << r.err;
  // The cache of the schema before the broken edit is kept: back to it, nothing is built.
  p_.Write("schema/01.sql", text);
  r = gen("back");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("desired schema"), std::string::npos) << r.err;
  EXPECT_EQ(oid_of("untouched"), untouched);

  // The files generate writes from such a cache migrate to the schema; check (which
  // builds from scratch, not from that cache) agrees.
  r = Run({"generate", "all", "--cache", "--dev-url", admin}, no_ci);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(SchemaDump(url_), fresh());
  auto check = Run({"check", "--db", "--cache", "--dev-url", admin}, {{"CI", "true"}});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(oid_of("untouched"), untouched) << "check left generate's cache alone";
  // In CI, generate does not use it either.
  r = Run({"generate", "ci", "--cache", "--dry-run", "--dev-url", admin}, {{"CI", "true"}, {"STRATA_TRACE_GENERATE", "1"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("rebuilt in part"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("no changes"), std::string::npos) << r.out;
}

// A rebuild in part whose session is killed, or whose strata is killed with SIGKILL,
// leaves no wrong cache: the run falls back to a build from scratch (or the next run
// does), the half-rebuilt database is rolled back and dropped, and the cache equals a
// database built from the files.
TEST_F(GenerateTest, AKilledRebuildInPartLeavesNoWrongCache) {
  const std::string base = "CREATE TABLE a (id int PRIMARY KEY, note text);\n"
                           "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);\n";
  p_.Write("schema/01.sql", base);
  std::string admin = TestServer::Get().AdminUrl();
  std::map<std::string, std::string> no_ci = {{"CI", ""}, {"STRATA_TRACE_GENERATE", "1"}};
  ASSERT_EQ(Run({"generate", "init", "--cache", "--dev-url", admin}, no_ci).exit_code, 0);
  std::string prefix = "strata\\_desired\\_" + Sha256::Hex(AbsolutePath(p_.Path("schema"))).substr(0, 8) + "\\_%";
  auto fresh = [&] {
    std::string db = TestServer::Get().NewDatabase("fresh");
    ExecOrDie(db, *ReadFile(p_.Path("schema/01.sql")));
    return SchemaDump(db);
  };
  auto cache = [&] {
    std::string where = "FROM pg_database WHERE datname LIKE '" + prefix + "' AND datname NOT LIKE '%\\_inc'";
    EXPECT_EQ(EventualValue(admin, "SELECT count(*) " + where, "1"), "1");
    return SchemaDump(*WithDatabase(admin, QueryValue(admin, "SELECT datname " + where)));
  };
  // The added row sleeps: the rebuild is killed while it waits.
  auto slow_edit = [&](int n) {
    p_.Write("schema/01.sql", base + "ALTER TABLE a ADD COLUMN c" + std::to_string(n) + " int;\n"
                                     "INSERT INTO a SELECT " + std::to_string(n) + ", pg_sleep(1.5)::text;\n");
  };
  auto wait_for_rebuild = [&] {
    for (int i = 0; i < 250; ++i) {
      if (QueryValue(admin, "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE '%\\_inc' AND "
                            "query LIKE '%pg_sleep%' AND state = 'active'") == "1") {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };

  // 1. The session is terminated: the same run builds from scratch instead.
  slow_edit(1);
  ProcessResult r;
  std::thread run([&] { r = Run({"generate", "one", "--cache", "--dry-run", "--dev-url", admin}, no_ci); });
  bool caught = wait_for_rebuild();
  std::string killed = QueryValue(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                         "WHERE datname LIKE '%\\_inc' AND query LIKE '%pg_sleep%'");
  run.join();
  ASSERT_TRUE(caught) << r.err;
  EXPECT_EQ(killed, "1");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("desired schema built from scratch (running the schema's statements again: terminating connection"),
            std::string::npos) << r.err;
  EXPECT_EQ(cache(), fresh());
  EXPECT_EQ(EventualValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_inc'", "0"), "0");

  // 2. strata itself is killed (SIGKILL) mid-rebuild: the server rolls the transaction
  // back; the next run builds from scratch and drops what was left.
  slow_edit(2);
  std::thread run2([&] { r = Run({"generate", "killme", "--cache", "--dry-run", "--dev-url", admin}, no_ci); });
  caught = wait_for_rebuild();
  int pkill = std::system("pkill -KILL -f 'strata generate kill[m]e'");
  run2.join();
  ASSERT_TRUE(caught) << r.err;
  ASSERT_EQ(pkill, 0) << r.err;
  EXPECT_EQ(r.exit_code, 128 + 9);
  r = Run({"generate", "after", "--cache", "--dry-run", "--dev-url", admin}, no_ci);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("rebuilt in part"), std::string::npos) << r.err;
  EXPECT_EQ(cache(), fresh());
  EXPECT_EQ(EventualValue(admin, "SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_inc'", "0"), "0");
}

// Both names have a default: an insert by either version sets its own column and gets
// the default in the other; the written value must win.
TEST_F(GenerateTest, ARenamedColumnWithADefaultKeepsTheWrittenValue) {
  p_.Write("schema/01.sql", "CREATE TABLE agents (id int PRIMARY KEY, provider text NOT NULL DEFAULT 'claude');\n");
  ASSERT_EQ(Gen({"init"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  p_.Write("schema/01.sql", "CREATE TABLE agents (id int PRIMARY KEY, vendor text NOT NULL DEFAULT 'claude');\n");
  auto r = Gen({"rename", "--rename", "column:agents.provider=vendor"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Run({"migrate", "--to", MigrationStem(p_, "_rename.sql")}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO agents (id, provider) VALUES (1, 'openai')");  // the old version
  ExecOrDie(url_, "INSERT INTO agents (id, vendor) VALUES (2, 'mistral')");   // the new version
  ExecOrDie(url_, "INSERT INTO agents (id) VALUES (3)");                      // neither
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(Value("SELECT string_agg(vendor, ',' ORDER BY id) FROM agents"), "openai,mistral,claude");
}

TEST_F(GenerateTest, ATableRenameCarriesTheNamesDerivedFromIt) {
  p_.Write("schema/01.sql", "CREATE TABLE orders (id bigserial PRIMARY KEY, n int UNIQUE);\n"
                            "CREATE INDEX orders_n_idx ON orders (n);\n"
                            "CREATE TABLE items (id int PRIMARY KEY, order_id bigint REFERENCES orders);\n");
  ASSERT_EQ(Gen({"init"}).exit_code, 0);
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  ExecOrDie(url_, "INSERT INTO orders (n) VALUES (7)");
  p_.Write("schema/01.sql", "CREATE TABLE purchases (id bigserial PRIMARY KEY, n int UNIQUE);\n"
                            "CREATE INDEX purchases_n_idx ON purchases (n);\n"
                            "CREATE TABLE items (id int PRIMARY KEY, order_id bigint REFERENCES purchases);\n");
  auto r = Gen({"rename"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--rename table:public.orders=public.purchases"), std::string::npos) << r.err;
  r = Gen({"rename", "--rename", "table:orders=purchases"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string m = ReadMigration(p_, "_rename.sql");
  EXPECT_NE(m.find("ALTER TABLE \"public\".\"orders\" RENAME TO \"purchases\";"), std::string::npos) << m;
  EXPECT_NE(m.find("RENAME CONSTRAINT \"orders_pkey\" TO \"purchases_pkey\""), std::string::npos) << m;
  EXPECT_NE(m.find("ALTER SEQUENCE \"public\".\"orders_id_seq\" RENAME TO \"purchases_id_seq\""), std::string::npos) << m;
  EXPECT_EQ(m.find("DROP"), std::string::npos) << "nothing is rebuilt: " << m;
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  EXPECT_EQ(Value("SELECT n FROM purchases"), "7");
  EXPECT_NE(Gen({"again"}).out.find("no changes"), std::string::npos);
}

TEST_F(GenerateTest, BadSchemaFilesPointAtTheLineAndWriteNothing) {
  p_.Write("schema/01.sql", "CREATE TABLE t (id int);\nCREATE TABLE u (id nosuchtype);\n");
  auto r = Gen({"init"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("schema/01.sql:2:"), std::string::npos) << r.err;
  EXPECT_TRUE(Files(p_).empty() || Files(p_).size() == 0);
  auto usage = Gen({"x", "--rename", "nonsense"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
}

TEST_F(GenerateTest, PushAppliesDirectlyAndRefusesProtectedTargetsAndDataLoss) {
  p_.Write("schema/01.sql", "CREATE TABLE a (id int PRIMARY KEY, n int);\nCREATE INDEX a_n ON a (n);\n");
  std::string admin = TestServer::Get().AdminUrl();
  auto r = Run({"push", "--dev-url", admin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(TableExists("public.a"));
  r = Run({"push", "--dev-url", admin});
  EXPECT_NE(r.out.find("no changes"), std::string::npos) << r.out;
  p_.Write("schema/01.sql", "CREATE TABLE b (id int);\n");
  r = Run({"push", "--dev-url", admin, "--dry-run"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("DROP TABLE \"public\".\"a\""), std::string::npos) << r.out;
  EXPECT_TRUE(TableExists("public.a"));
  r = Run({"push", "--dev-url", admin});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--accept-data-loss"), std::string::npos);
  EXPECT_TRUE(TableExists("public.a"));
  r = Run({"push", "--dev-url", admin, "--accept-data-loss", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["applied"].get<bool>());
  EXPECT_TRUE(j["deletes_data"].get<bool>());
  EXPECT_FALSE(TableExists("public.a"));
  EXPECT_TRUE(TableExists("public.b"));
  p_.Write("strata.toml", "[environments.prod]\nurl_env = \"PROD_URL\"\nprotected = true\n");
  r = Run({"push", "--dev-url", admin, "--env", "prod"}, {{"PROD_URL", url_}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("protected"), std::string::npos) << r.err;
  r = Run({"push", "--dev-url", admin}, {{"PROD_URL", url_}});  // same database by URL
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST_F(GenerateTest, DiffPrintsThePlanAsSqlAndJsonWithHazards) {
  ExecOrDie(url_, "CREATE TABLE a (id int PRIMARY KEY, n int)");
  std::string to = TestServer::Get().NewDatabase("to");
  ExecOrDie(to, "CREATE TABLE a (id int PRIMARY KEY, n int NOT NULL); CREATE INDEX a_n ON a (n)");
  auto r = Run({"diff", "--from", "db:" + url_, "--to", "db:" + to, "--format", "sql"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CREATE INDEX CONCURRENTLY a_n ON public.a USING btree (n);"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strata:no-transaction"), std::string::npos) << r.out;
  r = Run({"diff", "--from", "db:" + url_, "--to", "db:" + to, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0);
  auto j = nlohmann::json::parse(r.out);
  bool index_build = false;
  for (const auto& s : j["plan"]["steps"]) {
    for (const auto& h : s["hazards"]) index_build |= h["code"] == "INDEX_BUILD";
  }
  EXPECT_TRUE(index_build) << r.out;
  r = Run({"diff", "--from", "db:" + url_, "--to", "db:" + to, "--format", "sql", "--no-concurrently"});
  EXPECT_NE(r.out.find("CREATE INDEX a_n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("CONCURRENTLY"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace strata::testing
