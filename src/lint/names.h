// The filename and order rules of `strata lint --names-only` (DESIGN.md §2).
#pragma once

#include <vector>

#include "lint/diagnostic.h"
#include "migrate/history.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"

namespace strata {

struct NameLintInput {
  const MigrationDir* dir = nullptr;
  std::vector<FileError> directive_errors;
  const std::vector<SumEntry>* sum = nullptr;               // null: no strata.sum
  const std::vector<AppliedMigration>* applied = nullptr;   // null: no database given
  bool allow_out_of_order = false;
};

std::vector<Diagnostic> LintNames(const NameLintInput& in);

}  // namespace strata
