// Rules on CREATE TABLE and ALTER TABLE: added columns and their defaults, constraints
// (NOT VALID, USING INDEX), SET NOT NULL, and the locks each takes.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "lint/file_lint.h"

namespace strata::lint_detail {
void FileLint::CreateTable(const SqlNode& s) {
  Rel rel = RelOf(s["relation"]);
  if (!rel.qualified && !rel.temp) {
    Report("require-table-schema", rel.location, "table " + rel.name + " is not schema-qualified",
           "CREATE TABLE public." + rel.name + " ...");
  }
  std::vector<std::pair<std::string, int>> names;
  auto& cols = run_.columns[rel.key];
  for (const SqlNode& e : s.list("table_elts")) {
    if (!e.is("ColumnDef")) continue;
    names.emplace_back(std::string(e.str("colname")), e.location());
    ColumnTypeRules(e, false);
    cols[std::string(e.str("colname"))] = TypeOf(e["type_name"]);
  }
  DuplicateNames(names);
  run_.new_tables.insert(rel.key);
  if (s["partspec"]) run_.partitioned.insert(rel.key);
}

bool FileLint::DefaultIsSafe(const SqlNode& e) const {
  if (!e) return true;
  std::string_view t = e.type();
  if (t == "A_Const" || t == "SQLValueFunction" || t == "ParamRef") return true;
  if (t == "TypeCast") return DefaultIsSafe(e["arg"]);
  if (t == "A_ArrayExpr") {
    for (const SqlNode& x : e.list("elements")) {
      if (!DefaultIsSafe(x)) return false;
    }
    return true;
  }
  if (t == "A_Expr") return DefaultIsSafe(e["lexpr"]) && DefaultIsSafe(e["rexpr"]);
  if (t == "BoolExpr") {
    for (const SqlNode& x : e.list("args")) {
      if (!DefaultIsSafe(x)) return false;
    }
    return true;
  }
  if (t == "FuncCall") {
    auto name = StringList(e.list("funcname"));
    std::string fn = name.empty() ? "" : ToLower(name.back());
    if (db_ != nullptr) {
      auto it = db_->volatility.find(fn);
      if (it != db_->volatility.end()) {
        if (it->second == 'v') return false;
        for (const SqlNode& a : e.list("args")) {
          if (!DefaultIsSafe(a)) return false;
        }
        return true;
      }
    }
    return KnownNonVolatile(fn) && e.list("args").empty();
  }
  return false;
}

void FileLint::AlterTable(const SqlNode& s) {
  Rel rel = RelOf(s["relation"]);
  if (s.enum_name("objtype") != "OBJECT_TABLE") return;
  if (!rel.qualified && !rel.temp) {
    Report("require-table-schema", rel.location, "table " + rel.name + " is not schema-qualified",
           "ALTER TABLE public." + rel.name + " ...");
  }
  bool existing = !IsNew(rel.key);
  for (const SqlNode& cmd : s.list("cmds")) {
    std::string_view sub = cmd.enum_name("subtype");
    if (existing && in_tx_ && sub != "AT_ValidateConstraint") ddl_tables_in_tx_.insert(rel.key);
    if (sub == "AT_AddColumn") {
      AddColumn(rel, cmd["def"]);
    } else if (sub == "AT_AddConstraint") {
      AddConstraint(rel, cmd["def"]);
    } else if (sub == "AT_AlterColumnType") {
      AlterColumnType(rel, cmd);
    } else if (sub == "AT_SetNotNull") {
      SetNotNull(rel, cmd);
    } else if (sub == "AT_DropNotNull") {
      Report("ban-drop-not-null", cmd.location(),
             "dropping NOT NULL on " + rel.name + "." + std::string(cmd.str("name")) +
                 " lets NULLs reach clients that assume there are none");
    } else if (sub == "AT_DropColumn") {
      if (existing) {
        Report("ban-drop-column", cmd.location(),
               "dropping column " + rel.name + "." + std::string(cmd.str("name")) +
                   " deletes its data and breaks clients that still read it",
               "stop using the column in the application first, deploy, then drop it in a later "
               "migration (expand/contract)");
      }
    } else if (sub == "AT_ValidateConstraint") {
      std::string name(cmd.str("name"));
      std::string ck = rel.key + "." + name;
      if (not_valid_in_tx_.count(ck)) {
        Report("constraint-missing-not-valid", -1,
               "NOT VALID and VALIDATE CONSTRAINT " + name +
                   " in the same transaction: the validation still blocks writes until commit",
               "move VALIDATE CONSTRAINT to a later migration (or a -- strata:no-transaction file)");
      }
      auto it = run_.checks.find(ck);
      if (it != run_.checks.end()) it->second.validated = true;
      else run_.validated_unknown.insert(rel.key);
    } else if (sub == "AT_DetachPartition") {
      if (!cmd["def"].flag("concurrent")) {
        Report("require-concurrent-partition-detach", -1,
               "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on " + rel.name,
               "ALTER TABLE " + rel.name + " DETACH PARTITION ... CONCURRENTLY; in a -- strata:no-transaction file");
      }
    }
  }
}

void FileLint::AddColumn(const Rel& rel, const SqlNode& col) {
  std::string name(col.str("colname"));
  Type type = TypeOf(col["type_name"]);
  ColumnTypeRules(col, false);
  run_.columns[rel.key][name] = type;
  bool existing = !IsNew(rel.key);
  bool exempt = Exempt(rel.key);
  bool has_default = false, not_null = false, generated = false, identity = false;
  for (const SqlNode& c : col.list("constraints")) {
    std::string_view ct = c.enum_name("contype");
    int loc = c.location();
    if (ct == "CONSTR_DEFAULT") {
      has_default = true;
      if (!exempt && (o_.pg_version < 11 || !DefaultIsSafe(c["raw_expr"]))) {
        Report("adding-field-with-default", c["raw_expr"] ? c["raw_expr"].location() : loc,
               o_.pg_version < 11 ? "before PostgreSQL 11 any DEFAULT on a new column rewrites " + rel.name
                                  : "this default is volatile: adding the column rewrites " + rel.name +
                                        RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
               "add the column without the default, set the default, then backfill in batches");
      }
    } else if (ct == "CONSTR_GENERATED") {
      generated = true;
      if (!exempt) {
        Report("adding-field-with-default", loc,
               "a stored generated column rewrites " + rel.name + RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
               "add a plain column, backfill it in batches, and keep it current with a trigger");
      }
    } else if (ct == "CONSTR_IDENTITY") {
      identity = true;
    } else if (ct == "CONSTR_NOTNULL") {
      not_null = true;
    } else if (ct == "CONSTR_FOREIGN") {
      if (existing) {
        Report("adding-foreign-key-constraint", loc,
               "REFERENCES on a new column of " + rel.name +
                   " validates under a SHARE ROW EXCLUSIVE lock on both tables",
               "add the column, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE "
               "CONSTRAINT in a later migration");
      }
    } else if (ct == "CONSTR_UNIQUE") {
      if (!exempt) {
        Report("disallowed-unique-constraint", loc,
               "UNIQUE builds its index on " + rel.name + " under ACCESS EXCLUSIVE",
               "add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX");
      }
    } else if (ct == "CONSTR_PRIMARY") {
      if (!exempt) {
        Report("adding-serial-primary-key-field", loc,
               "PRIMARY KEY builds its index on " + rel.name + " under ACCESS EXCLUSIVE",
               "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX");
      }
    }
  }
  if (!exempt && (IsSerial(type) || identity)) {
    Report("adding-auto-incrementing-column", type.location,
           "a serial or identity column fills every existing row: " + rel.name + RowsNote(rel.key) +
               " is rewritten under ACCESS EXCLUSIVE",
           "add a nullable bigint column, backfill it in batches, then attach a sequence default");
  }
  if (existing && not_null && !has_default && !generated && !identity && !IsSerial(type)) {
    Report("adding-required-field", col.location(),
           "NOT NULL column " + name + " without a default fails if " + rel.name + " has rows",
           "add it nullable (or with a DEFAULT), backfill, then set NOT NULL in three steps");
  }
  if (existing && !exempt && type.name == "json") {
    Report("adding-json-column", type.location,
           "json has no equality operator: SELECT DISTINCT and GROUP BY over " + rel.name + " fail",
           "use jsonb");
  }
}

void FileLint::AddConstraint(const Rel& rel, const SqlNode& con) {
  std::string_view ct = con.enum_name("contype");
  std::string name(con.str("conname"));
  bool not_valid = con.flag("skip_validation");
  bool using_index = !con.str("indexname").empty();
  bool exempt = Exempt(rel.key);
  bool existing = !IsNew(rel.key);
  int loc = con.location();
  if (ct == "CONSTR_CHECK") {
    std::string col = NotNullColumn(con["raw_expr"]);
    if (!name.empty() && !col.empty()) run_.checks[rel.key + "." + name] = {col, !not_valid};
  }
  // One finding per hazard: a validated foreign key is adding-foreign-key-constraint's
  // (the lock on both tables); constraint-missing-not-valid covers it only when that
  // rule is off.
  bool fk_reported = false;
  if (ct == "CONSTR_FOREIGN" && existing && !not_valid && On("adding-foreign-key-constraint")) {
    Report("adding-foreign-key-constraint", loc,
           "a validated foreign key on " + rel.name + " holds SHARE ROW EXCLUSIVE on both tables while it scans",
           "ADD CONSTRAINT ... NOT VALID now; VALIDATE CONSTRAINT " + (name.empty() ? "<name>" : name) +
               " in a later migration");
    fk_reported = true;
  }
  if ((ct == "CONSTR_FOREIGN" || ct == "CONSTR_CHECK") && !exempt) {
    if (!not_valid && !fk_reported) {
      Report("constraint-missing-not-valid", loc,
             "the new constraint scans " + rel.name + RowsNote(rel.key) + " while blocking writes",
             "ALTER TABLE " + rel.name + " ADD CONSTRAINT ... NOT VALID; then VALIDATE CONSTRAINT " +
                 (name.empty() ? "<name>" : name) + " in a later migration");
    } else if (in_tx_ && !name.empty()) {
      not_valid_in_tx_.insert(rel.key + "." + name);
    }
  }
  if (ct == "CONSTR_UNIQUE" && !using_index && !exempt) {
    Report("disallowed-unique-constraint", loc,
           "ADD UNIQUE builds its index on " + rel.name + RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
           "CREATE UNIQUE INDEX CONCURRENTLY ...; then ALTER TABLE " + rel.name +
               " ADD CONSTRAINT ... UNIQUE USING INDEX ...");
  }
  if (ct == "CONSTR_PRIMARY" && !using_index && !exempt) {
    Report("adding-serial-primary-key-field", loc,
           "ADD PRIMARY KEY builds its index on " + rel.name + RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
           "CREATE UNIQUE INDEX CONCURRENTLY ...; then ALTER TABLE " + rel.name +
               " ADD CONSTRAINT ... PRIMARY KEY USING INDEX ...");
  }
  if (ct == "CONSTR_EXCLUSION" && !exempt) {
    Report("adding-exclusion-constraint", loc,
           "an exclusion constraint is built and checked on " + rel.name + " under ACCESS EXCLUSIVE",
           "create it together with the table, or enforce the rule in the application");
  }
}

void FileLint::SetNotNull(const Rel& rel, const SqlNode& cmd) {
  std::string col(cmd.str("name"));
  if (Exempt(rel.key)) return;
  if (o_.pg_version >= 12) {
    for (const auto& [k, c] : run_.checks) {
      if (StartsWith(k, rel.key + ".") && c.column == col && c.validated) return;
    }
    if (run_.validated_unknown.count(rel.key)) return;
    if (db_ != nullptr) {
      for (const auto& [k, c] : db_->validated_not_null_checks) {
        if (StartsWith(k, rel.key + ".") && c == col) return;
      }
    }
  }
  Report("adding-not-nullable-field", cmd.location(),
         "SET NOT NULL on " + rel.name + "." + col + " scans " + rel.name + RowsNote(rel.key) +
             " under ACCESS EXCLUSIVE, blocking reads and writes",
         o_.pg_version >= 12
             ? "ADD CONSTRAINT " + col + "_not_null CHECK (" + col + " IS NOT NULL) NOT VALID; then "
               "VALIDATE CONSTRAINT; then SET NOT NULL (uses the check, no scan); then drop the check"
             : "before PostgreSQL 12 there is no scan-free way; keep a validated CHECK instead");
}

}  // namespace strata::lint_detail
