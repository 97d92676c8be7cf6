// Catalog → catalog differences, per object (and per column for tables). This is the
// structural comparison under `strata diff`; ordering, hazards and safe SQL belong to
// plan/ and emit/.
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
  // Where the object sits in the catalogs' lists of its kind (-1: absent). For a column,
  // its position in the table's columns, and table_*_pos the table's position.
  int from_pos = -1, to_pos = -1;
  int table_from_pos = -1, table_to_pos = -1;
};

// Every difference between two catalogs, sorted by kind order then identity. Schema
// owners are not compared (the public schema's owner differs between clusters).
std::vector<Change> Diff(const Catalog& from, const Catalog& to);

}  // namespace strata
