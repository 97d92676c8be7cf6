// The managed scope: which objects generate, check and push may create, change or drop.
// What lies outside it is removed from both sides of a comparison before the diff, so it
// is never planned (a trigger function a hand-written migration made while the schema
// source is an ORM that cannot describe functions; tables in schemas the sources do not
// own; a tool's history table; partitions the application creates at run time).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"

namespace strata {

// The kinds a scope can name. "acl" and "comment" are the privileges and comments on
// objects of every kind.
const std::vector<std::string>& ScopeKinds();

struct Scope {
  std::vector<std::string> schemas;  // empty: every schema
  std::vector<std::string> kinds;    // empty: every kind (ScopeKinds())
  // "kind:pattern" or "pattern"; the pattern matches "schema.name" ("schema.table.name"
  // for constraints, indexes, triggers and policies; "name" for schemas); * matches any
  // run of characters. "schema:x" takes out the schema x and everything in it;
  // "partitions:s.t" the partitions of table s.t (at any depth), not s.t itself.
  std::vector<std::string> exclude;

  bool Everything() const { return schemas.empty() && kinds.empty() && exclude.empty(); }
  bool Manages(const std::string& kind) const;
  // One line per rule, for `check` and `generate` to report.
  std::vector<std::string> Describe() const;
};

// Unknown kinds and malformed patterns are errors naming `where`.
Status ValidateScope(const Scope& s, const std::string& where);

// Removes from `c` what lies outside `s` (with what hangs on it: a table's constraints,
// indexes, triggers and policies, the sequences it owns, dependency edges).
void ApplyScope(Catalog* c, const Scope& s);

// Glob with '*' only; linear in |text| * |pattern| at worst.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace strata
