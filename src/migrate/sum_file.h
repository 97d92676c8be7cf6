// strata.sum: the integrity file of a migrations folder (format in docs/sum-file.md).
//
//   strata.sum v1
//   <name> <chain hash>
//
// The chain hash of line i is sha256(chain(i-1) || name || "\n" || sha256(file)), so
// editing, renaming, removing or inserting any file breaks its line and every later one.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "migrate/migration_dir.h"

namespace strata {

inline constexpr char kSumHeader[] = "strata.sum v1";

struct SumEntry {
  std::string name;
  std::string hash;
};

struct SumProblem {
  std::string file;     // the migration the problem is about
  std::string message;
};

// The entries for the folder's migrations, in order.
std::vector<SumEntry> ComputeSum(const MigrationDir& dir);
std::string SerializeSum(const std::vector<SumEntry>& entries);
// Parses a strata.sum text. Errors name the line.
Result<std::vector<SumEntry>> ParseSum(const std::string& text, const std::string& path);
// Compares the recorded sum with the folder. Empty when they agree. Only the first
// break in the chain is reported per cause: every later line follows from it.
std::vector<SumProblem> CheckSum(const MigrationDir& dir, const std::vector<SumEntry>& recorded);
// Recomputes and atomically writes <dir>/strata.sum.
Status WriteSum(const MigrationDir& dir);

}  // namespace strata
