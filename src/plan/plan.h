// Changes → an ordered list of SQL steps, each with its hazards, whether it may run in a
// transaction, the SQL that undoes it and a query that verifies it. Safe forms by
// default (DESIGN.md §4): CONCURRENTLY for indexes on existing tables, NOT VALID then
// VALIDATE, NOT NULL through a validated CHECK, UNIQUE through a concurrent index.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "diff/diff.h"

namespace strata {

// One hazard vocabulary, shared with the linter (DESIGN.md §5). pg-schema-diff's set
// plus the seeds' own.
enum class Hazard {
  kAccessExclusiveLock,    // ACQUIRES_ACCESS_EXCLUSIVE_LOCK
  kShareLock,              // ACQUIRES_SHARE_LOCK (blocks writes)
  kShareRowExclusiveLock,  // ACQUIRES_SHARE_ROW_EXCLUSIVE_LOCK
  kAuthzUpdate,            // AUTHZ_UPDATE
  kCorrectness,            // CORRECTNESS
  kDeletesData,            // DELETES_DATA
  kExtensionUpgrade,       // EXTENSION_VERSION_UPGRADE
  kUntrackableDeps,        // HAS_UNTRACKABLE_DEPENDENCIES
  kIndexBuild,             // INDEX_BUILD
  kIndexDropped,           // INDEX_DROPPED
  kTableRewrite,           // TABLE_REWRITE
  kValidatesRows,          // VALIDATES_ROWS: scans the table to check a constraint
  kFailsOnExistingRows,    // FAILS_ON_EXISTING_ROWS: NOT NULL without a default
};
const char* HazardCode(Hazard h);

struct HazardNote {
  Hazard type;
  std::string message;
};

struct Step {
  std::string object;       // catalog key of the object it touches ("table:public.orders")
  std::string description;  // "add column public.orders.total"
  std::string sql;          // one statement, ending in ";"
  // False: must not share a transaction with earlier steps (CREATE INDEX CONCURRENTLY,
  // VALIDATE CONSTRAINT after its NOT VALID add).
  bool transactional = true;
  bool enum_value = false;  // ALTER TYPE ... ADD VALUE: committed before its first use
  std::vector<HazardNote> hazards;
  std::string undo;    // SQL that undoes it; empty when nothing can (dropped data)
  std::string verify;  // a query returning one row whose first column is true once applied
  std::vector<int> after;  // indexes of earlier steps it depends on (filled by MakePlan)
  // Runs only after the deploy, in the contract file: no running application may still
  // need what it removes (an online type change's old column).
  bool contract = false;
  bool HasHazard(Hazard h) const;
};

struct Plan {
  std::vector<Step> steps;
  bool empty() const { return steps.empty(); }
  bool DeletesData() const;
};

struct PlanOptions {
  // False (--no-concurrently): plain forms that all fit in one transaction.
  bool concurrently = true;
  // A column of an existing table that becomes NOT NULL: the value its NULL rows get, by
  // "schema.table.column" (an SQL expression: generate's --backfill). Without one the
  // column's default is used. An empty expression: the caller fills the column itself.
  std::map<std::string, std::string> backfill;
  // With neither, refuse (generate) rather than plan a VALIDATE that fails on the first
  // NULL row in production; diff and push plan it and report FAILS_ON_EXISTING_ROWS.
  bool require_backfill = false;
  // A column type change that would rewrite an existing table under its ACCESS EXCLUSIVE
  // lock is done as expand/contract instead (generate): a new column kept in step by a
  // trigger and backfilled in batches, swapped in by the contract file.
  bool online_type_changes = false;
  // A new table's keys, checks and foreign keys are written into its CREATE TABLE (one
  // statement: nothing to validate, about half the server's work of one ALTER TABLE
  // each). Off: each is an ALTER TABLE ... ADD CONSTRAINT of its own.
  bool inline_constraints = true;
};

// A DO block that runs `UPDATE table SET set` on the rows where `pending` holds, about
// 10,000 rows per commit, printing progress as NOTICEs ("<verb> N rows of <label> (P%)").
// Re-runnable: only pending rows are touched. On PostgreSQL 14 and later it walks the
// table once in ranges of pages (a TID range scan); before 14, each batch takes the first
// pending rows. Rows a concurrent UPDATE moves behind the walk are the caller's concern
// (a trigger keeps them, or a second pass sweeps them).
std::string BatchedUpdateSql(const std::string& table_sql, const std::string& set, const std::string& pending,
                             const std::string& verb, const std::string& label, int server_version);

// The steps that turn `from` into `to`. Unsupported changes (removing an enum value,
// changing a partition key, ...) are an error naming the object and what to do instead.
Result<Plan> MakePlan(const Catalog& from, const Catalog& to, const PlanOptions& options = {});
// The same with Diff(from, to) already at hand (it is not computed again).
Result<Plan> MakePlan(const Catalog& from, const Catalog& to, const PlanOptions& options,
                      const std::vector<Change>& changes);

// A dropped and a created object that look like one renamed (a table with the same
// columns, a column of the same type in the same table).
struct RenameCandidate {
  std::string kind;  // "table" or "column"
  std::string from, to;  // "schema.table" or "schema.table.column"
};
std::vector<RenameCandidate> SuspectedRenames(const std::vector<Change>& changes);

}  // namespace strata
