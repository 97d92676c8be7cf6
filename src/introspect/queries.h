// The catalog queries behind Introspect. $1: schemas to include ('{}' = all), $2: to exclude.
#pragma once

#include <string>

namespace strata::introspect_sql {

std::string Schemas();
std::string Extensions();
std::string Enums();
std::string Collations();
std::string Domains();
std::string Composites();
std::string Sequences();
std::string Tables();
// `server_version` as PQserverVersion reports it (150004): queries adapt to 12-17.
std::string Columns(int server_version);  // rows, not JSON
std::string Views();
std::string Functions();
std::string Aggregates();
std::string Operators();
std::string Constraints();
std::string Indexes();
std::string Triggers(int server_version);
std::string Policies();
// Which of the kinds kept whole the database has any of: '0'/'1' per kind, in the order
// Defined builds them (a cheap query; most schemas have none, and the full query costs
// more to plan than the rest of an introspection of a small schema).
std::string DefinedPresent();
// Kinds kept whole (catalog.h DefinedKind) that `present` marks: one JSON object per object
// with its definition, comment, address and table.
std::string Defined(int server_version, const std::string& present);
std::string Unsupported();
std::string Dependencies();

}  // namespace strata::introspect_sql
