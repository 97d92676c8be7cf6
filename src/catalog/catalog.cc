#include "catalog/catalog.h"

#include <algorithm>
#include <tuple>

#include "base/strings.h"

namespace strata {

std::string DefaultNotNullName(const std::string& table, const std::string& column) {
  // makeObjectName: the longer of the two names is cut until the whole fits in 63 bytes.
  std::string a = table, b = column;
  const size_t kMax = 63, suffix = std::string("_not_null").size() + 1;
  while (a.size() + b.size() + suffix > kMax) (a.size() >= b.size() ? a : b).pop_back();
  return a + "_" + b + "_not_null";
}

std::string QualifiedSql(const std::string& schema, const std::string& name) {
  return QuoteIdent(schema) + "." + QuoteIdent(name);
}

std::string Key(const char* kind, const std::string& schema, const std::string& name) {
  return std::string(kind) + ":" + schema + "." + name;
}

const std::vector<DefinedKindInfo>& DefinedKinds() {
  static const std::vector<DefinedKindInfo> kinds = {
      {DefinedKind::kRangeType, "range type", "range_types", "type", "range", "TYPE"},
      {DefinedKind::kTextSearchDictionary, "text search dictionary", "text_search_dictionaries", "tsdictionary",
       "textsearch", "TEXT SEARCH DICTIONARY"},
      {DefinedKind::kTextSearchConfiguration, "text search configuration", "text_search_configurations",
       "tsconfiguration", "textsearch", "TEXT SEARCH CONFIGURATION"},
      {DefinedKind::kCast, "cast", "casts", "cast", "cast", "CAST"},
      {DefinedKind::kStatistics, "statistics", "statistics", "statistics", "statistics", "STATISTICS"},
      {DefinedKind::kRule, "rule", "rules", "rule", "rule", "RULE"},
      {DefinedKind::kEventTrigger, "event trigger", "event_triggers", "eventtrigger", "eventtrigger", "EVENT TRIGGER"},
      {DefinedKind::kPublication, "publication", "publications", "publication", "publication", "PUBLICATION"},
      {DefinedKind::kServer, "server", "servers", "server", "server", "SERVER"},
      // Keyed as a table: views, constraints and grants refer to it as to any relation.
      {DefinedKind::kForeignTable, "foreign table", "foreign_tables", "table", "foreigntable", "FOREIGN TABLE"},
  };
  return kinds;
}

const DefinedKindInfo& InfoOf(DefinedKind k) {
  for (const auto& i : DefinedKinds()) {
    if (i.kind == k) return i;
  }
  return DefinedKinds().front();
}

std::string DefinedKey(const DefinedObject& o) {
  if (o.kind == DefinedKind::kRule) return "rule:" + o.table_key + "/" + o.name;
  return Key(InfoOf(o.kind).key, o.schema, o.name);
}

namespace {
template <typename T, typename F>
void SortBy(std::vector<T>* v, F key) {
  std::sort(v->begin(), v->end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}
auto SchemaName = [](const auto& o) { return std::make_pair(o.schema, o.name); };
auto TableName = [](const auto& o) { return std::make_pair(o.table_key, o.name); };
}  // namespace

void Normalize(Catalog* c) {
  SortBy(&c->schemas, [](const Schema& s) { return s.name; });
  SortBy(&c->extensions, [](const Extension& e) { return e.name; });
  SortBy(&c->collations, SchemaName);
  SortBy(&c->enums, SchemaName);
  SortBy(&c->domains, SchemaName);
  for (auto& d : c->domains) SortBy(&d.checks, [](const DomainCheck& k) { return k.name; });
  SortBy(&c->composites, SchemaName);
  SortBy(&c->sequences, SchemaName);
  SortBy(&c->tables, SchemaName);
  SortBy(&c->views, SchemaName);
  SortBy(&c->functions, [](const Function& f) { return std::make_tuple(f.schema, f.name, f.identity_args); });
  SortBy(&c->constraints, TableName);
  SortBy(&c->indexes, SchemaName);
  SortBy(&c->triggers, TableName);
  SortBy(&c->policies, TableName);
  SortBy(&c->defined, [](const DefinedObject& o) {
    return std::make_tuple(static_cast<int>(o.kind), o.schema, o.table_key, o.name);
  });
}

}  // namespace strata
