// generate runs strata lint on the migrations it writes (DESIGN.md §5: planner and linter
// share one hazard vocabulary).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "generate/generate.h"

namespace strata {

// Lints `files` as `strata lint` does without --db. An error-level finding on a step whose
// risk was reported (a "--   hazard" line in its comment) or chosen by the user (a step
// "hinted with --rename") gets a `-- strata:allow <rule> <reason>` line above the
// statement, so the file records the decision. Any other error is returned: the planner
// wrote SQL its own linter rejects.
Status AnnotateLintFindings(std::vector<GeneratedFile>* files);

// True when `annotated` is `original` with whole `-- strata:allow` lines inserted (and
// nothing else changed): what AnnotateLintFindings may do to a file.
bool OnlyAllowsAdded(const std::string& original, const std::string& annotated);

}  // namespace strata
