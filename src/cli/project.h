// Loading the project's configuration and migrations folder, shared by commands.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "lint/names.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"

namespace strata::cli {

struct Project {
  Config config;
  MigrationDir dir;
  std::vector<FileError> directive_errors;
  std::optional<std::vector<SumEntry>> sum;  // none when strata.sum does not exist
};

Result<Project> LoadProject(Context& ctx);

// The folder rules' input for `p`: its files, directive errors and strata.sum (no database).
NameLintInput NameLintInputOf(const Project& p);

// strata.sum must match the folder; a folder without one only gets a warning.
Status CheckSumFile(Context& ctx, const Project& p);

// As CheckSumFile, but on a development machine the flow `strata create`, edit, `strata
// migrate` needs no `strata hash`: when every problem is about a file that was never
// committed to git (untracked or only added; every file when the folder is not in a git
// repository) and, when `applied` is given, is not applied and sorts after
// every applied migration, strata.sum is rewritten and that is said on stderr. Never with
// CI set or for a protected environment: there strata.sum must match as committed.
Status CheckSumFileOrRehash(Context& ctx, Project* p, const std::vector<std::string>* applied, bool is_protected);

// Before writing a new migration into `dir`: its strata.sum (when there is one) must match,
// or the first mismatch is the error.
Status SumMatchesBeforeWriting(const MigrationDir& dir);

// The desired schema's sources from strata.toml, with paths made relative to the project
// folder: a --schema DIR flag replaces them with that folder. Sets `schema_dir` to a label
// for messages when there is more than the folder.
void DesiredSourcesOf(const Context& ctx, const Config& cfg, const std::string& schema_flag, std::string* schema_dir,
                      std::vector<SchemaSource>* sources);

// Directive errors (unknown directive, bad timeout, ...) formatted with carets.
Status DirectiveErrors(const Project& p);

}  // namespace strata::cli
