// The header template of a migration file (the seeds' structure, DESIGN.md §2): title,
// date, author, source, what it implements, the rollback reference, the body in parts,
// then the verify section. Written by `strata create` and `strata generate`.
#pragma once

#include <string>
#include <vector>

namespace strata {

struct MigrationText {
  std::string stem;    // file name without .sql
  std::string slug;    // becomes the title
  std::string source;  // ticket, audit, discussion; or "strata generate ..."
  std::vector<std::string> implements;
  // The migration this one was written on top of (the newest file at the time): two files
  // with one parent were written on two branches (see ParentOf and the branch-conflict rule).
  std::string parent;
  bool rollback = true;      // a <stem>_rollback.sql companion exists
  std::vector<std::string> directives;  // e.g. "no-transaction"
  std::string body;          // empty: a placeholder part for the author
  std::vector<std::string> verify;  // queries, each returning one row, first column true
};

std::string RenderMigration(const MigrationText& m);
// The "-- Parent: NAME" of a migration's header; empty when it has none.
std::string ParentOf(const std::string& content);
std::string RenderRollback(const std::string& stem, const std::string& body);

// "Name <email>" from git config, else $USER.
std::string MigrationAuthor();
// Starts finding MigrationAuthor() in the background (it runs git).
void PrefetchMigrationAuthor();
// "add_orders" -> "Add orders".
std::string SlugTitle(const std::string& slug);

}  // namespace strata
