// Importing the history of another tool without re-running anything: node-pg-migrate
// (rows id, name, run_on) and drizzle (drizzle.__drizzle_migrations: hash = sha256 of the
// file, created_at = the journal's "when"). Only exact matches are imported; never a guess.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "migrate/history.h"
#include "migrate/migration_dir.h"
#include "pg/session.h"

namespace strata {

struct AdoptRow {
  std::string source;      // how the other tool named it (name, or hash)
  std::string file;        // our file name; empty when unmatched
  std::string applied_at;  // SQL expression for the original time
  std::string reason;      // why it is unmatched
};

struct AdoptPlan {
  std::vector<AdoptRow> matched;
  std::vector<AdoptRow> unmatched;        // rows in the other tool's history we cannot pair
  std::vector<std::string> already;       // files strata's history already has
  std::vector<std::string> not_recorded;  // files the other tool never applied: stay pending
};

Result<AdoptPlan> PlanAdoptNodePgMigrate(Session* s, const MigrationDir& dir,
                                         const std::vector<AppliedMigration>& ours,
                                         const QualifiedName& table);
// `journal_path` may not exist (then rows are matched by hash alone).
Result<AdoptPlan> PlanAdoptDrizzle(Session* s, const MigrationDir& dir,
                                   const std::vector<AppliedMigration>& ours,
                                   const QualifiedName& table, const std::string& journal_path);
struct AdoptRequest {
  std::string tool;       // "node-pg-migrate" or "drizzle"
  QualifiedName history;  // strata's history table
  QualifiedName source;   // the other tool's
  std::string journal;    // drizzle: meta/_journal.json
  bool record = true;     // false: plan only
  bool allow_unmatched = false;
};
// Under the migration lock: plans from strata's history and the other tool's, then records
// the matched rows (creating strata's table) unless `record` is false or some rows match no
// file and `allow_unmatched` is not set. `*recorded` says whether it did.
Result<AdoptPlan> Adopt(Session* s, const MigrationDir& dir, const AdoptRequest& r,
                        const std::function<void(const std::string&)>& on_wait, bool* recorded);

// Writes the matched rows in one transaction. REQUIRES: the migration lock is held and
// the history table exists.
Status ApplyAdoptPlan(Session* s, const History& history, const MigrationDir& dir,
                      const AdoptPlan& plan);

}  // namespace strata
