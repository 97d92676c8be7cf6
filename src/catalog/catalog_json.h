// The JSON snapshot of a Catalog: stable key order, sorted objects (call Normalize first).
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"

namespace strata {

nlohmann::json CatalogToJson(const Catalog& c);

}  // namespace strata
