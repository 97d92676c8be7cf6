// Planning functions, procedures, aggregates, operators and triggers.
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

Status Planner::FunctionChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const Function* a = c.from_pos >= 0 ? &a_.functions[c.from_pos] : nullptr;
  const Function* b = c.to_pos >= 0 ? &b_.functions[c.to_pos] : nullptr;
  const Function& x = b ? *b : *a;
  std::string key = FunctionKey(x), sig = FunctionSignature(x);
  bool replace_in_place = a && b && a->kind == b->kind && (b->kind == 'f' || b->kind == 'p' || b->kind == 'w') &&
                          FunctionHeader(a->definition) == FunctionHeader(b->definition) && !recreate_.count(key);
  if (a && b && !replace_in_place && has("definition")) recreate_.insert(key);
  if (a && (drop || recreate_.count(key))) {
    Step s = WithHazard(S(key, "drop " + sig, "DROP " + sig + ";"), Hazard::kUntrackableDeps, "code that calls it by name breaks");
    s.undo = Trimmed(FunctionSql(*a));
    Add(NodeKind::kDrop, kDropFunction, key, "", std::move(s));
  }
  if (b && (create || recreate_.count(key))) {
    Add(NodeKind::kCreate, kCreateFunction, key, "", WithHazard(S(key, "create " + sig, FunctionSql(*b)), Hazard::kUntrackableDeps, "function bodies are not checked against the schema"));
  } else if (a && b) {
    if (has("definition")) {
      Step s = WithHazard(S(key, "replace " + sig, b->definition + ";"), Hazard::kUntrackableDeps, "function bodies are not checked against the schema");
      s.undo = a->definition + ";";  // the old body, replaced back
      Add(NodeKind::kAlter, kCreateFunction, key, "", std::move(s));
    }
    if (has("comment")) {
      Step s = S(key, "comment on " + sig, CommentOn(sig, b->comment));
      s.undo = CommentOn(sig, a->comment);
      Add(NodeKind::kAlter, kLast, key, "", std::move(s));
    }
    if (has("acl")) {
      std::string on = (b->kind == 'p' ? "PROCEDURE " : "FUNCTION ") + QualifiedSql(b->schema, b->name) + "(" + b->identity_args + ")";
      Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on " + sig, AclSql(on, a->acl, b->acl, "", "EXECUTE")), Hazard::kAuthzUpdate, "changes who may call it"));
    }
  }
  return Status::Ok();
}

Status Planner::TriggerChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const Trigger* a = c.from_pos >= 0 ? &a_.triggers[c.from_pos] : nullptr;
  const Trigger* b = c.to_pos >= 0 ? &b_.triggers[c.to_pos] : nullptr;
  const Trigger& x = b ? *b : *a;
  std::string key = TriggerKey(x), what = QuoteIdent(x.name) + " ON " + x.table_sql;
  bool recreate = a && b && (has("definition") || recreate_.count(key));
  if (a && (drop || recreate) && rel_b_.count(a->table_key)) {
    Add(NodeKind::kDrop, kDropTrigger, key, a->table_key, S(key, "drop trigger " + what, "DROP TRIGGER " + what + ";"));
  }
  if (b && (create || recreate)) {
    Add(NodeKind::kCreate, kCreateTrigger, key, b->table_key, S(key, "create trigger " + what, TriggerSql(*b)));
  } else if (a && b) {
    if (has("enabled")) {
      const char* how = b->enabled == 'D' ? "DISABLE" : b->enabled == 'R' ? "ENABLE REPLICA" : b->enabled == 'A' ? "ENABLE ALWAYS" : "ENABLE";
      Add(NodeKind::kAlter, kCreateTrigger, key, b->table_key, S(key, "enable/disable trigger " + what, "ALTER TABLE " + b->table_sql + " " + how + " TRIGGER " + QuoteIdent(b->name) + ";"));
    }
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on trigger " + what, CommentOn("TRIGGER " + what, b->comment)));
  }
  return Status::Ok();
}

}  // namespace strata::planning
