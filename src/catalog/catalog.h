// The schema model: every object PostgreSQL has that users put in a schema, in the
// canonical forms PostgreSQL itself prints (format_type, pg_get_expr, pg_get_*def).
// Pure values: introspect/ fills it, diff/ compares two, ddl.h prints it back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata {

// A privilege set held by one grantee ("PUBLIC" or a role name). The owner's own
// privileges are implied and not listed.
struct Grant {
  std::string grantee;
  std::vector<std::string> privileges;  // sorted, e.g. {"INSERT", "SELECT"}
  bool grantable = false;
  bool operator==(const Grant&) const = default;
};
// nullopt: the default privileges (the catalog's ACL is NULL).
using Acl = std::optional<std::vector<Grant>>;

struct Schema {
  std::string name;
  std::string owner;  // schemas only: the public schema's owner differs between clusters
  std::string comment;
  Acl acl;
};

struct Extension {
  std::string name, schema, version, comment;
};

struct Collation {
  std::string schema, name;
  std::string provider;  // "icu" or "libc"
  std::string locale;    // icu locale
  std::string lc_collate, lc_ctype;  // libc
  bool deterministic = true;
  std::string comment;
};

struct EnumType {
  std::string schema, name;
  std::vector<std::string> labels;  // in sort order
  std::string comment;
  Acl acl;
};

struct DomainCheck {
  std::string name;
  std::string definition;  // "CHECK (...)" with " NOT VALID" when not validated
  std::string comment;
};

struct Domain {
  std::string schema, name, base_type, collation, default_expr;
  bool not_null = false;
  std::vector<DomainCheck> checks;  // by name
  std::string comment;
  Acl acl;
};

struct Attribute {  // of a composite type
  std::string name, type, collation, comment;
};

struct CompositeType {
  std::string schema, name;
  std::vector<Attribute> attributes;  // in order
  std::string comment;
  Acl acl;
};

struct SequenceOptions {
  std::string data_type;  // e.g. "bigint"
  int64_t start = 1, increment = 1, min = 1, max = 0, cache = 1;
  bool cycle = false;
};

struct Sequence {
  std::string schema, name;
  SequenceOptions options;
  std::string owned_by;  // "schema.table.column" (quoted parts joined) or empty
  std::string owned_by_table_key;
  std::string comment;
  Acl acl;
};

struct Column {
  std::string name, type, collation, default_expr, comment;
  bool not_null = false;
  // PostgreSQL 18 keeps NOT NULL as a named constraint: its name when it is not the one
  // PostgreSQL picks (<table>_<column>_not_null).
  std::string not_null_name;
  char identity = 0;   // 'a' ALWAYS, 'd' BY DEFAULT, 0 none
  std::string identity_sequence;  // qualified, quoted name of the identity sequence
  SequenceOptions identity_options;
  Acl identity_acl;  // privileges on the identity sequence (GRANT USAGE ON SEQUENCE ...)
  std::string generated;  // expression of a generated column
  bool generated_virtual = false;  // VIRTUAL (PostgreSQL 18+), else STORED
  int statistics = -1;    // SET STATISTICS target; -1: default
  std::string storage;    // SET STORAGE when not the type's default (PLAIN, EXTERNAL, ...)
  std::string compression;  // SET COMPRESSION (pglz, lz4) when set
  Acl acl;
};

struct Table {
  std::string schema, name;
  bool unlogged = false;
  std::string partition_key;   // "RANGE (payment_date)" for a partitioned table
  std::string partition_of;    // key of the parent when this is a partition
  std::string partition_parent_sql;  // its quoted name
  std::string partition_bound; // "FOR VALUES ..." / "DEFAULT"
  std::vector<std::string> inherits;  // quoted parent names, in order
  std::vector<std::string> inherits_keys;
  bool rls_enabled = false, rls_forced = false;
  char replica_identity = 'd';  // d, n, f, i
  std::string replica_index;    // index name when 'i'
  std::vector<std::string> options;  // reloptions, e.g. "fillfactor=70"
  std::vector<Column> columns;  // local columns, in order
  // A partition's defaults that differ from what its parent gives (a partition made with
  // LIKE and attached has none; one may set its own): column -> expression, "" for none.
  std::vector<std::pair<std::string, std::string>> partition_defaults;
  std::string comment;
  Acl acl;
};

struct View {
  std::string schema, name;
  bool materialized = false;
  std::string definition;  // pg_get_viewdef (not pretty: every parenthesis kept, so it re-parses to the same tree), without the ';'
  std::vector<std::string> options;
  std::vector<std::pair<std::string, std::string>> column_comments;
  std::vector<std::pair<std::string, Acl>> column_acls;
  // A view that reads itself (which only CREATE OR REPLACE can make): its columns (name,
  // type), for a stand-in view created first and then replaced, as pg_dump does.
  std::vector<std::pair<std::string, std::string>> self_columns;
  // Column defaults (ALTER VIEW ... SET DEFAULT: what an insert through the view gets).
  std::vector<std::pair<std::string, std::string>> column_defaults;
  std::string comment;
  Acl acl;
};

struct Function {
  std::string schema, name, identity_args;
  char kind = 'f';         // f function, p procedure, w window, a aggregate, o operator
  std::string definition;  // pg_get_functiondef, or CREATE AGGREGATE / CREATE OPERATOR
  std::string comment;
  Acl acl;
};

struct Constraint {
  std::string table_key, table_sql, name;
  char type = 'c';         // p u f c x
  std::string definition;  // pg_get_constraintdef (with NOT VALID when not validated)
  std::string index;       // p u x: its index (quoted, qualified)
  std::string attached_to; // p u x on a partition: the partitioned index its index is attached to
  std::string comment;
};

struct Index {
  std::string table_key, schema, name;
  std::string definition;  // pg_get_indexdef ("ON ONLY" for a partitioned table's index)
  std::string parent;      // quoted name of the partitioned index it is attached to
  std::string parent_key;
  std::vector<std::pair<int, int>> statistics;  // (column number, SET STATISTICS target)
  std::string comment;
};

struct Trigger {
  std::string table_key, table_sql, name;
  std::string definition;  // pg_get_triggerdef
  char enabled = 'O';      // O, D, R, A
  std::string comment;
};

struct Policy {
  std::string table_key, table_sql, name;
  bool permissive = true;
  std::string command;     // ALL SELECT INSERT UPDATE DELETE
  std::vector<std::string> roles;
  std::string using_expr, check_expr, comment;
};

// Kinds strata keeps whole, as the statements that create them: every property is in
// the definition, so a changed object is dropped and made again (a comment and, for
// range types, grants are kept apart and changed in place).
enum class DefinedKind {
  kRangeType,                // CREATE TYPE ... AS RANGE (its multirange, constructors and casts are its own)
  kTextSearchDictionary,     // CREATE TEXT SEARCH DICTIONARY
  kTextSearchConfiguration,  // CREATE TEXT SEARCH CONFIGURATION + ADD MAPPING
  kCast,                     // CREATE CAST
  kStatistics,               // CREATE STATISTICS (+ SET STATISTICS)
  kRule,                     // CREATE RULE (not a view's _RETURN)
  kEventTrigger,             // CREATE EVENT TRIGGER (+ ENABLE/DISABLE)
  kPublication,              // CREATE PUBLICATION
  kServer,                   // CREATE SERVER (its foreign data wrapper comes from an extension)
  kForeignTable,             // CREATE FOREIGN TABLE, with its columns' comments
};

struct DefinedKindInfo {
  DefinedKind kind;
  const char* name;   // singular, as in diffs and plans: "range type"
  const char* list;   // the snapshot's list: "range_types"
  const char* key;    // catalog key prefix: "type", "statistics", ...
  const char* scope;  // its name in [scope] kinds/exclude
  const char* sql;    // how SQL names the kind: "TYPE", "TEXT SEARCH CONFIGURATION", ...
};
// In the order they are created when nothing else decides.
const std::vector<DefinedKindInfo>& DefinedKinds();
const DefinedKindInfo& InfoOf(DefinedKind k);

struct DefinedObject {
  DefinedKind kind = DefinedKind::kRangeType;
  std::string schema;      // empty for kinds outside schemas (casts, event triggers, publications)
  std::string name;        // "source AS target" for a cast
  std::string sql_name;    // as SQL names it after the kind: "s"."n", (a AS b), "r" ON "s"."t"
  std::string table_key;   // statistics and rules: their table
  std::string definition;  // the statements that make it, each ending ";\n"
  std::string comment;
  Acl acl;                 // range types, servers, foreign tables
};
std::string DefinedKey(const DefinedObject& o);

// "a must be created before b": from pg_depend, mapped onto object keys.
struct Dependency {
  std::string object, depends_on;
};

struct Catalog {
  std::vector<Schema> schemas;
  std::vector<Extension> extensions;
  std::vector<Collation> collations;
  std::vector<EnumType> enums;
  std::vector<Domain> domains;
  std::vector<CompositeType> composites;
  std::vector<Sequence> sequences;
  std::vector<Table> tables;
  std::vector<View> views;
  std::vector<Function> functions;
  std::vector<Constraint> constraints;
  std::vector<Index> indexes;
  std::vector<Trigger> triggers;
  std::vector<Policy> policies;
  std::vector<DefinedObject> defined;  // sorted by kind, schema, name
  std::vector<Dependency> dependencies;  // not part of the JSON snapshot
  // server_version_num of the server it was read from (0: unknown). Not part of the
  // snapshot; the planner uses the forms that version accepts.
  int server_version = 0;
};

// The name PostgreSQL 18 gives a column's NOT NULL constraint when none is given.
std::string DefaultNotNullName(const std::string& table, const std::string& column);

// Stable identities: kind + schema + name [+ arguments].
std::string QualifiedSql(const std::string& schema, const std::string& name);  // "s"."n"
std::string Key(const char* kind, const std::string& schema, const std::string& name);

// Sorts every list by identity so that output is deterministic.
void Normalize(Catalog* c);

}  // namespace strata
