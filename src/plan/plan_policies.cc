// Planning row-level security policies (changed in place where ALTER POLICY can).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <set>

#include "plan/planner.h"

namespace strata::planning {

Status Planner::PolicyChange(const Change& c) {
  auto has = [&](const char* f) { return HasField(c, f); };
  const Policy* a = c.from_pos >= 0 ? &a_.policies[c.from_pos] : nullptr;
  const Policy* b = c.to_pos >= 0 ? &b_.policies[c.to_pos] : nullptr;
  const Policy& x = b ? *b : *a;
  std::string key = PolicyKey(x), what = QuoteIdent(x.name) + " ON " + x.table_sql;
  bool in_place = a && b && !has("command") && !has("permissive") && !recreate_.count(key) &&
                  !(a->using_expr.size() && b->using_expr.empty()) && !(a->check_expr.size() && b->check_expr.empty());
  if (a && b && in_place) {
    if (has("roles") || has("using") || has("with_check")) {
      std::string sql = "ALTER POLICY " + what + " TO " + PolicyRolesSql(*b);
      if (!b->using_expr.empty()) sql += " USING (" + b->using_expr + ")";
      if (!b->check_expr.empty()) sql += " WITH CHECK (" + b->check_expr + ")";
      Add(NodeKind::kAlter, kCreatePolicy, key, b->table_key, WithHazard(S(key, "alter policy " + what, sql + ";"), Hazard::kAuthzUpdate, "changes which rows users see"));
    }
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on policy " + what, CommentOn("POLICY " + what, b->comment)));
  } else {
    if (a && rel_b_.count(a->table_key)) Add(NodeKind::kDrop, kDropPolicy, key, a->table_key, WithHazard(S(key, "drop policy " + what, "DROP POLICY " + what + ";"), Hazard::kAuthzUpdate, "changes which rows users see"));
    if (b) Add(NodeKind::kCreate, kCreatePolicy, key, b->table_key, WithHazard(S(key, "create policy " + what, PolicySql(*b)), Hazard::kAuthzUpdate, "changes which rows users see"));
  }
  return Status::Ok();
}

}  // namespace strata::planning
