// Planning the kinds kept whole (catalog.h DefinedKind): range types, statistics, text
// search, casts, rules, event triggers, publications.
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

// Kinds kept whole: created, dropped, or dropped and created again; a comment or a range
// type's grants change in place.
Status Planner::DefinedChange(const Change& c, DefinedKind kind) {
  auto nth = [&](const Catalog& cat, int pos) -> const DefinedObject* {
    if (pos < 0) return nullptr;
    int seen = 0;
    for (const auto& o : cat.defined) {
      if (o.kind == kind && seen++ == pos) return &o;
    }
    return nullptr;
  };
  const DefinedObject* a = nth(a_, c.from_pos);
  const DefinedObject* b = nth(b_, c.to_pos);
  const DefinedObject& x = b ? *b : *a;
  const DefinedKindInfo& info = InfoOf(kind);
  std::string key = DefinedKey(x), what = std::string(info.sql) + " " + x.sql_name;
  std::string desc = std::string(info.name) + " " + x.sql_name;
  static const std::map<DefinedKind, std::pair<int, int>> kPrio = {  // (drop, create)
      {DefinedKind::kRangeType, {kDropType, kCreateType}},
      {DefinedKind::kTextSearchDictionary, {kDropType, kCreateType}},
      {DefinedKind::kTextSearchConfiguration, {kDropType, kCreateType}},
      {DefinedKind::kCast, {kDropFunction, kCreateFunction}},
      {DefinedKind::kStatistics, {kDropIndex, kAddIndex}},
      {DefinedKind::kRule, {kDropTrigger, kCreateTrigger}},
      {DefinedKind::kEventTrigger, {kDropTrigger, kCreateTrigger}},
      {DefinedKind::kPublication, {kDropPolicy, kLast}},
      {DefinedKind::kServer, {kDropExtension, kCreateExtension}},
      {DefinedKind::kForeignTable, {kDropTable, kCreateTable}}};
  auto [drop_prio, create_prio] = kPrio.at(kind);
  bool in_place = a && b && a->definition == b->definition && !recreate_.count(key);
  if (in_place) {
    if (a->comment != b->comment) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on " + desc, CommentOn(what, b->comment)));
    if (a->acl != b->acl) {
      bool table = kind == DefinedKind::kForeignTable;
      std::string on = kind == DefinedKind::kServer ? "FOREIGN SERVER " + b->sql_name : table ? "TABLE " + b->sql_name : what;
      Step s = S(key, "privileges on " + desc, AclSql(on, a->acl, b->acl, "", table ? nullptr : "USAGE"));
      s.hazards.push_back({Hazard::kAuthzUpdate, "changes who may use it"});
      Add(NodeKind::kAlter, kLast, key, b->table_key, std::move(s));
    }
    return Status::Ok();
  }
  auto hazards = [&](Step* s, bool dropping) {
    if (kind == DefinedKind::kRule || kind == DefinedKind::kEventTrigger) {
      s->hazards.push_back({Hazard::kCorrectness, dropping ? "changes what statements do" : "changes what statements do"});
    }
    if (kind == DefinedKind::kPublication) {
      s->hazards.push_back({Hazard::kCorrectness, "changes what logical replication sends"});
    }
    if (kind == DefinedKind::kRule && !x.table_key.empty()) {
      s->hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
    }
    if (kind == DefinedKind::kStatistics && !dropping) {
      s->hazards.push_back({Hazard::kCorrectness, "the planner uses it after the next ANALYZE"});
    }
  };
  // A statistics object or rule goes with its table when the table is dropped.
  bool table_gone = a && !a->table_key.empty() && !rel_b_.count(a->table_key);
  if (a && !table_gone) {
    Step s = S(key, "drop " + desc, DefinedDropSql(*a));
    hazards(&s, true);
    s.undo = Trimmed(DefinedSql(*a));
    Add(NodeKind::kDrop, drop_prio, key, a->table_key, std::move(s));
  }
  if (b) {
    Step s = S(key, "create " + desc, DefinedSql(*b));
    hazards(&s, false);
    s.undo = DefinedDropSql(*b);
    Add(NodeKind::kCreate, create_prio, key, b->table_key, std::move(s));
  }
  return Status::Ok();
}

}  // namespace strata::planning
