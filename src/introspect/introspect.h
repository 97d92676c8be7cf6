// Loads a Catalog from a live database: one query per object kind, each returning one
// JSON document, so the whole schema costs about fifteen round trips.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "pg/session.h"

namespace strata {

struct IntrospectOptions {
  std::vector<std::string> schemas;          // only these (empty: all user schemas)
  std::vector<std::string> exclude_schemas;  // never these
  // When set, a second session reads half of the catalog in parallel, on the same
  // snapshot (pg_export_snapshot), like pg_dump --jobs.
  std::function<Result<std::unique_ptr<Session>>()> open_second;
  // The session is inside a transaction block of the caller's (whose uncommitted DDL is
  // to be read): no BEGIN/COMMIT of its own, no second session (it could not see that
  // DDL); search_path is set with SET LOCAL, so the caller's rollback restores it.
  bool inside_transaction = false;
};

// Reads every supported object, in one REPEATABLE READ transaction with search_path ''
// (so every name comes back schema-qualified; the session's own setting is untouched).
// Objects owned by extensions are left out. Objects strata cannot represent yet make the
// call fail with a list of them: never a silent omission.
Result<Catalog> Introspect(Session* session, const IntrospectOptions& opts = {});

}  // namespace strata
