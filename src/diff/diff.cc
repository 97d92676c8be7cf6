#include "diff/diff.h"

#include <algorithm>
#include <map>

#include "catalog/catalog_json.h"

namespace strata {

const char* ActionName(ChangeAction a) {
  switch (a) {
    case ChangeAction::kCreate: return "create";
    case ChangeAction::kDrop: return "drop";
    case ChangeAction::kAlter: return "alter";
  }
  return "?";
}

namespace {

using nlohmann::json;

// (list in the snapshot, singular kind), in creation order.
constexpr std::pair<const char*, const char*> kKinds[] = {
    {"schemas", "schema"},       {"extensions", "extension"}, {"collations", "collation"},
    {"enums", "enum"},           {"domains", "domain"},       {"composite_types", "composite type"},
    {"sequences", "sequence"},   {"functions", "function"},   {"tables", "table"},
    {"views", "view"},           {"constraints", "constraint"}, {"indexes", "index"},
    {"triggers", "trigger"},     {"policies", "policy"}};

std::string Field(const json& o, const char* k) {
  auto it = o.find(k);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Identity(const json& o) {
  std::string table = Field(o, "table");
  if (!table.empty()) {  // constraints, triggers, policies (and indexes, which have a schema)
    std::string rel = table.substr(table.find(':') + 1);
    if (o.contains("schema")) return Field(o, "schema") + "." + Field(o, "name");
    return rel + "." + Field(o, "name");
  }
  std::string id = o.contains("schema") ? Field(o, "schema") + "." + Field(o, "name") : Field(o, "name");
  if (o.contains("arguments")) id += "(" + Field(o, "arguments") + ")";
  return id;
}

std::map<std::string, json> ById(const json& list) {
  std::map<std::string, json> out;
  for (const auto& o : list) out[Identity(o)] = o;
  return out;
}

std::vector<std::string> ChangedFields(const json& a, const json& b, const std::vector<std::string>& skip) {
  std::vector<std::string> out;
  std::map<std::string, bool> keys;
  for (const auto& [k, v] : a.items()) keys[k] = true;
  for (const auto& [k, v] : b.items()) keys[k] = true;
  for (const auto& [k, unused] : keys) {
    if (std::find(skip.begin(), skip.end(), k) != skip.end()) continue;
    if (a.value(k, json()) != b.value(k, json())) out.push_back(k);
  }
  return out;
}

void DiffColumns(const std::string& table, const json& a, const json& b, std::vector<Change>* out) {
  std::map<std::string, json> ca, cb;
  for (const auto& c : a) ca[c["name"].get<std::string>()] = c;
  for (const auto& c : b) cb[c["name"].get<std::string>()] = c;
  for (const auto& [name, col] : ca) {
    auto it = cb.find(name);
    if (it == cb.end()) {
      out->push_back({ChangeAction::kDrop, "column", table + "." + name, col, nullptr, {}});
    } else if (col != it->second) {
      out->push_back({ChangeAction::kAlter, "column", table + "." + name, col, it->second,
                      ChangedFields(col, it->second, {})});
    }
  }
  for (const auto& [name, col] : cb) {
    if (!ca.count(name)) out->push_back({ChangeAction::kCreate, "column", table + "." + name, nullptr, col, {}});
  }
}

}  // namespace

std::vector<Change> Diff(const Catalog& from, const Catalog& to) {
  json a = CatalogToJson(from)["objects"], b = CatalogToJson(to)["objects"];
  std::vector<Change> out;
  for (const auto& [list, kind] : kKinds) {
    auto ma = ById(a[list]), mb = ById(b[list]);
    for (const auto& [id, o] : ma) {
      auto it = mb.find(id);
      if (it == mb.end()) {
        out.push_back({ChangeAction::kDrop, kind, id, o, nullptr, {}});
        continue;
      }
      if (o == it->second) continue;
      bool table = std::string(list) == "tables";
      std::vector<std::string> fields = ChangedFields(o, it->second, table ? std::vector<std::string>{"columns"}
                                                                            : std::vector<std::string>{});
      if (!fields.empty()) out.push_back({ChangeAction::kAlter, kind, id, o, it->second, fields});
      if (table) DiffColumns(id, o["columns"], it->second["columns"], &out);
    }
    for (const auto& [id, o] : mb) {
      if (!ma.count(id)) out.push_back({ChangeAction::kCreate, kind, id, nullptr, o, {}});
    }
  }
  return out;
}

}  // namespace strata
