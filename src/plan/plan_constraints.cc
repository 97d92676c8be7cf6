// Planning constraints: NOT VALID then VALIDATE, UNIQUE and PRIMARY KEY through a
// concurrent index, partition keys attached to their parent's.
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

Status Planner::ConstraintChange(const Change& c) {
  auto has = [&](const char* f) { return HasField(c, f); };
  const Constraint* a = c.from_pos >= 0 ? &a_.constraints[c.from_pos] : nullptr;
  const Constraint* b = c.to_pos >= 0 ? &b_.constraints[c.to_pos] : nullptr;
  if (a && b && has("definition") && StripNotValid(a->definition) == b->definition && !recreate_.count(ConstraintKey(*b))) {
    Step s = S(ConstraintKey(*b), "validate constraint " + b->name, "ALTER TABLE " + b->table_sql + " VALIDATE CONSTRAINT " + QuoteIdent(b->name) + ";");
    s.transactional = !opt_.concurrently;
    s.hazards.push_back({Hazard::kValidatesRows, "scans the table without blocking writes"});
    s.verify = ConstraintValid(b->table_sql, b->name);
    Add(NodeKind::kAlter, b->type == 'f' ? kValidateForeignKey : kValidate, ConstraintKey(*b), b->table_key, std::move(s));
  } else if (a && b && !has("definition") && !has("type") && !recreate_.count(ConstraintKey(*b))) {
    if (has("comment")) Add(NodeKind::kAlter, kLast, ConstraintKey(*b), b->table_key, S(ConstraintKey(*b), "comment on constraint " + b->name, CommentOn("CONSTRAINT " + QuoteIdent(b->name) + " ON " + b->table_sql, b->comment)));
  } else {
    if (a) ConstraintDrop(*a);
    if (b) ConstraintCreate(*b);
  }
  return Status::Ok();
}

void Planner::ConstraintCreate(const Constraint& k) {
  std::string key = ConstraintKey(k);
  if (!k.attached_to.empty()) {
    // A partition's key attached to its parent's index. New partitions get it from the
    // parent, and so does every partition when the parent key is added now (ADD
    // CONSTRAINT cascades). Otherwise (the parent exists, or is an index built ON ONLY)
    // it is added on the partition and attached, as pg_dump does.
    auto parent = partitioned_keys_.find(k.attached_to);
    bool cascades = parent != partitioned_keys_.end() && parent->second.second;
    if (attach_later_.count(k.table_key) && AdoptedKey(k)) {
      Constraint own = k;
      own.attached_to.clear();
      ConstraintCreate(own);
      key_deps_.push_back({"attach:" + k.table_key, key});
      return;
    }
    bool existed = std::any_of(a_.constraints.begin(), a_.constraints.end(),
                               [&](const Constraint& x) { return ConstraintKey(x) == key; });
    if (cascades && (!TableExisted(k.table_key) || !existed || recreate_.count(key)) && AdoptedKey(k)) {
      // The partition's own key, which the new parent index adopts (CREATE INDEX on a
      // partitioned table takes a matching index it finds on a partition): made with the
      // partition, before the parent index.
      Constraint own = k;
      own.attached_to.clear();
      ConstraintCreate(own);
      key_deps_.push_back({parent->second.first, key});
      return;
    }
    if (!TableExisted(k.table_key) || cascades) return;
    Constraint own = k;
    own.attached_to.clear();
    ConstraintCreate(own);
    Step attach = S(key, "attach " + k.index + " to " + k.attached_to,
                    "ALTER INDEX " + k.attached_to + " ATTACH PARTITION " + k.index + ";");
    attach.verify = "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = " + Lit(k.attached_to) + "::regclass";
    int id = Add(NodeKind::kCreate, kAddConstraint, key, k.table_key, std::move(attach));
    if (parent != partitioned_keys_.end()) {
      late_deps_.push_back({id, parent->second.first});
      attach_nodes_.emplace(parent->second.first, id);
    }
    return;
  }
  std::string on = "ALTER TABLE " + k.table_sql + " ";
  std::string what = "constraint " + k.name + " on " + k.table_sql;
  bool fk = k.type == 'f';
  int prio = fk ? kAddForeignKey : kAddConstraint;
  bool not_valid = EndsWith(k.definition, " NOT VALID");
  // PostgreSQL 18: a NOT ENFORCED CHECK or foreign key checks no rows (and cannot be
  // validated).
  bool not_enforced = k.definition.find(" NOT ENFORCED") != std::string::npos;
  if (Safe(k.table_key) && (k.type == 'c' || fk) && !not_valid && !not_enforced) {
    Step add = S(key, "add " + what + " (NOT VALID)", on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + " NOT VALID;");
    add.hazards.push_back({fk ? Hazard::kShareRowExclusiveLock : Hazard::kAccessExclusiveLock,
                           "brief lock to add the constraint; existing rows are checked separately"});
    add.undo = on + "DROP CONSTRAINT " + QuoteIdent(k.name) + ";";
    Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
    Step val = S(key, "validate " + what, on + "VALIDATE CONSTRAINT " + QuoteIdent(k.name) + ";");
    val.transactional = false;
    val.hazards.push_back({Hazard::kValidatesRows, "scans the table without blocking writes"});
    val.verify = ConstraintValid(k.table_sql, k.name);
    Add(NodeKind::kCreate, fk ? kValidateForeignKey : kValidate, key, k.table_key, std::move(val));
  } else if (Safe(k.table_key) && (k.type == 'u' || k.type == 'p')) {
    // UNIQUE / PRIMARY KEY through an index built CONCURRENTLY, then USING INDEX.
    std::string def = k.definition;
    std::string word = k.type == 'u' ? "UNIQUE" : "PRIMARY KEY";
    std::string rest = def.substr(word.size());
    bool nulls_not_distinct = StartsWith(rest, " NULLS NOT DISTINCT");
    if (nulls_not_distinct) rest = rest.substr(19);
    std::string deferrable;
    size_t d = rest.find(" DEFERRABLE");
    if (d != std::string::npos) {
      deferrable = rest.substr(d);
      rest = rest.substr(0, d);
    }
    if (!StartsWith(rest, " (") || rest.find("USING INDEX") != std::string::npos) {
      Step add = S(key, "add " + what, on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + ";");
      add.hazards.push_back({Hazard::kAccessExclusiveLock, "builds the index while holding the table lock"});
      add.hazards.push_back({Hazard::kIndexBuild, "builds a unique index"});
      Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
    } else {
      size_t close = rest.find(')');
      std::string cols = rest.substr(1, close);
      std::string tail = rest.substr(close + 1);
      std::string schema = k.table_key.substr(k.table_key.find(':') + 1);
      schema = schema.substr(0, schema.find('.'));
      Step idx = S(key, "build unique index " + k.name + " concurrently",
                   "CREATE UNIQUE INDEX CONCURRENTLY " + QuoteIdent(k.name) + " ON " + k.table_sql + " USING btree " +
                       cols + (nulls_not_distinct ? " NULLS NOT DISTINCT" : "") + tail + ";");
      idx.transactional = false;
      idx.hazards.push_back({Hazard::kIndexBuild, "builds a unique index without blocking writes"});
      idx.undo = "DROP INDEX CONCURRENTLY IF EXISTS " + QualifiedSql(schema, k.name) + ";";
      idx.verify = "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = " +
                   Lit(QualifiedSql(schema, k.name)) + "::regclass";
      Add(NodeKind::kCreate, kAddIndex, key, k.table_key, std::move(idx));
      Step add = S(key, "add " + what + " using the index",
                   on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + word + " USING INDEX " + QuoteIdent(k.name) +
                       deferrable + ";");
      add.transactional = false;
      add.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock; the index is already built"});
      if (k.type == 'p') add.hazards.push_back({Hazard::kValidatesRows, "sets NOT NULL on the key columns"});
      add.undo = on + "DROP CONSTRAINT " + QuoteIdent(k.name) + ";";
      add.verify = ConstraintValid(k.table_sql, k.name);
      Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
    }
  } else {
    // New tables (empty), partitioned tables (no CONCURRENTLY) and --no-concurrently.
    Step add = S(key, "add " + what, on + "ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + ";");
    if (TableExisted(k.table_key)) {
      add.hazards.push_back({fk ? Hazard::kShareRowExclusiveLock : Hazard::kAccessExclusiveLock,
                             "holds the lock while existing rows are checked"});
      if (k.type != 'c' && k.type != 'f') add.hazards.push_back({Hazard::kIndexBuild, "builds an index"});
      else if (!not_valid && !not_enforced) add.hazards.push_back({Hazard::kValidatesRows, "checks every existing row"});
    }
    add.undo = on + "DROP CONSTRAINT " + QuoteIdent(k.name) + ";";
    if (!not_valid && !not_enforced) add.verify = ConstraintValid(k.table_sql, k.name);
    Add(NodeKind::kCreate, prio, key, k.table_key, std::move(add));
  }
  if (!k.comment.empty()) {
    Add(NodeKind::kCreate, kLast, key, k.table_key,
        S(key, "comment on " + what, CommentOn("CONSTRAINT " + QuoteIdent(k.name) + " ON " + k.table_sql, k.comment)));
  }
}

void Planner::ConstraintDrop(const Constraint& k) {
  // Goes with its parent, or its table — except foreign keys, which may tie dropped tables
  // into a cycle.
  if (!k.attached_to.empty() || (!tables_b_.count(k.table_key) && k.type != 'f')) return;
  std::string key = ConstraintKey(k);
  Step s = S(key, "drop constraint " + k.name + " on " + k.table_sql,
             "ALTER TABLE " + k.table_sql + " DROP CONSTRAINT " + QuoteIdent(k.name) + ";");
  s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
  if (k.type == 'p' || k.type == 'u' || k.type == 'x') s.hazards.push_back({Hazard::kIndexDropped, "drops its index"});
  s.undo = "ALTER TABLE " + k.table_sql + " ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition + ";";
  Add(NodeKind::kDrop, k.type == 'f' ? kDropForeignKey : kDropConstraint, key, k.table_key, std::move(s));
}

}  // namespace strata::planning
