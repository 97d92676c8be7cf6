// Reading how a project runs its migrations today, so that `strata init --from` can take
// it over: node-pg-migrate's flags in package.json scripts (or its JSON config file), and
// which package.json scripts strata replaces.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace strata {

struct NodePgMigrateConfig {
  std::string migrations_dir;     // -m / --migrations-dir; empty: not given
  std::string migrations_schema;  // --migrations-schema
  std::string migrations_table;   // -t / --migrations-table
  std::string url_env;            // -d / --database-url-var
  std::string filename_format;    // --migration-filename-format (timestamp | utc)
  std::string config_file;        // -f / --config-file
  std::vector<std::string> found_in;  // the scripts that call node-pg-migrate
};

// The node-pg-migrate options in package.json's scripts (the first script that gives each
// wins). Malformed JSON gives an empty result.
NodePgMigrateConfig ParseNodePgMigrateScripts(const std::string& package_json);
// Fills what `config` lacks from node-pg-migrate's JSON config file text (keys at the top
// level or under "db", named like the flags).
void MergeNodePgMigrateConfigFile(const std::string& json_text, NodePgMigrateConfig* config);

// The package.json scripts that strata replaces, as (name, new command): scripts that run
// drizzle-kit or node-pg-migrate (or are named migrate, migrate:status, ... as in the
// runbooks) map to the strata command doing the same; missing standard names are added.
// For a `takeover` (an existing history, written without strata's rules) migrate:lint is
// `strata lint --names-only`, as the runbook's "validate migration filename/order rules".
std::vector<std::pair<std::string, std::string>> ReplacementScripts(const std::string& package_json, bool takeover = false);

}  // namespace strata
