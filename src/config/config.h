// strata.toml. Every key is optional; precedence is flags > environment > file > default.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

// The PostgreSQL major versions strata supports.
constexpr int kMinPgMajor = 13;
constexpr int kMaxPgMajor = 18;

enum class Naming { kTimestamp, kSequence };

// One source of the desired schema (strata.toml [[schema.sources]]). They are applied in
// order to one shadow database: an ORM's tables first, then SQL for what it does not model.
struct SchemaSource {
  enum class Kind { kSql, kDrizzle, kCommand };
  Kind kind = Kind::kSql;
  // kSql: a folder of *.sql files (name order); kDrizzle: the project's drizzle.config.ts,
  // read through its own `drizzle-kit export`; kCommand: a shell command that prints DDL.
  // Paths are relative to the project folder until the CLI resolves them.
  std::string value;
  // kCommand, kDrizzle: the folder it runs in (the project's). Empty: the current one
  // (a drizzle config's own folder).
  std::string run_dir;
  std::string Label() const;
};
const char* SchemaSourceKindName(SchemaSource::Kind k);

// What generate, check and push may change ([scope]); see catalog/scope.h for the rules.
struct ScopeConfig {
  std::vector<std::string> schemas;  // empty: the schemas the sources define
  std::vector<std::string> kinds;    // empty: what the sources' kinds can describe
  std::vector<std::string> exclude;  // "kind:schema.name" patterns with * wildcards
};

struct QualifiedName {
  std::string schema;
  std::string name;
  // "schema"."name", each part quoted.
  std::string Quoted() const;
  std::string Display() const { return schema + "." + name; }
};

// Parses "schema.table" or "table" (schema defaults to public).
Result<QualifiedName> ParseQualifiedName(const std::string& text);

struct Environment {
  std::string url_env;      // env var holding this environment's URL
  std::string url;          // or a literal URL (no password in it, please)
  bool is_protected = false;
};

struct Config {
  std::string path;                 // the file read; empty when none existed
  std::string migrations_dir = "migrations";
  std::string schema_dir = "schema";
  Naming naming = Naming::kTimestamp;
  QualifiedName history_table{"public", "strata_migrations"};
  std::string url_env = "DATABASE_URL";
  std::string lock_timeout = "5s";
  std::string statement_timeout;   // empty: server default
  int lock_retries = 3;
  std::map<std::string, Environment> environments;
  std::vector<std::string> lint_disable;
  std::vector<std::string> lint_enable;  // opt-in lint rules
  // [dev] postgres = "17": the PostgreSQL major version the project targets. The dev
  // database and every shadow run it; lint assumes it. 0: not set (then the target
  // database's version where one is given, else the newest installed).
  int pg_major = 0;
  // Empty: schema_dir alone (a [[schema.sources]] list replaces it).
  std::vector<SchemaSource> schema_sources;
  ScopeConfig scope;
};

using EnvLookup = std::function<const char*(const char*)>;

// Reads `path` when it exists (a missing file is not an error: defaults apply), then
// applies STRATA_* environment overrides through `getenv`.
Result<Config> LoadConfig(const std::string& path, const EnvLookup& getenv);
// The same from the file's text (nullopt: no file). Errors name path:line:col.
Result<Config> ParseConfig(const std::optional<std::string>& text, const std::string& path,
                           const EnvLookup& getenv);

Result<Naming> ParseNaming(const std::string& text);
const char* NamingName(Naming n);

}  // namespace strata
