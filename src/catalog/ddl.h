// Prints a Catalog back as SQL: one statement group per object, ordered so that every
// object comes after what it depends on (pg_depend), creates before the constraints,
// indexes, triggers and policies that sit on them, and foreign keys last.
#pragma once

#include <string>

#include "base/status.h"
#include "catalog/catalog.h"

namespace strata {

// The whole schema as a script that recreates it on an empty database. Fails, naming the
// objects, if their dependencies form a cycle.
Result<std::string> CatalogSql(const Catalog& c);

}  // namespace strata
