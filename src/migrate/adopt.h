// Importing the history of another tool without re-running anything: node-pg-migrate
// (rows id, name, run_on) and drizzle (drizzle.__drizzle_migrations: hash = sha256 of the
// file, created_at = the journal's "when"). Only exact matches are imported; never a guess.
#pragma once

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
// Writes the matched rows in one transaction. REQUIRES: the migration lock is held and
// the history table exists.
Status ApplyAdoptPlan(Session* s, const History& history, const MigrationDir& dir,
                      const AdoptPlan& plan);

}  // namespace strata
