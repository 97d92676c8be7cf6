// Planning indexes: CONCURRENTLY on tables that exist, partitioned tables built by the
// runner partition by partition, partitions' own indexes a parent adopts.
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

Status Planner::IndexChange(const Change& c) {
  auto has = [&](const char* f) { return HasField(c, f); };
  const Index* a = c.from_pos >= 0 ? &a_.indexes[c.from_pos] : nullptr;
  const Index* b = c.to_pos >= 0 ? &b_.indexes[c.to_pos] : nullptr;
  if (a && b && !has("definition") && !recreate_.count(Key("index", b->schema, b->name))) {
    std::string key = Key("index", b->schema, b->name), q = QualifiedSql(b->schema, b->name);
    if (has("attached_to") && !b->parent.empty()) Add(NodeKind::kAlter, kAddIndex, key, b->table_key, S(key, "attach index " + q, "ALTER INDEX " + b->parent + " ATTACH PARTITION " + q + ";"));
    auto ta = tables_a_.find(a->table_key), tb = tables_b_.find(b->table_key);
    bool table_detached = ta != tables_a_.end() && tb != tables_b_.end() &&
                          !ta->second->partition_of.empty() && tb->second->partition_of.empty();
    if (has("attached_to") && b->parent.empty() && !a->parent_key.empty() && !table_detached) {
      // An index cannot be detached: it goes with its dropped parent and is built again.
      // (DETACH PARTITION does detach them: a detached table keeps its indexes.)
      size_t before = nodes_.size();
      IndexCreate(*b);
      for (size_t n = before; n < nodes_.size(); ++n) late_deps_.push_back({static_cast<int>(n), a->parent_key});
    }
    if (has("statistics")) {
      std::map<int, int> sa(a->statistics.begin(), a->statistics.end());
      for (const auto& [col, t] : b->statistics) sa.erase(col);
      for (const auto& [col, t] : sa) Add(NodeKind::kAlter, kAddIndex, key, b->table_key, S(key, "statistics on " + q, "ALTER INDEX " + q + " ALTER COLUMN " + std::to_string(col) + " SET STATISTICS -1;"));
      for (const auto& [col, t] : b->statistics) Add(NodeKind::kAlter, kAddIndex, key, b->table_key, S(key, "statistics on " + q, "ALTER INDEX " + q + " ALTER COLUMN " + std::to_string(col) + " SET STATISTICS " + std::to_string(t) + ";"));
    }
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, b->table_key, S(key, "comment on index " + q, CommentOn("INDEX " + q, b->comment)));
  } else {
    if (a) STRATA_RETURN_IF_ERROR(IndexDrop(*a));
    if (b) IndexCreate(*b);
  }
  return Status::Ok();
}

void Planner::IndexCreate(const Index& i) {
  std::string key = Key("index", i.schema, i.name), q = QualifiedSql(i.schema, i.name);
  if (own_indexes_.count(key)) {
    // A partition's own index that the new parent index adopts: built before it.
    Step s = S(key, "create index " + q + " (the parent's " + i.parent + " adopts it)", i.definition + ";");
    if (Safe(i.table_key)) {
      s.sql.insert(s.sql.find("INDEX ") + 6, "CONCURRENTLY ");
      s.transactional = false;
      s.hazards.push_back({Hazard::kIndexBuild, "builds an index on a partition"});
    } else {
      s.hazards.push_back({Hazard::kIndexBuild, TableExisted(i.table_key) ? "builds an index on a partition"
                                                                          : "builds an index on a new, empty partition"});
    }
    Add(NodeKind::kCreate, kAddIndex, key, i.table_key, std::move(s));
    return;
  }
  // Any other partition's index comes from its parent: a new partition gets it with
  // PARTITION OF or ATTACH, and a new parent index builds (or adopts) one on every
  // partition that exists when it runs.
  if (!i.parent_key.empty()) return;
  std::string def = i.definition;
  bool partitioned = Partitioned(i.table_key);
  if (partitioned) {
    size_t p = def.find(" ON ONLY ");
    if (p != std::string::npos) def.replace(p, 9, " ON ");
  }
  Step s = S(key, "create index " + q, def + ";");
  s.hazards.push_back({Hazard::kIndexBuild, "builds an index"});
  if (partitioned && opt_.concurrently && TableExisted(i.table_key)) {
    // PostgreSQL refuses CONCURRENTLY here; strata's runner builds it ON ONLY the parent,
    // then concurrently on each partition that exists when it runs, attaching each.
    s.description += " on every partition, one at a time";
    s.sql.insert(s.sql.find("INDEX ") + 6, "CONCURRENTLY ");
    s.sql = "-- strata builds this ON ONLY the parent, then CONCURRENTLY on each partition (found when it\n"
            "-- runs, so partitions the application made are included), attaching each to it.\n" + s.sql;
    s.transactional = false;
    s.undo = "DROP INDEX IF EXISTS " + q + ";";
  } else if (Safe(i.table_key)) {
    size_t p = s.sql.find("INDEX ");
    s.sql.insert(p + 6, "CONCURRENTLY ");
    s.transactional = false;
    s.undo = "DROP INDEX CONCURRENTLY IF EXISTS " + q + ";";
  } else {
    if (TableExisted(i.table_key)) s.hazards.push_back({Hazard::kShareLock, "blocks writes while the index builds"});
    s.undo = "DROP INDEX " + q + ";";
  }
  // ON ONLY a partitioned table: valid only once the partitions' indexes are attached.
  if (def.find(" ON ONLY ") == std::string::npos) {
    s.verify = "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = " + Lit(q) + "::regclass";
  }
  Add(NodeKind::kCreate, kAddIndex, key, i.table_key, std::move(s));
  for (const auto& [col, target] : i.statistics) {
    Add(NodeKind::kCreate, kAddIndex, key, i.table_key,
        S(key, "statistics on " + q, "ALTER INDEX " + q + " ALTER COLUMN " + std::to_string(col) +
                                         " SET STATISTICS " + std::to_string(target) + ";"));
  }
  if (!i.comment.empty()) {
    Add(NodeKind::kCreate, kLast, key, i.table_key, S(key, "comment on " + q, CommentOn("INDEX " + q, i.comment)));
  }
}

Status Planner::IndexDrop(const Index& i) {
  if (!i.parent_key.empty() || !rel_b_.count(i.table_key)) return Status::Ok();
  std::string key = Key("index", i.schema, i.name), q = QualifiedSql(i.schema, i.name);
  // A partitioned index whose partitions' keys (PRIMARY KEY / UNIQUE) use the indexes
  // attached to it cannot be dropped alone: CASCADE drops those keys too. That is only
  // safe when the new parent key brings each of them back as it was: a PRIMARY KEY
  // replacing this index on the parent re-creates every partition's <partition>_pkey.
  std::vector<const Constraint*> keys;
  for (const Constraint& k : a_.constraints) {
    if (k.attached_to == q && (k.type == 'p' || k.type == 'u')) keys.push_back(&k);
  }
  if (!keys.empty()) {
    const Constraint* parent_pk = nullptr;
    for (const Constraint& k : b_.constraints) {
      if (k.table_key == i.table_key && k.index == q && k.type == 'p') parent_pk = &k;
    }
    std::string names;
    for (const Constraint* k : keys) {
      names += (names.empty() ? "" : ", ") + k->name;
      bool gone = true;
      for (const Constraint& kb : b_.constraints) {
        if (kb.table_key != k->table_key || kb.name != k->name) continue;
        gone = false;
        auto part = tables_b_.find(k->table_key);
        bool restored = parent_pk && kb.type == 'p' && kb.attached_to == q && part != tables_b_.end() &&
                        kb.name == part->second->name + "_pkey";
        if (!restored) {
          return Status::InvalidInput(
              "partitioned index " + q + " backs the partition key " + k->name + " on " + k->table_sql +
              "; replacing it would drop that key (strata re-creates it only when a PRIMARY KEY takes the "
              "index's place): write this change by hand");
        }
      }
      (void)gone;
    }
    Step s = S(key, "drop index " + q + " with the partition keys using it (" + names + ")",
               "DROP INDEX " + q + " CASCADE;");
    s.hazards.push_back({Hazard::kIndexDropped, "queries that used it get slower until the new key is built"});
    s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table and its partitions"});
    s.undo = i.definition + ";";
    Add(NodeKind::kDrop, kDropIndex, key, i.table_key, std::move(s));
    return Status::Ok();
  }
  // An index dropped for good from a table that stays: CONCURRENTLY, so that the drop
  // waits for running queries instead of locking the table (the runbook's rule, and
  // squawk's require-concurrent-index-deletion). Indexes rebuilt in place keep the plain
  // form: their drop and create belong together in one transaction.
  bool concurrently = Safe(i.table_key) && !recreate_.count(key) && b_index_table_.count(key) == 0;
  Step s = S(key, "drop index " + q,
             concurrently ? "DROP INDEX CONCURRENTLY IF EXISTS " + q + ";" : "DROP INDEX " + q + ";");
  s.hazards.push_back({Hazard::kIndexDropped, "queries that used it get slower"});
  if (concurrently) {
    s.transactional = false;
  } else {
    s.hazards.push_back({Hazard::kAccessExclusiveLock, "brief lock on the table"});
  }
  s.undo = i.definition + ";";
  Add(NodeKind::kDrop, kDropIndex, key, i.table_key, std::move(s));
  return Status::Ok();
}

}  // namespace strata::planning
