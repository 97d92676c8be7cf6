#include "introspect/queries.h"

#include <iterator>
#include <vector>

namespace strata::introspect_sql {
namespace {

// A user namespace that passes the include/exclude filters.
std::string Ns(const std::string& n) {
  return "(" + n + ".nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND " + n +
         ".nspname !~ '^pg_(toast_)?temp_' AND (cardinality($1::text[]) = 0 OR " + n +
         ".nspname = ANY($1::text[])) AND NOT " + n + ".nspname = ANY($2::text[]))";
}

// Not a member of an extension.
std::string NotExt(const std::string& catalog, const std::string& oid) {
  return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dx WHERE dx.classid = 'pg_catalog." +
         catalog + "'::pg_catalog.regclass AND dx.objid = " + oid + " AND dx.deptype = 'e')";
}

// JSON of an ACL without the owner's implied entry; JSON null when the ACL is NULL or
// equals the default for `kind` (acldefault: 'r' relation, 's' sequence, 'n' schema, 'T'
// type, 'f' function; "" for columns, whose default is no entries) — a REVOKE followed
// by the default GRANTs leaves the same privileges, and must compare equal.
std::string Acl(const std::string& acl, const std::string& owner, const std::string& kind) {
  std::string is_default = kind.empty()
      ? "pg_catalog.cardinality(" + acl + ") = 0"
      : "(" + acl + "::text[] @> pg_catalog.acldefault('" + kind + "', " + owner + ")::text[] AND " + acl +
            "::text[] <@ pg_catalog.acldefault('" + kind + "', " + owner + ")::text[])";
  return "CASE WHEN " + acl + " IS NULL OR " + is_default + " THEN NULL ELSE coalesce((SELECT json_agg(json_build_object("
         "'grantee', g.grantee, 'privileges', g.privs, 'grantable', g.grantable) ORDER BY g.grantee, g.grantable) "
         "FROM (SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee, "
         "array_agg(a.privilege_type ORDER BY a.privilege_type) AS privs, a.is_grantable AS grantable "
         "FROM pg_catalog.aclexplode(" + acl + ") a WHERE a.grantee <> " + owner +
         " GROUP BY 1, 3) g), '[]'::json) END";
}

// The comment on an object: a direct index lookup (obj_description() is an SQL function,
// which costs a call per row).
std::string Desc(const std::string& catalog, const std::string& oid, const std::string& subid) {
  return "(SELECT d.description FROM pg_catalog.pg_description d WHERE d.objoid = " + oid +
         " AND d.classoid = 'pg_catalog." + catalog + "'::pg_catalog.regclass AND d.objsubid = " + subid + ")";
}

// Not made by PostgreSQL as part of another object (a range type's constructor functions
// and its cast to the multirange).
std::string NotInternal(const std::string& catalog, const std::string& oid) {
  return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend di WHERE di.classid = 'pg_catalog." + catalog +
         "'::pg_catalog.regclass AND di.objid = " + oid + " AND di.deptype = 'i')";
}

std::string Agg(const std::string& object, const std::string& order, const std::string& from) {
  return "SELECT coalesce(json_agg(" + object + " ORDER BY " + order + "), '[]')::text " + from;
}

std::string SeqJson(const std::string& s) {
  return "json_build_object('type', pg_catalog.format_type(" + s + ".seqtypid, NULL), 'start', " + s +
         ".seqstart, 'increment', " + s + ".seqincrement, 'min', " + s + ".seqmin, 'max', " + s +
         ".seqmax, 'cache', " + s + ".seqcache, 'cycle', " + s + ".seqcycle)";
}

const char* kCollation =
    "(SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) "
    "FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
    "WHERE co.oid = %s)";

std::string Collation(const std::string& oid) {
  std::string s = kCollation;
  return s.replace(s.find("%s"), 2, oid);
}

}  // namespace

std::string Schemas() {
  return Agg("json_build_object('oid', n.oid, 'name', n.nspname, 'owner', pg_catalog.pg_get_userbyid(n.nspowner), 'comment', "
             "" + Desc("pg_namespace", "n.oid", "0") + ", 'acl', " + Acl("n.nspacl", "n.nspowner", "n") + ")",
             "n.nspname", "FROM pg_catalog.pg_namespace n WHERE " + Ns("n") + " AND " + NotExt("pg_namespace", "n.oid"));
}

std::string Extensions() {
  return Agg("json_build_object('oid', x.oid, 'name', x.extname, 'schema', n.nspname, 'version', x.extversion, "
             "'comment', " + Desc("pg_extension", "x.oid", "0") + ")",
             "x.extname",
             "FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace "
             "WHERE x.extname <> 'plpgsql' AND (" + Ns("n") + " OR n.nspname = 'pg_catalog')");
}

std::string Collations() {
  // row_to_json: the locale column is colliculocale in 15-16 and colllocale from 17.
  return Agg("json_build_object('oid', co.oid, 'schema', n.nspname, 'name', co.collname, 'row', pg_catalog.row_to_json(co), "
             "'comment', " + Desc("pg_collation", "co.oid", "0") + ")",
             "n.nspname, co.collname",
             "FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace "
             "WHERE " + Ns("n") + " AND " + NotExt("pg_collation", "co.oid"));
}

std::string Enums() {
  return Agg("json_build_object('oid', t.oid, 'schema', n.nspname, 'name', t.typname, 'labels', "
             "(SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), "
             "'comment', " + Desc("pg_type", "t.oid", "0") + ", 'acl', " + Acl("t.typacl", "t.typowner", "T") + ")",
             "n.nspname, t.typname",
             "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
             "WHERE t.typtype = 'e' AND " + Ns("n") + " AND " + NotExt("pg_type", "t.oid"));
}

std::string Domains() {
  return Agg("json_build_object('oid', t.oid, 'schema', n.nspname, 'name', t.typname, "
             "'base_type', pg_catalog.format_type(t.typbasetype, t.typtypmod), 'not_null', t.typnotnull, "
             "'default', t.typdefault, 'collation', CASE WHEN t.typcollation <> b.typcollation THEN " +
                 Collation("t.typcollation") + " END, "
             "'checks', (SELECT json_agg(json_build_object('oid', k.oid, 'name', k.conname, 'definition', "
             "pg_catalog.pg_get_constraintdef(k.oid), 'comment', " + Desc("pg_constraint", "k.oid", "0") + ") "
             // Since PostgreSQL 17 a domain's NOT NULL is a row too (contype 'n'): typnotnull says it.
             "ORDER BY k.conname) FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), "
             "'comment', " + Desc("pg_type", "t.oid", "0") + ", 'acl', " + Acl("t.typacl", "t.typowner", "T") + ")",
             "n.nspname, t.typname",
             "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
             "JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype "
             "WHERE t.typtype = 'd' AND " + Ns("n") + " AND " + NotExt("pg_type", "t.oid"));
}

std::string Composites() {
  return Agg("json_build_object('oid', t.oid, 'relid', c.oid, 'schema', n.nspname, 'name', t.typname, "
             "'attributes', (SELECT json_agg(json_build_object('name', a.attname, 'type', "
             "pg_catalog.format_type(a.atttypid, a.atttypmod), 'collation', CASE WHEN a.attcollation <> at.typcollation THEN " +
                 Collation("a.attcollation") + " END, 'comment', " + Desc("pg_class", "c.oid", "a.attnum") + ") ORDER BY a.attnum) "
             "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid "
             "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), "
             "'comment', " + Desc("pg_type", "t.oid", "0") + ", 'acl', " + Acl("t.typacl", "t.typowner", "T") + ")",
             "n.nspname, t.typname",
             "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
             "JOIN pg_catalog.pg_class c ON c.oid = t.typrelid "
             "WHERE t.typtype = 'c' AND c.relkind = 'c' AND " + Ns("n") + " AND " + NotExt("pg_type", "t.oid"));
}

std::string Sequences() {
  return Agg("json_build_object('oid', c.oid, 'schema', n.nspname, 'name', c.relname, 'options', " + SeqJson("s") +
             ", 'owned_by', (SELECT json_build_object('schema', tn.nspname, 'table', tc.relname, 'column', a.attname) "
             "FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid "
             "JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace "
             "JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
             "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND "
             "d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a' AND d.refobjsubid > 0 LIMIT 1), "
             "'comment', " + Desc("pg_class", "c.oid", "0") + ", 'acl', " + Acl("c.relacl", "c.relowner", "s") + ")",
             "n.nspname, c.relname",
             "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid WHERE c.relkind = 'S' AND " + Ns("n") + " AND " +
             NotExt("pg_class", "c.oid") +
             " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
             "AND d.objid = c.oid AND d.deptype = 'i')");
}

std::string Columns(int server_version) {
  // Plain rows, not JSON: there are many columns, and building JSON for each costs more
  // than reading them. Column order: see introspect.cc LoadColumns.
  std::string serial = "pg_catalog.pg_get_serial_sequence(pg_catalog.quote_ident(n.nspname) || '.' || "
                       "pg_catalog.quote_ident(c.relname), a.attname)";
  return "SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attislocal, "
         "CASE WHEN a.attcollation <> t.typcollation THEN " + Collation("a.attcollation") + " END, "
         "pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, "
         "CASE WHEN a.attidentity <> '' THEN " + serial + " END, "
         "CASE WHEN a.attidentity <> '' THEN (SELECT " + SeqJson("s") +
         " FROM pg_catalog.pg_sequence s WHERE s.seqrelid = " + serial + "::pg_catalog.regclass)::text END, "
         "a.attstattarget, "
         "CASE WHEN a.attstorage <> t.typstorage THEN CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' "
         "WHEN 'm' THEN 'MAIN' WHEN 'x' THEN 'EXTENDED' END END, " +
         std::string(server_version >= 140000 ? "CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END, "
                                              : "NULL, ") +
         Desc("pg_class", "c.oid", "a.attnum") + ", (" + Acl("a.attacl", "c.relowner", "") + ")::text, " +
         std::string(server_version >= 180000
                         ? "(SELECT k.conname FROM pg_catalog.pg_constraint k WHERE k.conrelid = a.attrelid "
                           "AND k.contype = 'n' AND k.conkey[1] = a.attnum) "
                         : "NULL ") +
         ", CASE WHEN a.attidentity <> '' THEN (SELECT (" + Acl("sc.relacl", "sc.relowner", "s") +
         ")::text FROM pg_catalog.pg_class sc WHERE sc.oid = " + serial + "::pg_catalog.regclass) END "
         "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
         "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
         "LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
         "WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND " + Ns("n") + " AND " +
         NotExt("pg_class", "c.oid") + " ORDER BY a.attrelid, a.attnum";
}

std::string Tables() {
  std::string parent =
      "FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent "
      "JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid";
  return Agg("json_build_object('oid', c.oid, 'schema', n.nspname, 'name', c.relname, "
             "'unlogged', c.relpersistence = 'u', "
             "'partition_key', CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, "
             "'partition_parent', CASE WHEN c.relispartition THEN (SELECT json_build_object('schema', pn.nspname, 'name', pc.relname) " +
                 parent + ") END, "
             "'partition_bound', CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, "
             "'inherits', CASE WHEN NOT c.relispartition THEN (SELECT json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname) "
             "ORDER BY i.inhseqno) " + parent + ") END, "
             "'rls', c.relrowsecurity, 'rls_forced', c.relforcerowsecurity, 'replident', c.relreplident, "
             "'replica_index', CASE WHEN c.relreplident = 'i' THEN (SELECT ic.relname FROM pg_catalog.pg_index x "
             "JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = c.oid AND x.indisreplident) END, "
             "'options', c.reloptions, 'comment', " + Desc("pg_class", "c.oid", "0") + ", "
             "'acl', " + Acl("c.relacl", "c.relowner", "r") + ")",
             "n.nspname, c.relname",
             "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "WHERE c.relkind IN ('r', 'p') AND " + Ns("n") + " AND " + NotExt("pg_class", "c.oid"));
}

std::string Views() {
  return Agg("json_build_object('oid', c.oid, 'schema', n.nspname, 'name', c.relname, 'materialized', c.relkind = 'm', "
             "'definition', pg_catalog.pg_get_viewdef(c.oid, false), 'options', c.reloptions, "
             "'column_comments', (SELECT json_agg(json_build_array(a.attname, d.description) ORDER BY a.attnum) "
             "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_description d ON d.objoid = c.oid "
             "AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum "
             "WHERE a.attrelid = c.oid AND a.attnum > 0), "
             "'column_acls', (SELECT json_agg(json_build_array(a.attname, " + Acl("a.attacl", "c.relowner", "") +
             ") ORDER BY a.attnum) FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.attacl IS NOT NULL), "
             "'column_defaults', (SELECT json_agg(json_build_array(a.attname, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)) "
             "ORDER BY a.attnum) FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid "
             "AND a.attnum = ad.adnum WHERE ad.adrelid = c.oid), "
             "'self_columns', CASE WHEN c.relkind = 'v' AND EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_depend d ON "
             "d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid AND d.deptype = 'n' "
             "AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid AND d.refobjsubid > 0 "
             "WHERE r.ev_class = c.oid) THEN (SELECT json_agg(json_build_array(a.attname, "
             "pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum) FROM pg_catalog.pg_attribute a "
             "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) END, "
             "'comment', " + Desc("pg_class", "c.oid", "0") + ", 'acl', " + Acl("c.relacl", "c.relowner", "r") + ")",
             "n.nspname, c.relname",
             "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "WHERE c.relkind IN ('v', 'm') AND " + Ns("n") + " AND " + NotExt("pg_class", "c.oid"));
}

std::string Functions() {
  return Agg("json_build_object('oid', p.oid, 'schema', n.nspname, 'name', p.proname, "
             "'args', pg_catalog.pg_get_function_identity_arguments(p.oid), 'kind', p.prokind, "
             "'definition', pg_catalog.pg_get_functiondef(p.oid), "
             "'comment', " + Desc("pg_proc", "p.oid", "0") + ", 'acl', " + Acl("p.proacl", "p.proowner", "f") + ")",
             "n.nspname, p.proname, p.oid",
             "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
             "WHERE p.prokind IN ('f', 'p', 'w') AND " + Ns("n") + " AND " + NotExt("pg_proc", "p.oid") + " AND " +
             NotInternal("pg_proc", "p.oid"));
}

std::string Aggregates() {
  return Agg("json_build_object('oid', p.oid, 'schema', n.nspname, 'name', p.proname, "
             "'args', pg_catalog.pg_get_function_identity_arguments(p.oid), 'aggkind', g.aggkind, "
             "'sfunc', g.aggtransfn::pg_catalog.regproc::text, 'stype', pg_catalog.format_type(g.aggtranstype, NULL), "
             "'sspace', g.aggtransspace, 'finalfunc', CASE WHEN g.aggfinalfn <> 0 THEN g.aggfinalfn::pg_catalog.regproc::text END, "
             "'finalfunc_extra', g.aggfinalextra, 'finalfunc_modify', g.aggfinalmodify, "
             "'combinefunc', CASE WHEN g.aggcombinefn <> 0 THEN g.aggcombinefn::pg_catalog.regproc::text END, "
             "'serialfunc', CASE WHEN g.aggserialfn <> 0 THEN g.aggserialfn::pg_catalog.regproc::text END, "
             "'deserialfunc', CASE WHEN g.aggdeserialfn <> 0 THEN g.aggdeserialfn::pg_catalog.regproc::text END, "
             "'moving', g.aggmtransfn <> 0, 'initcond', g.agginitval, "
             "'sortop', CASE WHEN g.aggsortop <> 0 THEN g.aggsortop::pg_catalog.regoperator::text END, "
             "'parallel', p.proparallel, "
             "'comment', " + Desc("pg_proc", "p.oid", "0") + ", 'acl', " + Acl("p.proacl", "p.proowner", "f") + ")",
             "n.nspname, p.proname, p.oid",
             "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
             "JOIN pg_catalog.pg_aggregate g ON g.aggfnoid = p.oid "
             "WHERE p.prokind = 'a' AND " + Ns("n") + " AND " + NotExt("pg_proc", "p.oid"));
}

std::string Operators() {
  auto op = [](const std::string& col) {
    return "CASE WHEN o." + col + " <> 0 THEN (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || c.oprname "
           "FROM pg_catalog.pg_operator c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o." + col + ") END";
  };
  auto fn = [](const std::string& col) {
    return "CASE WHEN o." + col + " <> 0 THEN o." + col + "::pg_catalog.regproc::text END";
  };
  return Agg("json_build_object('oid', o.oid, 'schema', n.nspname, 'name', o.oprname, "
             "'left', CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END, "
             "'right', CASE WHEN o.oprright <> 0 THEN pg_catalog.format_type(o.oprright, NULL) END, "
             "'function', o.oprcode::pg_catalog.regproc::text, 'commutator', " + op("oprcom") + ", 'negator', " + op("oprnegate") +
             ", 'restrict', " + fn("oprrest") + ", 'join', " + fn("oprjoin") + ", 'hashes', o.oprcanhash, 'merges', o.oprcanmerge, "
             "'comment', " + Desc("pg_operator", "o.oid", "0") + ")",
             "n.nspname, o.oprname, o.oid",
             "FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace "
             "WHERE o.oprcode <> 0 AND " + Ns("n") + " AND " + NotExt("pg_operator", "o.oid"));
}

std::string Constraints() {
  std::string parent =
      "(SELECT json_build_object('oid', pc.oid, 'schema', pn.nspname, 'name', pc.relname) FROM pg_catalog.pg_inherits i "
      "JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
      "WHERE i.inhrelid = k.conindid)";
  return Agg("json_build_object('oid', k.oid, 'index', k.conindid, 'schema', n.nspname, 'table', c.relname, "
             "'name', k.conname, 'type', k.contype, 'definition', pg_catalog.pg_get_constraintdef(k.oid), "
             "'index_name', (SELECT json_build_object('schema', xn.nspname, 'name', xc.relname) FROM pg_catalog.pg_class xc "
             "JOIN pg_catalog.pg_namespace xn ON xn.oid = xc.relnamespace WHERE xc.oid = k.conindid), "
             "'parent_index', CASE WHEN k.conindid <> 0 THEN " + parent + " END, "
             "'comment', " + Desc("pg_constraint", "k.oid", "0") + ")",
             "n.nspname, c.relname, k.conname",
             "FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
             "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND ((k.conislocal AND k.conparentid = 0) OR "
             "(k.conparentid <> 0 AND k.contype IN ('p', 'u', 'x'))) AND " + Ns("n") + " AND " + NotExt("pg_class", "c.oid"));
}

std::string Indexes() {
  return Agg("json_build_object('oid', ic.oid, 'schema', n.nspname, 'name', ic.relname, 'table_schema', tn.nspname, "
             "'table', c.relname, 'table_kind', c.relkind, 'definition', pg_catalog.pg_get_indexdef(x.indexrelid), "
             "'parent', (SELECT json_build_object('oid', pc.oid, 'schema', pn.nspname, 'name', pc.relname) FROM pg_catalog.pg_inherits i "
             "JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
             "WHERE i.inhrelid = x.indexrelid), "
             "'statistics', (SELECT json_agg(json_build_array(a.attnum, a.attstattarget) ORDER BY a.attnum) "
             "FROM pg_catalog.pg_attribute a WHERE a.attrelid = ic.oid AND a.attstattarget >= 0), "
             "'comment', " + Desc("pg_class", "ic.oid", "0") + ")",
             "n.nspname, ic.relname",
             "FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid "
             "JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace JOIN pg_catalog.pg_class c ON c.oid = x.indrelid "
             "JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace "
             "WHERE " + Ns("n") + " AND " + NotExt("pg_class", "c.oid") +
             " AND x.indexrelid NOT IN (SELECT k.conindid FROM pg_catalog.pg_constraint k WHERE k.contype IN ('p', 'u', 'x'))");
}

std::string Triggers(int server_version) {
  // Triggers cloned onto partitions have tgparentid set (13+); before 13, pg_depend's
  // partition dependency marks them.
  std::string not_clone = server_version >= 130000
                              ? "g.tgparentid = 0"
                              : "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend pd WHERE pd.classid = "
                                "'pg_catalog.pg_trigger'::pg_catalog.regclass AND pd.objid = g.oid AND pd.deptype = 'P')";
  return Agg("json_build_object('oid', g.oid, 'schema', n.nspname, 'table', c.relname, 'table_kind', c.relkind, "
             "'name', g.tgname, 'definition', pg_catalog.pg_get_triggerdef(g.oid, true), 'enabled', g.tgenabled, "
             "'comment', " + Desc("pg_trigger", "g.oid", "0") + ")",
             "n.nspname, c.relname, g.tgname",
             "FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid "
             "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
             "WHERE NOT g.tgisinternal AND " + not_clone + " AND " + Ns("n") + " AND " + NotExt("pg_class", "c.oid"));
}

std::string Policies() {
  return Agg("json_build_object('oid', p.oid, 'schema', n.nspname, 'table', c.relname, 'table_kind', c.relkind, "
             "'name', p.polname, 'permissive', p.polpermissive, 'command', p.polcmd, "
             "'roles', (SELECT json_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r) END ORDER BY 1) "
             "FROM unnest(p.polroles) r), 'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid), "
             "'check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), "
             "'comment', " + Desc("pg_policy", "p.oid", "0") + ")",
             "n.nspname, c.relname, p.polname",
             "FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid "
             "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE " + Ns("n") + " AND " + NotExt("pg_class", "c.oid"));
}

std::string DefinedPresent() {
  const char* kinds[] = {
      "pg_catalog.pg_range WHERE rngtypid >= 16384", "pg_catalog.pg_ts_dict WHERE oid >= 16384",
      "pg_catalog.pg_ts_config WHERE oid >= 16384", "pg_catalog.pg_cast WHERE oid >= 16384",
      "pg_catalog.pg_statistic_ext WHERE oid >= 16384", "pg_catalog.pg_rewrite WHERE oid >= 16384 AND rulename <> '_RETURN'",
      "pg_catalog.pg_event_trigger", "pg_catalog.pg_publication", "pg_catalog.pg_foreign_server",
      "pg_catalog.pg_foreign_table"};
  std::string q = "SELECT concat(";
  for (size_t i = 0; i < std::size(kinds); ++i) {
    q += std::string(i ? ", " : "") + "(EXISTS (SELECT 1 FROM " + kinds[i] + "))::int";
  }
  return q + ")";
}

std::string Defined(int v, const std::string& present) {
  const std::string nl = " || chr(10)";
  auto q = [](const std::string& ns, const std::string& name) {
    return "pg_catalog.quote_ident(" + ns + ") || '.' || pg_catalog.quote_ident(" + name + ")";
  };
  auto row = [](const std::string& kind, const std::string& addr, const std::string& schema, const std::string& name,
                const std::string& sql_name, const std::string& definition, const std::string& comment,
                const std::string& extra) {
    return "SELECT json_build_object('kind', '" + kind + "', 'addr', " + addr + ", 'schema', " + schema + ", 'name', " +
           name + ", 'sql_name', " + sql_name + ", 'definition', " + definition + ", 'comment', " + comment + extra +
           ") AS o";
  };
  std::vector<std::string> parts;
  {  // range types
    std::string tq = q("n.nspname", "t.typname");
    std::string def =
        "'CREATE TYPE ' || " + tq + " || ' AS RANGE (' || concat_ws(', ', 'SUBTYPE = ' || pg_catalog.format_type(r.rngsubtype, NULL), "
        "CASE WHEN NOT oc.opcdefault THEN 'SUBTYPE_OPCLASS = ' || " + q("ocn.nspname", "oc.opcname") + " END, "
        "CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN 'COLLATION = ' || " +
        Collation("r.rngcollation") + " END, "
        "CASE WHEN r.rngcanonical <> 0 THEN 'CANONICAL = ' || r.rngcanonical::pg_catalog.regproc::text END, "
        "CASE WHEN r.rngsubdiff <> 0 THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::pg_catalog.regproc::text END" +
        (v >= 140000 ? ", 'MULTIRANGE_TYPE_NAME = ' || " + q("mn.nspname", "mt.typname") : std::string()) + ") || ');'" + nl;
    parts.push_back(
        row("range type", "'t' || t.oid", "n.nspname", "t.typname", tq, def, Desc("pg_type", "t.oid", "0"),
            ", 'acl', " + Acl("t.typacl", "t.typowner", "T") +
                (v >= 140000 ? ", 'addr2', 't' || r.rngmultitypid" : std::string())) +
        " FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype "
        "JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace " +
        (v >= 140000 ? "JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace "
                     : "") +
        "WHERE " + Ns("n") + " AND " + NotExt("pg_type", "t.oid"));
  }
  {  // text search dictionaries
    std::string dq = q("n.nspname", "td.dictname");
    std::string def = "'CREATE TEXT SEARCH DICTIONARY ' || " + dq + " || ' (TEMPLATE = ' || " + q("tn.nspname", "tt.tmplname") +
                      " || coalesce(', ' || td.dictinitoption, '') || ');'" + nl;
    parts.push_back(row("text search dictionary", "'D' || td.oid", "n.nspname", "td.dictname", dq, def,
                        Desc("pg_ts_dict", "td.oid", "0"), "") +
                    " FROM pg_catalog.pg_ts_dict td JOIN pg_catalog.pg_namespace n ON n.oid = td.dictnamespace "
                    "JOIN pg_catalog.pg_ts_template tt ON tt.oid = td.dicttemplate "
                    "JOIN pg_catalog.pg_namespace tn ON tn.oid = tt.tmplnamespace WHERE " + Ns("n") + " AND " +
                    NotExt("pg_ts_dict", "td.oid"));
  }
  {  // text search configurations, with every mapping spelled out (COPY = leaves no trace)
    std::string cq = q("n.nspname", "c.cfgname");
    std::string def =
        "'CREATE TEXT SEARCH CONFIGURATION ' || " + cq + " || ' (PARSER = ' || " + q("pn.nspname", "p.prsname") + " || ');'" + nl +
        " || coalesce((SELECT string_agg('ALTER TEXT SEARCH CONFIGURATION ' || " + cq +
        " || ' ADD MAPPING FOR ' || pg_catalog.quote_ident(m.token) || ' WITH ' || m.dicts || ';' || chr(10), '' ORDER BY m.tokid) "
        "FROM (SELECT mm.maptokentype AS tokid, (SELECT tt.alias FROM pg_catalog.ts_token_type(c.cfgparser) tt "
        "WHERE tt.tokid = mm.maptokentype) AS token, string_agg(mm.mapdict::pg_catalog.regdictionary::text, ', ' "
        "ORDER BY mm.mapseqno) AS dicts FROM pg_catalog.pg_ts_config_map mm WHERE mm.mapcfg = c.oid "
        "GROUP BY mm.maptokentype) m), '')";
    parts.push_back(row("text search configuration", "'T' || c.oid", "n.nspname", "c.cfgname", cq, def,
                        Desc("pg_ts_config", "c.oid", "0"), "") +
                    " FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace "
                    "JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser "
                    "JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace WHERE " + Ns("n") + " AND " +
                    NotExt("pg_ts_config", "c.oid"));
  }
  {  // casts between user types or through user functions
    std::string pair = "pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL)";
    std::string def = "'CREATE CAST (' || " + pair + " || ') ' || CASE c.castmethod WHEN 'f' THEN 'WITH FUNCTION ' || "
                      "c.castfunc::pg_catalog.regprocedure::text WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END || "
                      "CASE c.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END || ';'" + nl;
    parts.push_back(row("cast", "'K' || c.oid", "''", pair, "'(' || " + pair + " || ')'", def,
                        Desc("pg_cast", "c.oid", "0"), "") +
                    " FROM pg_catalog.pg_cast c WHERE c.oid >= 16384 AND " + NotExt("pg_cast", "c.oid") + " AND " +
                    NotInternal("pg_cast", "c.oid"));
  }
  {  // extended statistics
    std::string sq = q("n.nspname", "s.stxname");
    std::string def = "pg_catalog.pg_get_statisticsobjdef(s.oid) || ';'" + nl +
                      " || CASE WHEN s.stxstattarget >= 0 THEN 'ALTER STATISTICS ' || " + sq +
                      " || ' SET STATISTICS ' || s.stxstattarget || ';' || chr(10) ELSE '' END";
    parts.push_back(row("statistics", "'S' || s.oid", "n.nspname", "s.stxname", sq, def,
                        Desc("pg_statistic_ext", "s.oid", "0"),
                        ", 'table_schema', tn.nspname, 'table', t.relname, 'table_kind', t.relkind") +
                    " FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace "
                    "JOIN pg_catalog.pg_class t ON t.oid = s.stxrelid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
                    "WHERE " + Ns("n") + " AND " + NotExt("pg_statistic_ext", "s.oid"));
  }
  {  // rules (a view's _RETURN rule is the view)
    std::string tq = q("n.nspname", "c.relname");
    std::string def = "pg_catalog.pg_get_ruledef(r.oid, true)" + nl +
                      " || CASE r.ev_enabled WHEN 'D' THEN 'ALTER TABLE ' || " + tq +
                      " || ' DISABLE RULE ' || pg_catalog.quote_ident(r.rulename) || ';' || chr(10) "
                      "WHEN 'R' THEN 'ALTER TABLE ' || " + tq + " || ' ENABLE REPLICA RULE ' || pg_catalog.quote_ident(r.rulename) || ';' || chr(10) "
                      "WHEN 'A' THEN 'ALTER TABLE ' || " + tq + " || ' ENABLE ALWAYS RULE ' || pg_catalog.quote_ident(r.rulename) || ';' || chr(10) "
                      "ELSE '' END";
    parts.push_back(row("rule", "'R' || r.oid", "''", "r.rulename", "pg_catalog.quote_ident(r.rulename) || ' ON ' || " + tq,
                        def, Desc("pg_rewrite", "r.oid", "0"),
                        ", 'table_schema', n.nspname, 'table', c.relname, 'table_kind', c.relkind") +
                    " FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE r.rulename <> '_RETURN' AND " +
                    Ns("n") + " AND " + NotExt("pg_class", "c.oid"));
  }
  {  // event triggers, when their function is in a schema strata reads
    std::string eq = "pg_catalog.quote_ident(e.evtname)";
    std::string def = "'CREATE EVENT TRIGGER ' || " + eq + " || ' ON ' || pg_catalog.quote_ident(e.evtevent) || "
                      "CASE WHEN e.evttags IS NOT NULL THEN ' WHEN TAG IN (' || (SELECT string_agg(pg_catalog.quote_literal(x), ', ') "
                      "FROM unnest(e.evttags) x) || ')' ELSE '' END || ' EXECUTE FUNCTION ' || e.evtfoid::pg_catalog.regproc::text || '();'" + nl +
                      " || CASE e.evtenabled WHEN 'D' THEN 'ALTER EVENT TRIGGER ' || " + eq + " || ' DISABLE;' || chr(10) "
                      "WHEN 'R' THEN 'ALTER EVENT TRIGGER ' || " + eq + " || ' ENABLE REPLICA;' || chr(10) "
                      "WHEN 'A' THEN 'ALTER EVENT TRIGGER ' || " + eq + " || ' ENABLE ALWAYS;' || chr(10) ELSE '' END";
    parts.push_back(row("event trigger", "'E' || e.oid", "''", "e.evtname", eq, def, Desc("pg_event_trigger", "e.oid", "0"), "") +
                    " FROM pg_catalog.pg_event_trigger e JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE " + Ns("n") + " AND " +
                    NotExt("pg_event_trigger", "e.oid"));
  }
  {  // publications
    std::string pq = "pg_catalog.quote_ident(p.pubname)";
    std::string rel = q("rn.nspname", "rc.relname");
    std::string objects;
    if (v >= 150000) {
      objects = "(SELECT string_agg(x, ', ' ORDER BY x) FROM (SELECT 'TABLE ' || " + rel +
                " || coalesce(' (' || (SELECT string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
                "FROM pg_catalog.pg_attribute a WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs)) || ')', '') "
                "|| coalesce(' WHERE (' || pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) || ')', '') AS x "
                "FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_class rc ON rc.oid = pr.prrelid "
                "JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace WHERE pr.prpubid = p.oid "
                "UNION ALL SELECT 'TABLES IN SCHEMA ' || pg_catalog.quote_ident(sn.nspname) FROM pg_catalog.pg_publication_namespace pn "
                "JOIN pg_catalog.pg_namespace sn ON sn.oid = pn.pnnspid WHERE pn.pnpubid = p.oid) y)";
    } else {
      objects = "(SELECT 'TABLE ' || string_agg(" + rel + ", ', ' ORDER BY 1) FROM pg_catalog.pg_publication_rel pr "
                "JOIN pg_catalog.pg_class rc ON rc.oid = pr.prrelid JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
                "WHERE pr.prpubid = p.oid)";
    }
    std::string def = "'CREATE PUBLICATION ' || " + pq + " || CASE WHEN p.puballtables THEN ' FOR ALL TABLES' ELSE "
                      "coalesce(' FOR ' || " + objects + ", '') END || ' WITH (publish = ' || pg_catalog.quote_literal(concat_ws(', ', "
                      "CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END, "
                      "CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END)) || "
                      "', publish_via_partition_root = ' || p.pubviaroot || ');'" + nl;
    parts.push_back(row("publication", "'P' || p.oid", "''", "p.pubname", pq, def, Desc("pg_publication", "p.oid", "0"),
                        ", 'tables', (SELECT json_agg(json_build_array(rn.nspname, rc.relname, rc.relkind)) "
                        "FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_class rc ON rc.oid = pr.prrelid "
                        "JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace WHERE pr.prpubid = p.oid)") +
                    " FROM pg_catalog.pg_publication p WHERE " + NotExt("pg_publication", "p.oid"));
  }
  // OPTIONS (k 'v', ...) from a "k=v" text[] (empty when there are none).
  auto options = [](const std::string& arr) {
    return "coalesce((SELECT ' OPTIONS (' || string_agg(pg_catalog.quote_ident(split_part(o, '=', 1)) || ' ' || "
           "pg_catalog.quote_literal(substr(o, strpos(o, '=') + 1)), ', ') || ')' FROM unnest(" + arr + ") o), '')";
  };
  {  // servers
    std::string sq = "pg_catalog.quote_ident(v.srvname)";
    std::string def = "'CREATE SERVER ' || " + sq + " || coalesce(' TYPE ' || pg_catalog.quote_literal(v.srvtype), '') || "
                      "coalesce(' VERSION ' || pg_catalog.quote_literal(v.srvversion), '') || ' FOREIGN DATA WRAPPER ' || "
                      "pg_catalog.quote_ident(w.fdwname) || " + options("v.srvoptions") + " || ';'" + nl;
    parts.push_back(row("server", "'V' || v.oid", "''", "v.srvname", sq, def, Desc("pg_foreign_server", "v.oid", "0"),
                        ", 'acl', " + Acl("v.srvacl", "v.srvowner", "S")) +
                    " FROM pg_catalog.pg_foreign_server v JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = v.srvfdw "
                    "WHERE " + NotExt("pg_foreign_server", "v.oid"));
  }
  {  // foreign tables, their columns written out
    std::string tq = q("n.nspname", "c.relname");
    std::string cols =
        "coalesce((SELECT string_agg(chr(10) || '    ' || pg_catalog.quote_ident(a.attname) || ' ' || "
        "pg_catalog.format_type(a.atttypid, a.atttypmod) || " + options("a.attfdwoptions") + " || "
        "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN ' COLLATE ' || " + Collation("a.attcollation") +
        " ELSE '' END || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || "
        "coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), ''), ',' ORDER BY a.attnum) || chr(10) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
        "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')";
    std::string col_comments =
        "coalesce((SELECT string_agg('COMMENT ON COLUMN ' || " + tq + " || '.' || pg_catalog.quote_ident(a.attname) || "
        "' IS ' || pg_catalog.quote_literal(d.description) || ';' || chr(10), '' ORDER BY a.attnum) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND "
        "d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum "
        "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')";
    std::string def = "'CREATE FOREIGN TABLE ' || " + tq + " || ' (' || " + cols + " || ') SERVER ' || "
                      "pg_catalog.quote_ident(v.srvname) || " + options("ft.ftoptions") + " || ';'" + nl + " || " + col_comments;
    parts.push_back(row("foreign table", "'c' || c.oid", "n.nspname", "c.relname", tq, def, Desc("pg_class", "c.oid", "0"),
                        ", 'acl', " + Acl("c.relacl", "c.relowner", "r")) +
                    " FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_catalog.pg_foreign_server v ON v.oid = ft.ftserver WHERE " + Ns("n") + " AND " +
                    NotExt("pg_class", "c.oid"));
  }
  std::string all;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i < present.size() && present[i] == '1') all += (all.empty() ? "" : " UNION ALL ") + parts[i];
  }
  if (all.empty()) return "SELECT '[]'";
  return "SELECT coalesce(json_agg(o), '[]')::text FROM (" + all + ") u";
}

std::string Unsupported() {
  auto part = [](const std::string& label, const std::string& from, const std::string& ns,
                 const std::string& cat, const std::string& oid, const std::string& extra) {
    return "SELECT " + label + " AS what " + from + " WHERE " + Ns(ns) + " AND " + NotExt(cat, oid) + extra;
  };
  std::string q =
      part("'base type ' || n.nspname || '.' || t.typname", "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace", "n", "pg_type", "t.oid",
           " AND t.typtype = 'b' AND t.oid NOT IN (SELECT e.typarray FROM pg_catalog.pg_type e WHERE e.typarray <> 0)") +
      " UNION ALL " +
      part("'text search parser ' || n.nspname || '.' || t.prsname", "FROM pg_catalog.pg_ts_parser t JOIN pg_catalog.pg_namespace n ON n.oid = t.prsnamespace", "n", "pg_ts_parser", "t.oid", "") +
      " UNION ALL " +
      part("'text search template ' || n.nspname || '.' || t.tmplname", "FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace", "n", "pg_ts_template", "t.oid", "") +
      " UNION ALL " +
      part("'operator class ' || n.nspname || '.' || o.opcname", "FROM pg_catalog.pg_opclass o JOIN pg_catalog.pg_namespace n ON n.oid = o.opcnamespace", "n", "pg_opclass", "o.oid", "") +
      " UNION ALL " +
      part("'operator family ' || n.nspname || '.' || o.opfname", "FROM pg_catalog.pg_opfamily o JOIN pg_catalog.pg_namespace n ON n.oid = o.opfnamespace", "n", "pg_opfamily", "o.oid",
           " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc WHERE oc.opcfamily = o.oid)") +
      " UNION ALL " +
      part("'conversion ' || n.nspname || '.' || c.conname", "FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace", "n", "pg_conversion", "c.oid", "") +
      " UNION ALL SELECT 'foreign data wrapper ' || w.fdwname FROM pg_catalog.pg_foreign_data_wrapper w WHERE " +
      NotExt("pg_foreign_data_wrapper", "w.oid") +
      " UNION ALL SELECT 'user mapping for ' || u.usename || ' server ' || u.srvname || ' (its options may hold a password)' "
      "FROM pg_catalog.pg_user_mappings u";
  return "SELECT coalesce(json_agg(what ORDER BY what), '[]')::text FROM (" + q + ") u";
}

std::string Dependencies() {
  // Each side is reduced to the object that owns it: a view's rewrite rule to the view,
  // a column default to its table, an array type to its element, a row type to its
  // relation. A subquery in the matching CASE branch looks up only the rows of that
  // class; a join would probe all three catalogs for every row of pg_depend (twice as slow
  // on 200 tables).
  auto addr = [](const std::string& cls, const std::string& oid) {
    return "CASE " + cls + " WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN (SELECT CASE WHEN r.rulename = "
           "'_RETURN' THEN 'c' || r.ev_class ELSE 'R' || r.oid END FROM pg_catalog.pg_rewrite r WHERE r.oid = " + oid + ")"
           " WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN (SELECT 'c' || a.adrelid FROM pg_catalog.pg_attrdef a "
           "WHERE a.oid = " + oid + ")"
           " WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN (SELECT CASE WHEN t.typrelid <> 0 THEN 'c' || t.typrelid "
           "WHEN t.typelem <> 0 AND t.typcategory = 'A' THEN 't' || t.typelem ELSE 't' || t.oid END "
           "FROM pg_catalog.pg_type t WHERE t.oid = " + oid + ")"
           " WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN 'c' || " + oid +
           " WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN 'p' || " + oid +
           " WHEN 'pg_catalog.pg_operator'::pg_catalog.regclass THEN 'o' || " + oid +
           " WHEN 'pg_catalog.pg_collation'::pg_catalog.regclass THEN 'l' || " + oid +
           " WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN 'k' || " + oid +
           " WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN 'g' || " + oid +
           " WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass THEN 'y' || " + oid +
           " WHEN 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN 'n' || " + oid +
           " WHEN 'pg_catalog.pg_extension'::pg_catalog.regclass THEN 'x' || " + oid +
           " WHEN 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass THEN 'S' || " + oid +
           " WHEN 'pg_catalog.pg_ts_dict'::pg_catalog.regclass THEN 'D' || " + oid +
           " WHEN 'pg_catalog.pg_ts_config'::pg_catalog.regclass THEN 'T' || " + oid +
           " WHEN 'pg_catalog.pg_cast'::pg_catalog.regclass THEN 'K' || " + oid +
           " WHEN 'pg_catalog.pg_event_trigger'::pg_catalog.regclass THEN 'E' || " + oid +
           " WHEN 'pg_catalog.pg_foreign_server'::pg_catalog.regclass THEN 'V' || " + oid + " END";
  };
  return "SELECT coalesce(json_agg(json_build_array(" + addr("d.classid", "d.objid") + ", " +
         addr("d.refclassid", "d.refobjid") + ", d.deptype, d.refobjsubid)), '[]')::text "
         "FROM pg_catalog.pg_depend d WHERE d.objid >= 16384 AND d.refobjid >= 16384 AND d.deptype IN ('n', 'a')";
}

}  // namespace strata::introspect_sql
