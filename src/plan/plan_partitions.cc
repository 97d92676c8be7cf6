// Planning partitioned tables: the names PostgreSQL gives cascaded indexes, which
// partitions' indexes and keys a parent adopts, ATTACH and DETACH of columns and indexes.
#include <algorithm>
#include <map>
#include <set>

#include "plan/planner.h"

namespace strata::planning {

// The name CREATE INDEX on a partitioned table gives a partition's index, before any
// digits added to make it unique: <partition>_<column>_<column>..._idx, "expr" for an
// expression (names over 63 bytes are cut at the end, a simplification).
std::string CascadedIndexName(const std::string& table, const std::string& definition) {
  size_t using_at = definition.find(" USING ");
  size_t open = definition.find('(', using_at == std::string::npos ? 0 : using_at);
  if (open == std::string::npos) return table + "_";
  int depth = 0;
  std::string cols, cur;
  bool expr = false;
  auto flush = [&] {
    std::string_view t = Trim(cur);
    std::string name(t.substr(0, t.find(' ')));
    if (expr || name.empty() || name[0] == '(') {
      // PostgreSQL names an expression column after the function it calls, else "expr".
      size_t call = t.find('(');
      std::string fn(t.substr(0, call == std::string_view::npos ? 0 : call));
      if (fn.find('.') != std::string::npos) fn = fn.substr(fn.rfind('.') + 1);
      bool plain = !fn.empty() && fn.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_$") == std::string::npos &&
                   !std::isdigit(static_cast<unsigned char>(fn[0]));
      name = plain ? fn : "expr";
    }
    if (name.size() > 1 && name.front() == '"') name = name.substr(1, name.size() - 2);
    cols += (cols.empty() ? "" : "_") + name;
    cur.clear();
    expr = false;
  };
  for (size_t p = open + 1; p < definition.size(); ++p) {
    char c = definition[p];
    if (c == '(') ++depth, expr = true;
    if (c == ')' && depth-- == 0) break;
    if (c == ',' && depth == 0) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  std::string name = table + "_" + cols + "_idx";
  return name.size() <= 63 ? name : name.substr(0, 63);
}

bool Planner::ChildKeepsColumn(const Table& child, const Column& col) const {
  auto ca = tables_a_.find(Key("table", child.schema, child.name));
  if (ca == tables_a_.end() || !child.partition_of.empty()) return false;
  for (const Column& c : ca->second->columns) {
    if (c.name == col.name) return false;  // already its own
  }
  for (const std::string& parent : ca->second->inherits_keys) {
    auto pa = tables_a_.find(parent), pb = tables_b_.find(parent);
    if (pa == tables_a_.end() || pb == tables_b_.end()) continue;
    bool had = false, has = false;
    for (const Column& c : pa->second->columns) had |= c.name == col.name && c.type == col.type && c.collation == col.collation;
    for (const Column& c : pb->second->columns) has |= c.name == col.name;
    if (had && !has) return true;
  }
  return false;
}
void Planner::AttachTakesOverIndexes(const Table& a, const Table& b) {
  if (b.partition_of.empty() || !a.partition_of.empty()) return;
  auto shape = [](const Index& i) {  // "UNIQUE USING btree (foo, bar)": name and table stripped
    size_t using_at = i.definition.find(" USING ");
    std::string rest = using_at == std::string::npos ? i.definition : i.definition.substr(using_at);
    return std::string(StartsWith(i.definition, "CREATE UNIQUE") ? "UNIQUE" : "") + rest;
  };
  std::set<std::string> parent_shapes;
  for (const Index& i : b_.indexes) {
    if (i.table_key == b.partition_of) parent_shapes.insert(shape(i));
  }
  std::string table = Key("table", b.schema, b.name);
  for (const Index& i : b_.indexes) {
    if (i.table_key != table || !i.parent_key.empty() || !parent_shapes.count(shape(i))) continue;
    for (const Index& old : a_.indexes) {
      if (old.schema == i.schema && old.name == i.name) recreate_.insert(Key("index", i.schema, i.name));
    }
  }
}
bool Planner::AttachMakesInherited(const Table& a, const Table& b, const Column& col, bool detach) const {
  if (b.partition_of.empty() || !a.partition_of.empty()) return false;
  const auto& tables = detach ? tables_a_ : tables_b_;
  auto parent = tables.find(b.partition_of);
  if (parent == tables.end()) return false;
  for (const Column& pc : parent->second->columns) {
    if (pc.name == col.name) return pc.type == col.type && pc.collation == col.collation;
  }
  return false;
}

// Which new indexes and keys on partitioned tables cascade to the partitions, which
// partitions' own indexes a new parent index adopts, and which new partitions are made
// on their own and attached.
void Planner::PartitionBookkeeping() {
  for (const auto& i : a_.indexes) a_index_keys_.insert(Key("index", i.schema, i.name));
  for (const auto& i : b_.indexes) {
    std::string key = Key("index", i.schema, i.name);
    b_index_table_[key] = i.table_key;
    if (!a_index_keys_.count(key) || recreate_.count(key)) new_indexes_.insert(key);
    if (Partitioned(i.table_key)) {
      // A new index on a partitioned table cascades to every partition (CREATE INDEX does;
      // CONCURRENTLY, strata's runner does it partition by partition).
      partitioned_keys_[QualifiedSql(i.schema, i.name)] = {key, new_indexes_.count(key) > 0};
    }
  }
  for (const auto& k : b_.constraints) {
    auto parent = partitioned_keys_.find(k.attached_to);
    if (k.attached_to.empty() || parent == partitioned_keys_.end() || !parent->second.second) continue;
    if (!TableExisted(k.table_key) && AdoptedKey(k)) adopted_by_.insert({k.table_key, parent->second.first});
  }
  // A new partition's index attached to a new parent index but not named as CREATE INDEX
  // on the parent names the ones it builds (<partition>_<columns>_idx): the partition's
  // own, which the parent adopted. Built first, so that the parent adopts it again.
  std::set<std::string> constraint_indexes;
  for (const auto& k : b_.constraints) constraint_indexes.insert(k.index);
  for (const auto& i : b_.indexes) {
    auto parent = partitioned_keys_.find(i.parent);
    if (i.parent.empty() || parent == partitioned_keys_.end() || !parent->second.second) continue;
    if (constraint_indexes.count(QualifiedSql(i.schema, i.name)) || constraint_indexes.count(i.parent)) continue;
    std::string key = Key("index", i.schema, i.name);
    if (TableExisted(i.table_key) && a_index_keys_.count(key) && !recreate_.count(key)) continue;  // adopted as it is
    auto part = tables_b_.find(i.table_key);
    if (part == tables_b_.end()) continue;
    std::string cascaded = CascadedIndexName(part->second->name, i.definition);
    if (StartsWith(i.name, cascaded) &&
        i.name.find_first_not_of("0123456789", cascaded.size()) == std::string::npos) {
      continue;  // named as the parent's CREATE INDEX names it (digits: made unique)
    }
    own_indexes_.insert(key);
    adopted_by_.insert({i.table_key, parent->second.first});
    key_deps_.push_back({parent->second.first, key});
  }
  for (const auto& k : b_.constraints) {
    auto parent = partitioned_keys_.find(k.attached_to);
    auto part = tables_b_.find(k.table_key);
    if (k.attached_to.empty() || parent == partitioned_keys_.end() || parent->second.second) continue;
    if (TableExisted(k.table_key) || part == tables_b_.end() || part->second->partition_of.empty() ||
        !part->second->partition_key.empty() || !TableExisted(part->second->partition_of) || !AdoptedKey(k)) {
      continue;
    }
    bool simple = true;  // identity and generated columns are the parent's to give
    for (const Column& c : tables_b_.at(part->second->partition_of)->columns) simple &= !c.identity && c.generated.empty();
    if (simple) attach_later_.insert(k.table_key);
  }
  {
    std::set<std::string> a_keys;
    for (const auto& k : a_.constraints) a_keys.insert(ConstraintKey(k));
    for (const auto& k : b_.constraints) {
      if (k.index.empty() || !Partitioned(k.table_key) || !k.attached_to.empty()) continue;
      std::string key = ConstraintKey(k);
      partitioned_keys_[k.index] = {key, !a_keys.count(key) || recreate_.count(key)};
    }
  }
}

}  // namespace strata::planning
