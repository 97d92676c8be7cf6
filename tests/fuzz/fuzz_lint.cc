// libFuzzer harness: the linter over one file (parse tree walk, every rule).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lint/sql_lint.h"
#include "migrate/migration_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::MigrationFile f;
  f.path = f.name = "20260101000000001_fuzz.sql";
  f.content.assign(reinterpret_cast<const char*>(data), size);
  std::vector<strata::FileError> errors;
  strata::ParseDirectives(&f, &errors);
  strata::LintOptions options;
  strata::LintFiles(options, nullptr, {strata::LintSourceOf(f)}, /*one_run=*/true, /*threads=*/1);
  return 0;
}
