// libFuzzer harness: what `strata init --from` and the scope read from the user's project
// (drizzle.config.ts, package.json scripts, node-pg-migrate's JSON config, scope patterns).
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/scope.h"
#include "generate/drizzle.h"
#include "migrate/takeover.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::ParseDrizzleConfig(text);
  strata::NodePgMigrateConfig c = strata::ParseNodePgMigrateScripts(text);
  strata::MergeNodePgMigrateConfigFile(text, &c);
  strata::ReplacementScripts(text);
  size_t nl = text.find('\n');
  if (nl != std::string::npos) strata::GlobMatch(std::string_view(text).substr(0, nl), std::string_view(text).substr(nl + 1));
  return 0;
}
