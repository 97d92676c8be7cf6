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

struct Entry {
  json value;
  int pos;
};

// Points into the snapshot (no copies); a schema's owner is left out of the comparison.
struct Ref {
  const json* value;
  int pos;
};

const json& ListOf(const json& objects, const char* list) {
  static const json kNone = json::array();
  auto it = objects.find(list);
  return it == objects.end() ? kNone : *it;
}

std::map<std::string, Ref> ById(const json& list) {
  std::map<std::string, Ref> out;
  int pos = 0;
  for (const auto& o : list) out[Identity(o)] = Ref{&o, pos++};
  return out;
}

json WithoutOwner(const json& o) {
  json v = o;
  v.erase("owner");
  return v;
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

void DiffColumns(const std::string& table, int ta, int tb, const json& a, const json& b, std::vector<Change>* out) {
  std::map<std::string, Entry> ca, cb;
  int pos = 0;
  for (const auto& c : a) ca[c["name"].get<std::string>()] = Entry{c, pos++};
  pos = 0;
  for (const auto& c : b) cb[c["name"].get<std::string>()] = Entry{c, pos++};
  for (const auto& [name, col] : ca) {
    auto it = cb.find(name);
    if (it == cb.end()) {
      out->push_back({ChangeAction::kDrop, "column", table + "." + name, col.value, nullptr, {}, col.pos, -1, ta, tb});
    } else if (col.value != it->second.value) {
      out->push_back({ChangeAction::kAlter, "column", table + "." + name, col.value, it->second.value,
                      ChangedFields(col.value, it->second.value, {}), col.pos, it->second.pos, ta, tb});
    }
  }
  // Added columns in the declared order: ADD COLUMN appends, so this order is the table's.
  for (const auto& c : b) {
    std::string name = c["name"].get<std::string>();
    if (!ca.count(name)) {
      const Entry& col = cb[name];
      out->push_back({ChangeAction::kCreate, "column", table + "." + name, nullptr, col.value, {}, -1, col.pos, ta, tb});
    }
  }
}

// kKinds with the kinds kept whole (DefinedKinds()) in their places.
std::vector<std::pair<const char*, const char*>> AllKinds() {
  std::vector<std::pair<const char*, const char*>> out;
  auto defined = [&](DefinedKind k) { out.emplace_back(InfoOf(k).list, InfoOf(k).name); };
  for (const auto& k : kKinds) {
    out.push_back(k);
    std::string list = k.first;
    if (list == "extensions") {
      defined(DefinedKind::kServer);
    } else if (list == "tables") {
      defined(DefinedKind::kForeignTable);
    } else if (list == "composite_types") {
      defined(DefinedKind::kRangeType);
      defined(DefinedKind::kTextSearchDictionary);
      defined(DefinedKind::kTextSearchConfiguration);
    } else if (list == "functions") {
      defined(DefinedKind::kCast);
    } else if (list == "indexes") {
      defined(DefinedKind::kStatistics);
    } else if (list == "policies") {
      defined(DefinedKind::kRule);
      defined(DefinedKind::kEventTrigger);
      defined(DefinedKind::kPublication);
    }
  }
  return out;
}

}  // namespace

std::vector<Change> Diff(const Catalog& from, const Catalog& to) {
  json whole_a = CatalogToJson(from), whole_b = CatalogToJson(to);
  const json &a = ListOf(whole_a, "objects"), &b = ListOf(whole_b, "objects");
  std::vector<Change> out;
  static const auto kinds = AllKinds();
  for (const auto& [list, kind] : kinds) {
    bool schemas = std::string(list) == "schemas";
    auto ma = ById(ListOf(a, list)), mb = ById(ListOf(b, list));
    for (const auto& [id, e] : ma) {
      auto it = mb.find(id);
      if (it == mb.end()) {
        out.push_back({ChangeAction::kDrop, kind, id, schemas ? WithoutOwner(*e.value) : *e.value, nullptr, {}, e.pos, -1});
        continue;
      }
      if (*e.value == *it->second.value) continue;
      json o = schemas ? WithoutOwner(*e.value) : json(), p = schemas ? WithoutOwner(*it->second.value) : json();
      const json& x = schemas ? o : *e.value;
      const json& y = schemas ? p : *it->second.value;
      if (schemas && x == y) continue;
      bool table = std::string(list) == "tables";
      std::vector<std::string> fields = ChangedFields(x, y, table ? std::vector<std::string>{"columns"}
                                                                   : std::vector<std::string>{});
      if (!fields.empty()) out.push_back({ChangeAction::kAlter, kind, id, x, y, fields, e.pos, it->second.pos});
      if (table) DiffColumns(id, e.pos, it->second.pos, x["columns"], y["columns"], &out);
    }
    for (const auto& [id, e] : mb) {
      if (!ma.count(id)) {
        out.push_back({ChangeAction::kCreate, kind, id, nullptr, schemas ? WithoutOwner(*e.value) : *e.value, {}, -1, e.pos});
      }
    }
  }
  return out;
}

}  // namespace strata
