// libFuzzer harness: migration file text → directives, verify section, statement split
// and the runner's checks (what `strata migrate` validates before touching a database).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/parse.h"
#include "migrate/migration_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::MigrationFile f;
  f.path = f.name = "20260101000000001_fuzz.sql";
  f.content.assign(reinterpret_cast<const char*>(data), size);
  std::vector<strata::FileError> errors;
  strata::CheckSqlText(f.content);
  strata::ParseDirectives(&f, &errors);
  strata::ParseMigration(f, &errors);
  for (const auto& e : errors) e.Format(f.content);
  return 0;
}
