// Plan → migration files. Safe SQL needs more than one transaction: enum values added
// (and committed) before anything uses them, the main transactional file, then the steps
// that must not hold its locks — CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT, the
// NOT NULL sequence — in a `-- strata:no-transaction` file, each statement on its own.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace strata {

struct MigrationPart {
  std::string suffix;         // appended to the slug: "", "_concurrently", "_enum_values", "_contract"
  bool transactional = true;
  std::vector<const Step*> steps;
  std::string body;           // the SQL, each step preceded by its description and hazards
  std::vector<std::string> verify;  // the steps' verify queries, deduplicated
};

// `contract`: objects whose drop steps go into a last part of their own (the "contract"
// half of an expand/contract rename, applied once the application no longer uses them).
std::vector<MigrationPart> SplitPlan(const Plan& plan, const std::set<std::string>& contract = {});

// The whole plan as one script, with a comment where each new part (transaction) starts.
std::string PlanSql(const Plan& plan);

// The SQL of one step with its description and hazards as comments.
std::string StepSql(const Step& s);

}  // namespace strata
