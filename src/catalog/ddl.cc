#include "catalog/ddl.h"

#include <map>
#include <queue>
#include <set>
#include <tuple>

#include "base/strings.h"

namespace strata {
std::string PolicyRolesSql(const Policy& p) {
  std::string s;
  for (size_t i = 0; i < p.roles.size(); ++i) s += (i ? ", " : "") + GranteeSql(p.roles[i]);
  return s;
}

std::string Comment(const std::string& what, const std::string& comment) {
  if (comment.empty()) return "";
  return "COMMENT ON " + what + " IS " + QuoteLiteral(comment) + ";\n";
}

std::string GranteeSql(const std::string& g) { return g == "PUBLIC" ? g : QuoteIdent(g); }

// `on` is e.g. "TABLE \"s\".\"t\""; `columns` e.g. " (\"c\")" for column privileges.
std::string Grants(const std::string& on, const Acl& acl, const std::string& columns) {
  if (!acl) return "";
  std::string out = "REVOKE ALL" + columns + " ON " + on + " FROM PUBLIC;\n";
  for (const Grant& g : *acl) {
    std::string privs;
    for (const auto& p : g.privileges) privs += (privs.empty() ? "" : ", ") + p + columns;
    out += "GRANT " + privs + " ON " + on + " TO " + GranteeSql(g.grantee) +
           (g.grantable ? " WITH GRANT OPTION" : "") + ";\n";
  }
  return out;
}

std::string SequenceOptionsSql(const SequenceOptions& o) {
  return "START WITH " + std::to_string(o.start) + " INCREMENT BY " + std::to_string(o.increment) +
         " MINVALUE " + std::to_string(o.min) + " MAXVALUE " + std::to_string(o.max) + " CACHE " +
         std::to_string(o.cache) + (o.cycle ? " CYCLE" : " NO CYCLE");
}

std::string ColumnSql(const Column& c) {
  std::string s = QuoteIdent(c.name) + " " + c.type;
  if (!c.collation.empty()) s += " COLLATE " + c.collation;
  if (!c.generated.empty()) {
    s += " GENERATED ALWAYS AS (" + c.generated + (c.generated_virtual ? ") VIRTUAL" : ") STORED");
  }
  if (c.identity) {
    s += std::string(" GENERATED ") + (c.identity == 'a' ? "ALWAYS" : "BY DEFAULT") +
         " AS IDENTITY (SEQUENCE NAME " + c.identity_sequence + " " + SequenceOptionsSql(c.identity_options) + ")";
  }
  if (!c.default_expr.empty()) s += " DEFAULT " + c.default_expr;
  if (c.not_null) s += (c.not_null_name.empty() ? "" : " CONSTRAINT " + QuoteIdent(c.not_null_name)) + " NOT NULL";
  return s;
}

std::string TableSql(const Table& t, const std::vector<const Constraint*>& constraints) {
  std::string q = QualifiedSql(t.schema, t.name);
  std::string s;
  if (!t.partition_of.empty() && t.columns.empty()) {
    s = "CREATE TABLE " + q + " PARTITION OF " + t.partition_parent_sql + " " + t.partition_bound;
  } else {
    s = std::string("CREATE ") + (t.unlogged ? "UNLOGGED " : "") + "TABLE " + q + " (\n";
    std::vector<std::string> items;
    for (const Column& c : t.columns) items.push_back(ColumnSql(c));
    for (const Constraint* k : constraints) items.push_back("CONSTRAINT " + QuoteIdent(k->name) + " " + k->definition);
    for (size_t i = 0; i < items.size(); ++i) s += "    " + items[i] + (i + 1 < items.size() ? ",\n" : "\n");
    s += ")";
    if (!t.inherits.empty()) {
      s += " INHERITS (";
      for (size_t i = 0; i < t.inherits.size(); ++i) s += (i ? ", " : "") + t.inherits[i];
      s += ")";
    }
  }
  if (!t.partition_key.empty()) s += " PARTITION BY " + t.partition_key;
  if (!t.options.empty()) {
    s += " WITH (";
    for (size_t i = 0; i < t.options.size(); ++i) s += (i ? ", " : "") + t.options[i];
    s += ")";
  }
  s += ";\n";
  if (!t.partition_of.empty() && !t.columns.empty()) {
    // Created on its own (as pg_dump does), so its columns stay local, then attached.
    s += "ALTER TABLE ONLY " + t.partition_parent_sql + " ATTACH PARTITION " + q + " " + t.partition_bound + ";\n";
  }
  for (const auto& [col, expr] : t.partition_defaults) {
    s += "ALTER TABLE ONLY " + q + " ALTER COLUMN " + QuoteIdent(col) +
         (expr.empty() ? " DROP DEFAULT;\n" : " SET DEFAULT " + expr + ";\n");
  }
  if (t.rls_enabled) s += "ALTER TABLE " + q + " ENABLE ROW LEVEL SECURITY;\n";
  if (t.rls_forced) s += "ALTER TABLE " + q + " FORCE ROW LEVEL SECURITY;\n";
  s += Comment("TABLE " + q, t.comment);
  s += Grants("TABLE " + q, t.acl);
  for (const auto& c : t.columns) {
    std::string alter = "ALTER TABLE ONLY " + q + " ALTER COLUMN " + QuoteIdent(c.name);
    if (c.statistics >= 0) s += alter + " SET STATISTICS " + std::to_string(c.statistics) + ";\n";
    if (!c.storage.empty()) s += alter + " SET STORAGE " + c.storage + ";\n";
    if (!c.compression.empty()) s += alter + " SET COMPRESSION " + c.compression + ";\n";
    s += Comment("COLUMN " + q + "." + QuoteIdent(c.name), c.comment);
    s += Grants("TABLE " + q, c.acl, " (" + QuoteIdent(c.name) + ")");
    if (c.identity) s += Grants("SEQUENCE " + c.identity_sequence, c.identity_acl);
  }
  return s;
}

std::string ViewSql(const View& v) {
  std::string q = QualifiedSql(v.schema, v.name);
  std::string s;
  if (!v.self_columns.empty()) {
    // It reads itself: a stand-in with its columns first, then the real definition.
    s = "CREATE VIEW " + q + " AS\nSELECT ";
    for (size_t i = 0; i < v.self_columns.size(); ++i) {
      s += (i ? ",\n    " : "") + ("NULL::" + v.self_columns[i].second + " AS " + QuoteIdent(v.self_columns[i].first));
    }
    s += ";\n";
  }
  s += std::string("CREATE ") + (v.self_columns.empty() ? "" : "OR REPLACE ") + (v.materialized ? "MATERIALIZED " : "") +
       "VIEW " + q;
  if (!v.options.empty()) {
    s += " WITH (";
    for (size_t i = 0; i < v.options.size(); ++i) s += (i ? ", " : "") + v.options[i];
    s += ")";
  }
  s += " AS\n" + v.definition + ";\n";
  for (const auto& [col, expr] : v.column_defaults) {
    s += "ALTER VIEW " + q + " ALTER COLUMN " + QuoteIdent(col) + " SET DEFAULT " + expr + ";\n";
  }
  s += Comment((v.materialized ? "MATERIALIZED VIEW " : "VIEW ") + q, v.comment);
  for (const auto& [col, comment] : v.column_comments) s += Comment("COLUMN " + q + "." + QuoteIdent(col), comment);
  s += Grants("TABLE " + q, v.acl);
  for (const auto& [col, acl] : v.column_acls) s += Grants("TABLE " + q, acl, " (" + QuoteIdent(col) + ")");
  return s;
}

std::string DomainSql(const Domain& d) {
  std::string q = QualifiedSql(d.schema, d.name);
  std::string s = "CREATE DOMAIN " + q + " AS " + d.base_type;
  if (!d.collation.empty()) s += " COLLATE " + d.collation;
  if (!d.default_expr.empty()) s += " DEFAULT " + d.default_expr;
  if (d.not_null) s += " NOT NULL";
  s += ";\n";
  for (const auto& k : d.checks) {
    s += "ALTER DOMAIN " + q + " ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + ";\n";
    s += Comment("CONSTRAINT " + QuoteIdent(k.name) + " ON DOMAIN " + q, k.comment);
  }
  return s + Comment("DOMAIN " + q, d.comment) + Grants("DOMAIN " + q, d.acl);
}

std::string CompositeSql(const CompositeType& t) {
  std::string q = QualifiedSql(t.schema, t.name);
  std::string s = "CREATE TYPE " + q + " AS (";
  for (size_t i = 0; i < t.attributes.size(); ++i) {
    const auto& a = t.attributes[i];
    s += std::string(i ? ",\n" : "\n") + "    " + QuoteIdent(a.name) + " " + a.type +
         (a.collation.empty() ? "" : " COLLATE " + a.collation);
  }
  s += "\n);\n" + Comment("TYPE " + q, t.comment);
  for (const auto& a : t.attributes) s += Comment("COLUMN " + q + "." + QuoteIdent(a.name), a.comment);
  return s + Grants("TYPE " + q, t.acl);
}

std::string FunctionSql(const Function& f) {
  if (f.kind == 'o') {
    return f.definition + ";\n" +
           Comment("OPERATOR " + QuoteIdent(f.schema) + "." + f.name + " (" + f.identity_args + ")", f.comment);
  }
  std::string sig = QualifiedSql(f.schema, f.name) + "(" + f.identity_args + ")";
  const char* word = f.kind == 'a' ? "AGGREGATE " : f.kind == 'p' ? "PROCEDURE " : "FUNCTION ";
  return f.definition + ";\n" + Comment(word + sig, f.comment) + Grants("ROUTINE " + sig, f.acl);
}

std::string DefinedSql(const DefinedObject& o) {
  std::string what = std::string(InfoOf(o.kind).sql) + " " + o.sql_name;
  // GRANT names these two differently from COMMENT and DROP.
  std::string grant_on = o.kind == DefinedKind::kServer         ? "FOREIGN SERVER " + o.sql_name
                         : o.kind == DefinedKind::kForeignTable ? "TABLE " + o.sql_name
                                                                : what;
  return o.definition + Comment(what, o.comment) + Grants(grant_on, o.acl);
}

std::string DefinedDropSql(const DefinedObject& o) {
  return "DROP " + std::string(InfoOf(o.kind).sql) + " " + o.sql_name + ";";
}

std::string PolicySql(const Policy& p) {
  std::string s = "CREATE POLICY " + QuoteIdent(p.name) + " ON " + p.table_sql + " AS " +
                  (p.permissive ? "PERMISSIVE" : "RESTRICTIVE") + " FOR " + p.command + " TO " + PolicyRolesSql(p);
  if (!p.using_expr.empty()) s += " USING (" + p.using_expr + ")";
  if (!p.check_expr.empty()) s += " WITH CHECK (" + p.check_expr + ")";
  return s + ";\n" + Comment("POLICY " + QuoteIdent(p.name) + " ON " + p.table_sql, p.comment);
}

std::string TriggerSql(const Trigger& t) {
  std::string s = t.definition + ";\n";
  std::string on = "ALTER TABLE " + t.table_sql + " ";
  if (t.enabled == 'D') s += on + "DISABLE TRIGGER " + QuoteIdent(t.name) + ";\n";
  if (t.enabled == 'R') s += on + "ENABLE REPLICA TRIGGER " + QuoteIdent(t.name) + ";\n";
  if (t.enabled == 'A') s += on + "ENABLE ALWAYS TRIGGER " + QuoteIdent(t.name) + ";\n";
  return s + Comment("TRIGGER " + QuoteIdent(t.name) + " ON " + t.table_sql, t.comment);
}

std::string SchemaSql(const Schema& s) {
  std::string q = QuoteIdent(s.name);
  return "CREATE SCHEMA IF NOT EXISTS " + q + ";\n" + Comment("SCHEMA " + q, s.comment) + Grants("SCHEMA " + q, s.acl);
}

std::string ExtensionSql(const Extension& e) {
  return "CREATE EXTENSION IF NOT EXISTS " + QuoteIdent(e.name) + " WITH SCHEMA " + QuoteIdent(e.schema) +
         " VERSION " + QuoteLiteral(e.version) + ";\n" + Comment("EXTENSION " + QuoteIdent(e.name), e.comment);
}

std::string CollationSql(const Collation& k) {
  std::string q = QualifiedSql(k.schema, k.name);
  std::string opts = "provider = " + k.provider;
  if (k.provider == "icu") opts += ", locale = " + QuoteLiteral(k.locale);
  else opts += ", lc_collate = " + QuoteLiteral(k.lc_collate) + ", lc_ctype = " + QuoteLiteral(k.lc_ctype);
  if (!k.deterministic) opts += ", deterministic = false";
  return "CREATE COLLATION " + q + " (" + opts + ");\n" + Comment("COLLATION " + q, k.comment);
}

std::string EnumSql(const EnumType& e) {
  std::string q = QualifiedSql(e.schema, e.name), labels;
  for (size_t i = 0; i < e.labels.size(); ++i) labels += (i ? ", " : "") + QuoteLiteral(e.labels[i]);
  return "CREATE TYPE " + q + " AS ENUM (" + labels + ");\n" + Comment("TYPE " + q, e.comment) + Grants("TYPE " + q, e.acl);
}

std::string SequenceSql(const Sequence& s) {
  std::string q = QualifiedSql(s.schema, s.name);
  return "CREATE SEQUENCE " + q + " AS " + s.options.data_type + " " + SequenceOptionsSql(s.options) + ";\n" +
         Comment("SEQUENCE " + q, s.comment) + Grants("SEQUENCE " + q, s.acl);
}

std::string IndexSql(const Index& i) {
  std::string sql = i.definition + ";\n";
  for (const auto& [col, target] : i.statistics) {
    sql += "ALTER INDEX " + QualifiedSql(i.schema, i.name) + " ALTER COLUMN " + std::to_string(col) +
           " SET STATISTICS " + std::to_string(target) + ";\n";
  }
  return sql + Comment("INDEX " + QualifiedSql(i.schema, i.name), i.comment);
}

namespace {

struct Node {
  int priority = 0;
  std::string sql;
  std::vector<std::string> deps;
};

// Kinds, in the order they are created when nothing else decides.
enum Priority {
  kSchema, kExtension, kEnum, kDomain, kSequence, kFunction, kAggregate, kTable, kView,
  kSequenceOwner, kConstraint, kIndex, kReplicaIdentity, kForeignKey, kTrigger, kPolicy
};

class Graph {
 public:
  void Add(const std::string& key, int priority, std::string sql, std::vector<std::string> deps = {}) {
    nodes_[key] = Node{priority, std::move(sql), std::move(deps)};
  }
  void Depend(const std::string& a, const std::string& b) {
    if (nodes_.count(a)) nodes_[a].deps.push_back(b);
  }
  Result<std::string> Emit();

 private:
  std::map<std::string, Node> nodes_;
};

Result<std::string> Graph::Emit() {
  std::map<std::string, int> waiting;
  std::map<std::string, std::vector<std::string>> dependents;
  for (auto& [key, node] : nodes_) {
    std::set<std::string> unique;
    for (const auto& d : node.deps) {
      if (d != key && nodes_.count(d)) unique.insert(d);
    }
    waiting[key] = static_cast<int>(unique.size());
    for (const auto& d : unique) dependents[d].push_back(key);
  }
  using Item = std::pair<int, std::string>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  for (const auto& [key, n] : waiting) {
    if (n == 0) ready.push({nodes_[key].priority, key});
  }
  std::string out;
  size_t emitted = 0;
  while (!ready.empty()) {
    auto [prio, key] = ready.top();
    ready.pop();
    out += nodes_[key].sql + "\n";
    ++emitted;
    for (const auto& d : dependents[key]) {
      if (--waiting[d] == 0) ready.push({nodes_[d].priority, d});
    }
  }
  if (emitted != nodes_.size()) {
    std::string stuck;
    for (const auto& [key, n] : waiting) {
      if (n > 0) stuck += "\n  " + key;
    }
    return Status::InvalidInput("these objects depend on each other in a cycle:" + stuck);
  }
  return out;
}

}  // namespace

Result<std::string> CatalogSql(const Catalog& c) {
  Graph g;
  auto in_schema = [](const std::string& s) { return std::vector<std::string>{"schema:" + s}; };
  for (const auto& s : c.schemas) {
    std::string q = QuoteIdent(s.name);
    g.Add("schema:" + s.name, kSchema,
          SchemaSql(s) + "ALTER SCHEMA " + q + " OWNER TO " + QuoteIdent(s.owner) + ";\n");
  }
  for (const auto& e : c.extensions) g.Add("extension:" + e.name, kExtension, ExtensionSql(e), in_schema(e.schema));
  for (const auto& k : c.collations) {
    g.Add(Key("collation", k.schema, k.name), kEnum, CollationSql(k), in_schema(k.schema));
  }
  for (const auto& e : c.enums) g.Add(Key("type", e.schema, e.name), kEnum, EnumSql(e), in_schema(e.schema));
  for (const auto& d : c.domains) g.Add(Key("type", d.schema, d.name), kDomain, DomainSql(d), in_schema(d.schema));
  for (const auto& t : c.composites) g.Add(Key("type", t.schema, t.name), kDomain, CompositeSql(t), in_schema(t.schema));
  for (const auto& s : c.sequences) {
    std::string q = QualifiedSql(s.schema, s.name), key = Key("sequence", s.schema, s.name);
    g.Add(key, kSequence, SequenceSql(s), in_schema(s.schema));
    if (!s.owned_by.empty()) {
      g.Add("owner:" + key, kSequenceOwner, "ALTER SEQUENCE " + q + " OWNED BY " + s.owned_by + ";\n",
            {key, s.owned_by_table_key});
    }
  }
  for (const auto& f : c.functions) {
    g.Add(Key(f.kind == 'o' ? "operator" : "function", f.schema, f.name + "(" + f.identity_args + ")"),
          f.kind == 'a' || f.kind == 'o' ? kAggregate : kFunction, FunctionSql(f), in_schema(f.schema));
  }
  for (const auto& t : c.tables) {
    std::string key = Key("table", t.schema, t.name);
    std::vector<std::string> deps = in_schema(t.schema);
    if (!t.partition_of.empty()) deps.push_back(t.partition_of);
    deps.insert(deps.end(), t.inherits_keys.begin(), t.inherits_keys.end());
    g.Add(key, kTable, TableSql(t), deps);
    if (t.replica_identity != 'd') {
      std::string how = t.replica_identity == 'f' ? "FULL" : t.replica_identity == 'n' ? "NOTHING"
                                                    : "USING INDEX " + QuoteIdent(t.replica_index);
      g.Add("replica:" + key, kReplicaIdentity,
            "ALTER TABLE " + QualifiedSql(t.schema, t.name) + " REPLICA IDENTITY " + how + ";\n",
            {key, Key("index", t.schema, t.replica_index)});
    }
  }
  for (const auto& v : c.views) g.Add(Key("view", v.schema, v.name), kView, ViewSql(v), in_schema(v.schema));
  for (const auto& k : c.constraints) {
    // Index-backed constraints never cascade to partitions here: each partition's own is
    // printed and attached, as in the source database.
    bool indexed = k.type == 'p' || k.type == 'u' || k.type == 'x';
    std::string sql = "ALTER TABLE " + std::string(indexed ? "ONLY " : "") + k.table_sql + " ADD CONSTRAINT " +
                      QuoteIdent(k.name) + " " + k.definition + ";\n";
    if (!k.attached_to.empty()) sql += "ALTER INDEX " + k.attached_to + " ATTACH PARTITION " + k.index + ";\n";
    g.Add("constraint:" + k.table_key + "/" + k.name, k.type == 'f' ? kForeignKey : kConstraint,
          sql + Comment("CONSTRAINT " + QuoteIdent(k.name) + " ON " + k.table_sql, k.comment), {k.table_key});
  }
  for (const auto& i : c.indexes) {
    std::string sql = i.definition + ";\n";
    if (!i.parent.empty()) {
      sql += "ALTER INDEX " + i.parent + " ATTACH PARTITION " + QualifiedSql(i.schema, i.name) + ";\n";
    }
    Index rest = i;
    rest.definition = sql.substr(0, sql.size() - 2);
    g.Add(Key("index", i.schema, i.name), kIndex, IndexSql(rest), {i.table_key});
  }
  for (const auto& t : c.triggers) g.Add("trigger:" + t.table_key + "/" + t.name, kTrigger, TriggerSql(t), {t.table_key});
  for (const auto& p : c.policies) g.Add("policy:" + p.table_key + "/" + p.name, kPolicy, PolicySql(p), {p.table_key});
  for (const auto& o : c.defined) {
    static const std::map<DefinedKind, int> kPriority = {
        {DefinedKind::kRangeType, kEnum},      {DefinedKind::kTextSearchDictionary, kEnum},
        {DefinedKind::kTextSearchConfiguration, kEnum}, {DefinedKind::kCast, kAggregate},
        {DefinedKind::kStatistics, kIndex},    {DefinedKind::kRule, kTrigger},
        {DefinedKind::kEventTrigger, kTrigger}, {DefinedKind::kPublication, kPolicy},
        {DefinedKind::kServer, kExtension},    {DefinedKind::kForeignTable, kTable}};
    std::vector<std::string> deps;
    if (!o.schema.empty()) deps.push_back("schema:" + o.schema);
    if (!o.table_key.empty()) deps.push_back(o.table_key);
    g.Add(DefinedKey(o), kPriority.at(o.kind), DefinedSql(o), deps);
  }
  for (const auto& d : c.dependencies) g.Depend(d.object, d.depends_on);
  auto body = g.Emit();
  if (!body.ok()) return body.status();
  return "-- Generated by strata inspect. Recreates the schema on an empty database.\n"
         "SET check_function_bodies = false;\nSET client_min_messages = warning;\n\n" + *body;
}

}  // namespace strata
