// The desired schema's cache, rebuilt in part after an edit (generate only; CI and check
// build from scratch, so a mistake here can never reach a merged migration unnoticed).
//
// A full build of the cache records, with event triggers, which objects each statement of
// the schema sources made or changed, by owning object (an index by its table, a
// constraint by its table or domain). That record (the manifest) is kept as the cache
// database's comment. After an edit, the statements are lined up with the recorded ones:
// what the removed statements made is dropped, together with every object that depends
// on it; the statements that made those objects run again with the added ones, in the new
// order, inside one transaction on the old cache. A foreign key of an untouched table
// that pointed at a dropped table is put back from its definition instead of rebuilding
// its table (and, through it, every table that points at that one).
//
// Anything outside what that can redo exactly (a statement that drops, an extension,
// CREATE TABLE ... LIKE or AS, DO blocks, SELECT (other than set_config), an edited session setting or
// grant, a dependency on an object no statement recorded, any error) makes the caller
// build from scratch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "generate/source.h"

namespace strata {

class Session;

// (catalog, oid): pg_class and a table's oid, pg_type and a type's, ...
using ObjectRef = std::pair<uint32_t, uint32_t>;

struct BuiltStatement {
  std::string fingerprint;  // of the statement's text
  // 'd' makes or changes objects; 's' sets a session setting (SET, set_config); 'g' GRANT
  // or REVOKE (their targets are not recorded; running one again changes nothing); 'i'
  // writes rows (run only when added: the catalog does not hold rows); 'x' cannot be
  // redone alone.
  char role = 'd';
  std::vector<ObjectRef> owners;  // what it made or changed, by owning object
};

struct BuildManifest {
  std::vector<BuiltStatement> statements;
  // Made by RebuildIncrementally: only generate outside CI may use such a cache; check,
  // push and CI build from scratch.
  bool rebuilt_in_part = false;
  std::string ToText() const;  // for COMMENT ON DATABASE
  static std::optional<BuildManifest> FromText(const std::string& text);
};

// Every statement of `docs` in order, with its fingerprint and role (no owners yet).
// nullopt when a document did not parse.
std::optional<std::vector<BuiltStatement>> StatementsOf(const std::vector<ParsedDocument>& docs);

// Installs the event triggers that record what each labelled statement (RunParsed's
// `label`) makes. Fails without superuser rights: the build then goes unrecorded.
Status StartBuildLog(Session* s);
// Reads the record into `statements` (from StatementsOf) and removes the triggers and
// their schema. False when the build cannot be redone in part (it dropped something).
Result<bool> FinishBuildLog(Session* s, std::vector<BuiltStatement>* statements);

// Rebuilds the cache database `old_name` (built from `old_manifest`) into `new_name` for
// `docs`: renamed first, changed in one transaction, its catalog read, the new manifest
// kept as its comment. nullopt when it cannot (the caller builds from scratch; the
// renamed database is then being dropped). `why` says what stopped it.
struct IncrementalBuild {
  Catalog catalog;
  size_t statements_run = 0;  // of the new sources, run again or for the first time
  size_t foreign_keys_restored = 0;
};
// Whether the comment of a cache database says it was rebuilt in part.
bool RebuiltInPart(const std::string& comment);

Result<std::optional<IncrementalBuild>> RebuildIncrementally(const std::string& admin_url, const std::string& old_name,
                                                             const BuildManifest& old_manifest,
                                                             const std::string& new_name,
                                                             const std::vector<ParsedDocument>& docs,
                                                             std::string* why = nullptr);

}  // namespace strata
