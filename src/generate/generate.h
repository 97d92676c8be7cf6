// generate / push: the pipeline of DESIGN.md §4 end to end. Sources are loaded into
// shadow databases in parallel, introspected, diffed, planned and emitted; generate then
// proves its files by applying them to the replayed shadow and requiring the re-diff to be
// empty before anything is written.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "base/timings.h"
#include "catalog/scope.h"
#include "config/config.h"
#include "emit/emit.h"
#include "plan/plan.h"

namespace strata {

class Session;

// --rename KIND:OLD=NEW. kind "table": from/to "schema.table"; kind "column":
// "schema.table.column" (the schema defaults to public; NEW may be just the column).
struct RenameHint {
  std::string kind, from, to;
};
Result<RenameHint> ParseRenameHint(const std::string& text);

// The scope a comparison uses: strata.toml's [scope], completed from the sources. When
// every source is an ORM's (drizzle), only what the ORM can describe is managed (tables,
// their columns, keys and indexes, enums, sequences, views, policies; not functions,
// triggers, grants or comments), in the schemas the sources define (or drizzle's
// schemaFilter); drizzle's own history table is never part of it.
Result<Scope> ResolveScope(const std::vector<SchemaSource>& sources, const ScopeConfig& config, const Catalog& desired);

struct GenerateRequest {
  Timings* timings = nullptr;  // --timings: each phase's wall time
  std::string migrations_dir, schema_dir, shadow_admin_url;
  std::vector<SchemaSource> schema_sources;  // empty: schema_dir
  ScopeConfig scope;
  Naming naming = Naming::kTimestamp;
  std::string slug;
  PlanOptions plan;
  bool accept_data_loss = false;
  std::vector<RenameHint> renames;
  // Keep the replayed migrations and the applied schema as databases named after what
  // they were built from (generate/cache.h), so that an unchanged folder is not loaded again.
  bool replay_cache = false;
  // Asked about a drop + create that looks like a rename; null without a TTY.
  std::function<bool(const RenameCandidate&)> confirm_rename;
};

struct GeneratedFile {
  std::string name;  // file name in the migrations folder
  std::string content;
};

// Runs `files` with `strata migrate`'s runner (verify sections, partitioned index builds and
// all) from a folder of their own on `s` (a shadow database): generate's proof and trace's
// shadow run what migrate runs.
Status ReplayFiles(Session* s, const std::vector<GeneratedFile>& files, Naming naming);

struct GenerateOutcome {
  Plan plan;
  Scope scope;  // the scope used
  std::vector<std::string> rename_sql;  // statements run before the plan (expand halves)
  std::vector<GeneratedFile> files;     // migrations then their _rollback.sql companions
  bool empty() const { return files.empty(); }
};

Result<GenerateOutcome> Generate(const GenerateRequest& r);

struct PushRequest {
  Timings* timings = nullptr;  // --timings: each phase's wall time
  std::string target_url, schema_dir, shadow_admin_url;
  std::vector<SchemaSource> schema_sources;  // empty: schema_dir
  ScopeConfig scope;
  QualifiedName history_table;
  PlanOptions plan;
  bool cache = false;  // load schema/ through the desired-state cache (see cache.h)
};
// The plan that makes the target match schema/ (the history table is never touched).
Result<Plan> PlanPush(const PushRequest& r);
// Runs the plan's parts in order: transactional parts in one transaction each, the
// no-transaction part statement by statement. `on_step` is told before each step.
Status ApplyPlan(const std::string& url, const Plan& plan, const std::function<void(const Step&)>& on_step);

struct CheckRequest {
  Timings* timings = nullptr;  // --timings: each phase's wall time
  std::string migrations_dir, schema_dir, shadow_admin_url;
  std::vector<SchemaSource> schema_sources;  // empty: schema_dir
  ScopeConfig scope;
  Naming naming = Naming::kTimestamp;
  std::string db_url;  // empty: no live comparison
  QualifiedName history_table;
  bool cache = false;
};
struct CheckOutcome {
  Scope scope;  // the scope used
  std::vector<Change> schema_changes;  // replayed migrations -> schema/
  Plan missing;                        // the migration generate would write
  std::string plan_error;              // when the planner refuses the change
  bool db_checked = false;
  std::vector<Change> db_changes;      // replayed migrations -> live database (drift)
};
// strata check: replays migrations/ and compares it with schema/ and, when given, with a
// live database. All sources load side by side.
Result<CheckOutcome> Check(const CheckRequest& r);

// Removes the history table (and its schema, when `keep` lacks it and it is not public)
// from a catalog read from a live database.
void ExcludeHistory(Catalog* c, const QualifiedName& history, const Catalog& keep);
// The same for a catalog read from a live database (inspect, diff db:): strata's history
// table, its sequence and indexes go; its schema too unless something else lives there.
void ExcludeHistoryTable(Catalog* c, const QualifiedName& history);

}  // namespace strata
