#include "lint/db_facts.h"

#include <cstdlib>

namespace strata {
namespace {

constexpr char kUserSchemas[] =
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
    "AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'";

// Decodes atttypmod the way format_type does for the types the linter compares.
std::vector<int> Mods(const std::string& type, int typmod) {
  if (typmod < 0) return {};
  if (type == "varchar" || type == "bpchar") return {typmod - 4};
  if (type == "numeric") return {((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff};
  if (type == "interval") return {typmod & 0xffff};
  return {typmod};  // bit, varbit, timestamp(tz), time(tz)
}

}  // namespace

Result<int> ServerMajorVersion(Session* db) {
  auto r_r = db->Exec("SHOW server_version_num");
  if (!r_r.ok()) return r_r.status();
  const QueryResult& r = *r_r;
  if (r.rows.empty()) return Status::InvalidInput("server_version_num is empty");
  return std::atoi(r.Get(0, 0).c_str()) / 10000;
}

Result<LintDatabase> LoadLintDatabase(Session* db) {
  LintDatabase out;
  auto tables_r = db->Exec(std::string(
      // reltuples means "unknown" when the table was never analyzed: -1 since PostgreSQL
      // 14, 0 (with relpages 0) before. Then the size on disk stands in, at ~200 narrow
      // rows per 8 kB page (as the planner guesses); an empty file is an empty table.
      "SELECT n.nspname || '.' || c.relname, CASE WHEN c.reltuples > 0 THEN c.reltuples::float8 "
      "ELSE (pg_catalog.pg_relation_size(c.oid) / 8192) * 200 END::text, c.relkind "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'm', 'f') AND ") + kUserSchemas);
  if (!tables_r.ok()) return tables_r.status();
  const QueryResult& tables = *tables_r;
  for (size_t i = 0; i < tables.rows.size(); ++i) {
    auto& t = out.tables[tables.Get(i, 0)];
    t.rows = std::atof(tables.Get(i, 1).c_str());
    if (tables.Get(i, 2) == "p") t.rows = -1, t.partitioned = true;  // rows live in the partitions
  }
  auto cols_r = db->Exec(std::string(
      "SELECT n.nspname || '.' || c.relname, a.attname, t.typname, a.atttypmod "
      "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid "
      "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND ") + kUserSchemas);
  if (!cols_r.ok()) return cols_r.status();
  const QueryResult& cols = *cols_r;
  for (size_t i = 0; i < cols.rows.size(); ++i) {
    std::string type = cols.Get(i, 2);
    std::string base = !type.empty() && type[0] == '_' ? type.substr(1) : type;
    out.tables[cols.Get(i, 0)].columns[cols.Get(i, 1)] = {
        type, Mods(base, std::atoi(cols.Get(i, 3).c_str()))};
  }
  auto idx_r = db->Exec(std::string(
      "SELECT n.nspname || '.' || ic.relname, n.nspname || '.' || c.relname "
      "FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
      "JOIN pg_namespace n ON n.oid = ic.relnamespace WHERE ") + kUserSchemas);
  if (!idx_r.ok()) return idx_r.status();
  const QueryResult& idx = *idx_r;
  for (size_t i = 0; i < idx.rows.size(); ++i) out.index_table[idx.Get(i, 0)] = idx.Get(i, 1);
  auto enums_r = db->Exec(std::string(
      "SELECT n.nspname || '.' || t.typname, e.enumlabel FROM pg_enum e "
      "JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace "
      "WHERE ") + kUserSchemas + " ORDER BY 1, e.enumsortorder");
  if (!enums_r.ok()) return enums_r.status();
  const QueryResult& enums = *enums_r;
  for (size_t i = 0; i < enums.rows.size(); ++i) out.enums[enums.Get(i, 0)].push_back(enums.Get(i, 1));
  // CHECK (col IS NOT NULL), validated: SET NOT NULL can use it instead of scanning.
  auto checks_r = db->Exec(std::string(
      "SELECT n.nspname || '.' || c.relname || '.' || k.conname, a.attname "
      "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
      "WHERE k.contype = 'c' AND k.convalidated AND array_length(k.conkey, 1) = 1 "
      "AND pg_get_constraintdef(k.oid) = 'CHECK ((' || quote_ident(a.attname) || ' IS NOT NULL))' AND ") +
      kUserSchemas);
  if (!checks_r.ok()) return checks_r.status();
  const QueryResult& checks = *checks_r;
  for (size_t i = 0; i < checks.rows.size(); ++i) {
    out.validated_not_null_checks[checks.Get(i, 0)] = checks.Get(i, 1);
  }
  // Volatility by name: the most volatile of any overload wins.
  auto fns_r = db->Exec(
      "SELECT proname, max(provolatile::text) FROM pg_proc GROUP BY proname");
  if (!fns_r.ok()) return fns_r.status();
  const QueryResult& fns = *fns_r;
  for (size_t i = 0; i < fns.rows.size(); ++i) {
    std::string v = fns.Get(i, 1);
    out.volatility[fns.Get(i, 0)] = v.empty() ? 'v' : v[0];
  }
  return out;
}

}  // namespace strata
