// Planning tables and their columns: create, drop, ALTER TABLE properties, column types,
// defaults, NOT NULL in the safe three steps, identity, generated columns.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <set>

#include "plan/planner.h"

namespace strata::planning {

Status Planner::TableChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  const Table* a = c.from_pos >= 0 ? &a_.tables[c.from_pos] : nullptr;
  const Table* b = c.to_pos >= 0 ? &b_.tables[c.to_pos] : nullptr;
  const Table& x = b ? *b : *a;
  std::string key = Key("table", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
  if (drop) {
    Step s = S(key, "drop table " + q, "DROP TABLE " + q + ";");
    s.hazards.push_back({Hazard::kDeletesData, "deletes every row of " + q});
    s.hazards.push_back({Hazard::kAccessExclusiveLock, "locks the table"});
    s.verify = "SELECT to_regclass(" + Lit(q) + ") IS NULL";
    Add(NodeKind::kDrop, kDropTable, key, "", std::move(s));
  } else if (create && attach_later_.count(key)) {
    // A new partition whose own key an existing parent index adopts: made on its own
    // with the parent's columns, given its key, then attached (ATTACH takes a matching
    // index over building one; PARTITION OF would build the parent's first).
    Table own = *b;
    own.partition_of.clear();
    own.columns = tables_b_.at(b->partition_of)->columns;
    std::string sql = TableSql(own);
    for (const Constraint& k : b_.constraints) {  // ATTACH requires the parent's checks
      if (k.table_key == b->partition_of && k.type == 'c') {
        sql += "ALTER TABLE " + q + " ADD CONSTRAINT " + QuoteIdent(k.name) + " " + StripNotValid(k.definition) + ";\n";
      }
    }
    Step s = S(key, "create table " + q + " (to attach as a partition)", sql);
    s.undo = "DROP TABLE " + q + ";";
    Add(NodeKind::kCreate, kCreateTable, key, "", std::move(s));
    Step attach = S("attach:" + key, "attach " + q, "ALTER TABLE " + b->partition_parent_sql + " ATTACH PARTITION " + q + " " + b->partition_bound + ";");
    attach.hazards.push_back({Hazard::kValidatesRows, "checks every row against the partition bound (the table is new: none)"});
    attach.verify = "SELECT relispartition FROM pg_catalog.pg_class WHERE oid = " + Lit(q) + "::regclass";
    int id = Add(NodeKind::kCreate, kAlterTable, "attach:" + key, key, std::move(attach));
    late_deps_.push_back({id, key});
  } else if (create) {
    auto inlined = inline_.find(key);
    Step s = S(key, "create table " + q, inlined == inline_.end() ? TableSql(*b) : TableSql(*b, inlined->second));
    s.undo = "DROP TABLE " + q + ";";
    s.verify = "SELECT to_regclass(" + Lit(q) + ") IS NOT NULL";
    int id = Add(NodeKind::kCreate, kCreateTable, key, "", std::move(s));
    // The constraints it holds are this step: what depends on them waits for it.
    if (inlined != inline_.end()) {
      for (const Constraint* k : inlined->second) by_object_.emplace(ConstraintKey(*k), id);
    }
    if (!b->partition_of.empty()) {
      // Created after its parent's new indexes, so that it gets its own from them —
      // unless its own key is what the parent index adopts (then the other way round).
      for (const auto& k : new_indexes_) {
        if (b_index_table_[k] == b->partition_of && !adopted_by_.count({key, k})) late_deps_.push_back({id, k});
      }
    }
    if (b->replica_identity != 'd') {
      std::string how = b->replica_identity == 'f' ? "FULL" : b->replica_identity == 'n' ? "NOTHING" : "USING INDEX " + QuoteIdent(b->replica_index);
      Add(NodeKind::kCreate, kReplicaIdentity, "replica:" + key, "", S(key, "replica identity of " + q, "ALTER TABLE " + q + " REPLICA IDENTITY " + how + ";"));
    }
  } else if (!c.fields.empty()) {
    STRATA_RETURN_IF_ERROR(TableAlter(*a, *b, c.fields));
  }
  return Status::Ok();
}

Status Planner::TableAlter(const Table& a, const Table& b, const std::vector<std::string>& fields) {
  std::string q = QualifiedSql(b.schema, b.name), key = Key("table", b.schema, b.name);
  std::string on = "ALTER TABLE " + q + " ";
  auto add = [&](Step s, int prio = kAlterTable) { Add(NodeKind::kAlter, prio, "props:" + key, key, std::move(s)); };
  for (const auto& f : fields) {
    if (f == "partition_key") {
      return Status::InvalidInput("table " + q + ": the partition key cannot be changed in place (" + a.partition_key +
                                  " -> " + b.partition_key + "); create a new table and move the data");
    }
    if (f == "unlogged") {
      Step s = S(key, "make " + q + (b.unlogged ? " unlogged" : " logged"), on + (b.unlogged ? "SET UNLOGGED;" : "SET LOGGED;"));
      s.hazards.push_back({Hazard::kTableRewrite, "rewrites the table"});
      s.hazards.push_back({Hazard::kAccessExclusiveLock, "for the whole rewrite"});
      add(std::move(s));
    } else if (f == "rls_enabled") {
      Step s = S(key, "row level security on " + q, on + (b.rls_enabled ? "ENABLE" : "DISABLE") + " ROW LEVEL SECURITY;");
      s.hazards.push_back({Hazard::kAuthzUpdate, "changes which rows users see"});
      add(std::move(s), kCreatePolicy);
    } else if (f == "rls_forced") {
      Step s = S(key, "force row level security on " + q, on + (b.rls_forced ? "FORCE" : "NO FORCE") + " ROW LEVEL SECURITY;");
      s.hazards.push_back({Hazard::kAuthzUpdate, "changes which rows the owner sees"});
      add(std::move(s), kCreatePolicy);
    } else if (f == "replica_identity" || f == "replica_index") {
      if (f == "replica_index" && std::find(fields.begin(), fields.end(), "replica_identity") != fields.end()) continue;
      std::string how = b.replica_identity == 'f' ? "FULL" : b.replica_identity == 'n' ? "NOTHING"
                        : b.replica_identity == 'd' ? "DEFAULT" : "USING INDEX " + QuoteIdent(b.replica_index);
      Step s = S(key, "replica identity of " + q, on + "REPLICA IDENTITY " + how + ";");
      int id = Add(NodeKind::kAlter, kReplicaIdentity, "replica:" + key, "", std::move(s));
      if (b.replica_identity == 'i') late_deps_.push_back({id, Key("index", b.schema, b.replica_index)});
    } else if (f == "partition_defaults") {
      std::map<std::string, std::string> da(a.partition_defaults.begin(), a.partition_defaults.end());
      std::map<std::string, std::string> db(b.partition_defaults.begin(), b.partition_defaults.end());
      auto parent = tables_b_.find(b.partition_of);
      for (const auto& [col, unused] : da) {
        if (db.count(col) || parent == tables_b_.end()) continue;
        // Back to what the parent gives.
        std::string from_parent;
        for (const Column& k : parent->second->columns) {
          if (k.name == col) from_parent = k.default_expr;
        }
        db[col] = from_parent;
      }
      for (const auto& [col, expr] : db) {
        auto old = da.find(col);
        if (old != da.end() && old->second == expr) continue;
        std::string alter = "ALTER TABLE ONLY " + q + " ALTER COLUMN " + QuoteIdent(col);
        Step s = S(key, "default of partition column " + q + "." + QuoteIdent(col),
                   alter + (expr.empty() ? " DROP DEFAULT;" : " SET DEFAULT " + expr + ";"));
        s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the partition"});
        add(std::move(s));
      }
    } else if (f == "options") {
      std::set<std::string> keep;
      std::string set, reset;
      for (const auto& o : b.options) {
        keep.insert(o.substr(0, o.find('=')));
        if (std::find(a.options.begin(), a.options.end(), o) == a.options.end()) set += (set.empty() ? "" : ", ") + o;
      }
      for (const auto& o : a.options) {
        std::string k = o.substr(0, o.find('='));
        if (!keep.count(k)) reset += (reset.empty() ? "" : ", ") + k;
      }
      if (!reset.empty()) add(S(key, "reset storage options of " + q, on + "RESET (" + reset + ");"));
      if (!set.empty()) add(S(key, "storage options of " + q, on + "SET (" + set + ");"));
    } else if (f == "comment") {
      add(S(key, "comment on " + q, CommentOn("TABLE " + q, b.comment)), kLast);
    } else if (f == "acl") {
      Step s = S(key, "privileges on " + q, AclSql("TABLE " + q, a.acl, b.acl, "", nullptr));
      s.hazards.push_back({Hazard::kAuthzUpdate, "changes who may use the table"});
      add(std::move(s), kLast);
    } else if (f == "partition_of" || f == "partition_bound") {
      if (f == "partition_bound" && std::find(fields.begin(), fields.end(), "partition_of") != fields.end()) continue;
      if (!a.partition_of.empty()) {
        Step s = S(key, "detach " + q, "ALTER TABLE " + a.partition_parent_sql + " DETACH PARTITION " + q + ";");
        s.hazards.push_back({Hazard::kAccessExclusiveLock, "locks the parent table"});
        add(std::move(s), kAlterColumn);
      }
      if (!b.partition_of.empty()) {
        Step s = S(key, "attach " + q, "ALTER TABLE " + b.partition_parent_sql + " ATTACH PARTITION " + q + " " + b.partition_bound + ";");
        s.hazards.push_back({Hazard::kValidatesRows, "checks every row against the partition bound"});
        add(std::move(s), kAlterTable);
      }
    } else if (f == "inherits") {
      for (const auto& p : a.inherits) {
        if (std::find(b.inherits.begin(), b.inherits.end(), p) == b.inherits.end()) add(S(key, "stop inheriting " + p, on + "NO INHERIT " + p + ";"));
      }
      for (const auto& p : b.inherits) {
        if (std::find(a.inherits.begin(), a.inherits.end(), p) == a.inherits.end()) add(S(key, "inherit " + p, on + "INHERIT " + p + ";"));
      }
    }
  }
  return Status::Ok();
}

Status Planner::ColumnChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  const Table& ta = a_.tables[c.table_from_pos];
  const Table& tb = b_.tables[c.table_to_pos];
  if (drop && AttachMakesInherited(ta, tb, ta.columns[c.from_pos])) {
    // A table becoming a partition: ATTACH turns its matching columns into inherited ones.
  } else if (drop) {
    const Column& col = ta.columns[c.from_pos];
    std::string tq = QualifiedSql(ta.schema, ta.name), ck = "column:" + ta.schema + "." + ta.name + "." + col.name;
    // Children that keep the column as their own: DROP COLUMN on ONLY the parent leaves
    // theirs in place (now local), with its data.
    std::string parent_key = Key("table", ta.schema, ta.name);
    bool children_keep = false;
    for (const Table& child : b_.tables) {
      const auto& parents = child.inherits_keys;
      children_keep |= std::find(parents.begin(), parents.end(), parent_key) != parents.end() &&
                       ChildKeepsColumn(child, col);
    }
    Step s = S(ck, "drop column " + tq + "." + QuoteIdent(col.name) + (children_keep ? " (its children keep theirs)" : ""),
               "ALTER TABLE " + std::string(children_keep ? "ONLY " : "") + tq + " DROP COLUMN " + QuoteIdent(col.name) + ";");
    s.hazards.push_back({Hazard::kDeletesData, "deletes the column's values"});
    s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
    s.verify = "SELECT NOT " + ColumnExists(tq, col.name).substr(7);
    Add(NodeKind::kDrop, kDropColumn, ck, Key("table", ta.schema, ta.name), std::move(s));
  } else if (create && AttachMakesInherited(tb, ta, tb.columns[c.to_pos], /*detach=*/true)) {
    // A partition detached: DETACH PARTITION makes its inherited columns local.
  } else if (create && ChildKeepsColumn(tb, tb.columns[c.to_pos])) {
    // Inherited before; the parent's column is dropped ONLY there, which leaves this one.
  } else if (create) {
    STRATA_RETURN_IF_ERROR(ColumnCreate(tb, tb.columns[c.to_pos]));
  } else {
    STRATA_RETURN_IF_ERROR(ColumnAlter(tb, ta.columns[c.from_pos], tb.columns[c.to_pos]));
  }
  return Status::Ok();
}

Status Planner::ColumnCreate(const Table& t, const Column& c) {
  std::string tq = QualifiedSql(t.schema, t.name), key = Key("table", t.schema, t.name);
  std::string ck = "column:" + t.schema + "." + t.name + "." + c.name;
  Step s = S(ck, "add column " + tq + "." + QuoteIdent(c.name), "ALTER TABLE " + tq + " ADD COLUMN " + ColumnSql(c) + ";");
  s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
  if (c.identity || (!c.generated.empty() && !c.generated_virtual) || VolatileDefault(c.default_expr)) {
    s.hazards.push_back({Hazard::kTableRewrite, "fills the new column in every existing row"});
  }
  if (c.not_null && c.default_expr.empty() && !c.identity && c.generated.empty()) {
    s.hazards.push_back({Hazard::kFailsOnExistingRows,
                         "NOT NULL without a default fails if the table has rows: add it nullable, backfill, then set NOT NULL"});
  }
  s.undo = "ALTER TABLE " + tq + " DROP COLUMN " + QuoteIdent(c.name) + ";";
  s.verify = ColumnExists(tq, c.name);
  Add(NodeKind::kAlter, kAlterColumn, ck, key, std::move(s));
  ColumnExtras(t, nullptr, c);
  return Status::Ok();
}

// Statistics, storage, compression, comment and grants of a column.
void Planner::ColumnExtras(const Table& t, const Column* a, const Column& b) {
  std::string tq = QualifiedSql(t.schema, t.name), key = Key("table", t.schema, t.name);
  std::string ck = "column:" + t.schema + "." + t.name + "." + b.name;
  std::string alter = "ALTER TABLE " + tq + " ALTER COLUMN " + QuoteIdent(b.name);
  std::string what = tq + "." + QuoteIdent(b.name);
  Column none;
  none.statistics = -1;
  const Column& from = a ? *a : none;
  if (from.statistics != b.statistics) {
    Add(NodeKind::kAlter, kAlterColumn, ck, key, S(ck, "statistics of " + what, alter + " SET STATISTICS " + std::to_string(b.statistics) + ";"));
  }
  if (from.storage != b.storage && !b.storage.empty()) {
    Add(NodeKind::kAlter, kAlterColumn, ck, key, S(ck, "storage of " + what, alter + " SET STORAGE " + b.storage + ";"));
  }
  if (from.compression != b.compression) {
    Add(NodeKind::kAlter, kAlterColumn, ck, key,
        S(ck, "compression of " + what, alter + " SET COMPRESSION " + (b.compression.empty() ? "DEFAULT" : b.compression) + ";"));
  }
  if (from.comment != b.comment) {
    Add(NodeKind::kAlter, kLast, ck, key, S(ck, "comment on " + what, CommentOn("COLUMN " + what, b.comment)));
  }
  if (from.acl != b.acl) {
    Step s = S(ck, "privileges on " + what, AclSql("TABLE " + tq, from.acl, b.acl, " (" + QuoteIdent(b.name) + ")", nullptr));
    s.hazards.push_back({Hazard::kAuthzUpdate, "changes who may use the column"});
    Add(NodeKind::kAlter, kLast, ck, key, std::move(s));
  }
  if (b.identity && from.identity_acl != b.identity_acl) {
    Acl before = from.identity ? from.identity_acl : std::nullopt;
    Step s = S(ck, "privileges on the identity sequence of " + what,
               AclSql("SEQUENCE " + b.identity_sequence, before, b.identity_acl, "", nullptr));
    s.hazards.push_back({Hazard::kAuthzUpdate, "changes who may use the sequence"});
    Add(NodeKind::kAlter, kLast, ck, key, std::move(s));
  }
}

namespace {

// Whether `text` (a definition) names `ident` as a whole identifier, bare or quoted.
bool MentionsIdent(const std::string& text, const std::string& ident) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
  for (size_t at = text.find(ident); at != std::string::npos; at = text.find(ident, at + 1)) {
    bool left = at == 0 || !word(text[at - 1]);
    bool right = at + ident.size() >= text.size() || !word(text[at + ident.size()]);
    if (left && right) return true;
  }
  return false;
}

// Whether anything in `c` besides the column itself would stop the swap (DROP COLUMN
// refuses, or drops it along) or lose a property: indexes, keys and checks, foreign keys
// to it, triggers, policies, views over the table, statistics and rules, SQL-standard
// function bodies, generated columns, inheritance. Conservative: a mention is a use.
bool ColumnInUse(const Catalog& c, const std::string& key, const Table& t, const std::string& col) {
  for (const auto& i : c.indexes) {
    if (i.table_key == key && MentionsIdent(i.definition, col)) return true;
  }
  for (const auto& k : c.constraints) {
    if (k.table_key == key && MentionsIdent(k.definition, col)) return true;
    if (k.definition.find("REFERENCES") != std::string::npos && MentionsIdent(k.definition, t.name) &&
        MentionsIdent(k.definition, col)) {
      return true;
    }
  }
  for (const auto& g : c.triggers) {
    if (g.table_key == key && MentionsIdent(g.definition, col)) return true;
  }
  for (const auto& p : c.policies) {
    if (p.table_key == key && (MentionsIdent(p.using_expr, col) || MentionsIdent(p.check_expr, col))) return true;
  }
  for (const auto& v : c.views) {
    if (MentionsIdent(v.definition, t.name)) return true;
  }
  for (const auto& d : c.defined) {
    // Statistics and rules name their table; a publication's column list names it in text.
    bool on_table = d.table_key == key || (d.table_key.empty() && MentionsIdent(d.definition, t.name));
    if (on_table && MentionsIdent(d.definition, col)) return true;
  }
  for (const auto& f : c.functions) {
    if (f.definition.find("ATOMIC") != std::string::npos && MentionsIdent(f.definition, t.name)) return true;
  }
  for (const auto& x : c.tables) {
    std::string xk = Key("table", x.schema, x.name);
    if (xk == key) {
      if (!x.inherits.empty() || !x.partition_of.empty() || !x.partition_key.empty()) return true;
      for (const auto& other : x.columns) {
        if (other.name != col && MentionsIdent(other.generated, col)) return true;
      }
    }
    for (const auto& parent : x.inherits_keys) {
      if (parent == key) return true;
    }
    if (x.partition_of == key) return true;
  }
  return false;
}

// Whether every value of `from` converts to `to`, whatever the session's settings: the
// trigger converts each write while the old application runs, and a conversion that can
// fail (text -> integer, json -> jsonb) or depends on TimeZone (timestamp -> timestamptz)
// would fail or skew writes that succeeded before. Such changes stay in place, where a bad
// value fails the migration instead.
bool ConversionCannotFail(const std::string& from, const std::string& to) {
  static const std::set<std::pair<std::string, std::string>> kWidening = {
      {"smallint", "integer"},         {"smallint", "bigint"},         {"smallint", "numeric"},
      {"smallint", "real"},            {"smallint", "double precision"}, {"integer", "bigint"},
      {"integer", "numeric"},          {"integer", "double precision"}, {"bigint", "numeric"},
      {"real", "double precision"},    {"date", "timestamp without time zone"}};
  return to == "text" || kWidening.count({from, to}) > 0;  // every value has a text form
}

}  // namespace

bool Planner::ColumnRetypeOnline(const Table& t, const Column& a, const Column& b) {
  std::string tq = QualifiedSql(t.schema, t.name), key = Key("table", t.schema, t.name);
  if (!opt_.online_type_changes || !Safe(key) || a.name != b.name || a.type == b.type || NoCast(a.type, b.type) ||
      BinaryCoercible(a.type, b.type) || !ConversionCannotFail(a.type, b.type)) {
    return false;
  }
  // Only the type changes, on a plain column; anything more stays in place.
  if (a.collation != b.collation || a.not_null != b.not_null || !a.not_null_name.empty() || !b.not_null_name.empty() ||
      a.identity || b.identity || !a.generated.empty() || !b.generated.empty() || a.acl || b.acl ||
      a.statistics != -1 || b.statistics != -1 || !a.storage.empty() || !b.storage.empty() || !a.compression.empty() ||
      !b.compression.empty() || a.default_expr.find("nextval(") != std::string::npos ||
      b.default_expr.find("nextval(") != std::string::npos) {
    return false;
  }
  std::string col_key = t.schema + "." + t.name + "." + b.name;
  if (opt_.backfill.count(col_key)) return false;  // a rename's new half: the rename's trigger keeps it
  std::string tmp = b.name.substr(0, 52) + "_strata_new";
  for (const Catalog* c : {&a_, &b_}) {
    if (ColumnInUse(*c, key, t, b.name)) return false;
  }
  for (const auto* tables : {&tables_a_, &tables_b_}) {  // Safe(): the table is in both
    for (const auto& other : tables->at(key)->columns) {
      if (other.name == tmp) return false;
    }
  }
  std::string ck = "column:" + col_key;
  std::string what = tq + "." + QuoteIdent(b.name), col = QuoteIdent(b.name), nq = QuoteIdent(tmp);
  std::string fname = ("strata_retype_" + t.name + "_" + b.name).substr(0, 63);
  std::string fn = QualifiedSql(t.schema, fname);
  bool via_text = enum_types_.count(Unquoted(a.type)) || enum_types_.count(Unquoted(b.type));
  auto convert = [&](const std::string& from) { return from + (via_text ? "::text::" : "::") + b.type; };
  std::string collate = b.collation.empty() ? "" : " COLLATE " + b.collation;
  auto add = [&](Step s) { Add(NodeKind::kAlter, kAlterColumn, ck, key, std::move(s)); };

  // Expand: the new column beside the old one, kept in step with every write to it.
  Step s1 = S(ck, "add " + nq + " of type " + b.type + " beside " + what + " (type change done as expand/contract)",
              "ALTER TABLE " + tq + " ADD COLUMN " + nq + " " + b.type + collate + ";");
  s1.undo = "ALTER TABLE " + tq + " DROP COLUMN IF EXISTS " + nq + ";";
  add(std::move(s1));
  Step s2 = S(ck, "trigger function converting each write of " + what + " to " + b.type,
              "CREATE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $strata$\nBEGIN\n  NEW." + nq + " := " +
                  convert("NEW." + col) + ";\n  RETURN NEW;\nEND\n$strata$;");
  s2.undo = "DROP FUNCTION IF EXISTS " + fn + "();";
  add(std::move(s2));
  Step s3 = S(ck, "keep " + nq + " in step with " + what + " while both application versions run",
              "CREATE TRIGGER " + QuoteIdent(fname) + " BEFORE INSERT OR UPDATE ON " + tq + " FOR EACH ROW EXECUTE FUNCTION " +
                  fn + "();");
  s3.undo = "DROP TRIGGER IF EXISTS " + QuoteIdent(fname) + " ON " + tq + ";";
  add(std::move(s3));
  // The rows written before the trigger: converted in batches, a commit after each.
  std::string differs = nq + " IS DISTINCT FROM " + convert(col);
  Step fill = S(ck, "convert the rows of " + what + " to " + b.type + " in " + nq + ", in batches",
                BatchedUpdateSql(tq, nq + " = " + convert(col), differs, "converted", Unquoted(tq) + "." + b.name,
                                 b_.server_version));
  fill.transactional = false;
  fill.hazards.push_back({Hazard::kCorrectness, "converts every row, 10,000 per commit; fails if a value does not convert"});
  fill.verify = "SELECT NOT EXISTS (SELECT 1 FROM " + tq + " WHERE " + differs + ")";
  add(std::move(fill));
  std::string check = ("strata_nn_" + t.name + "_" + tmp).substr(0, 63);
  if (b.not_null) {
    // Validated now, without blocking writes, so that SET NOT NULL in the contract skips
    // its scan under the table lock.
    Step k = S(ck, "check " + nq + " IS NOT NULL (NOT VALID)",
               "ALTER TABLE " + tq + " ADD CONSTRAINT " + QuoteIdent(check) + " CHECK (" + nq + " IS NOT NULL) NOT VALID;");
    k.transactional = false;
    k.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; rows are not checked yet"});
    add(std::move(k));
    Step v = S(ck, "validate the check on " + nq, "ALTER TABLE " + tq + " VALIDATE CONSTRAINT " + QuoteIdent(check) + ";");
    v.transactional = false;
    v.hazards.push_back({Hazard::kValidatesRows, "scans the table without blocking writes"});
    add(std::move(v));
  }
  // Contract, once no application version writes values only the old type holds: the
  // new column takes the old one's place in one short transaction.
  std::vector<Step> contract;
  contract.push_back(S(ck, "stop converting writes of " + what, "DROP TRIGGER IF EXISTS " + QuoteIdent(fname) + " ON " + tq + ";"));
  contract.push_back(S(ck, "drop the trigger function of " + what, "DROP FUNCTION IF EXISTS " + fn + "();"));
  Step drop = S(ck, "drop the old " + a.type + " column " + what + " (its values are in " + nq + ")",
                "ALTER TABLE " + tq + " DROP COLUMN " + col + ";");
  drop.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; no rewrite"});
  contract.push_back(std::move(drop));
  Step ren = S(ck, "rename " + nq + " to " + col, "ALTER TABLE " + tq + " RENAME COLUMN " + nq + " TO " + col + ";");
  ren.hazards.push_back({Hazard::kAccessExclusiveLock,
                         "brief lock; the new column takes the name both application versions use"});
  contract.push_back(std::move(ren));
  std::string alter = "ALTER TABLE " + tq + " ALTER COLUMN " + col;
  if (!b.default_expr.empty()) {
    contract.push_back(S(ck, "set default of " + what, alter + " SET DEFAULT " + b.default_expr + ";"));
  }
  if (b.not_null) {
    Step nn = S(ck, "set NOT NULL on " + what, alter + " SET NOT NULL;");
    nn.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; the validated check spares the scan"});
    contract.push_back(std::move(nn));
    contract.push_back(
        S(ck, "drop the helper check on " + what, "ALTER TABLE " + tq + " DROP CONSTRAINT " + QuoteIdent(check) + ";"));
  }
  if (!b.comment.empty()) contract.push_back(S(ck, "comment on " + what, CommentOn("COLUMN " + what, b.comment)));
  // The file's last step verifies the swap.
  contract.back().verify = ColumnIs(tq, b.name, TypeIs(b.type) + (b.not_null ? " AND attnotnull" : ""));
  for (Step& s : contract) {
    s.contract = true;
    add(std::move(s));
  }
  return true;
}

Status Planner::ColumnAlter(const Table& t, const Column& a, const Column& b) {
  if (ColumnRetypeOnline(t, a, b)) return Status::Ok();
  std::string tq = QualifiedSql(t.schema, t.name), key = Key("table", t.schema, t.name);
  std::string ck = "column:" + t.schema + "." + t.name + "." + b.name;
  std::string what = tq + "." + QuoteIdent(b.name);
  std::string alter = "ALTER TABLE " + tq + " ALTER COLUMN " + QuoteIdent(b.name);
  bool existed = TableExisted(key);
  auto add = [&](Step s, int prio = kAlterColumn) { Add(NodeKind::kAlter, prio, ck, key, std::move(s)); };

  bool same_kind = a.generated_virtual == b.generated_virtual;
  if (a.generated != b.generated && !a.generated.empty() && !b.generated.empty() && same_kind &&
      !b.generated_virtual && b_.server_version >= 170000) {
    // PostgreSQL 17 changes a stored expression in place, recomputing every row. (A
    // virtual column is dropped and added below: it holds no data, and PostgreSQL 18
    // refuses SET EXPRESSION on one in a table with CHECK constraints.)
    Step s = S(ck, "generation expression of " + what, alter + " SET EXPRESSION AS (" + b.generated + ");");
    s.undo = alter + " SET EXPRESSION AS (" + a.generated + ");";
    s.hazards.push_back({Hazard::kTableRewrite, "recomputes the stored column in every row"});
    add(std::move(s));
  } else if (((a.generated != b.generated || !same_kind) && !b.generated.empty()) ||
             (a.generated_virtual && b.generated.empty())) {
    // Drop and add: before PostgreSQL 17, and between STORED and VIRTUAL, the generation
    // cannot change in place; a virtual column has no values to keep when it becomes an
    // ordinary (empty) one.
    bool to_plain = b.generated.empty();
    Step d = S(ck, "drop column " + what + (to_plain ? " (a virtual generated column becomes a plain one)" : " (to change how it is generated)"),
               "ALTER TABLE " + tq + " DROP COLUMN " + QuoteIdent(a.name) + ";");
    if (a.generated.empty()) d.hazards.push_back({Hazard::kDeletesData, "the column's stored values are replaced by generated ones"});
    d.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
    add(std::move(d));
    Step s = S(ck, "add column " + what, "ALTER TABLE " + tq + " ADD COLUMN " + ColumnSql(b) + ";");
    if (to_plain) {
      s.hazards.push_back({Hazard::kDeletesData, "the new plain column starts empty (NULL or its default)"});
    } else if (!b.generated_virtual) {
      s.hazards.push_back({Hazard::kTableRewrite, "computes the column for every row"});
    }
    s.verify = ColumnExists(tq, b.name);
    add(std::move(s));
    ColumnExtras(t, nullptr, b);
    return Status::Ok();
  }
  if (!a.generated.empty() && b.generated.empty()) {
    add(S(ck, "stop generating " + what, alter + " DROP EXPRESSION;"));
  }
  if (a.identity && !b.identity) add(S(ck, "drop identity of " + what, alter + " DROP IDENTITY;"));
  bool type_changed = a.type != b.type || a.collation != b.collation;
  bool default_changed = a.default_expr != b.default_expr;
  if (!a.default_expr.empty() && (type_changed || default_changed || (b.identity && !a.identity))) {
    Step s = S(ck, "drop default of " + what, alter + " DROP DEFAULT;");
    s.undo = alter + " SET DEFAULT " + a.default_expr + ";";
    add(std::move(s));
  }
  if (type_changed && NoCast(a.type, b.type)) {
    // There is no cast; any USING expression is a guess about what the numbers mean
    // (epoch seconds? milliseconds?), which strata will not make for the user.
    return Status::InvalidInput("column " + what + ": PostgreSQL has no cast from " + a.type + " to " + b.type +
                                "; write this change by hand with the USING expression that fits the data "
                                "(e.g. USING to_timestamp(" + QuoteIdent(a.name) + ")), then run strata generate again");
  }
  if (type_changed) {
    std::string collate;
    if (!b.collation.empty()) collate = " COLLATE " + b.collation;
    else if (!a.collation.empty()) collate = " COLLATE pg_catalog.\"default\"";
    // Enums cast to and from other types only through text.
    bool via_text = enum_types_.count(Unquoted(a.type)) || enum_types_.count(Unquoted(b.type));
    std::string using_expr = a.type != b.type ? " USING " + QuoteIdent(b.name) + (via_text ? "::text::" : "::") + b.type : "";
    Step s = S(ck, "change type of " + what + " from " + a.type + " to " + b.type,
               alter + " TYPE " + b.type + collate + using_expr + ";");
    s.hazards.push_back({Hazard::kAccessExclusiveLock, "holds the table lock for the whole change"});
    if (!BinaryCoercible(a.type, b.type) || !collate.empty()) {
      s.hazards.push_back({Hazard::kTableRewrite, "rewrites the table and its indexes; fails if a value does not convert"});
    }
    s.undo = alter + " TYPE " + a.type + (a.collation.empty() ? "" : " COLLATE " + a.collation) + " USING " +
             QuoteIdent(a.name) + "::" + a.type + ";";
    s.verify = ColumnIs(tq, b.name, TypeIs(b.type));
    add(std::move(s));
  }
  if (!b.default_expr.empty() && (type_changed || default_changed || (b.identity && !a.identity))) {
    Step s = S(ck, "set default of " + what, alter + " SET DEFAULT " + b.default_expr + ";");
    s.undo = a.default_expr.empty() ? alter + " DROP DEFAULT;" : alter + " SET DEFAULT " + a.default_expr + ";";
    add(std::move(s));
  }
  if (b.not_null && !a.not_null) {
    // What the NULL rows become: --backfill's expression, else the column's default.
    std::string fill_with;
    if (existed && b.generated.empty() && !b.identity) {
      std::string col = t.schema + "." + t.name + "." + b.name;
      auto given = opt_.backfill.find(col);
      if (given != opt_.backfill.end()) {
        fill_with = given->second;  // empty: filled before the plan runs (a rename's backfill)
      } else if (!b.default_expr.empty()) {
        fill_with = "DEFAULT";
      } else if (opt_.require_backfill) {
        return Status::Refused("column " + col + " becomes NOT NULL and has no default: on a database where a row "
                               "holds NULL there, the migration would fail. Say what those rows get with --backfill " +
                               col + "=EXPR (an SQL expression, e.g. --backfill \"" + col +
                               "='unknown'\"), or give the column a default in the schema");
      }
    }
    std::string fill_what = fill_with == "DEFAULT" ? "its default" : fill_with;
    if (existed && opt_.concurrently && !Partitioned(key)) {
      // The seeds' three steps: a NOT VALID check, validated without blocking writes, lets
      // SET NOT NULL skip its own full-table scan; then the check goes.
      std::string check = ("strata_nn_" + t.name + "_" + b.name).substr(0, 63);
      std::string on = "ALTER TABLE " + tq + " ";
      // The runbook's middle step: the rows that are NULL get the value, in batches with a
      // commit after each, so that VALIDATE finds none. Only NULL rows are touched: a re-run
      // (or a resume after a crash) does what is left.
      auto fill = [&](const std::string& description) {
        std::string col = QuoteIdent(b.name);
        Step f = S(ck, description,
                   BatchedUpdateSql(tq, col + " = " + fill_with, col + " IS NULL", "backfilled",
                                    Unquoted(tq) + "." + b.name, b_.server_version));
        f.transactional = false;
        f.hazards.push_back({Hazard::kCorrectness, "sets NULL rows to " + fill_what + ", 10,000 rows per commit"});
        f.verify = "SELECT NOT EXISTS (SELECT 1 FROM " + tq + " WHERE " + col + " IS NULL)";
        return f;
      };
      // The check goes on after the backfill: a NOT VALID check still applies to every
      // new row version, so before it an UPDATE of any other column of a row still NULL
      // would fail (found by bench/online under live writes).
      if (!fill_with.empty()) add(fill("backfill NULLs in " + what + " with " + fill_what + ", in batches"));
      Step s1 = S(ck, "check " + what + " IS NOT NULL (NOT VALID)",
                  on + "ADD CONSTRAINT " + QuoteIdent(check) + " CHECK (" + QuoteIdent(b.name) + " IS NOT NULL) NOT VALID;");
      s1.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; rows are not checked yet"});
      s1.transactional = fill_with.empty();
      add(std::move(s1));
      // A writer that sets NULL explicitly (an application started before the default
      // existed) may have added rows between the backfill and the check.
      if (!fill_with.empty()) add(fill("backfill NULLs written in " + what + " before the check (usually none)"));
      Step s2 = S(ck, "validate the check on " + what, on + "VALIDATE CONSTRAINT " + QuoteIdent(check) + ";");
      s2.transactional = false;
      s2.hazards.push_back({Hazard::kValidatesRows, "scans the table without blocking writes; fails if a row is NULL"});
      add(std::move(s2));
      Step s3 = S(ck, "set NOT NULL on " + what, alter + " SET NOT NULL;");
      s3.transactional = false;
      s3.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; the validated check spares the scan"});
      s3.undo = alter + " DROP NOT NULL;";
      add(std::move(s3));
      Step s4 = S(ck, "drop the helper check on " + what, on + "DROP CONSTRAINT " + QuoteIdent(check) + ";");
      s4.transactional = false;
      s4.verify = ColumnIs(tq, b.name, "attnotnull");
      add(std::move(s4));
    } else {
      if (!fill_with.empty()) {
        Step fill = S(ck, "backfill NULLs in " + what + " with " + fill_what,
                      "UPDATE " + tq + " SET " + QuoteIdent(b.name) + " = " + fill_with + " WHERE " + QuoteIdent(b.name) +
                          " IS NULL;");
        fill.hazards.push_back({Hazard::kCorrectness, "sets NULL rows to " + fill_what});
        add(std::move(fill));
      }
      Step s = S(ck, "set NOT NULL on " + what, alter + " SET NOT NULL;");
      if (existed) {
        s.hazards.push_back({Hazard::kAccessExclusiveLock, "holds the table lock while every row is checked"});
        s.hazards.push_back({Hazard::kValidatesRows, "fails if a row is NULL"});
      }
      s.undo = alter + " DROP NOT NULL;";
      s.verify = ColumnIs(tq, b.name, "attnotnull");
      add(std::move(s));
    }
  } else if (a.not_null && !b.not_null) {
    Step s = S(ck, "drop NOT NULL on " + what, alter + " DROP NOT NULL;");
    s.undo = alter + " SET NOT NULL;";
    add(std::move(s));
  }
  // PostgreSQL 18 names NOT NULL constraints; SET NOT NULL picks the default name.
  std::string nn_from = a.not_null ? (a.not_null_name.empty() ? DefaultNotNullName(t.name, a.name) : a.not_null_name)
                                   : DefaultNotNullName(t.name, b.name);
  std::string nn_to = b.not_null_name.empty() ? DefaultNotNullName(t.name, b.name) : b.not_null_name;
  if (b.not_null && nn_from != nn_to) {
    Step s = S(ck, "name the NOT NULL constraint of " + what,
               "ALTER TABLE " + tq + " RENAME CONSTRAINT " + QuoteIdent(nn_from) + " TO " + QuoteIdent(nn_to) + ";");
    s.undo = "ALTER TABLE " + tq + " RENAME CONSTRAINT " + QuoteIdent(nn_to) + " TO " + QuoteIdent(nn_from) + ";";
    add(std::move(s), kLast);
  }
  if (b.identity && !a.identity) {
    Step s = S(ck, "make " + what + " an identity column",
               alter + " ADD GENERATED " + (b.identity == 'a' ? "ALWAYS" : "BY DEFAULT") + " AS IDENTITY (SEQUENCE NAME " +
                   b.identity_sequence + " " + SequenceOptionsSql(b.identity_options) + ");");
    s.undo = alter + " DROP IDENTITY;";
    add(std::move(s));
  } else if (a.identity && b.identity) {
    if (a.identity != b.identity) {
      add(S(ck, "identity kind of " + what, alter + " SET GENERATED " + (b.identity == 'a' ? "ALWAYS" : "BY DEFAULT") + ";"));
    }
    const SequenceOptions &x = a.identity_options, &y = b.identity_options;
    if (x.start != y.start || x.increment != y.increment || x.min != y.min || x.max != y.max || x.cache != y.cache ||
        x.cycle != y.cycle) {
      add(S(ck, "identity options of " + what,
            alter + " SET START WITH " + std::to_string(y.start) + " SET INCREMENT BY " + std::to_string(y.increment) +
                " SET MINVALUE " + std::to_string(y.min) + " SET MAXVALUE " + std::to_string(y.max) + " SET CACHE " +
                std::to_string(y.cache) + (y.cycle ? " SET CYCLE" : " SET NO CYCLE") + ";"));
    }
  }
  ColumnExtras(t, &a, b);
  return Status::Ok();
}

}  // namespace strata::planning
