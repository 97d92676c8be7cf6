// Catalog → catalog differences, per object (and per column for tables). This is the
// structural comparison under `strata diff`; ordering, hazards and safe SQL belong to
// plan/ and emit/ (not built yet).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace strata {

enum class ChangeAction { kCreate, kDrop, kAlter };
const char* ActionName(ChangeAction a);

struct Change {
  ChangeAction action = ChangeAction::kAlter;
  std::string kind;    // "table", "column", "index", ... (singular)
  std::string object;  // identity, e.g. "public.orders" or "public.orders.total"
  nlohmann::json from; // null for kCreate
  nlohmann::json to;   // null for kDrop
  // For kAlter: the fields that differ, e.g. {"type", "not_null"}.
  std::vector<std::string> fields;
};

// Every difference between two catalogs, sorted by kind order then identity.
std::vector<Change> Diff(const Catalog& from, const Catalog& to);

}  // namespace strata
