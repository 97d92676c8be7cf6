#include "catalog/catalog_json.h"

namespace strata {
namespace {

using nlohmann::json;

json AclJson(const Acl& acl) {
  if (!acl) return nullptr;
  json out = json::array();
  for (const auto& g : *acl) {
    out.push_back({{"grantee", g.grantee}, {"privileges", g.privileges}, {"grantable", g.grantable}});
  }
  return out;
}

// Adds `key` only when the value is not empty: keeps snapshots short and diffs readable.
void Put(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

json SeqOptions(const SequenceOptions& o) {
  return {{"type", o.data_type}, {"start", o.start}, {"increment", o.increment},
          {"min", o.min},        {"max", o.max},     {"cache", o.cache},
          {"cycle", o.cycle}};
}

json ColumnJson(const Column& c) {
  json j = {{"name", c.name}, {"type", c.type}, {"not_null", c.not_null}};
  Put(j, "not_null_name", c.not_null_name);
  Put(j, "collation", c.collation);
  Put(j, "default", c.default_expr);
  Put(j, "generated", c.generated);
  if (c.generated_virtual) j["generated_virtual"] = true;
  Put(j, "comment", c.comment);
  Put(j, "storage", c.storage);
  Put(j, "compression", c.compression);
  if (c.statistics >= 0) j["statistics"] = c.statistics;
  if (c.identity) {
    j["identity"] = c.identity == 'a' ? "always" : "by default";
    j["identity_sequence"] = c.identity_sequence;
    j["identity_options"] = SeqOptions(c.identity_options);
    if (c.identity_acl) j["identity_acl"] = AclJson(c.identity_acl);
  }
  if (c.acl) j["acl"] = AclJson(c.acl);
  return j;
}

json TableJson(const Table& t) {
  json j = {{"schema", t.schema}, {"name", t.name}, {"unlogged", t.unlogged},
            {"rls_enabled", t.rls_enabled}, {"rls_forced", t.rls_forced},
            {"replica_identity", std::string(1, t.replica_identity)}, {"acl", AclJson(t.acl)}};
  Put(j, "partition_key", t.partition_key);
  Put(j, "partition_of", t.partition_of);
  Put(j, "partition_bound", t.partition_bound);
  Put(j, "replica_index", t.replica_index);
  Put(j, "comment", t.comment);
  if (!t.inherits.empty()) j["inherits"] = t.inherits;
  if (!t.options.empty()) j["options"] = t.options;
  j["columns"] = json::array();
  for (const auto& c : t.columns) j["columns"].push_back(ColumnJson(c));
  for (const auto& [col, expr] : t.partition_defaults) {
    j["partition_defaults"][col] = expr.empty() ? json(nullptr) : json(expr);
  }
  return j;
}

json ViewJson(const View& v) {
  json j = {{"schema", v.schema}, {"name", v.name}, {"materialized", v.materialized},
            {"definition", v.definition}, {"acl", AclJson(v.acl)}};
  Put(j, "comment", v.comment);
  if (!v.options.empty()) j["options"] = v.options;
  for (const auto& [col, comment] : v.column_comments) j["column_comments"][col] = comment;
  for (const auto& [col, acl] : v.column_acls) j["column_acls"][col] = AclJson(acl);
  for (const auto& [col, expr] : v.column_defaults) j["column_defaults"][col] = expr;
  return j;
}

}  // namespace

nlohmann::json CatalogToJson(const Catalog& c) {
  json j;
  j["format"] = "strata.catalog.v1";
  json& o = j["objects"];
  o = json::object();
  for (const char* k : {"schemas", "extensions", "collations", "enums", "domains", "composite_types", "sequences",
                        "tables", "views", "functions", "constraints", "indexes", "triggers", "policies"}) {
    o[k] = json::array();
  }
  for (const auto& s : c.schemas) {
    json x = {{"name", s.name}, {"owner", s.owner}, {"acl", AclJson(s.acl)}};
    Put(x, "comment", s.comment);
    o["schemas"].push_back(x);
  }
  for (const auto& e : c.extensions) {
    json x = {{"name", e.name}, {"schema", e.schema}, {"version", e.version}};
    Put(x, "comment", e.comment);
    o["extensions"].push_back(x);
  }
  for (const auto& k : c.collations) {
    json x = {{"schema", k.schema}, {"name", k.name}, {"provider", k.provider}, {"deterministic", k.deterministic}};
    Put(x, "locale", k.locale);
    Put(x, "lc_collate", k.lc_collate);
    Put(x, "lc_ctype", k.lc_ctype);
    Put(x, "comment", k.comment);
    o["collations"].push_back(x);
  }
  for (const auto& e : c.enums) {
    json x = {{"schema", e.schema}, {"name", e.name}, {"labels", e.labels}, {"acl", AclJson(e.acl)}};
    Put(x, "comment", e.comment);
    o["enums"].push_back(x);
  }
  for (const auto& d : c.domains) {
    json x = {{"schema", d.schema}, {"name", d.name}, {"base_type", d.base_type},
              {"not_null", d.not_null}, {"acl", AclJson(d.acl)}, {"checks", json::array()}};
    Put(x, "collation", d.collation);
    Put(x, "default", d.default_expr);
    Put(x, "comment", d.comment);
    for (const auto& k : d.checks) {
      json ck = {{"name", k.name}, {"definition", k.definition}};
      Put(ck, "comment", k.comment);
      x["checks"].push_back(ck);
    }
    o["domains"].push_back(x);
  }
  for (const auto& t : c.composites) {
    json x = {{"schema", t.schema}, {"name", t.name}, {"acl", AclJson(t.acl)}, {"attributes", json::array()}};
    Put(x, "comment", t.comment);
    for (const auto& a : t.attributes) {
      json at = {{"name", a.name}, {"type", a.type}};
      Put(at, "collation", a.collation);
      Put(at, "comment", a.comment);
      x["attributes"].push_back(at);
    }
    o["composite_types"].push_back(x);
  }
  for (const auto& s : c.sequences) {
    json x = {{"schema", s.schema}, {"name", s.name}, {"options", SeqOptions(s.options)}, {"acl", AclJson(s.acl)}};
    Put(x, "owned_by", s.owned_by);
    Put(x, "comment", s.comment);
    o["sequences"].push_back(x);
  }
  for (const auto& t : c.tables) o["tables"].push_back(TableJson(t));
  for (const auto& v : c.views) o["views"].push_back(ViewJson(v));
  for (const auto& f : c.functions) {
    json x = {{"schema", f.schema}, {"name", f.name}, {"arguments", f.identity_args},
              {"kind", std::string(1, f.kind)}, {"definition", f.definition}, {"acl", AclJson(f.acl)}};
    Put(x, "comment", f.comment);
    o["functions"].push_back(x);
  }
  for (const auto& k : c.constraints) {
    json x = {{"table", k.table_key}, {"name", k.name}, {"type", std::string(1, k.type)},
              {"definition", k.definition}};
    Put(x, "attached_to", k.attached_to);
    Put(x, "comment", k.comment);
    o["constraints"].push_back(x);
  }
  for (const auto& i : c.indexes) {
    json x = {{"table", i.table_key}, {"schema", i.schema}, {"name", i.name}, {"definition", i.definition}};
    Put(x, "attached_to", i.parent_key);
    for (const auto& [col, target] : i.statistics) x["statistics"][std::to_string(col)] = target;
    Put(x, "comment", i.comment);
    o["indexes"].push_back(x);
  }
  for (const auto& t : c.triggers) {
    json x = {{"table", t.table_key}, {"name", t.name}, {"definition", t.definition},
              {"enabled", std::string(1, t.enabled)}};
    Put(x, "comment", t.comment);
    o["triggers"].push_back(x);
  }
  for (const auto& p : c.policies) {
    json x = {{"table", p.table_key}, {"name", p.name}, {"permissive", p.permissive},
              {"command", p.command}, {"roles", p.roles}};
    Put(x, "using", p.using_expr);
    Put(x, "with_check", p.check_expr);
    Put(x, "comment", p.comment);
    o["policies"].push_back(x);
  }
  // Kinds kept whole: listed only when present, so that snapshots of schemas without them
  // keep their shape.
  for (const auto& d : c.defined) {
    json x = {{"name", d.name}, {"definition", d.definition}};
    if (!d.schema.empty()) x["schema"] = d.schema;
    Put(x, "table", d.table_key);
    Put(x, "comment", d.comment);
    if (d.kind == DefinedKind::kRangeType || d.kind == DefinedKind::kServer || d.kind == DefinedKind::kForeignTable) {
      x["acl"] = AclJson(d.acl);
    }
    o[InfoOf(d.kind).list].push_back(x);
  }
  return j;
}

}  // namespace strata
