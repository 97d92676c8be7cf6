// The planner's inside, shared by the files of plan/: one file per object family
// (plan_types.cc: schemas, extensions, collations, enums, domains, composite types,
// sequences; plan_tables.cc: tables and columns; plan_constraints.cc; plan_indexes.cc;
// plan_routines.cc: functions and triggers; plan_views.cc; plan_policies.cc: policies
// and privileges; plan_partitions.cc; plan_defined.cc: kinds kept whole; plan_order.cc:
// ordering and what must be re-created). plan.cc holds MakePlan and the dispatch.
// Not part of the module's interface (plan/plan.h is).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "catalog/ddl.h"
#include "plan/plan.h"

namespace strata::planning {

// Phases, in the order they run when no dependency decides.
enum Prio {
  kDropPolicy = 0, kDropTrigger, kDropView, kDropForeignKey, kDropConstraint, kDropIndex,
  kCreateSchema = 10, kCreateExtension, kCreateType, kAddEnumValue, kCreateDomain, kCreateComposite,
  kCreateSequence,
  // Functions after tables: SQL bodies are checked against the tables they use. A table
  // whose default or check needs a function pulls it earlier through pg_depend.
  kCreateTable = 20, kDropColumn, kAlterColumn, kAlterTable, kCreateFunction,
  kDropTable = 30, kDropSequence, kDropFunction, kDropType, kDropCollation, kDropExtension, kDropSchema,
  kSequenceOwner = 40, kAddConstraint, kAddIndex, kValidate, kAddForeignKey, kValidateForeignKey, kReplicaIdentity,
  kCreateView, kCreateTrigger, kCreatePolicy, kLast
};

enum class NodeKind { kDrop, kAlter, kCreate };

struct Node {
  Step step;
  int prio = 0;
  NodeKind kind = NodeKind::kAlter;
  std::string owner;  // the table a column/constraint/index step belongs to, for ordering
  bool table_part = false;  // a change of the table itself (column, property)
  std::set<int> deps;
};

std::string CommentOn(const std::string& what, const std::string& comment);
std::string Trimmed(std::string s);
// REVOKE what `from` granted, then GRANT what `to` grants.
std::string AclSql(const std::string& on, const Acl& from, const Acl& to, const std::string& columns,
                   const char* default_public);
std::string Lit(const std::string& s);
std::string ColumnExists(const std::string& table_sql, const std::string& col);
std::string ColumnIs(const std::string& table_sql, const std::string& col, const std::string& cond);
std::string ConstraintValid(const std::string& table_sql, const std::string& name);
std::string TypeIs(const std::string& type);
bool BinaryCoercible(const std::string& from, const std::string& to);
bool VolatileDefault(const std::string& expr);
std::string Unquoted(std::string s);
std::string FunctionHeader(const std::string& def);
std::string UndoOfCreate(const Step& s);
std::string FunctionKey(const Function& f);
std::string FunctionSignature(const Function& f);
std::string ConstraintKey(const Constraint& k);
std::string TriggerKey(const Trigger& t);
std::string PolicyKey(const Policy& p);
std::string ViewWord(const View& v);
std::string CascadedIndexName(const std::string& table, const std::string& definition);
bool NoCast(const std::string& from, const std::string& to);
std::string StripNotValid(const std::string& def);
// `s` with one more hazard.
Step WithHazard(Step s, Hazard h, std::string message);
// Whether `field` is among the change's changed fields.
bool HasField(const Change& c, const char* field);

class Planner {
 public:
  Planner(const Catalog& a, const Catalog& b, const PlanOptions& o, const std::vector<Change>* changes = nullptr)
      : a_(a), b_(b), opt_(o), given_changes_(changes) {}
  Result<Plan> Run();
  // Run wrote constraints into CREATE TABLE and then had to break a dependency cycle: plan
  // again with `inline_constraints` off (each constraint its own step, as before).
  bool InliningBrokeACycle() const { return cycle_broken_ && !inline_keys_.empty(); }

 private:
  int Add(NodeKind kind, int prio, const std::string& object, const std::string& owner, Step step);
  Step S(const std::string& object, std::string description, std::string sql) {
    Step s;
    s.object = object;
    s.description = std::move(description);
    s.sql = Trimmed(std::move(sql));
    return s;
  }
  bool TableExisted(const std::string& key) const { return tables_a_.count(key) && tables_b_.count(key); }
  // `col` is the child's own in `child` (target) and was inherited from a parent that
  // loses it: the parent's DROP COLUMN runs ONLY there, and the child keeps its column.
  bool ChildKeepsColumn(const Table& child, const Column& col) const;
  // ATTACH PARTITION adopts the partition's first matching index for each parent index.
  // A local index that should stay local is dropped before and built again after, so that
  // the attach builds the parent's own child index (as in the desired schema).
  void AttachTakesOverIndexes(const Table& a, const Table& b);
  // `col`, local in `a`, is gone from `b` only because `b` is now a partition whose parent
  // has the same column: ATTACH PARTITION makes it inherited, no drop needed.
  // With `detach`, the other way: `col` appears in `a` (the new standalone table) only
  // because it was the partition `b`'s inherited column.
  bool AttachMakesInherited(const Table& a, const Table& b, const Column& col, bool detach = false) const;
  bool Partitioned(const std::string& key) const {
    auto it = tables_b_.find(key);
    return it != tables_b_.end() && !it->second->partition_key.empty();
  }
  bool Safe(const std::string& table_key) const {
    return opt_.concurrently && TableExisted(table_key) && !Partitioned(table_key);
  }

  Status Objects(const Change& c);
  // One per kind of change, in the file of its family (plan_<family>.cc).
  Status SchemaChange(const Change& c);
  Status ExtensionChange(const Change& c);
  Status CollationChange(const Change& c);
  Status EnumChange(const Change& c);
  Status DomainChange(const Change& c);
  Status CompositeChange(const Change& c);
  Status SequenceChange(const Change& c);
  Status FunctionChange(const Change& c);
  Status TableChange(const Change& c);
  Status ColumnChange(const Change& c);
  Status ViewChange(const Change& c);
  Status ConstraintChange(const Change& c);
  Status IndexChange(const Change& c);
  Status TriggerChange(const Change& c);
  Status PolicyChange(const Change& c);
  Status TableAlter(const Table& a, const Table& b, const std::vector<std::string>& fields);
  Status ColumnCreate(const Table& t, const Column& c);
  Status ColumnAlter(const Table& t, const Column& a, const Column& b);
  // A rewriting type change of a plain column done as expand/contract; false when the
  // column is used by anything the swap would break (an index, a key, a view, ...) and
  // the change stays an in-place ALTER COLUMN TYPE.
  bool ColumnRetypeOnline(const Table& t, const Column& a, const Column& b);
  void ColumnExtras(const Table& t, const Column* a, const Column& b);
  void ConstraintCreate(const Constraint& k);
  void ConstraintDrop(const Constraint& k);
  void IndexCreate(const Index& i);
  Status IndexDrop(const Index& i);
  Status EnumAlter(const EnumType& a, const EnumType& b);
  Status DefinedChange(const Change& c, DefinedKind kind);
  void Recreate(const std::vector<Change>& changes);
  // Which indexes and keys of partitioned tables cascade, are adopted or attached.
  void PartitionBookkeeping();
  void Order(Plan* plan);
  // Which constraints of new tables go into their CREATE TABLE: keys, checks and
  // exclusions, and foreign keys whose referenced key is there before the table (an
  // untouched table's, or one written into an earlier CREATE TABLE; not within a cycle).
  void ChooseInlineConstraints(const std::vector<Change>& changes);

  const Catalog& a_;
  const Catalog& b_;
  PlanOptions opt_;
  const std::vector<Change>* given_changes_;  // Diff(a_, b_) when the caller has it
  std::map<std::string, const Table*> tables_a_, tables_b_;
  std::set<std::string> rel_b_;  // tables and views of `to`
  std::set<std::string> new_indexes_, a_index_keys_;     // created in this plan; present in `from`
  std::map<std::string, std::string> b_index_table_;     // index key -> its table's key, in `to`
  std::multimap<std::string, int> attach_nodes_;         // partitioned index key -> ATTACH steps
  // Indexes of partitioned tables in `to`, by quoted name: (catalog key, created now with a
  // cascade to every partition).
  std::map<std::string, std::pair<std::string, bool>> partitioned_keys_;
  std::set<std::string> recreate_;  // keys dropped and created again
  std::vector<Node> nodes_;
  std::multimap<std::string, int> by_object_, by_owner_;
  std::vector<std::pair<int, std::string>> late_deps_;  // node waits for every node of key
  std::vector<std::pair<std::string, std::string>> key_deps_;  // every node of key 1 waits for key 2
  std::set<std::pair<std::string, std::string>> adopted_by_;  // (partition table key, parent index key)
  std::set<std::string> attach_later_;  // new partitions made on their own, then attached
  std::set<std::string> own_indexes_;   // new partitions' own indexes a new parent index adopts
  // A partition's key whose index a parent *index* (not the same kind of key on the parent)
  // adopted: it does not come from the parent, the partition has it of its own.
  bool AdoptedKey(const Constraint& k) const {
    for (const Constraint& p : b_.constraints) {
      if (p.index == k.attached_to && p.type == k.type) return false;
    }
    return true;
  }
  std::set<std::string> enum_types_;  // "schema.name" of enums in either catalog
  std::map<std::string, std::vector<const Constraint*>> inline_;  // table key -> in its CREATE TABLE
  std::set<std::string> inline_keys_;                             // their constraint keys
  bool cycle_broken_ = false;
};

}  // namespace strata::planning
