// Prints a Catalog back as SQL: one statement group per object, ordered so that every
// object comes after what it depends on (pg_depend), creates before the constraints,
// indexes, triggers and policies that sit on them, and foreign keys last.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"

namespace strata {

// The whole schema as a script that recreates it on an empty database. Fails, naming the
// objects, if their dependencies form a cycle.
Result<std::string> CatalogSql(const Catalog& c);

// The statements that create one object (with its comments and grants), each ending in
// ";\n". Shared by CatalogSql and the planner so both print objects the same way.
std::string SchemaSql(const Schema& s);  // without OWNER
std::string ExtensionSql(const Extension& e);
std::string CollationSql(const Collation& k);
std::string EnumSql(const EnumType& e);
std::string DomainSql(const Domain& d);
std::string CompositeSql(const CompositeType& t);
std::string SequenceSql(const Sequence& s);  // without OWNED BY
std::string FunctionSql(const Function& f);
// `constraints`: written into the column list (a new table's keys, checks and foreign
// keys, in one statement instead of one ALTER TABLE each).
std::string TableSql(const Table& t, const std::vector<const Constraint*>& constraints = {});
std::string ViewSql(const View& v);
std::string IndexSql(const Index& i);  // without ATTACH
std::string TriggerSql(const Trigger& t);
std::string PolicySql(const Policy& p);
std::string DefinedSql(const DefinedObject& o);      // definition, comment, grants
std::string DefinedDropSql(const DefinedObject& o);  // "DROP <kind> <name>;"

// Pieces: a column definition ("name" type ... as in CREATE TABLE), sequence options,
// a grantee, a policy's TO list, COMMENT ON (empty when `comment` is), and the
// REVOKE/GRANT statements that set `acl` on `on` ("TABLE \"s\".\"t\"").
std::string ColumnSql(const Column& c);
std::string SequenceOptionsSql(const SequenceOptions& o);
std::string GranteeSql(const std::string& g);
std::string PolicyRolesSql(const Policy& p);
std::string Comment(const std::string& what, const std::string& comment);
std::string Grants(const std::string& on, const Acl& acl, const std::string& columns = "");

}  // namespace strata
