// Planning views and materialized views (re-created when their definition changes).
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

Status Planner::ViewChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const View* a = c.from_pos >= 0 ? &a_.views[c.from_pos] : nullptr;
  const View* b = c.to_pos >= 0 ? &b_.views[c.to_pos] : nullptr;
  const View& x = b ? *b : *a;
  std::string key = Key("view", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
  if (a && b && (has("definition") || has("options") || has("materialized"))) recreate_.insert(key);
  if (a && (drop || recreate_.count(key))) {
    Step s = S(key, "drop " + ToLower(ViewWord(*a)) + q, "DROP " + ViewWord(*a) + q + ";");
    s.undo = Trimmed(ViewSql(*a));
    Add(NodeKind::kDrop, kDropView, key, "", std::move(s));
  }
  if (b && (create || recreate_.count(key))) {
    Step s = S(key, "create " + ToLower(ViewWord(*b)) + q, ViewSql(*b));
    if (b->materialized) s.hazards.push_back({Hazard::kAccessExclusiveLock, "computes the view's rows"});
    s.undo = "DROP " + ViewWord(*b) + q + ";";
    Add(NodeKind::kCreate, kCreateView, key, "", std::move(s));
  } else if (a && b) {
    if (has("comment")) {
      Step s = S(key, "comment on view " + q, CommentOn(ViewWord(*b) + q, b->comment));
      s.undo = CommentOn(ViewWord(*a) + q, a->comment);
      Add(NodeKind::kAlter, kLast, key, "", std::move(s));
    }
    if (has("column_defaults")) {
      std::map<std::string, std::string> da(a->column_defaults.begin(), a->column_defaults.end());
      std::map<std::string, std::string> db(b->column_defaults.begin(), b->column_defaults.end());
      for (const auto& [col, unused] : da) if (!db.count(col)) db[col] = "";
      for (const auto& [col, expr] : db) {
        if (da[col] == expr) continue;
        std::string alter = "ALTER VIEW " + q + " ALTER COLUMN " + QuoteIdent(col);
        Step s = S(key, "default of " + q + "." + col, alter + (expr.empty() ? " DROP DEFAULT;" : " SET DEFAULT " + expr + ";"));
        s.undo = alter + (da[col].empty() ? " DROP DEFAULT;" : " SET DEFAULT " + da[col] + ";");
        Add(NodeKind::kAlter, kCreateView, key, "", std::move(s));
      }
    }
    if (has("column_comments")) {
      std::map<std::string, std::string> ca(a->column_comments.begin(), a->column_comments.end());
      std::map<std::string, std::string> cb(b->column_comments.begin(), b->column_comments.end());
      for (const auto& [col, unused] : ca) if (!cb.count(col)) cb[col] = "";
      for (const auto& [col, comment] : cb) {
        if (ca[col] != comment) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on " + q + "." + col, CommentOn("COLUMN " + q + "." + QuoteIdent(col), comment)));
      }
    }
    if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on " + q, AclSql("TABLE " + q, a->acl, b->acl, "", nullptr)), Hazard::kAuthzUpdate, "changes who may use the view"));
    if (has("column_acls")) {
      std::map<std::string, Acl> ca(a->column_acls.begin(), a->column_acls.end()), cb(b->column_acls.begin(), b->column_acls.end());
      for (const auto& [col, unused] : ca) if (!cb.count(col)) cb[col] = std::nullopt;
      for (const auto& [col, acl] : cb) {
        if (ca[col] != acl) Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on " + q + "." + col, AclSql("TABLE " + q, ca[col], acl, " (" + QuoteIdent(col) + ")", nullptr)), Hazard::kAuthzUpdate, "changes who may use the column"));
      }
    }
  }
  return Status::Ok();
}

}  // namespace strata::planning
