// The migrations/ folder: which files are migrations, their order, and naming problems.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "migrate/migration_file.h"

namespace strata {

inline constexpr char kSumFileName[] = "strata.sum";
inline constexpr char kRollbackSuffix[] = "_rollback.sql";

// Splits "<version>_<slug>.sql" per the naming scheme. Returns an explanation when the
// name breaks the scheme.
Status ParseMigrationName(const std::string& name, Naming naming, std::string* version,
                          std::string* slug);

// A file in the folder that is not a well-named migration.
struct NameProblem {
  std::string file;
  std::string rule;  // "naming-scheme", "duplicate-version", "orphan-rollback", "not-in-journal"
  std::string message;
  bool blocks_migrate = true;  // false: said by lint, but migrate runs (a drizzle journal matter)
};

struct MigrationDir {
  std::string path;
  Naming naming = Naming::kTimestamp;
  std::vector<MigrationFile> files;  // well-named migrations, sorted by name
  std::vector<NameProblem> problems;
  std::vector<std::string> notes;  // worth saying, not wrong (a stripped byte order mark)
  bool has_sum_file = false;

  // Loads every *.sql file (rollback companions excluded from the run list) and reads
  // their contents and checksums. Directives are parsed; their errors land in `errors`,
  // with text that cannot run as written (NUL bytes, invalid UTF-8). Directories named
  // like migrations, dangling symlinks and symlinks that resolve outside `path` or
  // `root` (the project folder) are problems ("unsafe-file") and never read.
  static Result<MigrationDir> Load(const std::string& path, Naming naming,
                                   std::vector<FileError>* errors, const std::string& root = "");
  const MigrationFile* Find(const std::string& name) const;
};

// Reads f->path (set by the caller) under the same rules as MigrationDir::Load: fills
// content (a leading BOM stripped, noted in `notes`), checksum and directives. A file
// that must not be read is an error naming why.
Status ReadMigrationFile(MigrationFile* f, const std::vector<std::string>& roots,
                         std::vector<FileError>* errors, std::vector<std::string>* notes);

// "0099" -> "0100", "9" -> "10": decimal increment of any length.
std::string IncrementDigits(const std::string& digits);

// True for a slug we write ourselves: lower-case letters, digits and '_'.
bool IsValidSlug(const std::string& slug);
// Lower-cases, turns spaces and '-' into '_'. May still be invalid.
std::string NormalizeSlug(const std::string& text);

// The version for a new migration: now (timestamp naming, later than every existing
// file) or the next sequence number.
std::string NextVersion(const MigrationDir& dir);

// The errors Load reported (misplaced directives, ...), each as file:line:col with its
// source line, as one InvalidInput; Ok when there are none.
Status FileErrorsStatus(const MigrationDir& dir, const std::vector<FileError>& errs);

}  // namespace strata
