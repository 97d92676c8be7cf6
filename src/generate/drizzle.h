// A drizzle-kit project as a schema source: its drizzle.config.ts, read without running it
// (the keys strata needs are plain literals in every config we have seen), and its
// TypeScript schema, turned into DDL by the project's own `drizzle-kit export`.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

struct DrizzleConfig {
  std::string path;                        // the config file read
  std::vector<std::string> schema;         // schema file(s) or glob(s)
  std::string out = "drizzle";             // drizzle-kit's default
  std::string dialect;
  std::vector<std::string> schema_filter;  // empty: not set
  std::string url;                         // dbCredentials.url literal (or its || fallback)
  std::string url_env;                     // process.env.NAME it reads, if any
  std::string migrations_schema = "drizzle";
  std::string migrations_table = "__drizzle_migrations";
};

// Reads the keys above from a drizzle.config.ts/.js/.mjs/.json. Keys it cannot read as
// literals keep their defaults; an unreadable file or a non-postgresql dialect is an error.
Result<DrizzleConfig> ReadDrizzleConfig(const std::string& path);
// The same from text (for tests and the fuzzer); linear in the text's length.
DrizzleConfig ParseDrizzleConfig(const std::string& text);

// The project's node_modules/.bin/drizzle-kit, looked up from `dir` upwards (a monorepo
// package or its root); empty when none is installed.
std::string FindDrizzleKit(const std::string& dir);

// `drizzle-kit export --config <config>` run in `run_dir` (the project folder, where the
// team runs drizzle-kit: the config's paths are relative to it; empty: the config's
// folder): the DDL of the TypeScript schema. Errors say what is missing (node,
// drizzle-kit) or quote drizzle-kit's own message when the config or the schema does not
// load.
Result<std::string> DrizzleExport(const std::string& config_path, const std::string& run_dir = "");

}  // namespace strata
