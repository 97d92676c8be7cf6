// Where a schema comes from: a live database (db:URL), a folder of declarative SQL
// (schema:DIR, applied in name order to a shadow database), or a migrations folder
// (migrations:DIR, replayed in order on a shadow database). Each becomes a Catalog.
#pragma once

#include <string>

#include "base/status.h"
#include "catalog/catalog.h"
#include "config/config.h"

namespace strata {

struct SourceSpec {
  enum class Kind { kDatabase, kSchemaDir, kMigrationsDir };
  Kind kind = Kind::kDatabase;
  std::string value;  // URL or folder
  bool NeedsShadow() const { return kind != Kind::kDatabase; }
};

// "db:URL" (or a bare postgres:// URL), "schema:DIR", "migrations:DIR".
Result<SourceSpec> ParseSource(const std::string& text);

// REQUIRES: `shadow_admin_url` names a database on a server where strata may create
// databases, when spec.NeedsShadow(). Errors in the SQL name file:line:col.
Result<Catalog> LoadSource(const SourceSpec& spec, const std::string& shadow_admin_url, Naming naming);

}  // namespace strata
