// Loads a Catalog from a live database: one query per object kind, each returning one
// JSON document, so the whole schema costs about fifteen round trips.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "pg/session.h"

namespace strata {

struct IntrospectOptions {
  std::vector<std::string> schemas;          // only these (empty: all user schemas)
  std::vector<std::string> exclude_schemas;  // never these
};

// Reads every supported object. Objects owned by extensions are left out. Objects strata
// cannot represent yet make the call fail with a list of them: never a silent omission.
// Sets search_path to '' on `session` so that every name comes back schema-qualified.
Result<Catalog> Introspect(Session* session, const IntrospectOptions& opts = {});

}  // namespace strata
