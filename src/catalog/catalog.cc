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
}

}  // namespace strata
