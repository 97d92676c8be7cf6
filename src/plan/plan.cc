#include "plan/plan.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <set>

#include "base/strings.h"
#include "catalog/ddl.h"

namespace strata {

const char* HazardCode(Hazard h) {
  switch (h) {
    case Hazard::kAccessExclusiveLock: return "ACQUIRES_ACCESS_EXCLUSIVE_LOCK";
    case Hazard::kShareLock: return "ACQUIRES_SHARE_LOCK";
    case Hazard::kShareRowExclusiveLock: return "ACQUIRES_SHARE_ROW_EXCLUSIVE_LOCK";
    case Hazard::kAuthzUpdate: return "AUTHZ_UPDATE";
    case Hazard::kCorrectness: return "CORRECTNESS";
    case Hazard::kDeletesData: return "DELETES_DATA";
    case Hazard::kExtensionUpgrade: return "EXTENSION_VERSION_UPGRADE";
    case Hazard::kUntrackableDeps: return "HAS_UNTRACKABLE_DEPENDENCIES";
    case Hazard::kIndexBuild: return "INDEX_BUILD";
    case Hazard::kIndexDropped: return "INDEX_DROPPED";
    case Hazard::kTableRewrite: return "TABLE_REWRITE";
    case Hazard::kValidatesRows: return "VALIDATES_ROWS";
    case Hazard::kFailsOnExistingRows: return "FAILS_ON_EXISTING_ROWS";
  }
  return "?";
}

bool Step::HasHazard(Hazard h) const {
  return std::any_of(hazards.begin(), hazards.end(), [h](const HazardNote& n) { return n.type == h; });
}

bool Plan::DeletesData() const {
  return std::any_of(steps.begin(), steps.end(), [](const Step& s) { return s.HasHazard(Hazard::kDeletesData); });
}

namespace {

// Phases, in the order they run when no dependency decides.
enum Prio {
  kDropPolicy = 0, kDropTrigger, kDropView, kDropForeignKey, kDropConstraint, kDropIndex,
  kCreateSchema = 10, kCreateExtension, kCreateType, kAddEnumValue, kCreateDomain, kCreateComposite,
  kCreateSequence,
  // Functions after tables: SQL bodies are checked against the tables they use. A table
  // whose default or check needs a function pulls it earlier through pg_depend.
  kCreateTable = 20, kDropColumn, kAlterColumn, kAlterTable, kCreateFunction,
  kDropTable = 30, kDropSequence, kDropFunction, kDropType, kDropCollation, kDropExtension, kDropSchema,
  kSequenceOwner = 40, kAddConstraint, kAddIndex, kValidate, kAddForeignKey, kValidateForeignKey, kReplicaIdentity,
  kCreateView, kCreateTrigger, kCreatePolicy, kLast
};

enum class NodeKind { kDrop, kAlter, kCreate };

struct Node {
  Step step;
  int prio = 0;
  NodeKind kind = NodeKind::kAlter;
  std::string owner;  // the table a column/constraint/index step belongs to, for ordering
  bool table_part = false;  // a change of the table itself (column, property)
  std::set<int> deps;
};

std::string CommentOn(const std::string& what, const std::string& comment) {
  return "COMMENT ON " + what + " IS " + (comment.empty() ? std::string("NULL") : QuoteLiteral(comment)) + ";";
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// REVOKE what `from` granted, then GRANT what `to` grants.
std::string AclSql(const std::string& on, const Acl& from, const Acl& to, const std::string& columns,
                   const char* default_public) {
  std::set<std::string> grantees = {"PUBLIC"};
  if (from) for (const auto& g : *from) grantees.insert(g.grantee);
  std::string out;
  for (const auto& g : grantees) out += "REVOKE ALL" + columns + " ON " + on + " FROM " + GranteeSql(g) + ";\n";
  if (to) {
    for (const Grant& g : *to) {
      std::string privs;
      for (const auto& p : g.privileges) privs += (privs.empty() ? "" : ", ") + p + columns;
      out += "GRANT " + privs + " ON " + on + " TO " + GranteeSql(g.grantee) +
             (g.grantable ? " WITH GRANT OPTION" : "") + ";\n";
    }
  } else if (default_public && columns.empty()) {
    out += std::string("GRANT ") + default_public + " ON " + on + " TO PUBLIC;\n";
  }
  return Trimmed(out);
}

std::string Lit(const std::string& s) { return QuoteLiteral(s); }

std::string ColumnExists(const std::string& table_sql, const std::string& col) {
  return "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = " + Lit(table_sql) +
         "::regclass AND attname = " + Lit(col) + " AND NOT attisdropped)";
}

std::string ColumnIs(const std::string& table_sql, const std::string& col, const std::string& cond) {
  return "SELECT " + cond + " FROM pg_catalog.pg_attribute WHERE attrelid = " + Lit(table_sql) +
         "::regclass AND attname = " + Lit(col) + " AND NOT attisdropped";
}

std::string ConstraintValid(const std::string& table_sql, const std::string& name) {
  return "SELECT convalidated FROM pg_catalog.pg_constraint WHERE conrelid = " + Lit(table_sql) +
         "::regclass AND conname = " + Lit(name);
}

// The condition (on pg_attribute) that a column has type `type`, as format_type prints
// it with an empty search_path ("app.email", "character varying(40)"). Independent of the
// search_path the verify query runs under: the type is compared by oid, and format_type,
// which leaves out a schema on the search_path, may print it with or without its schema.
std::string TypeIs(const std::string& type) {
  std::string bare = type;
  size_t i = 0;
  if (i < type.size() && type[i] == '"') {
    for (++i; i < type.size(); ++i) {
      if (type[i] == '"' && i + 1 < type.size() && type[i + 1] == '"') ++i;
      else if (type[i] == '"') break;
    }
    ++i;
  } else {
    while (i < type.size() && (std::isalnum(static_cast<unsigned char>(type[i])) || type[i] == '_' || type[i] == '$' ||
                               static_cast<unsigned char>(type[i]) >= 0x80)) {
      ++i;
    }
  }
  if (i > 0 && i < type.size() && type[i] == '.') bare = type.substr(i + 1);
  std::string printed = "pg_catalog.format_type(atttypid, atttypmod)";
  return "atttypid = " + QuoteLiteral(type) + "::pg_catalog.regtype AND " + printed +
         (bare == type ? " = " + QuoteLiteral(type) : " IN (" + QuoteLiteral(type) + ", " + QuoteLiteral(bare) + ")");
}

// Column type changes PostgreSQL does without rewriting the table.
bool BinaryCoercible(const std::string& from, const std::string& to) {
  auto base = [](const std::string& t) { return t.substr(0, t.find('(')); };
  auto arg = [](const std::string& t) -> long {
    size_t p = t.find('(');
    return p == std::string::npos ? -1 : std::atol(t.c_str() + p + 1);
  };
  std::string bf = base(from), bt = base(to);
  if ((bf == "character varying" || bf == "text") && bt == "text") return true;
  if (bf == "character varying" && bt == "character varying") return arg(to) < 0 || (arg(from) >= 0 && arg(to) >= arg(from));
  if (bf == "numeric" && bt == "numeric") return to == "numeric";
  if (bf == "bit varying" && bt == "bit varying") return arg(to) < 0 || arg(to) >= arg(from);
  return false;
}

bool VolatileDefault(const std::string& expr) {
  for (const char* f : {"nextval(", "random(", "gen_random_uuid(", "uuid_generate_v", "clock_timestamp(",
                        "timeofday(", "txid_current("}) {
    if (expr.find(f) != std::string::npos) return true;
  }
  return false;
}

std::string Unquoted(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  return s;
}

std::string FunctionHeader(const std::string& def) {
  // "CREATE OR REPLACE FUNCTION s.f(args)\n RETURNS t\n LANGUAGE ..." — the first two lines
  // decide whether CREATE OR REPLACE can change it in place.
  size_t a = def.find('\n');
  if (a == std::string::npos) return def;
  size_t b = def.find('\n', a + 1);
  std::string second = def.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  return def.substr(0, a) + (StartsWith(Trim(second), "RETURNS") ? "\n" + second : "");
}

// The statement that removes what a create step made, from its object key and SQL.
std::string UndoOfCreate(const Step& s) {
  const std::string& k = s.object;
  std::string rest = k.substr(k.find(':') + 1);
  auto qualified = [&](const std::string& r) {
    size_t dot = r.find('.');
    return QualifiedSql(r.substr(0, dot), r.substr(dot + 1));
  };
  if (StartsWith(k, "schema:")) return "DROP SCHEMA " + QuoteIdent(rest) + ";";
  if (StartsWith(k, "extension:")) return "DROP EXTENSION " + QuoteIdent(rest) + ";";
  if (StartsWith(k, "collation:")) return "DROP COLLATION " + qualified(rest) + ";";
  if (StartsWith(k, "type:")) return std::string(StartsWith(s.sql, "CREATE DOMAIN") ? "DROP DOMAIN " : "DROP TYPE ") + qualified(rest) + ";";
  if (StartsWith(k, "sequence:") && StartsWith(s.sql, "CREATE SEQUENCE")) return "DROP SEQUENCE " + qualified(rest) + ";";
  if (StartsWith(k, "view:")) return std::string(s.sql.find("MATERIALIZED") != std::string::npos ? "DROP MATERIALIZED VIEW " : "DROP VIEW ") + qualified(rest) + ";";
  if ((StartsWith(k, "function:") || StartsWith(k, "operator:")) && StartsWith(s.description, "create ")) {
    return "DROP " + s.description.substr(7) + ";";
  }
  for (const char* p : {"trigger:", "policy:"}) {
    if (!StartsWith(k, p)) continue;
    std::string table = k.substr(std::strlen(p), k.rfind('/') - std::strlen(p));
    table = table.substr(table.find(':') + 1);
    std::string name = k.substr(k.rfind('/') + 1);
    return std::string(p[0] == 't' ? "DROP TRIGGER " : "DROP POLICY ") + QuoteIdent(name) + " ON " + qualified(table) + ";";
  }
  return "";
}

class Planner {
 public:
  Planner(const Catalog& a, const Catalog& b, const PlanOptions& o) : a_(a), b_(b), opt_(o) {}
  Result<Plan> Run();

 private:
  int Add(NodeKind kind, int prio, const std::string& object, const std::string& owner, Step step);
  Step S(const std::string& object, std::string description, std::string sql) {
    Step s;
    s.object = object;
    s.description = std::move(description);
    s.sql = Trimmed(std::move(sql));
    return s;
  }
  bool TableExisted(const std::string& key) const { return tables_a_.count(key) && tables_b_.count(key); }
  // `col` is the child's own in `child` (target) and was inherited from a parent that
  // loses it: the parent's DROP COLUMN runs ONLY there, and the child keeps its column.
  bool ChildKeepsColumn(const Table& child, const Column& col) const {
    auto ca = tables_a_.find(Key("table", child.schema, child.name));
    if (ca == tables_a_.end() || !child.partition_of.empty()) return false;
    for (const Column& c : ca->second->columns) {
      if (c.name == col.name) return false;  // already its own
    }
    for (const std::string& parent : ca->second->inherits_keys) {
      auto pa = tables_a_.find(parent), pb = tables_b_.find(parent);
      if (pa == tables_a_.end() || pb == tables_b_.end()) continue;
      bool had = false, has = false;
      for (const Column& c : pa->second->columns) had |= c.name == col.name && c.type == col.type && c.collation == col.collation;
      for (const Column& c : pb->second->columns) has |= c.name == col.name;
      if (had && !has) return true;
    }
    return false;
  }
  // ATTACH PARTITION adopts the partition's first matching index for each parent index.
  // A local index that should stay local is dropped before and built again after, so that
  // the attach builds the parent's own child index (as in the desired schema).
  void AttachTakesOverIndexes(const Table& a, const Table& b) {
    if (b.partition_of.empty() || !a.partition_of.empty()) return;
    auto shape = [](const Index& i) {  // "UNIQUE USING btree (foo, bar)": name and table stripped
      size_t using_at = i.definition.find(" USING ");
      std::string rest = using_at == std::string::npos ? i.definition : i.definition.substr(using_at);
      return std::string(StartsWith(i.definition, "CREATE UNIQUE") ? "UNIQUE" : "") + rest;
    };
    std::set<std::string> parent_shapes;
    for (const Index& i : b_.indexes) {
      if (i.table_key == b.partition_of) parent_shapes.insert(shape(i));
    }
    std::string table = Key("table", b.schema, b.name);
    for (const Index& i : b_.indexes) {
      if (i.table_key != table || !i.parent_key.empty() || !parent_shapes.count(shape(i))) continue;
      for (const Index& old : a_.indexes) {
        if (old.schema == i.schema && old.name == i.name) recreate_.insert(Key("index", i.schema, i.name));
      }
    }
  }
  // `col`, local in `a`, is gone from `b` only because `b` is now a partition whose parent
  // has the same column: ATTACH PARTITION makes it inherited, no drop needed.
  // With `detach`, the other way: `col` appears in `a` (the new standalone table) only
  // because it was the partition `b`'s inherited column.
  bool AttachMakesInherited(const Table& a, const Table& b, const Column& col, bool detach = false) const {
    if (b.partition_of.empty() || !a.partition_of.empty()) return false;
    const auto& tables = detach ? tables_a_ : tables_b_;
    auto parent = tables.find(b.partition_of);
    if (parent == tables.end()) return false;
    for (const Column& pc : parent->second->columns) {
      if (pc.name == col.name) return pc.type == col.type && pc.collation == col.collation;
    }
    return false;
  }
  bool Partitioned(const std::string& key) const {
    auto it = tables_b_.find(key);
    return it != tables_b_.end() && !it->second->partition_key.empty();
  }
  bool Safe(const std::string& table_key) const {
    return opt_.concurrently && TableExisted(table_key) && !Partitioned(table_key);
  }

  Status Objects(const Change& c);
  Status TableAlter(const Table& a, const Table& b, const std::vector<std::string>& fields);
  Status ColumnCreate(const Table& t, const Column& c);
  Status ColumnAlter(const Table& t, const Column& a, const Column& b);
  void ColumnExtras(const Table& t, const Column* a, const Column& b);
  void ConstraintCreate(const Constraint& k);
  void ConstraintDrop(const Constraint& k);
  void IndexCreate(const Index& i);
  Status IndexDrop(const Index& i);
  Status EnumAlter(const EnumType& a, const EnumType& b);
  Status DefinedChange(const Change& c, DefinedKind kind);
  void Recreate(const std::vector<Change>& changes);
  void Order(Plan* plan);

  const Catalog& a_;
  const Catalog& b_;
  PlanOptions opt_;
  std::map<std::string, const Table*> tables_a_, tables_b_;
  std::set<std::string> rel_b_;  // tables and views of `to`
  std::set<std::string> new_indexes_, a_index_keys_;     // created in this plan; present in `from`
  std::map<std::string, std::string> b_index_table_;     // index key -> its table's key, in `to`
  std::multimap<std::string, int> attach_nodes_;         // partitioned index key -> ATTACH steps
  // Indexes of partitioned tables in `to`, by quoted name: (catalog key, created now with a
  // cascade to every partition).
  std::map<std::string, std::pair<std::string, bool>> partitioned_keys_;
  std::set<std::string> recreate_;  // keys dropped and created again
  std::vector<Node> nodes_;
  std::multimap<std::string, int> by_object_, by_owner_;
  std::vector<std::pair<int, std::string>> late_deps_;  // node waits for every node of key
  std::vector<std::pair<std::string, std::string>> key_deps_;  // every node of key 1 waits for key 2
  std::set<std::pair<std::string, std::string>> adopted_by_;  // (partition table key, parent index key)
  std::set<std::string> attach_later_;  // new partitions made on their own, then attached
  std::set<std::string> own_indexes_;   // new partitions' own indexes a new parent index adopts
  // A partition's key whose index a parent *index* (not the same kind of key on the parent)
  // adopted: it does not come from the parent, the partition has it of its own.
  bool AdoptedKey(const Constraint& k) const {
    for (const Constraint& p : b_.constraints) {
      if (p.index == k.attached_to && p.type == k.type) return false;
    }
    return true;
  }
  std::set<std::string> enum_types_;  // "schema.name" of enums in either catalog
};

int Planner::Add(NodeKind kind, int prio, const std::string& object, const std::string& owner, Step step) {
  Node n;
  n.step = std::move(step);
  n.step.object = object;
  n.prio = prio;
  n.kind = kind;
  n.owner = owner;
  n.table_part = StartsWith(object, "column:") || StartsWith(object, "props:") || StartsWith(object, "replica:");
  int id = static_cast<int>(nodes_.size());
  // Steps on one object run in the order they were added.
  auto range = by_object_.equal_range(object);
  for (auto it = range.first; it != range.second; ++it) n.deps.insert(it->second);
  nodes_.push_back(std::move(n));
  by_object_.emplace(object, id);
  if (!owner.empty()) by_owner_.emplace(owner, id);
  return id;
}

std::string FunctionKey(const Function& f) {
  return Key(f.kind == 'o' ? "operator" : "function", f.schema, f.name + "(" + f.identity_args + ")");
}
std::string FunctionSignature(const Function& f) {
  if (f.kind == 'o') return "OPERATOR " + QuoteIdent(f.schema) + "." + f.name + " (" + f.identity_args + ")";
  const char* word = f.kind == 'a' ? "AGGREGATE " : f.kind == 'p' ? "PROCEDURE " : "FUNCTION ";
  return word + QualifiedSql(f.schema, f.name) + "(" + f.identity_args + ")";
}
std::string ConstraintKey(const Constraint& k) { return "constraint:" + k.table_key + "/" + k.name; }
std::string TriggerKey(const Trigger& t) { return "trigger:" + t.table_key + "/" + t.name; }
std::string PolicyKey(const Policy& p) { return "policy:" + p.table_key + "/" + p.name; }
std::string ViewWord(const View& v) { return v.materialized ? "MATERIALIZED VIEW " : "VIEW "; }

// The name CREATE INDEX on a partitioned table gives a partition's index, before any
// digits added to make it unique: <partition>_<column>_<column>..._idx, "expr" for an
// expression (names over 63 bytes are cut at the end, a simplification).
std::string CascadedIndexName(const std::string& table, const std::string& definition) {
  size_t using_at = definition.find(" USING ");
  size_t open = definition.find('(', using_at == std::string::npos ? 0 : using_at);
  if (open == std::string::npos) return table + "_";
  int depth = 0;
  std::string cols, cur;
  bool expr = false;
  auto flush = [&] {
    std::string_view t = Trim(cur);
    std::string name(t.substr(0, t.find(' ')));
    if (expr || name.empty() || name[0] == '(') {
      // PostgreSQL names an expression column after the function it calls, else "expr".
      size_t call = t.find('(');
      std::string fn(t.substr(0, call == std::string_view::npos ? 0 : call));
      if (fn.find('.') != std::string::npos) fn = fn.substr(fn.rfind('.') + 1);
      bool plain = !fn.empty() && fn.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_$") == std::string::npos &&
                   !std::isdigit(static_cast<unsigned char>(fn[0]));
      name = plain ? fn : "expr";
    }
    if (name.size() > 1 && name.front() == '"') name = name.substr(1, name.size() - 2);
    cols += (cols.empty() ? "" : "_") + name;
    cur.clear();
    expr = false;
  };
  for (size_t p = open + 1; p < definition.size(); ++p) {
    char c = definition[p];
    if (c == '(') ++depth, expr = true;
    if (c == ')' && depth-- == 0) break;
    if (c == ',' && depth == 0) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  std::string name = table + "_" + cols + "_idx";
  return name.size() <= 63 ? name : name.substr(0, 63);
}

// Type pairs PostgreSQL has no cast between (numbers to date/time types): `USING col::type`
// would fail.
bool NoCast(const std::string& from, const std::string& to) {
  auto numeric = [](const std::string& t) {
    return t == "smallint" || t == "integer" || t == "bigint" || t == "real" || t == "double precision" ||
           StartsWith(t, "numeric");
  };
  auto datetime = [](const std::string& t) {
    return StartsWith(t, "timestamp") || t == "date" || StartsWith(t, "time ") || t == "time" || StartsWith(t, "time(");
  };
  return (numeric(from) && datetime(to)) || (datetime(from) && numeric(to));
}

std::string StripNotValid(const std::string& def) {
  return EndsWith(def, " NOT VALID") ? def.substr(0, def.size() - 10) : def;
}

void Planner::ConstraintCreate(const Constraint& k) {
  std::string key = ConstraintKey(k);
  if (!k.attached_to.empty()) {
    // A partition's key attached to its parent's index. New partitions get it from the
    // parent, and so does every partition when the parent key is added now (ADD
    // CONSTRAINT cascades). Otherwise (the parent exists, or is an index built ON ONLY)
    // it is added on the partition and attached, as pg_dump does.
    auto parent = partitioned_keys_.find(k.attached_to);
    bool cascades = parent != partitioned_keys_.end() && parent->second.second;
    if (attach_later_.count(k.table_key) && AdoptedKey(k)) {
      Constraint own = k;
      own.attached_to.clear();
      ConstraintCreate(own);
      key_deps_.push_back({"attach:" + k.table_key, key});
      return;
    }
    bool existed = std::any_of(a_.constraints.begin(), a_.constraints.end(),
                               [&](const Constraint& x) { return ConstraintKey(x) == key; });
    if (cascades && (!TableExisted(k.table_key) || !existed || recreate_.count(key)) && AdoptedKey(k)) {
      // The partition's own key, which the new parent index adopts (CREATE INDEX on a
      // partitioned table takes a matching index it finds on a partition): made with the
      // partition, before the parent index.
      Constraint own = k;
      own.attached_to.clear();
      ConstraintCreate(own);
      key_deps_.push_back({parent->second.first, key});
      return;
    }
    if (!TableExisted(k.table_key) || cascades) return;
    Constraint own = k;
    own.attached_to.clear();
    ConstraintCreate(own);
    Step attach = S(key, "attach " + k.index + " to " + k.attached_to,
                    "ALTER INDEX " + k.attached_to + " ATTACH PARTITION " + k.index + ";");
    attach.verify = "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = " + Lit(k.attached_to) + "::regclass";
    int id = Add(NodeKind::kCreate, kAddConstraint, key, k.table_key, std::move(attach));
    if (parent != partitioned_keys_.end()) {
      late_deps_.push_back({id, parent->second.first});
      attach_nodes_.emplace(parent->second.first, id);
    }
    return;
  }
  std::string on = "ALTER TABLE " + k.table_sql + " ";
  std::string what = "constraint " + k.name + " on " + k.table_sql;
  bool fk = k.type == 'f';
  int prio = fk ? kAddForeignKey : kAddConstraint;
  bool not_valid = EndsWith(k.definition, " NOT VALID");
  // PostgreSQL 18: a NOT ENFORCED CHECK or foreign key checks no rows (and cannot be
  // validated).
  bool not_enforced = k.definition.find(" NOT ENFORCED") != std::string::npos;
  if (Safe(k.table_key) && (k.type == 'c' || fk) && !not_valid && !not_enforced) {
    Step add = S(key, "add " + what + " (NOT VALID)", on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + " NOT VALID;");
    add.hazards.push_back({fk ? Hazard::kShareRowExclusiveLock : Hazard::kAccessExclusiveLock,
                           "brief lock to add the constraint; existing rows are checked separately"});
    add.undo = on + "DROP CONSTRAINT " + QuoteIdent(k.name) + ";";
    Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
    Step val = S(key, "validate " + what, on + "VALIDATE CONSTRAINT " + QuoteIdent(k.name) + ";");
    val.transactional = false;
    val.hazards.push_back({Hazard::kValidatesRows, "scans the table without blocking writes"});
    val.verify = ConstraintValid(k.table_sql, k.name);
    Add(NodeKind::kCreate, fk ? kValidateForeignKey : kValidate, key, k.table_key, std::move(val));
  } else if (Safe(k.table_key) && (k.type == 'u' || k.type == 'p')) {
    // UNIQUE / PRIMARY KEY through an index built CONCURRENTLY, then USING INDEX.
    std::string def = k.definition;
    std::string word = k.type == 'u' ? "UNIQUE" : "PRIMARY KEY";
    std::string rest = def.substr(word.size());
    bool nulls_not_distinct = StartsWith(rest, " NULLS NOT DISTINCT");
    if (nulls_not_distinct) rest = rest.substr(19);
    std::string deferrable;
    size_t d = rest.find(" DEFERRABLE");
    if (d != std::string::npos) {
      deferrable = rest.substr(d);
      rest = rest.substr(0, d);
    }
    if (!StartsWith(rest, " (") || rest.find("USING INDEX") != std::string::npos) {
      Step add = S(key, "add " + what, on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + ";");
      add.hazards.push_back({Hazard::kAccessExclusiveLock, "builds the index while holding the table lock"});
      add.hazards.push_back({Hazard::kIndexBuild, "builds a unique index"});
      Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
    } else {
      size_t close = rest.find(')');
      std::string cols = rest.substr(1, close);
      std::string tail = rest.substr(close + 1);
      std::string schema = k.table_key.substr(k.table_key.find(':') + 1);
      schema = schema.substr(0, schema.find('.'));
      Step idx = S(key, "build unique index " + k.name + " concurrently",
                   "CREATE UNIQUE INDEX CONCURRENTLY " + QuoteIdent(k.name) + " ON " + k.table_sql + " USING btree " +
                       cols + (nulls_not_distinct ? " NULLS NOT DISTINCT" : "") + tail + ";");
      idx.transactional = false;
      idx.hazards.push_back({Hazard::kIndexBuild, "builds a unique index without blocking writes"});
      idx.undo = "DROP INDEX CONCURRENTLY IF EXISTS " + QualifiedSql(schema, k.name) + ";";
      idx.verify = "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = " +
                   Lit(QualifiedSql(schema, k.name)) + "::regclass";
      Add(NodeKind::kCreate, kAddIndex, key, k.table_key, std::move(idx));
      Step add = S(key, "add " + what + " using the index",
                   on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + word + " USING INDEX " + QuoteIdent(k.name) +
                       deferrable + ";");
      add.transactional = false;
      add.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; the index is already built"});
      if (k.type == 'p') add.hazards.push_back({Hazard::kValidatesRows, "sets NOT NULL on the key columns"});
      add.undo = on + "DROP CONSTRAINT " + QuoteIdent(k.name) + ";";
      add.verify = ConstraintValid(k.table_sql, k.name);
      Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
    }
  } else {
    // New tables (empty), partitioned tables (no CONCURRENTLY) and --no-concurrently.
    Step add = S(key, "add " + what, on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + ";");
    if (TableExisted(k.table_key)) {
      add.hazards.push_back({fk ? Hazard::kShareRowExclusiveLock : Hazard::kAccessExclusiveLock,
                             "holds the lock while existing rows are checked"});
      if (k.type != 'c' && k.type != 'f') add.hazards.push_back({Hazard::kIndexBuild, "builds an index"});
      else if (!not_valid && !not_enforced) add.hazards.push_back({Hazard::kValidatesRows, "checks every existing row"});
    }
    add.undo = on + "DROP CONSTRAINT " + QuoteIdent(k.name) + ";";
    if (!not_valid && !not_enforced) add.verify = ConstraintValid(k.table_sql, k.name);
    Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
  }
  if (!k.comment.empty()) {
    Add(NodeKind::kCreate, kLast, key, k.table_key,
        S(key, "comment on " + what, CommentOn("CONSTRAINT " + QuoteIdent(k.name) + " ON " + k.table_sql, k.comment)));
  }
}

void Planner::ConstraintDrop(const Constraint& k) {
  // Goes with its parent, or its table — except foreign keys, which may tie dropped tables
  // into a cycle.
  if (!k.attached_to.empty() || (!tables_b_.count(k.table_key) && k.type != 'f')) return;
  std::string key = ConstraintKey(k);
  Step s = S(key, "drop constraint " + k.name + " on " + k.table_sql,
             "ALTER TABLE " + k.table_sql + " DROP CONSTRAINT " + QuoteIdent(k.name) + ";");
  s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
  if (k.type == 'p' || k.type == 'u' || k.type == 'x') s.hazards.push_back({Hazard::kIndexDropped, "drops its index"});
  s.undo = "ALTER TABLE " + k.table_sql + " ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + ";";
  Add(NodeKind::kDrop, k.type == 'f' ? kDropForeignKey : kDropConstraint, key, k.table_key, std::move(s));
}

void Planner::IndexCreate(const Index& i) {
  std::string key = Key("index", i.schema, i.name), q = QualifiedSql(i.schema, i.name);
  if (own_indexes_.count(key)) {
    // A partition's own index that the new parent index adopts: built before it.
    Step s = S(key, "create index " + q + " (the parent's " + i.parent + " adopts it)", i.definition + ";");
    if (Safe(i.table_key)) {
      s.sql.insert(s.sql.find("INDEX ") + 6, "CONCURRENTLY ");
      s.transactional = false;
      s.hazards.push_back({Hazard::kIndexBuild, "builds an index on a partition"});
    } else {
      s.hazards.push_back({Hazard::kIndexBuild, TableExisted(i.table_key) ? "builds an index on a partition"
                                                                          : "builds an index on a new, empty partition"});
    }
    Add(NodeKind::kCreate, kAddIndex, key, i.table_key, std::move(s));
    return;
  }
  // Any other partition's index comes from its parent: a new partition gets it with
  // PARTITION OF or ATTACH, and a new parent index builds (or adopts) one on every
  // partition that exists when it runs.
  if (!i.parent_key.empty()) return;
  std::string def = i.definition;
  bool partitioned = Partitioned(i.table_key);
  if (partitioned) {
    size_t p = def.find(" ON ONLY ");
    if (p != std::string::npos) def.replace(p, 9, " ON ");
  }
  Step s = S(key, "create index " + q, def + ";");
  s.hazards.push_back({Hazard::kIndexBuild, "builds an index"});
  if (partitioned && opt_.concurrently && TableExisted(i.table_key)) {
    // PostgreSQL refuses CONCURRENTLY here; strata's runner builds it ON ONLY the parent,
    // then concurrently on each partition that exists when it runs, attaching each.
    s.description += " on every partition, one at a time";
    s.sql.insert(s.sql.find("INDEX ") + 6, "CONCURRENTLY ");
    s.sql = "-- strata builds this ON ONLY the parent, then CONCURRENTLY on each partition (found when it\n"
            "-- runs, so partitions the application made are included), attaching each to it.\n" + s.sql;
    s.transactional = false;
    s.undo = "DROP INDEX IF EXISTS " + q + ";";
  } else if (Safe(i.table_key)) {
    size_t p = s.sql.find("INDEX ");
    s.sql.insert(p + 6, "CONCURRENTLY ");
    s.transactional = false;
    s.undo = "DROP INDEX CONCURRENTLY IF EXISTS " + q + ";";
  } else {
    if (TableExisted(i.table_key)) s.hazards.push_back({Hazard::kShareLock, "blocks writes while the index builds"});
    s.undo = "DROP INDEX " + q + ";";
  }
  // ON ONLY a partitioned table: valid only once the partitions' indexes are attached.
  if (def.find(" ON ONLY ") == std::string::npos) {
    s.verify = "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = " + Lit(q) + "::regclass";
  }
  Add(NodeKind::kCreate, kAddIndex, key, i.table_key, std::move(s));
  for (const auto& [col, target] : i.statistics) {
    Add(NodeKind::kCreate, kAddIndex, key, i.table_key,
        S(key, "statistics on " + q, "ALTER INDEX " + q + " ALTER COLUMN " + std::to_string(col) +
                                         " SET STATISTICS " + std::to_string(target) + ";"));
  }
  if (!i.comment.empty()) {
    Add(NodeKind::kCreate, kLast, key, i.table_key, S(key, "comment on " + q, CommentOn("INDEX " + q, i.comment)));
  }
}

Status Planner::IndexDrop(const Index& i) {
  if (!i.parent_key.empty() || !rel_b_.count(i.table_key)) return Status::Ok();
  std::string key = Key("index", i.schema, i.name), q = QualifiedSql(i.schema, i.name);
  // A partitioned index whose partitions' keys (PRIMARY KEY / UNIQUE) use the indexes
  // attached to it cannot be dropped alone: CASCADE drops those keys too. That is only
  // safe when the new parent key brings each of them back as it was: a PRIMARY KEY
  // replacing this index on the parent re-creates every partition's <partition>_pkey.
  std::vector<const Constraint*> keys;
  for (const Constraint& k : a_.constraints) {
    if (k.attached_to == q && (k.type == 'p' || k.type == 'u')) keys.push_back(&k);
  }
  if (!keys.empty()) {
    const Constraint* parent_pk = nullptr;
    for (const Constraint& k : b_.constraints) {
      if (k.table_key == i.table_key && k.index == q && k.type == 'p') parent_pk = &k;
    }
    std::string names;
    for (const Constraint* k : keys) {
      names += (names.empty() ? "" : ", ") + k->name;
      bool gone = true;
      for (const Constraint& kb : b_.constraints) {
        if (kb.table_key != k->table_key || kb.name != k->name) continue;
        gone = false;
        auto part = tables_b_.find(k->table_key);
        bool restored = parent_pk && kb.type == 'p' && kb.attached_to == q && part != tables_b_.end() &&
                        kb.name == part->second->name + "_pkey";
        if (!restored) {
          return Status::InvalidInput(
              "partitioned index " + q + " backs the partition key " + k->name + " on " + k->table_sql +
              "; replacing it would drop that key (strata re-creates it only when a PRIMARY KEY takes the "
              "index's place): write this change by hand");
        }
      }
      (void)gone;
    }
    Step s = S(key, "drop index " + q + " with the partition keys using it (" + names + ")",
               "DROP INDEX " + q + " CASCADE;");
    s.hazards.push_back({Hazard::kIndexDropped, "queries that used it get slower until the new key is built"});
    s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table and its partitions"});
    s.undo = i.definition + ";";
    Add(NodeKind::kDrop, kDropIndex, key, i.table_key, std::move(s));
    return Status::Ok();
  }
  // An index dropped for good from a table that stays: CONCURRENTLY, so that the drop
  // waits for running queries instead of locking the table (the runbook's rule, and
  // squawk's require-concurrent-index-deletion). Indexes rebuilt in place keep the plain
  // form: their drop and create belong together in one transaction.
  bool concurrently = Safe(i.table_key) && !recreate_.count(key) && b_index_table_.count(key) == 0;
  Step s = S(key, "drop index " + q,
             concurrently ? "DROP INDEX CONCURRENTLY IF EXISTS " + q + ";" : "DROP INDEX " + q + ";");
  s.hazards.push_back({Hazard::kIndexDropped, "queries that used it get slower"});
  if (concurrently) {
    s.transactional = false;
  } else {
    s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
  }
  s.undo = i.definition + ";";
  Add(NodeKind::kDrop, kDropIndex, key, i.table_key, std::move(s));
  return Status::Ok();
}

Status Planner::EnumAlter(const EnumType& a, const EnumType& b) {
  std::string key = Key("type", b.schema, b.name), q = QualifiedSql(b.schema, b.name);
  // Values are append-only: the old ones must appear in the new list, in the same order.
  size_t j = 0;
  for (const auto& l : b.labels) {
    if (j < a.labels.size() && a.labels[j] == l) ++j;
  }
  if (j != a.labels.size()) {
    return Status::InvalidInput("enum " + q + ": values can only be added, not removed, renamed or reordered (" +
                                "PostgreSQL cannot drop an enum value); add the new value and leave the old one unused");
  }
  std::set<std::string> old(a.labels.begin(), a.labels.end());
  for (size_t i = 0; i < b.labels.size(); ++i) {
    if (old.count(b.labels[i])) continue;
    std::string where = i > 0 ? " AFTER " + Lit(b.labels[i - 1]) : " BEFORE " + Lit(b.labels[1]);
    Step s = S(key, "add value " + b.labels[i] + " to " + q,
               "ALTER TYPE " + q + " ADD VALUE IF NOT EXISTS " + Lit(b.labels[i]) + where + ";");
    s.enum_value = true;
    s.verify = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_enum WHERE enumtypid = " + Lit(q) +
               "::regtype AND enumlabel = " + Lit(b.labels[i]) + ")";
    Add(NodeKind::kAlter, kAddEnumValue, key, "", std::move(s));
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
}

Status Planner::ColumnAlter(const Table& t, const Column& a, const Column& b) {
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
    if (existed && opt_.concurrently && !Partitioned(key)) {
      // The seeds' three steps: a NOT VALID check, validated without blocking writes, lets
      // SET NOT NULL skip its own full-table scan; then the check goes.
      std::string check = ("strata_nn_" + t.name + "_" + b.name).substr(0, 63);
      std::string on = "ALTER TABLE " + tq + " ";
      Step s1 = S(ck, "check " + what + " IS NOT NULL (NOT VALID)",
                  on + "ADD CONSTRAINT " + QuoteIdent(check) + " CHECK (" + QuoteIdent(b.name) + " IS NOT NULL) NOT VALID;");
      s1.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; rows are not checked yet"});
      add(std::move(s1));
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

// Objects that must be dropped and created again: changed views, functions whose
// signature changed, changed index/constraint/trigger definitions — and everything that
// depends on one of them, or (views) on a table whose columns change shape.
void Planner::Recreate(const std::vector<Change>& changes) {
  std::set<std::string> reshaped;  // tables with dropped or retyped columns
  for (const Change& c : changes) {
    if (c.kind != "column") continue;
    if (c.action == ChangeAction::kDrop) reshaped.insert("table:" + c.object.substr(0, c.object.rfind('.')));
    if (c.action == ChangeAction::kAlter) {
      for (const auto& f : c.fields) {
        if (f == "type" || f == "collation" || f == "generated" || f == "generated_virtual") reshaped.insert("table:" + c.object.substr(0, c.object.rfind('.')));
      }
    }
  }
  std::set<std::string> in_b;
  for (const auto& v : b_.views) in_b.insert(Key("view", v.schema, v.name));
  for (const auto& f : b_.functions) in_b.insert(FunctionKey(f));
  for (const auto& k : b_.constraints) in_b.insert(ConstraintKey(k));
  for (const auto& i : b_.indexes) in_b.insert(Key("index", i.schema, i.name));
  for (const auto& t : b_.triggers) in_b.insert(TriggerKey(t));
  for (const auto& p : b_.policies) in_b.insert(PolicyKey(p));
  auto recreatable = [&](const std::string& key) {
    return in_b.count(key) && !StartsWith(key, "function:") && !StartsWith(key, "operator:");
  };
  // Objects that go away: what still depends on them must be recreated (a view over a
  // table that becomes a view of the same name).
  std::set<std::string> in_a_only;
  {
    std::set<std::string> all_b = in_b;
    for (const auto& t : b_.tables) all_b.insert(Key("table", t.schema, t.name));
    for (const auto& x : b_.sequences) all_b.insert(Key("sequence", x.schema, x.name));
    for (const auto& x : b_.enums) all_b.insert(Key("type", x.schema, x.name));
    for (const auto& x : b_.domains) all_b.insert(Key("type", x.schema, x.name));
    for (const auto& x : b_.composites) all_b.insert(Key("type", x.schema, x.name));
    for (const auto& d : a_.dependencies) {
      if (!all_b.count(d.depends_on) && (StartsWith(d.depends_on, "table:") || StartsWith(d.depends_on, "view:") ||
                                         StartsWith(d.depends_on, "function:") || StartsWith(d.depends_on, "type:"))) {
        in_a_only.insert(d.depends_on);
      }
    }
  }
  for (const auto& d : a_.dependencies) {
    if (in_a_only.count(d.depends_on) && recreatable(d.object)) recreate_.insert(d.object);
  }
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& d : a_.dependencies) {
      if (recreate_.count(d.object) || !recreatable(d.object)) continue;
      bool view = StartsWith(d.object, "view:");
      if (recreate_.count(d.depends_on) || (view && reshaped.count(d.depends_on))) {
        recreate_.insert(d.object);
        grew = true;
      }
    }
  }
}

Status Planner::Objects(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  const std::string& k = c.kind;
  auto has = [&](const char* f) { return std::find(c.fields.begin(), c.fields.end(), f) != c.fields.end(); };
  auto hz = [](Step s, Hazard h, std::string m) {
    s.hazards.push_back({h, std::move(m)});
    return s;
  };
  if (k == "schema") {
    const Schema* a = drop || !create ? &a_.schemas[c.from_pos] : nullptr;
    const Schema* b = create || !drop ? &b_.schemas[c.to_pos] : nullptr;
    std::string key = "schema:" + (b ? b->name : a->name), q = QuoteIdent(b ? b->name : a->name);
    if (drop) Add(NodeKind::kDrop, kDropSchema, key, "", hz(S(key, "drop schema " + q, "DROP SCHEMA " + q + ";"), Hazard::kDeletesData, "drops the schema"));
    else if (create) Add(NodeKind::kCreate, kCreateSchema, key, "", S(key, "create schema " + q, SchemaSql(*b)));
    else {
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on schema " + q, CommentOn("SCHEMA " + q, b->comment)));
      if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on schema " + q, AclSql("SCHEMA " + q, a->acl, b->acl, "", nullptr)), Hazard::kAuthzUpdate, "changes who may use the schema"));
    }
  } else if (k == "extension") {
    const Extension* a = c.from_pos >= 0 ? &a_.extensions[c.from_pos] : nullptr;
    const Extension* b = c.to_pos >= 0 ? &b_.extensions[c.to_pos] : nullptr;
    std::string key = "extension:" + (b ? b->name : a->name), q = QuoteIdent(b ? b->name : a->name);
    if (drop) Add(NodeKind::kDrop, kDropExtension, key, "", hz(S(key, "drop extension " + q, "DROP EXTENSION " + q + ";"), Hazard::kDeletesData, "drops the extension and its objects"));
    else if (create) Add(NodeKind::kCreate, kCreateExtension, key, "", S(key, "create extension " + q, ExtensionSql(*b)));
    else {
      if (has("schema")) Add(NodeKind::kAlter, kCreateExtension, key, "", S(key, "move extension " + q, "ALTER EXTENSION " + q + " SET SCHEMA " + QuoteIdent(b->schema) + ";"));
      if (has("version")) Add(NodeKind::kAlter, kCreateExtension, key, "", hz(S(key, "update extension " + q, "ALTER EXTENSION " + q + " UPDATE TO " + Lit(b->version) + ";"), Hazard::kExtensionUpgrade, "runs the extension's upgrade script"));
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on extension " + q, CommentOn("EXTENSION " + q, b->comment)));
    }
  } else if (k == "collation") {
    const Collation* a = c.from_pos >= 0 ? &a_.collations[c.from_pos] : nullptr;
    const Collation* b = c.to_pos >= 0 ? &b_.collations[c.to_pos] : nullptr;
    const Collation& x = b ? *b : *a;
    std::string key = Key("collation", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
    bool only_comment = !drop && !create && c.fields.size() == 1 && has("comment");
    if (only_comment) {
      Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on collation " + q, CommentOn("COLLATION " + q, b->comment)));
    } else {
      if (a) Add(NodeKind::kDrop, kDropCollation, key, "", S(key, "drop collation " + q, "DROP COLLATION " + q + ";"));
      if (b) Add(NodeKind::kCreate, kCreateType, key, "", S(key, "create collation " + q, CollationSql(*b)));
    }
  } else if (k == "enum") {
    const EnumType* a = c.from_pos >= 0 ? &a_.enums[c.from_pos] : nullptr;
    const EnumType* b = c.to_pos >= 0 ? &b_.enums[c.to_pos] : nullptr;
    const EnumType& x = b ? *b : *a;
    std::string key = Key("type", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
    if (drop) Add(NodeKind::kDrop, kDropType, key, "", S(key, "drop type " + q, "DROP TYPE " + q + ";"));
    else if (create) Add(NodeKind::kCreate, kCreateType, key, "", S(key, "create type " + q, EnumSql(*b)));
    else {
      if (has("labels")) STRATA_RETURN_IF_ERROR(EnumAlter(*a, *b));
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on type " + q, CommentOn("TYPE " + q, b->comment)));
      if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on type " + q, AclSql("TYPE " + q, a->acl, b->acl, "", "USAGE")), Hazard::kAuthzUpdate, "changes who may use the type"));
    }
  } else if (k == "domain") {
    const Domain* a = c.from_pos >= 0 ? &a_.domains[c.from_pos] : nullptr;
    const Domain* b = c.to_pos >= 0 ? &b_.domains[c.to_pos] : nullptr;
    const Domain& x = b ? *b : *a;
    std::string key = Key("type", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
    if (drop) Add(NodeKind::kDrop, kDropType, key, "", S(key, "drop domain " + q, "DROP DOMAIN " + q + ";"));
    else if (create) Add(NodeKind::kCreate, kCreateDomain, key, "", S(key, "create domain " + q, DomainSql(*b)));
    else {
      if (has("base_type") || has("collation")) {
        return Status::InvalidInput("domain " + q + ": its base type or collation cannot be changed in place (" +
                                    a->base_type + " -> " + b->base_type + "); create a new domain and move the columns to it");
      }
      std::string on = "ALTER DOMAIN " + q + " ";
      if (has("default")) Add(NodeKind::kAlter, kCreateDomain, key, "", S(key, "default of domain " + q, on + (b->default_expr.empty() ? "DROP DEFAULT;" : "SET DEFAULT " + b->default_expr + ";")));
      if (has("not_null")) Add(NodeKind::kAlter, kCreateDomain, key, "", hz(S(key, "NOT NULL of domain " + q, on + (b->not_null ? "SET NOT NULL;" : "DROP NOT NULL;")), Hazard::kValidatesRows, "checks every column of the domain"));
      if (has("checks")) {
        std::map<std::string, const DomainCheck*> ca, cb;
        for (const auto& ck : a->checks) ca[ck.name] = &ck;
        for (const auto& ck : b->checks) cb[ck.name] = &ck;
        for (const auto& [n, ck] : ca) {
          auto it = cb.find(n);
          if (it == cb.end() || it->second->definition != ck->definition) {
            Add(NodeKind::kAlter, kCreateDomain, key, "", S(key, "drop check " + n + " of " + q, on + "DROP CONSTRAINT " + QuoteIdent(n) + ";"));
          }
        }
        for (const auto& [n, ck] : cb) {
          auto it = ca.find(n);
          if (it == ca.end() || it->second->definition != ck->definition) {
            Add(NodeKind::kAlter, kCreateDomain, key, "", hz(S(key, "add check " + n + " to " + q, on + "ADD CONSTRAINT " + QuoteIdent(n) + " " + ck->definition + ";"), Hazard::kValidatesRows, "checks every column of the domain"));
          }
          if (it == ca.end() ? !ck->comment.empty() : it->second->comment != ck->comment) {
            Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on check " + n, CommentOn("CONSTRAINT " + QuoteIdent(n) + " ON DOMAIN " + q, ck->comment)));
          }
        }
      }
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on domain " + q, CommentOn("DOMAIN " + q, b->comment)));
      if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on domain " + q, AclSql("DOMAIN " + q, a->acl, b->acl, "", "USAGE")), Hazard::kAuthzUpdate, "changes who may use the domain"));
    }
  } else if (k == "composite type") {
    const CompositeType* a = c.from_pos >= 0 ? &a_.composites[c.from_pos] : nullptr;
    const CompositeType* b = c.to_pos >= 0 ? &b_.composites[c.to_pos] : nullptr;
    const CompositeType& x = b ? *b : *a;
    std::string key = Key("type", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
    if (drop) Add(NodeKind::kDrop, kDropType, key, "", S(key, "drop type " + q, "DROP TYPE " + q + ";"));
    else if (create) Add(NodeKind::kCreate, kCreateComposite, key, "", S(key, "create type " + q, CompositeSql(*b)));
    else {
      if (has("attributes")) {
        std::map<std::string, const Attribute*> aa, ab;
        for (const auto& t : a->attributes) aa[t.name] = &t;
        for (const auto& t : b->attributes) ab[t.name] = &t;
        std::string on = "ALTER TYPE " + q + " ";
        for (const auto& [n, t] : aa) {
          if (!ab.count(n)) Add(NodeKind::kAlter, kCreateComposite, key, "", hz(S(key, "drop attribute " + n + " of " + q, on + "DROP ATTRIBUTE " + QuoteIdent(n) + ";"), Hazard::kDeletesData, "drops the attribute"));
        }
        for (const auto& t : b->attributes) {
          auto it = aa.find(t.name);
          std::string collate = t.collation.empty() ? "" : " COLLATE " + t.collation;
          if (it == aa.end()) {
            Add(NodeKind::kAlter, kCreateComposite, key, "", S(key, "add attribute " + t.name + " to " + q, on + "ADD ATTRIBUTE " + QuoteIdent(t.name) + " " + t.type + collate + ";"));
          } else if (it->second->type != t.type || it->second->collation != t.collation) {
            Add(NodeKind::kAlter, kCreateComposite, key, "", S(key, "change attribute " + t.name + " of " + q, on + "ALTER ATTRIBUTE " + QuoteIdent(t.name) + " TYPE " + t.type + collate + ";"));
          }
          if ((it == aa.end() ? std::string() : it->second->comment) != t.comment) {
            Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on attribute " + t.name, CommentOn("COLUMN " + q + "." + QuoteIdent(t.name), t.comment)));
          }
        }
      }
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on type " + q, CommentOn("TYPE " + q, b->comment)));
      if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on type " + q, AclSql("TYPE " + q, a->acl, b->acl, "", "USAGE")), Hazard::kAuthzUpdate, "changes who may use the type"));
    }
  } else if (k == "sequence") {
    const Sequence* a = c.from_pos >= 0 ? &a_.sequences[c.from_pos] : nullptr;
    const Sequence* b = c.to_pos >= 0 ? &b_.sequences[c.to_pos] : nullptr;
    const Sequence& x = b ? *b : *a;
    std::string key = Key("sequence", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
    auto owned = [&](const Sequence& s, const std::string& how) {
      int id = Add(NodeKind::kCreate, kSequenceOwner, "owned:" + key, "", S(key, "owner of sequence " + q, "ALTER SEQUENCE " + q + " OWNED BY " + how + ";"));
      if (!s.owned_by_table_key.empty() && how != "NONE") late_deps_.push_back({id, s.owned_by_table_key});
    };
    if (drop) {
      // IF EXISTS: a sequence owned by a dropped table or column is already gone.
      Add(NodeKind::kDrop, kDropSequence, key, "", hz(S(key, "drop sequence " + q, "DROP SEQUENCE IF EXISTS " + q + ";"), Hazard::kDeletesData, "loses the sequence's current value"));
    } else if (create) {
      Add(NodeKind::kCreate, kCreateSequence, key, "", S(key, "create sequence " + q, SequenceSql(*b)));
      if (!b->owned_by.empty()) owned(*b, b->owned_by);
    } else {
      if (has("options")) Add(NodeKind::kAlter, kCreateSequence, key, "", S(key, "options of sequence " + q, "ALTER SEQUENCE " + q + " AS " + b->options.data_type + " " + SequenceOptionsSql(b->options) + ";"));
      if (has("owned_by")) {
        if (!a->owned_by.empty()) {
          // Released first: dropping its old table or column would drop the sequence too.
          Add(NodeKind::kAlter, kDropPolicy, "release:" + key, "", S(key, "release sequence " + q + " from " + a->owned_by, "ALTER SEQUENCE " + q + " OWNED BY NONE;"));
        }
        if (!b->owned_by.empty()) owned(*b, b->owned_by);
      }
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on sequence " + q, CommentOn("SEQUENCE " + q, b->comment)));
      if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on sequence " + q, AclSql("SEQUENCE " + q, a->acl, b->acl, "", nullptr)), Hazard::kAuthzUpdate, "changes who may use the sequence"));
    }
  } else if (k == "function") {
    const Function* a = c.from_pos >= 0 ? &a_.functions[c.from_pos] : nullptr;
    const Function* b = c.to_pos >= 0 ? &b_.functions[c.to_pos] : nullptr;
    const Function& x = b ? *b : *a;
    std::string key = FunctionKey(x), sig = FunctionSignature(x);
    bool replace_in_place = a && b && a->kind == b->kind && (b->kind == 'f' || b->kind == 'p' || b->kind == 'w') &&
                            FunctionHeader(a->definition) == FunctionHeader(b->definition) && !recreate_.count(key);
    if (a && b && !replace_in_place && has("definition")) recreate_.insert(key);
    if (a && (drop || recreate_.count(key))) {
      Step s = hz(S(key, "drop " + sig, "DROP " + sig + ";"), Hazard::kUntrackableDeps, "code that calls it by name breaks");
      s.undo = Trimmed(FunctionSql(*a));
      Add(NodeKind::kDrop, kDropFunction, key, "", std::move(s));
    }
    if (b && (create || recreate_.count(key))) {
      Add(NodeKind::kCreate, kCreateFunction, key, "", hz(S(key, "create " + sig, FunctionSql(*b)), Hazard::kUntrackableDeps, "function bodies are not checked against the schema"));
    } else if (a && b) {
      if (has("definition")) {
        Step s = hz(S(key, "replace " + sig, b->definition + ";"), Hazard::kUntrackableDeps, "function bodies are not checked against the schema");
        s.undo = a->definition + ";";  // the old body, replaced back
        Add(NodeKind::kAlter, kCreateFunction, key, "", std::move(s));
      }
      if (has("comment")) {
        Step s = S(key, "comment on " + sig, CommentOn(sig, b->comment));
        s.undo = CommentOn(sig, a->comment);
        Add(NodeKind::kAlter, kLast, key, "", std::move(s));
      }
      if (has("acl")) {
        std::string on = (b->kind == 'p' ? "PROCEDURE " : "FUNCTION ") + QualifiedSql(b->schema, b->name) + "(" + b->identity_args + ")";
        Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on " + sig, AclSql(on, a->acl, b->acl, "", "EXECUTE")), Hazard::kAuthzUpdate, "changes who may call it"));
      }
    }
  } else if (k == "table") {
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
      Step s = S(key, "create table " + q, TableSql(*b));
      s.undo = "DROP TABLE " + q + ";";
      s.verify = "SELECT to_regclass(" + Lit(q) + ") IS NOT NULL";
      int id = Add(NodeKind::kCreate, kCreateTable, key, "", std::move(s));
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
  } else if (k == "column") {
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
  } else if (k == "view") {
    const View* a = c.from_pos >= 0 ? &a_.views[c.from_pos] : nullptr;
    const View* b = c.to_pos >= 0 ? &b_.views[c.to_pos] : nullptr;
    const View& x = b ? *b : *a;
    std::string key = Key("view", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
    if (a && b && (has("definition") || has("options") || has("materialized"))) recreate_.insert(key);
    if (a && (drop || recreate_.count(key))) {
      Step s = S(key, "drop " + ToLower(ViewWord(*a)) + q, "DROP " + ViewWord(*a) + q + ";");
      s.undo = Trimmed(ViewSql(*a));
      Add(NodeKind::kDrop, kDropView, key, "", std::move(s));
    }
    if (b && (create || recreate_.count(key))) {
      Step s = S(key, "create " + ToLower(ViewWord(*b)) + q, ViewSql(*b));
      if (b->materialized) s.hazards.push_back({Hazard::kAccessExclusiveLock, "computes the view's rows"});
      s.undo = "DROP " + ViewWord(*b) + q + ";";
      Add(NodeKind::kCreate, kCreateView, key, "", std::move(s));
    } else if (a && b) {
      if (has("comment")) {
        Step s = S(key, "comment on view " + q, CommentOn(ViewWord(*b) + q, b->comment));
        s.undo = CommentOn(ViewWord(*a) + q, a->comment);
        Add(NodeKind::kAlter, kLast, key, "", std::move(s));
      }
      if (has("column_comments")) {
        std::map<std::string, std::string> ca(a->column_comments.begin(), a->column_comments.end());
        std::map<std::string, std::string> cb(b->column_comments.begin(), b->column_comments.end());
        for (const auto& [col, unused] : ca) if (!cb.count(col)) cb[col] = "";
        for (const auto& [col, comment] : cb) {
          if (ca[col] != comment) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on " + q + "." + col, CommentOn("COLUMN " + q + "." + QuoteIdent(col), comment)));
        }
      }
      if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on " + q, AclSql("TABLE " + q, a->acl, b->acl, "", nullptr)), Hazard::kAuthzUpdate, "changes who may use the view"));
      if (has("column_acls")) {
        std::map<std::string, Acl> ca(a->column_acls.begin(), a->column_acls.end()), cb(b->column_acls.begin(), b->column_acls.end());
        for (const auto& [col, unused] : ca) if (!cb.count(col)) cb[col] = std::nullopt;
        for (const auto& [col, acl] : cb) {
          if (ca[col] != acl) Add(NodeKind::kAlter, kLast, key, "", hz(S(key, "privileges on " + q + "." + col, AclSql("TABLE " + q, ca[col], acl, " (" + QuoteIdent(col) + ")", nullptr)), Hazard::kAuthzUpdate, "changes who may use the column"));
        }
      }
    }
  } else if (k == "constraint") {
    const Constraint* a = c.from_pos >= 0 ? &a_.constraints[c.from_pos] : nullptr;
    const Constraint* b = c.to_pos >= 0 ? &b_.constraints[c.to_pos] : nullptr;
    if (a && b && has("definition") && StripNotValid(a->definition) == b->definition && !recreate_.count(ConstraintKey(*b))) {
      Step s = S(ConstraintKey(*b), "validate constraint " + b->name, "ALTER TABLE " + b->table_sql + " VALIDATE CONSTRAINT " + QuoteIdent(b->name) + ";");
      s.transactional = !opt_.concurrently;
      s.hazards.push_back({Hazard::kValidatesRows, "scans the table without blocking writes"});
      s.verify = ConstraintValid(b->table_sql, b->name);
      Add(NodeKind::kAlter, b->type == 'f' ? kValidateForeignKey : kValidate, ConstraintKey(*b), b->table_key, std::move(s));
    } else if (a && b && !has("definition") && !has("type") && !recreate_.count(ConstraintKey(*b))) {
      if (has("comment")) Add(NodeKind::kAlter, kLast, ConstraintKey(*b), b->table_key, S(ConstraintKey(*b), "comment on constraint " + b->name, CommentOn("CONSTRAINT " + QuoteIdent(b->name) + " ON " + b->table_sql, b->comment)));
    } else {
      if (a) ConstraintDrop(*a);
      if (b) ConstraintCreate(*b);
    }
  } else if (k == "index") {
    const Index* a = c.from_pos >= 0 ? &a_.indexes[c.from_pos] : nullptr;
    const Index* b = c.to_pos >= 0 ? &b_.indexes[c.to_pos] : nullptr;
    if (a && b && !has("definition") && !recreate_.count(Key("index", b->schema, b->name))) {
      std::string key = Key("index", b->schema, b->name), q = QualifiedSql(b->schema, b->name);
      if (has("attached_to") && !b->parent.empty()) Add(NodeKind::kAlter, kAddIndex, key, b->table_key, S(key, "attach index " + q, "ALTER INDEX " + b->parent + " ATTACH PARTITION " + q + ";"));
      auto ta = tables_a_.find(a->table_key), tb = tables_b_.find(b->table_key);
      bool table_detached = ta != tables_a_.end() && tb != tables_b_.end() &&
                            !ta->second->partition_of.empty() && tb->second->partition_of.empty();
      if (has("attached_to") && b->parent.empty() && !a->parent_key.empty() && !table_detached) {
        // An index cannot be detached: it goes with its dropped parent and is built again.
        // (DETACH PARTITION does detach them: a detached table keeps its indexes.)
        size_t before = nodes_.size();
        IndexCreate(*b);
        for (size_t n = before; n < nodes_.size(); ++n) late_deps_.push_back({static_cast<int>(n), a->parent_key});
      }
      if (has("statistics")) {
        std::map<int, int> sa(a->statistics.begin(), a->statistics.end());
        for (const auto& [col, t] : b->statistics) sa.erase(col);
        for (const auto& [col, t] : sa) Add(NodeKind::kAlter, kAddIndex, key, b->table_key, S(key, "statistics on " + q, "ALTER INDEX " + q + " ALTER COLUMN " + std::to_string(col) + " SET STATISTICS -1;"));
        for (const auto& [col, t] : b->statistics) Add(NodeKind::kAlter, kAddIndex, key, b->table_key, S(key, "statistics on " + q, "ALTER INDEX " + q + " ALTER COLUMN " + std::to_string(col) + " SET STATISTICS " + std::to_string(t) + ";"));
      }
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on index " + q, CommentOn("INDEX " + q, b->comment)));
    } else {
      if (a) STRATA_RETURN_IF_ERROR(IndexDrop(*a));
      if (b) IndexCreate(*b);
    }
  } else if (k == "trigger") {
    const Trigger* a = c.from_pos >= 0 ? &a_.triggers[c.from_pos] : nullptr;
    const Trigger* b = c.to_pos >= 0 ? &b_.triggers[c.to_pos] : nullptr;
    const Trigger& x = b ? *b : *a;
    std::string key = TriggerKey(x), what = QuoteIdent(x.name) + " ON " + x.table_sql;
    bool recreate = a && b && (has("definition") || recreate_.count(key));
    if (a && (drop || recreate) && rel_b_.count(a->table_key)) {
      Add(NodeKind::kDrop, kDropTrigger, key, a->table_key, S(key, "drop trigger " + what, "DROP TRIGGER " + what + ";"));
    }
    if (b && (create || recreate)) {
      Add(NodeKind::kCreate, kCreateTrigger, key, b->table_key, S(key, "create trigger " + what, TriggerSql(*b)));
    } else if (a && b) {
      if (has("enabled")) {
        const char* how = b->enabled == 'D' ? "DISABLE" : b->enabled == 'R' ? "ENABLE REPLICA" : b->enabled == 'A' ? "ENABLE ALWAYS" : "ENABLE";
        Add(NodeKind::kAlter, kCreateTrigger, key, b->table_key, S(key, "enable/disable trigger " + what, "ALTER TABLE " + b->table_sql + " " + how + " TRIGGER " + QuoteIdent(b->name) + ";"));
      }
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on trigger " + what, CommentOn("TRIGGER " + what, b->comment)));
    }
  } else if (k == "policy") {
    const Policy* a = c.from_pos >= 0 ? &a_.policies[c.from_pos] : nullptr;
    const Policy* b = c.to_pos >= 0 ? &b_.policies[c.to_pos] : nullptr;
    const Policy& x = b ? *b : *a;
    std::string key = PolicyKey(x), what = QuoteIdent(x.name) + " ON " + x.table_sql;
    bool in_place = a && b && !has("command") && !has("permissive") && !recreate_.count(key) &&
                    !(a->using_expr.size() && b->using_expr.empty()) && !(a->check_expr.size() && b->check_expr.empty());
    if (a && b && in_place) {
      if (has("roles") || has("using") || has("with_check")) {
        std::string sql = "ALTER POLICY " + what + " TO " + PolicyRolesSql(*b);
        if (!b->using_expr.empty()) sql += " USING (" + b->using_expr + ")";
        if (!b->check_expr.empty()) sql += " WITH CHECK (" + b->check_expr + ")";
        Add(NodeKind::kAlter, kCreatePolicy, key, b->table_key, hz(S(key, "alter policy " + what, sql + ";"), Hazard::kAuthzUpdate, "changes which rows users see"));
      }
      if (has("comment")) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on policy " + what, CommentOn("POLICY " + what, b->comment)));
    } else {
      if (a && rel_b_.count(a->table_key)) Add(NodeKind::kDrop, kDropPolicy, key, a->table_key, hz(S(key, "drop policy " + what, "DROP POLICY " + what + ";"), Hazard::kAuthzUpdate, "changes which rows users see"));
      if (b) Add(NodeKind::kCreate, kCreatePolicy, key, b->table_key, hz(S(key, "create policy " + what, PolicySql(*b)), Hazard::kAuthzUpdate, "changes which rows users see"));
    }
  } else {
    for (const auto& info : DefinedKinds()) {
      if (k == info.name) return DefinedChange(c, info.kind);
    }
    return Status::InvalidInput("strata cannot plan a change of kind " + k + " (" + c.object + ")");
  }
  return Status::Ok();
}

// Kinds kept whole: created, dropped, or dropped and created again; a comment or a range
// type's grants change in place.
Status Planner::DefinedChange(const Change& c, DefinedKind kind) {
  auto nth = [&](const Catalog& cat, int pos) -> const DefinedObject* {
    if (pos < 0) return nullptr;
    int seen = 0;
    for (const auto& o : cat.defined) {
      if (o.kind == kind && seen++ == pos) return &o;
    }
    return nullptr;
  };
  const DefinedObject* a = nth(a_, c.from_pos);
  const DefinedObject* b = nth(b_, c.to_pos);
  const DefinedObject& x = b ? *b : *a;
  const DefinedKindInfo& info = InfoOf(kind);
  std::string key = DefinedKey(x), what = std::string(info.sql) + " " + x.sql_name;
  std::string desc = std::string(info.name) + " " + x.sql_name;
  static const std::map<DefinedKind, std::pair<int, int>> kPrio = {  // (drop, create)
      {DefinedKind::kRangeType, {kDropType, kCreateType}},
      {DefinedKind::kTextSearchDictionary, {kDropType, kCreateType}},
      {DefinedKind::kTextSearchConfiguration, {kDropType, kCreateType}},
      {DefinedKind::kCast, {kDropFunction, kCreateFunction}},
      {DefinedKind::kStatistics, {kDropIndex, kAddIndex}},
      {DefinedKind::kRule, {kDropTrigger, kCreateTrigger}},
      {DefinedKind::kEventTrigger, {kDropTrigger, kCreateTrigger}},
      {DefinedKind::kPublication, {kDropPolicy, kLast}}};
  auto [drop_prio, create_prio] = kPrio.at(kind);
  bool in_place = a && b && a->definition == b->definition && !recreate_.count(key);
  if (in_place) {
    if (a->comment != b->comment) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on " + desc, CommentOn(what, b->comment)));
    if (a->acl != b->acl) {
      Step s = S(key, "privileges on " + desc, AclSql(what, a->acl, b->acl, "", "USAGE"));
      s.hazards.push_back({Hazard::kAuthzUpdate, "changes who may use the type"});
      Add(NodeKind::kAlter, kLast, key, b->table_key, std::move(s));
    }
    return Status::Ok();
  }
  auto hazards = [&](Step* s, bool dropping) {
    if (kind == DefinedKind::kRule || kind == DefinedKind::kEventTrigger) {
      s->hazards.push_back({Hazard::kCorrectness, dropping ? "changes what statements do" : "changes what statements do"});
    }
    if (kind == DefinedKind::kPublication) {
      s->hazards.push_back({Hazard::kCorrectness, "changes what logical replication sends"});
    }
    if (kind == DefinedKind::kRule && !x.table_key.empty()) {
      s->hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
    }
    if (kind == DefinedKind::kStatistics && !dropping) {
      s->hazards.push_back({Hazard::kCorrectness, "the planner uses it after the next ANALYZE"});
    }
  };
  // A statistics object or rule goes with its table when the table is dropped.
  bool table_gone = a && !a->table_key.empty() && !rel_b_.count(a->table_key);
  if (a && !table_gone) {
    Step s = S(key, "drop " + desc, DefinedDropSql(*a));
    hazards(&s, true);
    s.undo = Trimmed(DefinedSql(*a));
    Add(NodeKind::kDrop, drop_prio, key, a->table_key, std::move(s));
  }
  if (b) {
    Step s = S(key, "create " + desc, DefinedSql(*b));
    hazards(&s, false);
    s.undo = DefinedDropSql(*b);
    Add(NodeKind::kCreate, create_prio, key, b->table_key, std::move(s));
  }
  return Status::Ok();
}

void Planner::Order(Plan* plan) {
  // Dependencies from the catalogs: a drop waits for what depended on it to go (or
  // change); a create or change waits for what it needs to exist.
  // The nodes of an object: its own, and for a table also its columns' and properties'.
  auto nodes_of = [&](const std::string& key, auto pred, std::vector<int>* out) {
    auto r = by_object_.equal_range(key);
    for (auto it = r.first; it != r.second; ++it) {
      if (pred(nodes_[it->second])) out->push_back(it->second);
    }
    r = by_owner_.equal_range(key);
    for (auto it = r.first; it != r.second; ++it) {
      if (nodes_[it->second].table_part && pred(nodes_[it->second])) out->push_back(it->second);
    }
  };
  auto is_drop = [](const Node& n) { return n.kind == NodeKind::kDrop; };
  auto is_change = [](const Node& n) { return n.kind != NodeKind::kDrop; };
  auto any = [](const Node&) { return true; };
  for (const auto& [id, key] : late_deps_) {
    auto r = by_object_.equal_range(key);
    for (auto it = r.first; it != r.second; ++it) {
      if (it->second != id) nodes_[id].deps.insert(it->second);
    }
  }
  for (const auto& [waiting, waited] : key_deps_) {
    auto w = by_object_.equal_range(waiting);
    auto r = by_object_.equal_range(waited);
    for (auto a = w.first; a != w.second; ++a) {
      for (auto b = r.first; b != r.second; ++b) {
        if (a->second != b->second) nodes_[a->second].deps.insert(b->second);
      }
    }
  }
  // A constraint, index, trigger or policy that goes with its table has no step: its
  // table's steps stand in for it.
  auto stand_in = [&](const std::string& key) -> std::string {
    if (by_object_.count(key)) return key;
    for (const char* p : {"constraint:", "trigger:", "policy:"}) {
      if (StartsWith(key, p)) return key.substr(std::strlen(p), key.rfind('/') - std::strlen(p));
    }
    return key;
  };
  bool trace = std::getenv("STRATA_TRACE_PLAN") != nullptr;
  for (const auto& d : a_.dependencies) {
    if (trace) std::fprintf(stderr, "plan: from: %s -> %s\n", d.object.c_str(), d.depends_on.c_str());
    std::vector<int> ys, xs_drop, xs_any, ys_drop;
    nodes_of(d.depends_on, any, &ys);
    if (ys.empty()) continue;
    std::string x = stand_in(d.object);
    nodes_of(x, is_drop, &xs_drop);
    nodes_of(x, [](const Node& n) { return n.kind != NodeKind::kCreate; }, &xs_any);
    for (int y : ys) {
      if (nodes_[y].kind == NodeKind::kCreate) continue;
      const auto& xs = nodes_[y].kind == NodeKind::kDrop ? xs_any : xs_drop;
      for (int x : xs) {
        if (x != y) nodes_[y].deps.insert(x);
      }
    }
  }
  std::set<std::pair<std::string, std::string>> adopted(key_deps_.begin(), key_deps_.end());
  for (const auto& d : b_.dependencies) {
    // A partition's own index (or key) is built before the parent index that adopts it.
    if (adopted.count({d.depends_on, d.object})) continue;
    std::vector<int> xs, ys;
    nodes_of(d.object, is_change, &xs);
    if (xs.empty()) continue;
    nodes_of(d.depends_on, is_change, &ys);
    auto at = attach_nodes_.equal_range(d.depends_on);
    for (auto it = at.first; it != at.second; ++it) {
      if (nodes_[it->second].step.object != d.object) ys.push_back(it->second);  // not its own attach
    }
    for (int x : xs) {
      for (int y : ys) {
        if (x != y) nodes_[x].deps.insert(y);
      }
    }
  }
  // SQL-language bodies are checked when created: a function that calls another new or
  // replaced function by name comes after it (pg_depend knows only BEGIN ATOMIC bodies).
  std::vector<std::pair<int, const Function*>> made;
  std::map<std::string, const Function*> by_key;
  for (const auto& f : b_.functions) by_key[FunctionKey(f)] = &f;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto it = by_key.find(nodes_[i].step.object);
    if (it != by_key.end() && nodes_[i].kind != NodeKind::kDrop && it->second->kind != 'o' && it->second->kind != 'a') {
      made.push_back({static_cast<int>(i), it->second});
    }
  }
  for (const auto& [i, f] : made) {
    for (const auto& [j, g] : made) {
      if (i == j || f == g) continue;
      size_t body = f->definition.find('\n');  // after the header, which names f itself
      if (body == std::string::npos) continue;
      if (f->definition.find(g->name + "(", body) != std::string::npos ||
          f->definition.find(QuoteIdent(g->name) + "(", body) != std::string::npos) {
        nodes_[i].deps.insert(j);
      }
    }
  }
  // Tables, views, sequences, indexes and types share names: a create waits for the drop
  // of whatever had its name.
  auto rel_name = [](const std::string& key) -> std::string {
    for (const char* p : {"table:", "view:", "sequence:", "index:", "type:"}) {
      if (StartsWith(key, p)) return key.substr(key.find(':') + 1);
    }
    return "";
  };
  std::multimap<std::string, int> dropped_names;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind != NodeKind::kDrop) continue;
    std::string name = rel_name(nodes_[i].step.object);
    if (!name.empty()) dropped_names.emplace(name, static_cast<int>(i));
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind != NodeKind::kCreate) continue;
    auto r = dropped_names.equal_range(rel_name(nodes_[i].step.object));
    for (auto it = r.first; it != r.second; ++it) nodes_[i].deps.insert(it->second);
  }
  // Kahn's algorithm, lowest phase first; a cycle is broken at its earliest phase.
  size_t n = nodes_.size();
  std::vector<int> waiting(n, 0);
  std::vector<std::vector<int>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    for (int d : nodes_[i].deps) {
      if (d == static_cast<int>(i)) continue;
      ++waiting[i];
      dependents[d].push_back(static_cast<int>(i));
    }
  }
  using Item = std::pair<int, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  std::vector<bool> done(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.push({nodes_[i].prio, static_cast<int>(i)});
  }
  std::vector<int> order, position(n, -1);
  while (order.size() < n) {
    if (ready.empty()) {
      int pick = -1;
      for (size_t i = 0; i < n; ++i) {
        if (!done[i] && (pick < 0 || nodes_[i].prio < nodes_[pick].prio)) pick = static_cast<int>(i);
      }
      if (std::getenv("STRATA_TRACE_PLAN")) std::fprintf(stderr, "plan: cycle broken at %s\n", nodes_[pick].step.description.c_str());
      waiting[pick] = 0;
      ready.push({nodes_[pick].prio, pick});
    }
    auto [prio, id] = ready.top();
    ready.pop();
    if (done[id]) continue;
    done[id] = true;
    position[id] = static_cast<int>(order.size());
    order.push_back(id);
    for (int d : dependents[id]) {
      if (!done[d] && --waiting[d] == 0) ready.push({nodes_[d].prio, d});
    }
  }
  for (int id : order) {
    Step s = std::move(nodes_[id].step);
    if (s.undo.empty() && nodes_[id].kind == NodeKind::kCreate) s.undo = UndoOfCreate(s);
    for (int d : nodes_[id].deps) {
      if (position[d] >= 0 && position[d] < position[id]) s.after.push_back(position[d]);
    }
    std::sort(s.after.begin(), s.after.end());
    plan->steps.push_back(std::move(s));
  }
}

Result<Plan> Planner::Run() {
  for (const auto* c : {&a_, &b_}) {
    for (const auto& e : c->enums) enum_types_.insert(e.schema + "." + e.name);
  }
  for (const auto& t : a_.tables) tables_a_[Key("table", t.schema, t.name)] = &t;
  for (const auto& t : b_.tables) tables_b_[Key("table", t.schema, t.name)] = &t;
  for (const auto& t : b_.tables) rel_b_.insert(Key("table", t.schema, t.name));
  for (const auto& v : b_.views) rel_b_.insert(Key("view", v.schema, v.name));
  std::vector<Change> changes = Diff(a_, b_);
  // First pass: which definitions change (their dependents are recreated too).
  for (const Change& c : changes) {
    if (c.action != ChangeAction::kAlter) continue;
    auto has = [&](const char* f) { return std::find(c.fields.begin(), c.fields.end(), f) != c.fields.end(); };
    if (c.kind == "view" && (has("definition") || has("options") || has("materialized"))) {
      const View& v = b_.views[c.to_pos];
      recreate_.insert(Key("view", v.schema, v.name));
    } else if (c.kind == "function" && has("definition")) {
      const Function &a = a_.functions[c.from_pos], &b = b_.functions[c.to_pos];
      if (a.kind != b.kind || (b.kind != 'f' && b.kind != 'p' && b.kind != 'w') ||
          FunctionHeader(a.definition) != FunctionHeader(b.definition)) {
        recreate_.insert(FunctionKey(b));
      }
    } else if (c.kind == "constraint" && has("definition")) {
      const Constraint &a = a_.constraints[c.from_pos], &b = b_.constraints[c.to_pos];
      if (StripNotValid(a.definition) != b.definition) recreate_.insert(ConstraintKey(b));
    } else if (c.kind == "index" && has("definition")) {
      const Index& i = b_.indexes[c.to_pos];
      recreate_.insert(Key("index", i.schema, i.name));
    } else if (c.kind == "trigger" && has("definition")) {
      recreate_.insert(TriggerKey(b_.triggers[c.to_pos]));
    } else if (c.kind == "policy" && (has("command") || has("permissive"))) {
      recreate_.insert(PolicyKey(b_.policies[c.to_pos]));
    } else if (c.kind == "table" && has("partition_of")) {
      AttachTakesOverIndexes(a_.tables[c.from_pos], b_.tables[c.to_pos]);
    }
  }
  Recreate(changes);
  for (const auto& i : a_.indexes) a_index_keys_.insert(Key("index", i.schema, i.name));
  for (const auto& i : b_.indexes) {
    std::string key = Key("index", i.schema, i.name);
    b_index_table_[key] = i.table_key;
    if (!a_index_keys_.count(key) || recreate_.count(key)) new_indexes_.insert(key);
    if (Partitioned(i.table_key)) {
      // A new index on a partitioned table cascades to every partition (CREATE INDEX does;
      // CONCURRENTLY, strata's runner does it partition by partition).
      partitioned_keys_[QualifiedSql(i.schema, i.name)] = {key, new_indexes_.count(key) > 0};
    }
  }
  for (const auto& k : b_.constraints) {
    auto parent = partitioned_keys_.find(k.attached_to);
    if (k.attached_to.empty() || parent == partitioned_keys_.end() || !parent->second.second) continue;
    if (!TableExisted(k.table_key) && AdoptedKey(k)) adopted_by_.insert({k.table_key, parent->second.first});
  }
  // A new partition's index attached to a new parent index but not named as CREATE INDEX
  // on the parent names the ones it builds (<partition>_<columns>_idx): the partition's
  // own, which the parent adopted. Built first, so that the parent adopts it again.
  std::set<std::string> constraint_indexes;
  for (const auto& k : b_.constraints) constraint_indexes.insert(k.index);
  for (const auto& i : b_.indexes) {
    auto parent = partitioned_keys_.find(i.parent);
    if (i.parent.empty() || parent == partitioned_keys_.end() || !parent->second.second) continue;
    if (constraint_indexes.count(QualifiedSql(i.schema, i.name)) || constraint_indexes.count(i.parent)) continue;
    std::string key = Key("index", i.schema, i.name);
    if (TableExisted(i.table_key) && a_index_keys_.count(key) && !recreate_.count(key)) continue;  // adopted as it is
    auto part = tables_b_.find(i.table_key);
    if (part == tables_b_.end()) continue;
    std::string cascaded = CascadedIndexName(part->second->name, i.definition);
    if (StartsWith(i.name, cascaded) &&
        i.name.find_first_not_of("0123456789", cascaded.size()) == std::string::npos) {
      continue;  // named as the parent's CREATE INDEX names it (digits: made unique)
    }
    own_indexes_.insert(key);
    adopted_by_.insert({i.table_key, parent->second.first});
    key_deps_.push_back({parent->second.first, key});
  }
  for (const auto& k : b_.constraints) {
    auto parent = partitioned_keys_.find(k.attached_to);
    auto part = tables_b_.find(k.table_key);
    if (k.attached_to.empty() || parent == partitioned_keys_.end() || parent->second.second) continue;
    if (TableExisted(k.table_key) || part == tables_b_.end() || part->second->partition_of.empty() ||
        !part->second->partition_key.empty() || !TableExisted(part->second->partition_of) || !AdoptedKey(k)) {
      continue;
    }
    bool simple = true;  // identity and generated columns are the parent's to give
    for (const Column& c : tables_b_.at(part->second->partition_of)->columns) simple &= !c.identity && c.generated.empty();
    if (simple) attach_later_.insert(k.table_key);
  }
  {
    std::set<std::string> a_keys;
    for (const auto& k : a_.constraints) a_keys.insert(ConstraintKey(k));
    for (const auto& k : b_.constraints) {
      if (k.index.empty() || !Partitioned(k.table_key) || !k.attached_to.empty()) continue;
      std::string key = ConstraintKey(k);
      partitioned_keys_[k.index] = {key, !a_keys.count(key) || recreate_.count(key)};
    }
  }
  // Objects recreated only because something they depend on is: a change of their own.
  std::set<std::string> seen;
  auto note = [&](const std::string& key) { seen.insert(key); };
  for (const Change& c : changes) {
    if (c.kind == "view" && c.to_pos >= 0) note(Key("view", b_.views[c.to_pos].schema, b_.views[c.to_pos].name));
    if (c.kind == "index" && c.to_pos >= 0) note(Key("index", b_.indexes[c.to_pos].schema, b_.indexes[c.to_pos].name));
    if (c.kind == "constraint" && c.to_pos >= 0) note(ConstraintKey(b_.constraints[c.to_pos]));
    if (c.kind == "trigger" && c.to_pos >= 0) note(TriggerKey(b_.triggers[c.to_pos]));
    if (c.kind == "policy" && c.to_pos >= 0) note(PolicyKey(b_.policies[c.to_pos]));
    if (c.kind == "function" && c.to_pos >= 0) note(FunctionKey(b_.functions[c.to_pos]));
  }
  auto extra = [&](const char* kind, auto& list_a, auto& list_b, auto key_of) {
    std::map<std::string, int> pa, pb;
    for (size_t i = 0; i < list_a.size(); ++i) pa[key_of(list_a[i])] = static_cast<int>(i);
    for (size_t i = 0; i < list_b.size(); ++i) pb[key_of(list_b[i])] = static_cast<int>(i);
    for (const auto& [key, i] : pb) {
      if (!recreate_.count(key) || seen.count(key) || !pa.count(key)) continue;
      Change c;
      c.action = ChangeAction::kAlter;
      c.kind = kind;
      c.object = key;
      c.fields = {"definition"};
      c.from_pos = pa[key];
      c.to_pos = i;
      changes.push_back(c);
    }
  };
  extra("view", a_.views, b_.views, [](const View& v) { return Key("view", v.schema, v.name); });
  extra("index", a_.indexes, b_.indexes, [](const Index& i) { return Key("index", i.schema, i.name); });
  extra("constraint", a_.constraints, b_.constraints, ConstraintKey);
  extra("trigger", a_.triggers, b_.triggers, TriggerKey);
  extra("policy", a_.policies, b_.policies, PolicyKey);
  for (const Change& c : changes) STRATA_RETURN_IF_ERROR(Objects(c));
  Plan plan;
  Order(&plan);
  return plan;
}

}  // namespace

Result<Plan> MakePlan(const Catalog& from, const Catalog& to, const PlanOptions& options) {
  Planner p(from, to, options);
  return p.Run();
}

std::vector<RenameCandidate> SuspectedRenames(const std::vector<Change>& changes) {
  std::vector<RenameCandidate> out;
  std::vector<const Change*> dropped_tables, created_tables;
  std::map<std::string, std::vector<const Change*>> dropped_cols, created_cols;  // by table
  std::set<std::string> dropped_table_ids;
  for (const Change& c : changes) {
    if (c.kind == "table" && c.action == ChangeAction::kDrop) dropped_tables.push_back(&c);
    if (c.kind == "table" && c.action == ChangeAction::kCreate) created_tables.push_back(&c);
    if (c.kind == "column" && c.action != ChangeAction::kAlter) {
      std::string table = c.object.substr(0, c.object.rfind('.'));
      (c.action == ChangeAction::kDrop ? dropped_cols : created_cols)[table].push_back(&c);
    }
  }
  auto shape = [](const nlohmann::json& t) {
    std::vector<std::pair<std::string, std::string>> cols;
    for (const auto& col : t["columns"]) cols.push_back({col["name"], col["type"]});
    return cols;
  };
  for (const Change* d : dropped_tables) {
    for (const Change* c : created_tables) {
      if (shape(d->from) == shape(c->to)) out.push_back({"table", d->object, c->object});
    }
  }
  for (const auto& [table, drops] : dropped_cols) {
    auto it = created_cols.find(table);
    if (it == created_cols.end()) continue;
    for (const Change* d : drops) {
      for (const Change* c : it->second) {
        if (d->from["type"] == c->to["type"]) out.push_back({"column", d->object, c->object});
      }
    }
  }
  return out;
}

}  // namespace strata
