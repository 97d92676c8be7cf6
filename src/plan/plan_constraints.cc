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
#include <string_view>

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
  if (inline_keys_.count(key)) {  // written into its table's CREATE TABLE
    if (!k.comment.empty()) {
      Add(NodeKind::kCreate, kLast, key, k.table_key,
          S(key, "comment on constraint " + k.name + " on " + k.table_sql,
            CommentOn("CONSTRAINT " + QuoteIdent(k.name) + " ON " + k.table_sql, k.comment)));
    }
    return;
  }
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

void Planner::ChooseInlineConstraints(const std::vector<Change>& changes) {
  // New plain tables: not partitioned, no partition, no inheritance either way (a parent's
  // checks reach children that exist when they are added).
  std::set<std::string> fresh;
  for (const Table& t : b_.tables) {
    std::string key = Key("table", t.schema, t.name);
    if (tables_a_.count(key) || !t.partition_of.empty() || !t.partition_key.empty() || !t.inherits.empty() ||
        attach_later_.count(key)) {
      continue;
    }
    fresh.insert(key);
  }
  for (const Table& t : b_.tables) {
    for (const auto& parent : t.inherits_keys) fresh.erase(parent);
  }
  // Tables an existing key may be referenced on only when nothing of theirs changes.
  std::set<std::string> touched;
  for (const Change& c : changes) {
    if (c.kind == "table") {
      const Table& t = c.to_pos >= 0 ? b_.tables[c.to_pos] : a_.tables[c.from_pos];
      touched.insert(Key("table", t.schema, t.name));
    } else if (c.kind == "column") {
      const Table& t = c.table_to_pos >= 0 ? b_.tables[c.table_to_pos] : a_.tables[c.table_from_pos];
      touched.insert(Key("table", t.schema, t.name));
    } else if (c.kind == "constraint") {
      touched.insert((c.to_pos >= 0 ? b_.constraints[c.to_pos] : a_.constraints[c.from_pos]).table_key);
    } else if (c.kind == "index") {
      touched.insert((c.to_pos >= 0 ? b_.indexes[c.to_pos] : a_.indexes[c.from_pos]).table_key);
    }
  }
  std::set<std::string> in_a;
  for (const Constraint& k : a_.constraints) in_a.insert(ConstraintKey(k));
  for (const Index& i : a_.indexes) in_a.insert(Key("index", i.schema, i.name));
  std::multimap<std::string, std::string> needs;  // constraint key -> what it depends on
  for (const Dependency& d : b_.dependencies) {
    if (StartsWith(d.object, "constraint:")) needs.emplace(d.object, d.depends_on);
  }
  std::vector<const Constraint*> chosen, fks;
  for (const Constraint& k : b_.constraints) {
    bool checked = !EndsWith(k.definition, " NOT VALID") && k.definition.find(" NOT ENFORCED") == std::string::npos;
    if (!fresh.count(k.table_key) || !k.attached_to.empty() || !checked) continue;
    if (k.type == 'f') {
      fks.push_back(&k);
      continue;
    }
    if (k.type != 'p' && k.type != 'u' && k.type != 'c' && k.type != 'x') continue;
    // Only what exists before any table: a check calling a function stays after the
    // tables, which a SQL function's body may read when it is created.
    bool early = true;
    auto r = needs.equal_range(ConstraintKey(k));
    for (auto it = r.first; it != r.second; ++it) {
      const std::string& on = it->second;
      early &= on == k.table_key || StartsWith(on, "type:") || StartsWith(on, "collation:") ||
               StartsWith(on, "schema:") || StartsWith(on, "extension:");
    }
    if (early) chosen.push_back(&k);
  }
  std::set<std::string> keys;
  for (const Constraint* k : chosen) keys.insert(ConstraintKey(*k));
  // A foreign key goes in when every object it needs is there before its table: its own
  // table, a new table's key written into that table, or an untouched table's key. Its
  // referenced key must be among them (pg_depend names it; a catalog without
  // dependencies keeps every foreign key an ALTER TABLE).
  std::map<std::string, std::set<std::string>> edges;  // table -> new tables it references
  std::vector<std::pair<const Constraint*, std::string>> candidates;  // fk, referenced new table
  auto untouched = [&](const std::string& table) { return TableExisted(table) && !touched.count(table); };
  for (const Constraint* k : fks) {
    bool ok = true, key_found = false;
    std::string target;
    auto r = needs.equal_range(ConstraintKey(*k));
    for (auto it = r.first; it != r.second && ok; ++it) {
      const std::string& on = it->second;
      if (on == k->table_key) continue;
      if (StartsWith(on, "table:")) {
        if (fresh.count(on)) target = on;
        else ok = untouched(on);
      } else if (StartsWith(on, "constraint:")) {
        std::string table = on.substr(11, on.rfind('/') - 11);
        ok = keys.count(on) || (in_a.count(on) && !recreate_.count(on) && untouched(table));
        key_found = true;
      } else if (StartsWith(on, "index:")) {
        auto t = b_index_table_.find(on);
        ok = in_a.count(on) && !recreate_.count(on) && t != b_index_table_.end() && untouched(t->second);
        key_found = true;
      } else {
        ok = false;
      }
    }
    if (!ok || !key_found) continue;
    candidates.push_back({k, target});
    if (!target.empty()) edges[k->table_key].insert(target);
  }
  // Foreign keys that close a cycle among new tables stay ALTER TABLEs after them:
  // strongly connected components (Tarjan's, with an explicit stack: a chain of
  // thousands of tables must not overflow the call stack), and an edge inside one is
  // not taken.
  std::map<std::string, int> index, low, component;
  std::vector<std::string> stack;
  std::set<std::string> on_stack;
  int counter = 0, components = 0;
  for (const auto& [root, unused] : edges) {
    if (index.count(root)) continue;
    // Frames: a table and the next of its edges to look at.
    std::vector<std::pair<std::string, std::set<std::string>::const_iterator>> frames;
    auto enter = [&](const std::string& v) {
      index[v] = low[v] = counter++;
      stack.push_back(v);
      on_stack.insert(v);
      frames.push_back({v, edges[v].cbegin()});
    };
    enter(root);
    while (!frames.empty()) {
      std::string v = frames.back().first;
      auto& next = frames.back().second;
      if (next != edges[v].cend()) {
        std::string w = *next++;
        if (!index.count(w)) enter(w);
        else if (on_stack.count(w)) low[v] = std::min(low[v], index[w]);
        continue;
      }
      frames.pop_back();
      if (!frames.empty()) low[frames.back().first] = std::min(low[frames.back().first], low[v]);
      if (low[v] == index[v]) {
        std::string w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack.erase(w);
          component[w] = components;
        } while (w != v);
        ++components;
      }
    }
  }
  for (const auto& [k, target] : candidates) {
    if (!target.empty() && target != k->table_key && component[target] == component[k->table_key]) continue;
    chosen.push_back(k);
  }
  // Keys first, then exclusions, checks and foreign keys (each kind by name).
  auto rank = [](const Constraint* k) { return std::string_view("puxcf").find(k->type); };
  std::stable_sort(chosen.begin(), chosen.end(),
                   [&](const Constraint* x, const Constraint* y) { return rank(x) < rank(y); });
  for (const Constraint* k : chosen) {
    inline_[k->table_key].push_back(k);
    inline_keys_.insert(ConstraintKey(*k));
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
