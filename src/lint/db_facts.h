// What `strata lint --db` reads from the target database: row estimates, column types,
// indexes, enum labels, validated NOT NULL checks and function volatility.
#pragma once

#include "base/status.h"
#include "lint/sql_lint.h"
#include "pg/session.h"

namespace strata {

Result<LintDatabase> LoadLintDatabase(Session* db);
// The server's major version (e.g. 15).
Result<int> ServerMajorVersion(Session* db);

}  // namespace strata
