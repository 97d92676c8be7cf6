#include "introspect/introspect.h"

#include "base/parse.h"

#include <nlohmann/json.hpp>
#include <functional>
#include <map>
#include <thread>
#include <unordered_map>

#include "base/clock.h"
#include "base/strings.h"
#include <cstdio>
#include <cstdlib>
#include "introspect/queries.h"

namespace strata {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool Bool(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

char Char(const json& j, const char* key) {
  std::string s = Str(j, key);
  return s.empty() ? 0 : s[0];
}

std::string Oid(const json& j, const char* key = "oid") { return Str(j, key); }

Acl ParseAcl(const json& j) {
  if (j.is_null()) return std::nullopt;
  std::vector<Grant> out;
  for (const auto& g : j) {
    out.push_back({g["grantee"].get<std::string>(), g["privileges"].get<std::vector<std::string>>(),
                   g["grantable"].get<bool>()});
  }
  return out;
}

Acl AclOf(const json& j) { return j.contains("acl") ? ParseAcl(j["acl"]) : std::nullopt; }

SequenceOptions ParseSeq(const json& j) {
  SequenceOptions o;
  o.data_type = Str(j, "type");
  o.start = j.value("start", int64_t{1});
  o.increment = j.value("increment", int64_t{1});
  o.min = j.value("min", int64_t{1});
  o.max = j.value("max", int64_t{0});
  o.cache = j.value("cache", int64_t{1});
  o.cycle = Bool(j, "cycle");
  return o;
}

std::vector<std::string> Strings(const json& j) {
  return j.is_array() ? j.get<std::vector<std::string>>() : std::vector<std::string>{};
}

class Loader {
 public:
  Loader(Session* s, const IntrospectOptions& o)
      : s_(s), open_second_(o.inside_transaction ? nullptr : o.open_second), inside_(o.inside_transaction) {
    params_ = {ArrayLiteral(o.schemas), ArrayLiteral(o.exclude_schemas)};
  }

  Status Run(Catalog* c);

 private:
  static std::string ArrayLiteral(const std::vector<std::string>& v) {
    std::string out = "{";
    for (size_t i = 0; i < v.size(); ++i) {
      out += (i ? "," : "") + std::string("\"");
      for (char ch : v[i]) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      out += "\"";
    }
    return out + "}";
  }
  Result<json> Query(Session* s, const std::string& sql, const char* what) {
    double start = MonotonicSeconds();
    auto r = sql.find("$1") == std::string::npos ? s->Exec(sql) : s->ExecParams(sql, params_);
    double queried = MonotonicSeconds();
    if (!r.ok()) return r.status().Wrap("reading " + std::string(what));
    json out = json::parse(r->rows.at(0).at(0).value_or("[]"));
    if (std::getenv("STRATA_TRACE_QUERIES")) {
      std::fprintf(stderr, "introspect %-16s %7.1f ms query %7.1f ms parse (%zu bytes)\n", what,
                   1000 * (queried - start), 1000 * (MonotonicSeconds() - queried), r->rows[0][0]->size());
    }
    return out;
  }
  void Address(const std::string& addr, const std::string& key) { keys_[addr] = key; }

  void LoadSchemas(const json& rows, Catalog* c);
  void LoadCollations(const json& rows, Catalog* c);
  void LoadTypes(const json& enums, const json& domains, const json& composites, Catalog* c);
  void LoadSequences(const json& rows, Catalog* c);
  void LoadTables(const json& rows, Catalog* c);
  void LoadColumns(const QueryResult& rows, Catalog* c);
  std::unordered_map<std::string, size_t> table_by_oid_;
  // Per table index: (column, default) of its inherited columns, in column order.
  std::map<size_t, std::vector<std::pair<std::string, std::string>>> inherited_defaults_;
  void LoadPartitionDefaults(Catalog* c);
  void LoadViews(const json& rows, Catalog* c);
  Status LoadFunctions(const json& funcs, const json& aggs, Catalog* c);
  void LoadOperators(const json& ops, Catalog* c);
  void LoadTableObjects(const json& cons, const json& idx, const json& trg, const json& pol, Catalog* c);
  void LoadDependencies(const json& rows, Catalog* c);
  void LoadDefined(const json& rows, Catalog* c);

  using Queries = std::vector<std::pair<std::string, const char*>>;
  // Runs `queries` on `s`, storing each result under its name.
  Status RunQueries(Session* s, const Queries& queries, std::map<std::string, json>* out) {
    for (const auto& [sql, what] : queries) {
      auto j = Query(s, sql, what);
      if (!j.ok()) return j.status();
      (*out)[what] = std::move(*j);
    }
    return Status::Ok();
  }
  // Starts the read-only transaction(s); returns the second session, if any.
  Result<std::unique_ptr<Session>> Begin();

  Session* s_;
  std::function<Result<std::unique_ptr<Session>>()> open_second_;
  bool inside_ = false;  // in the caller's transaction: neither BEGIN nor COMMIT
  std::vector<std::optional<std::string>> params_;
  std::unordered_map<std::string, std::string> keys_;  // "c1234" -> object key
  std::unordered_map<std::string, std::string> seq_owner_;  // "c<seq oid>" -> owner node key
  // (object key, address of the partitioned index it attaches to): resolved once every
  // object has its address, since the parent may be a plain index or a constraint's.
  std::vector<std::pair<std::string, std::string>> attachments_;
};

std::string RelKey(const json& row, const char* schema_field, const char* name_field, const char* kind_field) {
  std::string kind = Str(row, kind_field);
  bool view = kind == "v" || kind == "m";
  return Key(view ? "view" : "table", Str(row, schema_field), Str(row, name_field));
}

void Loader::LoadSchemas(const json& rows, Catalog* c) {
  // The public schema's privileges as initdb leaves them differ by version (PUBLIC may
  // CREATE in it before PostgreSQL 15, only USE it since): read as the default, so that
  // two servers of different versions do not differ in them.
  int version = s_->server_version();
  std::vector<std::string> initial = version >= 150000 ? std::vector<std::string>{"USAGE"}
                                                       : std::vector<std::string>{"CREATE", "USAGE"};
  for (const auto& r : rows) {
    Acl acl = AclOf(r);
    if (Str(r, "name") == "public" && acl && acl->size() == 1 && (*acl)[0].grantee == "PUBLIC" &&
        !(*acl)[0].grantable && (*acl)[0].privileges == initial) {
      acl = std::nullopt;
    }
    c->schemas.push_back({Str(r, "name"), Str(r, "owner"), Str(r, "comment"), acl});
    Address("n" + Oid(r), "schema:" + Str(r, "name"));
  }
}

void Loader::LoadCollations(const json& rows, Catalog* c) {
  for (const auto& k : rows) {
    const json& row = k["row"];
    bool icu = Str(row, "collprovider") == "i";
    // An ICU locale is colllocale from 17, colliculocale in 15-16, and collcollate (with
    // collctype the same) before 15.
    std::string locale = row.contains("colllocale")      ? Str(row, "colllocale")
                         : row.contains("colliculocale") ? Str(row, "colliculocale")
                         : icu                           ? Str(row, "collcollate")
                                                         : "";
    Collation col{Str(k, "schema"), Str(k, "name"), icu ? "icu" : "libc", locale,
                  icu ? "" : Str(row, "collcollate"), icu ? "" : Str(row, "collctype"),
                  Bool(row, "collisdeterministic"), Str(k, "comment")};
    Address("l" + Oid(k), Key("collation", col.schema, col.name));
    c->collations.push_back(std::move(col));
  }
}

void Loader::LoadTypes(const json& enums, const json& domains, const json& composites, Catalog* c) {
  for (const auto& r : enums) {
    c->enums.push_back({Str(r, "schema"), Str(r, "name"), Strings(r["labels"]), Str(r, "comment"), AclOf(r)});
    Address("t" + Oid(r), Key("type", Str(r, "schema"), Str(r, "name")));
  }
  for (const auto& r : domains) {
    Domain d{Str(r, "schema"), Str(r, "name"), Str(r, "base_type"), Str(r, "collation"),
             Str(r, "default"), Bool(r, "not_null"), {}, Str(r, "comment"), AclOf(r)};
    std::string key = Key("type", d.schema, d.name);
    if (r["checks"].is_array()) {
      for (const auto& k : r["checks"]) {
        d.checks.push_back({Str(k, "name"), Str(k, "definition"), Str(k, "comment")});
        Address("k" + Oid(k), key);
      }
    }
    c->domains.push_back(std::move(d));
    Address("t" + Oid(r), key);
  }
  for (const auto& r : composites) {
    CompositeType t{Str(r, "schema"), Str(r, "name"), {}, Str(r, "comment"), AclOf(r)};
    for (const auto& a : r["attributes"]) {
      t.attributes.push_back({Str(a, "name"), Str(a, "type"), Str(a, "collation"), Str(a, "comment")});
    }
    std::string key = Key("type", t.schema, t.name);
    Address("t" + Oid(r), key);
    Address("c" + Oid(r, "relid"), key);
    c->composites.push_back(std::move(t));
  }
}

void Loader::LoadSequences(const json& rows, Catalog* c) {
  for (const auto& r : rows) {
    Sequence s{Str(r, "schema"), Str(r, "name"), ParseSeq(r["options"]), "", "", Str(r, "comment"), AclOf(r)};
    std::string key = Key("sequence", s.schema, s.name);
    if (r["owned_by"].is_object()) {
      const json& o = r["owned_by"];
      s.owned_by = QualifiedSql(Str(o, "schema"), Str(o, "table")) + "." + QuoteIdent(Str(o, "column"));
      s.owned_by_table_key = Key("table", Str(o, "schema"), Str(o, "table"));
      seq_owner_["c" + Oid(r)] = "owner:" + key;
    }
    Address("c" + Oid(r), key);
    c->sequences.push_back(std::move(s));
  }
}

void Loader::LoadTables(const json& rows, Catalog* c) {
  for (const auto& r : rows) {
    Table t;
    t.schema = Str(r, "schema");
    t.name = Str(r, "name");
    t.unlogged = Bool(r, "unlogged");
    t.partition_key = Str(r, "partition_key");
    if (r["partition_parent"].is_object()) {
      const json& p = r["partition_parent"];
      t.partition_of = Key("table", Str(p, "schema"), Str(p, "name"));
      t.partition_parent_sql = QualifiedSql(Str(p, "schema"), Str(p, "name"));
      t.partition_bound = Str(r, "partition_bound");
    }
    if (r["inherits"].is_array()) {
      for (const auto& p : r["inherits"]) {
        t.inherits.push_back(QualifiedSql(Str(p, "schema"), Str(p, "name")));
        t.inherits_keys.push_back(Key("table", Str(p, "schema"), Str(p, "name")));
      }
    }
    t.rls_enabled = Bool(r, "rls");
    t.rls_forced = Bool(r, "rls_forced");
    t.replica_identity = Char(r, "replident");
    t.replica_index = Str(r, "replica_index");
    t.options = Strings(r["options"]);
    t.comment = Str(r, "comment");
    t.acl = AclOf(r);
    table_by_oid_[Oid(r)] = c->tables.size();
    Address("c" + Oid(r), Key("table", t.schema, t.name));
    c->tables.push_back(std::move(t));
  }
}

void Loader::LoadColumns(const QueryResult& rows, Catalog* c) {
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    auto t = table_by_oid_.find(rows.Get(i, 0));
    if (t == table_by_oid_.end()) continue;
    if (rows.Get(i, 4) != "t") {  // inherited columns are the parent's; a partition's default may differ
      if (rows.Get(i, 8).empty()) inherited_defaults_[t->second].emplace_back(rows.Get(i, 1), rows.Get(i, 6));
      continue;
    }
    Column col;
    col.name = rows.Get(i, 1);
    col.type = rows.Get(i, 2);
    col.not_null = rows.Get(i, 3) == "t";
    col.collation = rows.Get(i, 5);
    std::string expr = rows.Get(i, 6), identity = rows.Get(i, 7);
    // attgenerated: 's' stored, 'v' virtual (PostgreSQL 18); both keep the expression in
    // pg_attrdef, where a default would be.
    std::string generated = rows.Get(i, 8);
    (generated == "s" || generated == "v" ? col.generated : col.default_expr) = expr;
    col.generated_virtual = generated == "v";
    if (!identity.empty()) {
      col.identity = identity[0];
      col.identity_sequence = rows.Get(i, 9);
      col.identity_options = ParseSeq(json::parse(rows.Get(i, 10)));
    }
    // NULL since PostgreSQL 17 for the default statistics target (-1 before).
    col.statistics = static_cast<int>(ToInt64Or(rows.Get(i, 11), -1));
    col.storage = rows.Get(i, 12);
    col.compression = rows.Get(i, 13);
    col.comment = rows.Get(i, 14);
    if (rows.rows[i][15]) col.acl = ParseAcl(json::parse(*rows.rows[i][15]));
    if (rows.rows[i].size() > 17 && rows.rows[i][17]) col.identity_acl = ParseAcl(json::parse(*rows.rows[i][17]));
    std::string nn = rows.Get(i, 16);
    if (col.not_null && !nn.empty() && nn != DefaultNotNullName(c->tables[t->second].name, col.name)) {
      col.not_null_name = nn;
    }
    c->tables[t->second].columns.push_back(std::move(col));
  }
}

// A partition's inherited column whose default is not its parent's (at any depth).
void Loader::LoadPartitionDefaults(Catalog* c) {
  std::map<std::string, size_t> by_key;
  for (size_t i = 0; i < c->tables.size(); ++i) by_key[Key("table", c->tables[i].schema, c->tables[i].name)] = i;
  // The default table `i` gives column `col`: its own column's, or what it inherited.
  std::function<std::string(size_t, const std::string&)> effective = [&](size_t i, const std::string& col) {
    for (const Column& k : c->tables[i].columns) {
      if (k.name == col) return k.default_expr;
    }
    auto it = inherited_defaults_.find(i);
    if (it != inherited_defaults_.end()) {
      for (const auto& [name, expr] : it->second) {
        if (name == col) return expr;
      }
    }
    return std::string();
  };
  for (const auto& [i, cols] : inherited_defaults_) {
    Table& t = c->tables[i];
    auto parent = by_key.find(t.partition_of);
    if (t.partition_of.empty() || parent == by_key.end()) continue;
    for (const auto& [col, expr] : cols) {
      if (expr != effective(parent->second, col)) t.partition_defaults.emplace_back(col, expr);
    }
  }
}

void Loader::LoadViews(const json& rows, Catalog* c) {
  for (const auto& r : rows) {
    View v;
    v.schema = Str(r, "schema");
    v.name = Str(r, "name");
    v.materialized = Bool(r, "materialized");
    v.definition = std::string(Trim(Str(r, "definition")));
    if (!v.definition.empty() && v.definition.back() == ';') v.definition.pop_back();
    v.options = Strings(r["options"]);
    if (r["column_comments"].is_array()) {
      for (const auto& p : r["column_comments"]) v.column_comments.push_back({p[0], p[1]});
    }
    if (r["column_acls"].is_array()) {
      for (const auto& p : r["column_acls"]) v.column_acls.push_back({p[0], ParseAcl(p[1])});
    }
    if (r["column_defaults"].is_array()) {
      for (const auto& p : r["column_defaults"]) v.column_defaults.push_back({p[0], p[1]});
    }
    if (r["self_columns"].is_array()) {
      for (const auto& p : r["self_columns"]) v.self_columns.push_back({p[0], p[1]});
    }
    v.comment = Str(r, "comment");
    v.acl = AclOf(r);
    Address("c" + Oid(r), Key("view", v.schema, v.name));
    c->views.push_back(std::move(v));
  }
}

// An aggregate's argument list as SQL names it: "*" when it takes none.
std::string AggregateArgs(const json& r) { return Str(r, "args").empty() ? "*" : Str(r, "args"); }

std::string AggregateSql(const json& r) {
  std::string sql = "CREATE AGGREGATE " + QualifiedSql(Str(r, "schema"), Str(r, "name")) + "(" +
                    AggregateArgs(r) + ") (\n    SFUNC = " + Str(r, "sfunc") + ",\n    STYPE = " + Str(r, "stype");
  auto opt = [&](const char* field, const char* name) {
    if (!Str(r, field).empty()) sql += ",\n    " + std::string(name) + " = " + Str(r, field);
  };
  if (r.value("sspace", 0) != 0) sql += ",\n    SSPACE = " + Str(r, "sspace");
  opt("finalfunc", "FINALFUNC");
  if (Bool(r, "finalfunc_extra")) sql += ",\n    FINALFUNC_EXTRA";
  std::string modify = Str(r, "finalfunc_modify");
  if (!Str(r, "finalfunc").empty() && modify != "r") {
    sql += std::string(",\n    FINALFUNC_MODIFY = ") + (modify == "s" ? "SHAREABLE" : "READ_WRITE");
  }
  opt("combinefunc", "COMBINEFUNC");
  opt("serialfunc", "SERIALFUNC");
  opt("deserialfunc", "DESERIALFUNC");
  if (r.contains("initcond") && r["initcond"].is_string()) sql += ",\n    INITCOND = " + QuoteLiteral(Str(r, "initcond"));
  if (!Str(r, "sortop").empty()) {
    std::string op = Str(r, "sortop");  // "pg_catalog.>(integer,integer)" -> OPERATOR(pg_catalog.>)
    sql += ",\n    SORTOP = OPERATOR(" + op.substr(0, op.find('(')) + ")";
  }
  std::string par = Str(r, "parallel");
  if (par == "s") sql += ",\n    PARALLEL = SAFE";
  if (par == "r") sql += ",\n    PARALLEL = RESTRICTED";
  return sql + "\n)";
}

Status Loader::LoadFunctions(const json& funcs, const json& aggs, Catalog* c) {
  for (const auto& r : funcs) {
    Function f{Str(r, "schema"), Str(r, "name"), Str(r, "args"), Char(r, "kind"),
               std::string(Trim(Str(r, "definition"))), Str(r, "comment"), AclOf(r)};
    Address("p" + Oid(r), Key("function", f.schema, f.name + "(" + f.identity_args + ")"));
    c->functions.push_back(std::move(f));
  }
  std::string unsupported;
  for (const auto& r : aggs) {
    if (Str(r, "aggkind") != "n" || Bool(r, "moving")) {
      unsupported += "\n  aggregate " + Str(r, "schema") + "." + Str(r, "name") + "(" + Str(r, "args") +
                     ") (ordered-set, hypothetical-set or moving-aggregate options)";
      continue;
    }
    Function f{Str(r, "schema"), Str(r, "name"), AggregateArgs(r), 'a', AggregateSql(r), Str(r, "comment"), AclOf(r)};
    Address("p" + Oid(r), Key("function", f.schema, f.name + "(" + f.identity_args + ")"));
    c->functions.push_back(std::move(f));
  }
  if (!unsupported.empty()) return Status::InvalidInput("strata cannot represent these objects yet:" + unsupported);
  return Status::Ok();
}

void Loader::LoadOperators(const json& ops, Catalog* c) {
  for (const auto& r : ops) {
    std::string left = Str(r, "left"), right = Str(r, "right");
    std::string sql = "CREATE OPERATOR " + QuoteIdent(Str(r, "schema")) + "." + Str(r, "name") +
                      " (\n    FUNCTION = " + Str(r, "function");
    if (!left.empty()) sql += ",\n    LEFTARG = " + left;
    if (!right.empty()) sql += ",\n    RIGHTARG = " + right;
    for (const auto& [field, word] : {std::pair{"commutator", "COMMUTATOR"}, std::pair{"negator", "NEGATOR"}}) {
      if (!Str(r, field).empty()) sql += ",\n    " + std::string(word) + " = OPERATOR(" + Str(r, field) + ")";
    }
    if (!Str(r, "restrict").empty()) sql += ",\n    RESTRICT = " + Str(r, "restrict");
    if (!Str(r, "join").empty()) sql += ",\n    JOIN = " + Str(r, "join");
    if (Bool(r, "hashes")) sql += ",\n    HASHES";
    if (Bool(r, "merges")) sql += ",\n    MERGES";
    std::string args = (left.empty() ? "NONE" : left) + ", " + (right.empty() ? "NONE" : right);
    Function f{Str(r, "schema"), Str(r, "name"), args, 'o', sql + "\n)", Str(r, "comment"), std::nullopt};
    Address("o" + Oid(r), Key("operator", f.schema, f.name + "(" + args + ")"));
    c->functions.push_back(std::move(f));
  }
}

void Loader::LoadTableObjects(const json& cons, const json& idx, const json& trg, const json& pol, Catalog* c) {
  for (const auto& r : cons) {
    std::string table_key = Key("table", Str(r, "schema"), Str(r, "table"));
    Constraint k{table_key, QualifiedSql(Str(r, "schema"), Str(r, "table")), Str(r, "name"), Char(r, "type"),
                 Str(r, "definition"), "", "", Str(r, "comment")};
    std::string key = "constraint:" + table_key + "/" + k.name;
    Address("k" + Oid(r), key);
    // conindid of a foreign key names the referenced table's index: only p, u and x own theirs.
    if (k.type == 'p' || k.type == 'u' || k.type == 'x') {
      if (r["index_name"].is_object()) k.index = QualifiedSql(Str(r["index_name"], "schema"), Str(r["index_name"], "name"));
      if (r["parent_index"].is_object()) {
        const json& p = r["parent_index"];
        k.attached_to = QualifiedSql(Str(p, "schema"), Str(p, "name"));
        attachments_.push_back({key, "c" + Oid(p)});
      }
      Address("c" + Str(r, "index"), key);
    }
    c->constraints.push_back(std::move(k));
  }
  for (const auto& r : idx) {
    Index i{RelKey(r, "table_schema", "table", "table_kind"), Str(r, "schema"), Str(r, "name"),
            Str(r, "definition"), "", "", {}, Str(r, "comment")};
    if (r["parent"].is_object()) {
      i.parent = QualifiedSql(Str(r["parent"], "schema"), Str(r["parent"], "name"));
      i.parent_key = Key("index", Str(r["parent"], "schema"), Str(r["parent"], "name"));
      attachments_.push_back({Key("index", i.schema, i.name), "c" + Oid(r["parent"])});
    }
    if (r["statistics"].is_array()) {
      for (const auto& s : r["statistics"]) i.statistics.push_back({s[0].get<int>(), s[1].get<int>()});
    }
    Address("c" + Oid(r), Key("index", i.schema, i.name));
    c->indexes.push_back(std::move(i));
  }
  for (const auto& r : trg) {
    std::string table_key = RelKey(r, "schema", "table", "table_kind");
    Trigger t{table_key, QualifiedSql(Str(r, "schema"), Str(r, "table")), Str(r, "name"),
              Str(r, "definition"), Char(r, "enabled"), Str(r, "comment")};
    Address("g" + Oid(r), "trigger:" + table_key + "/" + t.name);
    c->triggers.push_back(std::move(t));
  }
  static const std::unordered_map<char, const char*> kCommands = {
      {'r', "SELECT"}, {'a', "INSERT"}, {'w', "UPDATE"}, {'d', "DELETE"}, {'*', "ALL"}};
  for (const auto& r : pol) {
    std::string table_key = RelKey(r, "schema", "table", "table_kind");
    Policy p{table_key, QualifiedSql(Str(r, "schema"), Str(r, "table")), Str(r, "name"), Bool(r, "permissive"),
             kCommands.at(Char(r, "command")), Strings(r["roles"]), Str(r, "using"), Str(r, "check"),
             Str(r, "comment")};
    Address("y" + Oid(r), "policy:" + table_key + "/" + p.name);
    c->policies.push_back(std::move(p));
  }
}

void Loader::LoadDefined(const json& rows, Catalog* c) {
  static const std::map<std::string, DefinedKind> kKinds = [] {
    std::map<std::string, DefinedKind> m;
    for (const auto& k : DefinedKinds()) m[k.name] = k.kind;
    return m;
  }();
  for (const auto& r : rows) {
    DefinedObject o;
    o.kind = kKinds.at(Str(r, "kind"));
    o.schema = Str(r, "schema");
    o.name = Str(r, "name");
    o.sql_name = Str(r, "sql_name");
    o.definition = Str(r, "definition");
    o.comment = Str(r, "comment");
    o.acl = AclOf(r);  // range types, servers, foreign tables
    if (!Str(r, "table").empty()) o.table_key = RelKey(r, "table_schema", "table", "table_kind");
    std::string key = DefinedKey(o);
    Address(Str(r, "addr"), key);
    if (!Str(r, "addr2").empty()) Address(Str(r, "addr2"), key);  // the range's multirange
    if (r.contains("tables") && r["tables"].is_array()) {
      for (const auto& t : r["tables"]) {
        std::string kind = t[2].get<std::string>();
        c->dependencies.push_back({key, Key(kind == "v" || kind == "m" ? "view" : "table", t[0], t[1])});
      }
    }
    c->defined.push_back(std::move(o));
  }
}

void Loader::LoadDependencies(const json& rows, Catalog* c) {
  for (const auto& [key, parent] : attachments_) {
    auto it = keys_.find(parent);
    if (it != keys_.end()) c->dependencies.push_back({key, it->second});
  }
  for (const auto& d : rows) {
    if (!d[0].is_string() || !d[1].is_string()) continue;
    std::string from = d[0], to = d[1];
    // A sequence's OWNED BY link belongs to its owner node, not the sequence: otherwise
    // "table default uses sequence" and "sequence owned by table" would form a cycle.
    auto owner = seq_owner_.find(from);
    if (owner != seq_owner_.end() && d[2] == "a" && d[3].get<int>() > 0) {
      auto t = keys_.find(to);
      if (t != keys_.end()) c->dependencies.push_back({owner->second, t->second});
      continue;
    }
    auto a = keys_.find(from), b = keys_.find(to);
    if (a == keys_.end() || b == keys_.end() || a->second == b->second) continue;
    c->dependencies.push_back({a->second, b->second});
  }
}

Result<std::unique_ptr<Session>> Loader::Begin() {
  const char* kBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ";
  // No JIT: the catalog queries of a large schema pass jit_above_cost, and compiling them
  // costs more than running them (the dependencies of 2,000 tables: 530 ms with JIT,
  // 45 ms without).
  const char* kSettings = "SET LOCAL search_path = ''; SET LOCAL jit = off";
  auto b = s_->Exec(std::string(inside_ ? "" : kBegin) + kSettings);
  if (!b.ok()) return b.status();
  std::unique_ptr<Session> second;
  if (!open_second_) return second;
  auto snap = s_->Exec("SELECT pg_catalog.pg_export_snapshot()");
  auto opened = open_second_();
  if (!snap.ok() || !opened.ok()) return second;  // a second reader is an optimisation only
  auto joined = (*opened)->Exec(std::string(kBegin) + "SET TRANSACTION SNAPSHOT " + QuoteLiteral(snap->Get(0, 0)) +
                                "; " + kSettings);
  if (joined.ok()) second = std::move(*opened);
  return second;
}

Status Loader::Run(Catalog* c) {
  namespace q = introspect_sql;
  auto second = Begin();
  if (!second.ok()) return second.status();
  // Two halves of similar cost: the tables query alone is about half of the work.
  // Two halves of similar cost (the second also reads the columns, the largest part).
  Queries first_half = {{q::Tables(), "tables"},           {q::Indexes(), "indexes"},
                        {q::Dependencies(), "dependencies"}, {q::Views(), "views"},
                        {q::Functions(), "functions"},     {q::Aggregates(), "aggregates"},
                        {q::Operators(), "operators"},     {q::Triggers(s_->server_version()), "triggers"},
                        {q::Policies(), "policies"},       {q::Schemas(), "schemas"}};
  Queries second_half = {{q::Constraints(), "constraints"}, {q::Unsupported(), "unsupported"},
                         {q::Extensions(), "extensions"},   {q::Collations(), "collations"},
                         {q::Enums(), "enums"},             {q::Domains(), "domains"},
                         {q::Composites(), "composite types"}, {q::Sequences(), "sequences"}};
  auto present = s_->Exec(q::DefinedPresent());
  if (!present.ok()) return present.status();
  std::string kinds = present->Get(0, 0);
  bool any_defined = kinds.find('1') != std::string::npos;
  if (any_defined) second_half.push_back({q::Defined(s_->server_version(), kinds), "defined"});
  std::map<std::string, json> r, r2;
  Status st2;
  Result<QueryResult> columns = Status::Ok();
  auto read_columns = [&](Session* s) {
    double start = MonotonicSeconds();
    columns = s->ExecParams(q::Columns(s->server_version()), params_);
    if (std::getenv("STRATA_TRACE_QUERIES")) {
      std::fprintf(stderr, "introspect %-16s %7.1f ms\n", "columns", 1000 * (MonotonicSeconds() - start));
    }
  };
  if (*second) {
    std::thread worker([&] {
      read_columns(second->get());
      st2 = RunQueries(second->get(), second_half, &r2);
    });
    Status st1 = RunQueries(s_, first_half, &r);
    worker.join();
    (*second)->Exec("COMMIT");
    s_->Exec("COMMIT");
    STRATA_RETURN_IF_ERROR(st1);
    STRATA_RETURN_IF_ERROR(st2);
    r.merge(r2);
  } else {
    first_half.insert(first_half.end(), second_half.begin(), second_half.end());
    read_columns(s_);
    Status st = RunQueries(s_, first_half, &r);
    if (!inside_) s_->Exec("COMMIT");
    STRATA_RETURN_IF_ERROR(st);
  }
  if (!r["unsupported"].empty()) {
    std::string list;
    for (const auto& u : r["unsupported"]) list += "\n  " + u.get<std::string>();
    return Status::InvalidInput("strata cannot represent these objects yet (they would be lost):" + list);
  }
  LoadSchemas(r["schemas"], c);
  for (const auto& e : r["extensions"]) {
    c->extensions.push_back({Str(e, "name"), Str(e, "schema"), Str(e, "version"), Str(e, "comment")});
    Address("x" + Oid(e), "extension:" + Str(e, "name"));
  }
  LoadCollations(r["collations"], c);
  LoadTypes(r["enums"], r["domains"], r["composite types"], c);
  LoadSequences(r["sequences"], c);
  if (!columns.ok()) return columns.status().Wrap("reading columns");
  LoadTables(r["tables"], c);
  LoadColumns(*columns, c);
  LoadPartitionDefaults(c);
  LoadViews(r["views"], c);
  STRATA_RETURN_IF_ERROR(LoadFunctions(r["functions"], r["aggregates"], c));
  LoadOperators(r["operators"], c);
  LoadTableObjects(r["constraints"], r["indexes"], r["triggers"], r["policies"], c);
  if (any_defined) LoadDefined(r["defined"], c);
  LoadDependencies(r["dependencies"], c);
  Normalize(c);
  return Status::Ok();
}

}  // namespace

Result<Catalog> Introspect(Session* session, const IntrospectOptions& opts) {
  Catalog c;
  Loader loader(session, opts);
  Status st = loader.Run(&c);
  if (!st.ok()) return st;
  c.server_version = session->server_version();
  return c;
}

}  // namespace strata
