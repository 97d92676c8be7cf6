#include "conformance/roundtrip.h"

#include <cstdio>
#include <cstdlib>

#include "base/fs.h"
#include "base/strings.h"
#include "catalog/catalog_json.h"
#include "catalog/ddl.h"
#include "introspect/introspect.h"
#include "sql/statement.h"
#include "test_server.h"

namespace strata::testing {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "pass";
    case Outcome::kUnsupported: return "unsupported (explicit error)";
    case Outcome::kNotLoadable: return "does not load on PostgreSQL 15";
    case Outcome::kFail: return "FAIL";
  }
  return "?";
}

std::string ApplyScript(const std::string& url, const std::string& sql) {
  auto conn = Connection::Open(url);
  if (!conn.ok()) return conn.status().message();
  auto stmts = ParseStatements(sql);
  if (!stmts.ok()) {
    auto r = (*conn)->Exec(sql);
    return r.ok() ? "" : r.status().message();
  }
  (*conn)->Exec("SET client_min_messages = warning");
  for (const Statement& st : *stmts) {
    auto r = (*conn)->Exec(st.Text(sql));
    if (!r.ok()) return r.status().message() + "\n  in: " + st.Text(sql).substr(0, 200);
  }
  return "";
}

void EnsureRoles(const std::vector<std::string>& roles) {
  std::string admin = TestServer::Get().AdminUrl();
  for (const auto& r : roles) {
    ApplyScript(admin, "DO $$BEGIN CREATE ROLE " + QuoteIdent(r) +
                           "; EXCEPTION WHEN duplicate_object THEN NULL; END$$");
  }
}

void DropDatabase(const std::string& url) {
  std::string name = url.substr(url.rfind('/') + 1);
  ApplyScript(TestServer::Get().AdminUrl(), "DROP DATABASE IF EXISTS " + QuoteIdent(name) + " WITH (FORCE)");
}

namespace {

Result<std::string> Snapshot(const std::string& url, std::string* sql) {
  auto conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  auto catalog = Introspect(conn->get());
  if (!catalog.ok()) return catalog.status();
  if (sql) {
    auto script = CatalogSql(*catalog);
    if (!script.ok()) return script.status();
    *sql = *script;
  }
  return CatalogToJson(*catalog).dump(1);
}


}  // namespace

std::string FirstDifference(const std::string& a, const std::string& b) {
  auto la = Split(a, '\n'), lb = Split(b, '\n');
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    std::string x = i < la.size() ? la[i] : "", y = i < lb.size() ? lb[i] : "";
    if (x != y) return "line " + std::to_string(i + 1) + ": " + std::string(Trim(x)) + "  vs  " + std::string(Trim(y));
  }
  return "";
}

bool InShard(size_t index) {
  const char* shard = std::getenv("STRATA_CONFORMANCE_SHARD");
  if (shard == nullptr || *shard == '\0') return true;
  int k = 0, n = 1;
  if (std::sscanf(shard, "%d/%d", &k, &n) != 2 || n <= 0) return true;
  return static_cast<int>(index % static_cast<size_t>(n)) == k;
}

std::set<std::string> ExpectedFailures(const std::string& file) {
  std::set<std::string> out;
  auto text = ReadFile(std::string(STRATA_SOURCE_DIR) + "/tests/conformance/" + file);
  if (!text.ok()) return out;
  for (const auto& line : Split(*text, '\n')) {
    std::string_view t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    out.insert(std::string(Trim(t.substr(0, t.find(" -- ")))));
  }
  return out;
}

std::string ResetDatabase(const std::string& url) {
  return ApplyScript(url, R"SQL(
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT evtname FROM pg_event_trigger LOOP
    EXECUTE format('DROP EVENT TRIGGER %I', r.evtname);
  END LOOP;
  FOR r IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' LOOP
    EXECUTE format('DROP EXTENSION %I CASCADE', r.extname);
  END LOOP;
  FOR r IN SELECT fdwname FROM pg_foreign_data_wrapper LOOP
    EXECUTE format('DROP FOREIGN DATA WRAPPER %I CASCADE', r.fdwname);
  END LOOP;
  FOR r IN SELECT pubname FROM pg_publication LOOP
    EXECUTE format('DROP PUBLICATION %I', r.pubname);
  END LOOP;
  FOR r IN SELECT castsource::regtype AS s, casttarget::regtype AS t FROM pg_cast WHERE oid >= 16384 LOOP
    EXECUTE format('DROP CAST (%s AS %s) CASCADE', r.s, r.t);
  END LOOP;
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             AND nspname !~ '^pg_(toast_)?temp_' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END $$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
COMMENT ON SCHEMA public IS 'standard public schema';
GRANT USAGE ON SCHEMA public TO PUBLIC;
)SQL");
}

RoundTripper::RoundTripper() : a_(TestServer::Get().NewDatabase("rt")), b_(TestServer::Get().NewDatabase("rt")) {}

RoundTripper::~RoundTripper() {
  DropDatabase(a_);
  DropDatabase(b_);
}

RoundTripResult RoundTripper::Run(const std::vector<std::string>& scripts) {
  for (std::string* url : {&a_, &b_}) {
    if (!ResetDatabase(*url).empty()) {  // something the reset cannot drop: start over
      DropDatabase(*url);
      *url = TestServer::Get().NewDatabase("rt");
    }
  }
  const std::string& a = a_;
  const std::string& b = b_;
  RoundTripResult out;
  std::string sql;
  for (const auto& s : scripts) {
    std::string err = ApplyScript(a, s);
    if (!err.empty()) {
      out = {Outcome::kNotLoadable, err};
      break;
    }
  }
  if (out.outcome != Outcome::kNotLoadable) {
    auto first = Snapshot(a, &sql);
    if (!first.ok()) {
      bool explicit_error = first.status().message().find("cannot represent") != std::string::npos;
      out = {explicit_error ? Outcome::kUnsupported : Outcome::kFail, first.status().message()};
    } else if (std::string err = ApplyScript(b, sql); !err.empty()) {
      out = {Outcome::kFail, "applying the inspect output: " + err};
    } else {
      auto second = Snapshot(b, nullptr);
      if (!second.ok()) out = {Outcome::kFail, second.status().message()};
      else if (*second != *first) out = {Outcome::kFail, "snapshots differ: " + FirstDifference(*first, *second)};
      else out = {Outcome::kPass, ""};
    }
  }
  return out;
}

}  // namespace strata::testing
