#include "generate/incremental.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "base/sha256.h"
#include "base/strings.h"
#include "devdb/shadow.h"
#include "introspect/introspect.h"
#include "pg/session.h"
#include "sql/statement.h"

namespace strata {

namespace {

constexpr char kManifestHeader[] = "strata build manifest 1";

// An object's owning object: an index, a constraint, a trigger, a policy, a rule, a
// default, a row type or an owned sequence by its table; an array type by its element
// type; a domain constraint by its domain. Session-local (pg_temp), dropped after use.
constexpr char kOwnerFunction[] = R"SQL(
CREATE OR REPLACE FUNCTION pg_temp.strata_owner(k oid, o oid, OUT ok oid, OUT oo oid) LANGUAGE plpgsql STABLE AS $f$
DECLARE
  nk oid;
  no oid;
  rel constant oid := 'pg_catalog.pg_class'::pg_catalog.regclass;
  typ constant oid := 'pg_catalog.pg_type'::pg_catalog.regclass;
BEGIN
  ok := k;
  oo := o;
  FOR i IN 1..5 LOOP
    nk := ok;
    no := oo;
    IF ok = rel THEN
      SELECT CASE WHEN c.relkind IN ('i', 'I') THEN (SELECT x.indrelid FROM pg_catalog.pg_index x WHERE x.indexrelid = c.oid)
                  WHEN c.relkind = 't' THEN (SELECT x.oid FROM pg_catalog.pg_class x WHERE x.reltoastrelid = c.oid)
                  WHEN c.relkind = 'S' THEN coalesce((SELECT d.refobjid FROM pg_catalog.pg_depend d
                                                      WHERE d.classid = rel AND d.objid = c.oid AND d.refclassid = rel
                                                        AND d.deptype IN ('a', 'i') LIMIT 1), c.oid)
                  ELSE c.oid END
        INTO no FROM pg_catalog.pg_class c WHERE c.oid = oo;
    ELSIF ok = 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN
      SELECT CASE WHEN x.conrelid <> 0 THEN rel ELSE typ END, CASE WHEN x.conrelid <> 0 THEN x.conrelid ELSE x.contypid END
        INTO nk, no FROM pg_catalog.pg_constraint x WHERE x.oid = oo;
    ELSIF ok = 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN
      nk := rel;
      SELECT x.tgrelid INTO no FROM pg_catalog.pg_trigger x WHERE x.oid = oo;
    ELSIF ok = 'pg_catalog.pg_policy'::pg_catalog.regclass THEN
      nk := rel;
      SELECT x.polrelid INTO no FROM pg_catalog.pg_policy x WHERE x.oid = oo;
    ELSIF ok = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN
      nk := rel;
      SELECT x.ev_class INTO no FROM pg_catalog.pg_rewrite x WHERE x.oid = oo;
    ELSIF ok = 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN
      nk := rel;
      SELECT x.adrelid INTO no FROM pg_catalog.pg_attrdef x WHERE x.oid = oo;
    ELSIF ok = typ THEN
      SELECT CASE WHEN x.typrelid <> 0 THEN rel ELSE typ END,
             CASE WHEN x.typrelid <> 0 THEN x.typrelid WHEN x.typcategory = 'A' AND x.typelem <> 0 THEN x.typelem ELSE x.oid END
        INTO nk, no FROM pg_catalog.pg_type x WHERE x.oid = oo;
    END IF;
    EXIT WHEN no IS NULL OR (nk = ok AND no = oo);
    ok := nk;
    oo := no;
  END LOOP;
END
$f$;
)SQL";

constexpr char kStartLog[] = R"SQL(
CREATE SCHEMA strata_build_log;
CREATE TABLE strata_build_log.made (stmt int, classid oid, objid oid);
CREATE FUNCTION strata_build_log.made() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO strata_build_log.made
  SELECT coalesce(pg_catalog.current_setting('strata.stmt', true), '-1')::int, c.classid, c.objid
    FROM pg_catalog.pg_event_trigger_ddl_commands() c WHERE c.classid IS NOT NULL AND c.classid <> 0;
END
$f$;
CREATE TABLE strata_build_log.gone (stmt int, classid oid, objid oid);
CREATE FUNCTION strata_build_log.dropped() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO strata_build_log.gone
  SELECT coalesce(pg_catalog.current_setting('strata.stmt', true), '-1')::int, d.classid, d.objid
    FROM pg_catalog.pg_event_trigger_dropped_objects() d;
END
$f$;
CREATE EVENT TRIGGER strata_build_made ON ddl_command_end EXECUTE FUNCTION strata_build_log.made();
CREATE EVENT TRIGGER strata_build_dropped ON sql_drop EXECUTE FUNCTION strata_build_log.dropped()
)SQL";

constexpr char kStopLog[] =
    "DROP EVENT TRIGGER strata_build_made; DROP EVENT TRIGGER strata_build_dropped; "
    "DROP SCHEMA strata_build_log CASCADE; RESET strata.stmt";

uint32_t OidAt(const QueryResult& r, size_t row, size_t col) {
  return static_cast<uint32_t>(std::stoul(r.Get(row, col)));
}

// The (catalog, oid) pair in columns `col` and `col` + 1 of a row.
ObjectRef RefAt(const QueryResult& r, size_t row, size_t col) { return {OidAt(r, row, col), OidAt(r, row, col + 1)}; }

// What each labelled statement made, by owner; false when one of them dropped something.
// `unlabelled_drops` (when given): what was dropped outside any statement.
Result<bool> ReadLog(Session* s, std::map<int, std::set<ObjectRef>>* made,
                     std::set<ObjectRef>* unlabelled_drops = nullptr) {
  // The function is DDL too: recorded under no statement.
  STRATA_RETURN_IF_ERROR(s->Exec(std::string("SET strata.stmt = -1;\n") + kOwnerFunction).status());
  auto r = s->Exec(
      "SELECT m.stmt, o.ok, o.oo FROM strata_build_log.made m "
      "LEFT JOIN LATERAL pg_temp.strata_owner(m.classid, m.objid) o ON true");
  if (!r.ok()) return r.status();
  for (size_t i = 0; i < r->rows.size(); ++i) {
    int stmt = std::stoi(r->Get(i, 0));
    if (stmt < 0 || r->Get(i, 1).empty() || r->Get(i, 2).empty()) continue;
    (*made)[stmt].insert(RefAt(*r, i, 1));
  }
  auto gone = s->Exec("SELECT stmt, classid, objid FROM strata_build_log.gone");
  if (!gone.ok()) return gone.status();
  bool dropped = false;
  for (size_t i = 0; i < gone->rows.size(); ++i) {
    if (std::stoi(gone->Get(i, 0)) >= 0) {
      dropped = true;
    } else if (unlabelled_drops) {
      unlabelled_drops->insert(RefAt(*gone, i, 1));
    }
  }
  STRATA_RETURN_IF_ERROR(s->Exec(kStopLog).status());
  STRATA_RETURN_IF_ERROR(s->Exec("DROP FUNCTION pg_temp.strata_owner(oid, oid)").status());
  return !dropped;
}

char RoleOf(const Statement& st, std::string_view text) {
  if (!st.parsed || st.transaction_control || st.needs_no_transaction) return 'x';
  static const std::set<std::string> refused = {
      "create_table_as_stmt", "do_stmt",        "truncate_stmt",        "alter_default_privileges_stmt",
      "drop_stmt",            "call_stmt",      "create_event_trig_stmt", "alter_system_stmt",
      "reassign_owned_stmt", "drop_owned_stmt",  "lock_stmt",
      "create_role_stmt",     "alter_role_stmt", "drop_role_stmt",      "grant_role_stmt",
      "createdb_stmt",        "variable_show_stmt", "discard_stmt",     "load_stmt",
      "refresh_mat_view_stmt", "cluster_stmt",  "vacuum_stmt",          "execute_stmt",
      "prepare_stmt",         "deallocate_stmt", "notify_stmt",         "listen_stmt",
      "create_table_space_stmt", "security_label_stmt", "import_foreign_schema_stmt"};
  std::string lower = ToLower(text);
  if (st.kind == "variable_set_stmt") return 's';
  if (st.kind == "select_stmt") return lower.find("set_config") != std::string::npos ? 's' : 'x';
  if (st.kind == "grant_stmt") return 'g';
  // Rows (Rails' structure.sql ends with its schema_migrations versions): the catalog
  // does not hold them, so a table rebuilt without them has the same catalog.
  if (st.kind == "insert_stmt" || st.kind == "update_stmt" || st.kind == "delete_stmt" || st.kind == "merge_stmt") {
    return 'i';
  }
  // A materialized view depends on what it reads (CREATE TABLE ... AS does not).
  if (st.kind == "create_table_as_stmt" && lower.rfind("create materialized view", 0) == 0) return 'd';
  if (refused.count(st.kind)) return 'x';
  // CREATE TABLE ... (LIKE other): a copy the catalog does not tie to `other`.
  if (st.kind == "create_stmt" && lower.find("like") != std::string::npos) return 'x';
  return 'd';
}

std::string OidArray(const std::vector<uint32_t>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "}";
}

}  // namespace

constexpr char kRebuiltMark[] = " rebuilt-in-part";

bool RebuiltInPart(const std::string& comment) {
  std::string first = comment.substr(0, comment.find('\n'));
  return first == std::string(kManifestHeader) + kRebuiltMark;
}

std::string BuildManifest::ToText() const {
  std::string out = std::string(kManifestHeader) + (rebuilt_in_part ? kRebuiltMark : "") + "\n";
  for (const auto& s : statements) {
    out += s.fingerprint + " " + s.role;
    for (size_t i = 0; i < s.owners.size(); ++i) {
      out += (i ? "," : " ") + std::to_string(s.owners[i].first) + ":" + std::to_string(s.owners[i].second);
    }
    out += "\n";
  }
  return out;
}

std::optional<BuildManifest> BuildManifest::FromText(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  BuildManifest m;
  m.rebuilt_in_part = line == std::string(kManifestHeader) + kRebuiltMark;
  if (line != kManifestHeader && !m.rebuilt_in_part) return std::nullopt;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    BuiltStatement s;
    std::string role, owners;
    if (!(ls >> s.fingerprint >> role) || role.size() != 1) return std::nullopt;
    s.role = role[0];
    ls >> owners;
    size_t at = 0;
    while (at < owners.size()) {
      size_t comma = owners.find(',', at);
      if (comma == std::string::npos) comma = owners.size();
      std::string one = owners.substr(at, comma - at);
      size_t colon = one.find(':');
      if (colon == std::string::npos) return std::nullopt;
      try {
        s.owners.push_back({static_cast<uint32_t>(std::stoul(one.substr(0, colon))),
                            static_cast<uint32_t>(std::stoul(one.substr(colon + 1)))});
      } catch (...) {
        return std::nullopt;
      }
      at = comma + 1;
    }
    m.statements.push_back(std::move(s));
  }
  return m;
}

std::optional<std::vector<BuiltStatement>> StatementsOf(const std::vector<ParsedDocument>& docs) {
  std::vector<BuiltStatement> out;
  for (const ParsedDocument& d : docs) {
    if (!d.statements.ok()) return std::nullopt;
    for (const Statement& st : *d.statements) {
      std::string text = st.Text(d.doc.text);
      out.push_back({Sha256::Hex(text).substr(0, 24), RoleOf(st, text), {}});
    }
  }
  return out;
}

Status StartBuildLog(Session* s) {
  auto r = s->Exec(kStartLog);
  if (!r.ok()) return r.status();
  return Status::Ok();
}

Result<bool> FinishBuildLog(Session* s, std::vector<BuiltStatement>* statements) {
  std::map<int, std::set<ObjectRef>> made;
  auto clean = ReadLog(s, &made);
  if (!clean.ok()) return clean.status();
  for (const auto& [stmt, owners] : made) {
    if (stmt >= 0 && static_cast<size_t>(stmt) < statements->size()) {
      (*statements)[static_cast<size_t>(stmt)].owners.assign(owners.begin(), owners.end());
    }
  }
  return *clean;
}

Result<std::optional<IncrementalBuild>> RebuildIncrementally(const std::string& admin_url, const std::string& old_name,
                                                             const BuildManifest& old_manifest,
                                                             const std::string& new_name,
                                                             const std::vector<ParsedDocument>& docs, std::string* why) {
  auto stop = [&](const std::string& reason) -> Result<std::optional<IncrementalBuild>> {
    if (why) *why = reason;
    return std::optional<IncrementalBuild>();
  };
  auto fresh = StatementsOf(docs);
  if (!fresh) return stop("a schema file does not parse");
  std::vector<BuiltStatement> now = std::move(*fresh);
  const std::vector<BuiltStatement>& before = old_manifest.statements;
  {
    size_t k = 0;
    for (const ParsedDocument& d : docs) {
      for (const Statement& st : *d.statements) {
        if (now[k++].role == 'x') {
          return stop("a statement cannot be redone alone: " + d.doc.path + ": " + st.Text(d.doc.text).substr(0, 60));
        }
      }
    }
  }
  for (const auto& s : before) {
    if (s.role == 'x' || (s.role == 'i' && !s.owners.empty())) {
      return stop("the cache was built from a statement that cannot be redone alone");
    }
  }
  // Lined up: a common head and a common tail; what lies between was edited.
  size_t head = 0;
  while (head < now.size() && head < before.size() && now[head].fingerprint == before[head].fingerprint) ++head;
  size_t tail = 0;
  while (tail + head < now.size() && tail + head < before.size() &&
         now[now.size() - 1 - tail].fingerprint == before[before.size() - 1 - tail].fingerprint) {
    ++tail;
  }
  const size_t removed_end = before.size() - tail, added_end = now.size() - tail;
  for (size_t i = head; i < removed_end; ++i) {
    if (before[i].role == 's' || before[i].role == 'g') return stop("a session setting or a grant was edited");
  }
  for (size_t i = head; i < added_end; ++i) {
    if (now[i].role == 's') return stop("a session setting was added");
  }
  // Which statements touched each owner.
  std::map<ObjectRef, std::vector<size_t>> touched;
  for (size_t i = 0; i < before.size(); ++i) {
    for (const auto& o : before[i].owners) touched[o].push_back(i);
  }

  // The old cache is renamed before it changes: under its old name it would claim
  // content it no longer has.
  std::string work = new_name + "_inc";
  {
    auto admin = Connection::Open(admin_url);
    if (!admin.ok()) return admin.status();
    if (!(*admin)->Exec("ALTER DATABASE " + QuoteIdent(old_name) + " RENAME TO " + QuoteIdent(work)).ok()) {
      return stop("the old cache is in use: " + (*admin)->last_error().Summary());
    }
  }
  auto url = WithDatabase(admin_url, work);
  if (!url.ok()) return url.status();
  auto conn = Connection::Open(*url);
  if (!conn.ok()) return conn.status();
  Session* s = conn->get();
  // Rolled back, the database holds the old schema again: it gets its name back (a
  // return to that schema finds it), or is dropped when it cannot.
  auto abandon = [&](const std::string& reason) {
    s->Exec("ROLLBACK");
    conn->reset();
    auto admin = Connection::Open(admin_url);
    if (!admin.ok() || !(*admin)->Exec("ALTER DATABASE " + QuoteIdent(work) + " RENAME TO " + QuoteIdent(old_name)).ok()) {
      DropDatabaseWithoutWaiting(admin_url, work);
    }
    return stop(reason);
  };
  auto failed = [&](const std::string& what) { return abandon(what + ": " + s->last_error().Summary()); };
  if (!s->Exec("SET client_min_messages = warning; SET jit = off; BEGIN").ok()) return failed("BEGIN");
  if (!s->Exec(kOwnerFunction).ok()) return failed("the owner function");

  // The statements to run again: the removed ones' owners, everything that depends on
  // them (a foreign key of another table is put back instead), and every statement that
  // touched any of those owners, until nothing more is added.
  std::set<size_t> affected;
  std::set<ObjectRef> owners;
  std::vector<size_t> queue;
  for (size_t i = head; i < removed_end; ++i) queue.push_back(i);
  std::set<uint32_t> fks;  // foreign keys to put back, with their tables
  std::map<uint32_t, ObjectRef> fk_table;
  std::set<ObjectRef> expected;  // what the drops below may take with them
  uint32_t rel = 0;
  {
    auto r = s->Exec("SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid");
    if (!r.ok()) return failed("pg_class");
    rel = OidAt(*r, 0, 0);
  }
  for (;;) {
    while (!queue.empty()) {
      size_t i = queue.back();
      queue.pop_back();
      if (!affected.insert(i).second) continue;
      for (const auto& o : before[i].owners) {
        if (!owners.insert(o).second) continue;
        for (size_t j : touched[o]) {
          if (!affected.count(j)) queue.push_back(j);
        }
      }
    }
    if (owners.empty()) break;
    std::vector<uint32_t> classes, oids;
    for (const auto& o : owners) classes.push_back(o.first), oids.push_back(o.second);
    auto deps = s->ExecParams(R"SQL(
WITH RECURSIVE x(classid, objid) AS (SELECT * FROM unnest($1::oid[], $2::oid[])),
d(classid, objid) AS (
  SELECT p.classid, p.objid FROM pg_catalog.pg_depend p JOIN x ON p.refclassid = x.classid AND p.refobjid = x.objid
   WHERE p.deptype IN ('n', 'a', 'i', 'e')
  UNION
  SELECT p.classid, p.objid FROM pg_catalog.pg_depend p JOIN d ON p.refclassid = d.classid AND p.refobjid = d.objid
   WHERE p.deptype IN ('n', 'a', 'i', 'e'))
SELECT o.ok, o.oo, root.oid, root.conrelid, d.classid, d.objid
  FROM d
  LEFT JOIN LATERAL pg_temp.strata_owner(d.classid, d.objid) o ON true
  LEFT JOIN pg_catalog.pg_trigger t ON d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND t.oid = d.objid
  LEFT JOIN pg_catalog.pg_constraint fk ON fk.contype = 'f' AND
       ((d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND fk.oid = d.objid) OR fk.oid = t.tgconstraint)
  -- A partition's copy of a foreign key comes back with the key it was copied from.
  LEFT JOIN LATERAL (
    WITH RECURSIVE up(oid, parent) AS (
      SELECT fk.oid, fk.conparentid
      UNION ALL
      SELECT c.oid, c.conparentid FROM pg_catalog.pg_constraint c JOIN up ON c.oid = up.parent)
    SELECT c.oid, c.conrelid FROM up JOIN pg_catalog.pg_constraint c ON c.oid = up.oid WHERE up.parent = 0) root
    ON fk.oid IS NOT NULL)SQL",
                              {OidArray(classes), OidArray(oids)});
    if (!deps.ok()) return failed("reading dependencies");
    expected = owners;
    for (size_t k = 0; k < deps->rows.size(); ++k) {
      expected.insert(RefAt(*deps, k, 4));
      if (!deps->Get(k, 2).empty()) {  // a foreign key, or one of its triggers
        uint32_t fk = OidAt(*deps, k, 2);
        fks.insert(fk);
        fk_table[fk] = {rel, OidAt(*deps, k, 3)};
        continue;
      }
      if (deps->Get(k, 0).empty() || deps->Get(k, 1).empty()) return abandon("an object without an owner");
      ObjectRef o = RefAt(*deps, k, 0);
      if (owners.count(o)) continue;
      auto t = touched.find(o);
      if (t == touched.end()) return abandon("an object depends on one that no statement recorded");
      for (size_t j : t->second) {
        if (!affected.count(j)) queue.push_back(j);
      }
    }
    if (queue.empty()) break;
  }
  std::vector<uint32_t> restore;
  for (uint32_t fk : fks) {
    if (!owners.count(fk_table[fk])) restore.push_back(fk);
  }
  if (!fks.empty()) {  // a foreign key goes with its partitions' copies and its triggers
    std::vector<uint32_t> all(fks.begin(), fks.end());
    auto tree = s->ExecParams(
        "WITH RECURSIVE tree(oid) AS (SELECT unnest($1::oid[]) UNION "
        "SELECT c.oid FROM pg_catalog.pg_constraint c JOIN tree ON c.conparentid = tree.oid) "
        "SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass::oid, oid FROM tree UNION ALL "
        "SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass::oid, t.oid FROM pg_catalog.pg_trigger t "
        "JOIN tree ON t.tgconstraint = tree.oid",
        {OidArray(all)});
    if (!tree.ok()) return failed("reading foreign keys");
    for (size_t k = 0; k < tree->rows.size(); ++k) {
      expected.insert(RefAt(*tree, k, 0));
    }
  }

  // The foreign keys to put back, written out while they exist. pg_get_constraintdef
  // qualifies what is not on the search_path: read with none.
  std::vector<std::string> put_back;
  if (!restore.empty()) {
    if (!s->Exec("SET search_path = ''").ok()) return failed("search_path");
    auto defs = s->ExecParams(
        "SELECT pg_catalog.format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s;', n.nspname, c.relname, k.conname, "
        "pg_catalog.pg_get_constraintdef(k.oid)) || coalesce(pg_catalog.format(' COMMENT ON CONSTRAINT %I ON %I.%I IS %L;', "
        "k.conname, n.nspname, c.relname, pg_catalog.obj_description(k.oid, 'pg_constraint')), '') "
        "FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE k.oid = ANY ($1::oid[]) ORDER BY k.oid",
        {OidArray(restore)});
    if (!defs.ok()) return failed("reading foreign keys");
    for (size_t k = 0; k < defs->rows.size(); ++k) put_back.push_back(defs->Get(k, 0));
    if (!s->Exec("RESET search_path").ok()) return failed("RESET");
  }

  // Run again, in the new order: the affected statements still there, the added ones,
  // and every session setting and grant (running those again changes nothing).
  std::set<size_t> rerun;
  for (size_t i : affected) {
    if (i < head) rerun.insert(i);
    else if (i >= removed_end) rerun.insert(i - before.size() + now.size());
  }
  for (size_t i = head; i < added_end; ++i) rerun.insert(i);
  // Past half of the statements of a large schema, a build from scratch (batched, no
  // dependency walk) is the faster way.
  if (now.size() >= 100 && rerun.size() * 2 > now.size()) return abandon("most of the schema changed");

  // Dropped, latest statement's first, each with whatever depends on it.
  std::vector<ObjectRef> order;
  std::set<ObjectRef> listed;
  for (auto it = affected.rbegin(); it != affected.rend(); ++it) {
    for (const auto& o : before[*it].owners) {
      if (listed.insert(o).second) order.push_back(o);
    }
  }
  // Logged from here on: every drop is checked against what the walk expected.
  if (!s->Exec(std::string("SET strata.stmt = -1;\n") + kStartLog).ok()) return failed("the build log");
  if (!order.empty()) {
    std::vector<uint32_t> classes, oids;
    for (const auto& o : order) classes.push_back(o.first), oids.push_back(o.second);
    std::string drop = R"SQL(
DO $strata$
DECLARE
  k oid;
  o oid;
  i int;
  sql text;
  saved text := pg_catalog.current_setting('search_path');
  ks oid[] := ')SQL" + OidArray(classes) + R"SQL(';
  os oid[] := ')SQL" + OidArray(oids) + R"SQL(';
BEGIN
  PERFORM pg_catalog.set_config('search_path', '', false);
  FOR i IN 1 .. pg_catalog.array_length(ks, 1) LOOP
    k := ks[i];
    o := os[i];
    sql := NULL;
    IF k = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
      SELECT pg_catalog.format('DROP %s %I.%I CASCADE',
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                              WHEN 'c' THEN 'TYPE' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX'
                              ELSE 'TABLE' END, n.nspname, CASE WHEN c.relkind = 'c' THEN t.typname ELSE c.relname END)
        INTO sql FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_type t ON t.oid = c.reltype WHERE c.oid = o;
    ELSIF k = 'pg_catalog.pg_type'::pg_catalog.regclass THEN
      SELECT pg_catalog.format('DROP %s %I.%I CASCADE', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname)
        INTO sql FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = o;
    ELSIF k = 'pg_catalog.pg_proc'::pg_catalog.regclass THEN
      SELECT pg_catalog.format('DROP ROUTINE %s CASCADE', o::pg_catalog.regprocedure)
        INTO sql FROM pg_catalog.pg_proc p WHERE p.oid = o;
    ELSIF k = 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN
      SELECT pg_catalog.format('DROP SCHEMA %I CASCADE', n.nspname) INTO sql FROM pg_catalog.pg_namespace n WHERE n.oid = o;
    ELSE
      RAISE EXCEPTION 'strata: no rebuild for objects of %', k::pg_catalog.regclass;
    END IF;
    IF sql IS NOT NULL THEN
      EXECUTE sql;
    END IF;
  END LOOP;
  PERFORM pg_catalog.set_config('search_path', saved, false);
END
$strata$)SQL";
    if (!s->Exec(drop).ok()) return failed("dropping what the edit changes");
  }

  // Many statements per round trip, each after its label.
  size_t ran = 0, index = 0, pending = 0;
  std::string batch;
  for (const ParsedDocument& d : docs) {
    for (const Statement& st : *d.statements) {
      size_t k = index++;
      if (!rerun.count(k) && (now[k].role == 'd' || now[k].role == 'i')) continue;
      batch += "SET strata.stmt = " + std::to_string(rerun.count(k) ? static_cast<long>(k) : -1L) + ";\n" +
               st.Text(d.doc.text) + "\n;\n";
      ran += rerun.count(k);
      if (++pending == 200) {
        if (!s->Exec(batch).ok()) return failed("running the schema's statements again");
        batch.clear();
        pending = 0;
      }
    }
  }
  if (!s->Exec(batch + "SET strata.stmt = -1").ok()) return failed("running the schema's statements again");
  for (const std::string& sql : put_back) {
    if (!s->Exec(sql).ok()) return failed("putting a foreign key back");
  }
  std::map<int, std::set<ObjectRef>> made;
  std::set<ObjectRef> gone;
  auto clean = ReadLog(s, &made, &gone);
  if (!clean.ok()) return failed("reading the build log");
  if (!*clean) return abandon("a statement run again dropped something");
  for (const ObjectRef& o : gone) {
    if (!expected.count(o)) return abandon("a drop reached an object the dependency walk did not");
  }
  if (!s->Exec("RESET ALL; SET client_min_messages = warning").ok()) return failed("RESET");
  IntrospectOptions io;
  io.inside_transaction = true;
  auto catalog = Introspect(s, io);
  if (!catalog.ok()) return failed("reading the catalog");
  if (!s->Exec("COMMIT").ok()) return failed("COMMIT");
  conn->reset();

  BuildManifest next;
  next.statements = now;
  next.rebuilt_in_part = true;
  for (size_t k = 0; k < now.size(); ++k) {
    if (rerun.count(k)) {
      auto m = made.find(static_cast<int>(k));
      if (m != made.end()) next.statements[k].owners.assign(m->second.begin(), m->second.end());
    } else if (k < head) {
      next.statements[k].owners = before[k].owners;
    } else if (k >= added_end) {
      next.statements[k].owners = before[k - now.size() + before.size()].owners;
    }
  }
  auto admin = Connection::Open(admin_url);
  if (!admin.ok()) return admin.status();
  if (!(*admin)->Exec("ALTER DATABASE " + QuoteIdent(work) + " RENAME TO " + QuoteIdent(new_name)).ok()) {
    DropDatabaseWithoutWaiting(admin_url, work);
    return stop("renaming the rebuilt cache: " + (*admin)->last_error().Summary());
  }
  (*admin)->Exec("COMMENT ON DATABASE " + QuoteIdent(new_name) + " IS " + QuoteLiteral(next.ToText()));
  return std::optional<IncrementalBuild>(IncrementalBuild{std::move(*catalog), ran, put_back.size()});
}

}  // namespace strata
