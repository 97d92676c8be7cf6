// Rules on data changes in migrations: UPDATE and INSERT (backfills, duplicate assignments).
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "lint/file_lint.h"

namespace strata::lint_detail {
namespace {

// Names of columns an expression reads.
void ColumnRefs(const SqlNode& n, std::set<std::string>* out, int depth = 0) {
  if (!n || depth > 64) return;
  if (n.is("ColumnRef")) {
    auto f = StringList(n.list("fields"));
    if (!f.empty()) out->insert(f.back());
    return;
  }
  for (const char* field : {"lexpr", "rexpr", "arg", "xpr", "defresult", "testexpr", "val"}) {
    ColumnRefs(n[field], out, depth + 1);
  }
  for (const char* field : {"args", "elements"}) {
    for (const SqlNode& c : n.list(field)) ColumnRefs(c, out, depth + 1);
  }
}

}  // namespace

void FileLint::DuplicateAssignments(const std::vector<SqlNode>& targets) {
  // name -> (whole assignments, partial assignments by indirection text)
  struct Uses {
    int whole = 0;
    std::vector<std::string> parts;
  };
  std::map<std::string, Uses> uses;
  auto key = [](const SqlNode& rt) {
    std::string k;
    for (const SqlNode& i : rt.list("indirection")) {
      if (i.is("String")) k += "." + std::string(i.str("sval"));
      else if (i.is("A_Indices")) k += "[" + std::to_string(i["uidx"]["ival"].num("ival")) + "]";
      else k += "?";
    }
    return k;
  };
  for (const SqlNode& rt : targets) {
    auto& u = uses[std::string(rt.str("name"))];
    std::string k = key(rt);
    if (k.empty()) ++u.whole;
    else u.parts.push_back(k);
  }
  for (const SqlNode& rt : targets) {
    const auto& u = uses[std::string(rt.str("name"))];
    std::string k = key(rt);
    bool dup = u.whole > 1 || (u.whole == 1 && !u.parts.empty()) ||
               (!k.empty() && std::count(u.parts.begin(), u.parts.end(), k) > 1);
    if (dup) {
      Report("ban-duplicate-column-assignments", rt.location(),
             "multiple assignments to the same column `" + std::string(rt.str("name")) + "`",
             "keep only the last assignment");
    }
  }
}

void FileLint::Update(const SqlNode& s) {
  auto targets = s.list("target_list");
  DuplicateAssignments(targets);
  Rel rel = RelOf(s["relation"]);
  if (ddl_tables_in_tx_.count(rel.key) && !IsSmall(rel.key)) {
    Report("update-in-ddl-transaction", -1,
           "this UPDATE runs in the transaction that altered " + rel.name +
               ": the DDL lock is held until every row is updated",
           "backfill in a migration of its own (or -- strata:no-transaction), in batches");
  }
  std::set<std::string> assigned, read, guarded;
  for (const SqlNode& rt : targets) {
    assigned.insert(std::string(rt.str("name")));
    ColumnRefs(rt["val"], &read);
  }
  ColumnRefs(s["where_clause"], &guarded);
  bool self = false;
  for (const auto& c : assigned) self |= read.count(c) > 0;
  bool guard = false;
  for (const auto& c : assigned) guard |= guarded.count(c) > 0;
  if (self && !guard && !IsNew(rel.key)) {
    Report("non-idempotent-backfill", -1,
           "this UPDATE computes columns from their own values: running it twice changes the rows again",
           "write the target value from a source that does not change (or guard with WHERE <col> IS "
           "DISTINCT FROM <new value>), so a re-run is a no-op");
  }
}

void FileLint::Insert(const SqlNode& s) {
  auto cols = s.list("cols");
  DuplicateAssignments(cols);
  SqlNode conflict = s["on_conflict_clause"];
  if (conflict) DuplicateAssignments(conflict.list("target_list"));
  Rel rel = RelOf(s["relation"]);
  if (conflict || IsNew(rel.key)) return;
  SqlNode select = s["select_stmt"];
  bool guarded = false;
  if (select && select["where_clause"]) {
    std::function<bool(const SqlNode&, int)> has_sublink = [&](const SqlNode& n, int d) -> bool {
      if (!n || d > 32) return false;
      if (n.is("SubLink")) return true;
      for (const SqlNode& a : n.list("args")) {
        if (has_sublink(a, d + 1)) return true;
      }
      return has_sublink(n["arg"], d + 1) || has_sublink(n["lexpr"], d + 1) || has_sublink(n["rexpr"], d + 1);
    };
    guarded = has_sublink(select["where_clause"], 0);
  }
  if (!guarded) {
    Report("non-idempotent-backfill", -1,
           "INSERT into existing table " + rel.name + " without ON CONFLICT adds the rows again (or "
           "fails) when re-run",
           "INSERT ... ON CONFLICT DO NOTHING, or INSERT ... SELECT ... WHERE NOT EXISTS (...)");
  }
}

}  // namespace strata::lint_detail
