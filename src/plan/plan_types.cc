// Planning schemas, extensions, collations, enums, domains, composite types and sequences.
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

Status Planner::SchemaChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const Schema* a = drop || !create ? &a_.schemas[c.from_pos] : nullptr;
  const Schema* b = create || !drop ? &b_.schemas[c.to_pos] : nullptr;
  std::string key = "schema:" + (b ? b->name : a->name), q = QuoteIdent(b ? b->name : a->name);
  if (drop) Add(NodeKind::kDrop, kDropSchema, key, "", WithHazard(S(key, "drop schema " + q, "DROP SCHEMA " + q + ";"), Hazard::kDeletesData, "drops the schema"));
  else if (create) Add(NodeKind::kCreate, kCreateSchema, key, "", S(key, "create schema " + q, SchemaSql(*b)));
  else {
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on schema " + q, CommentOn("SCHEMA " + q, b->comment)));
    if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on schema " + q, AclSql("SCHEMA " + q, a->acl, b->acl, "", nullptr)), Hazard::kAuthzUpdate, "changes who may use the schema"));
  }
  return Status::Ok();
}

Status Planner::ExtensionChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const Extension* a = c.from_pos >= 0 ? &a_.extensions[c.from_pos] : nullptr;
  const Extension* b = c.to_pos >= 0 ? &b_.extensions[c.to_pos] : nullptr;
  std::string key = "extension:" + (b ? b->name : a->name), q = QuoteIdent(b ? b->name : a->name);
  if (drop) Add(NodeKind::kDrop, kDropExtension, key, "", WithHazard(S(key, "drop extension " + q, "DROP EXTENSION " + q + ";"), Hazard::kDeletesData, "drops the extension and its objects"));
  else if (create) Add(NodeKind::kCreate, kCreateExtension, key, "", S(key, "create extension " + q, ExtensionSql(*b)));
  else {
    if (has("schema")) Add(NodeKind::kAlter, kCreateExtension, key, "", S(key, "move extension " + q, "ALTER EXTENSION " + q + " SET SCHEMA " + QuoteIdent(b->schema) + ";"));
    if (has("version")) Add(NodeKind::kAlter, kCreateExtension, key, "", WithHazard(S(key, "update extension " + q, "ALTER EXTENSION " + q + " UPDATE TO " + Lit(b->version) + ";"), Hazard::kExtensionUpgrade, "runs the extension's upgrade script"));
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on extension " + q, CommentOn("EXTENSION " + q, b->comment)));
  }
  return Status::Ok();
}

Status Planner::CollationChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const Collation* a = c.from_pos >= 0 ? &a_.collations[c.from_pos] : nullptr;
  const Collation* b = c.to_pos >= 0 ? &b_.collations[c.to_pos] : nullptr;
  const Collation& x = b ? *b : *a;
  std::string key = Key("collation", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
  bool only_comment = !drop && !create && c.fields.size() == 1 && has("comment");
  if (only_comment) {
    Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on collation " + q, CommentOn("COLLATION " + q, b->comment)));
  } else {
    if (a) Add(NodeKind::kDrop, kDropCollation, key, "", S(key, "drop collation " + q, "DROP COLLATION " + q + ";"));
    if (b) Add(NodeKind::kCreate, kCreateType, key, "", S(key, "create collation " + q, CollationSql(*b)));
  }
  return Status::Ok();
}

Status Planner::EnumChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const EnumType* a = c.from_pos >= 0 ? &a_.enums[c.from_pos] : nullptr;
  const EnumType* b = c.to_pos >= 0 ? &b_.enums[c.to_pos] : nullptr;
  const EnumType& x = b ? *b : *a;
  std::string key = Key("type", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
  if (drop) Add(NodeKind::kDrop, kDropType, key, "", S(key, "drop type " + q, "DROP TYPE " + q + ";"));
  else if (create) Add(NodeKind::kCreate, kCreateType, key, "", S(key, "create type " + q, EnumSql(*b)));
  else {
    if (has("labels")) STRATA_RETURN_IF_ERROR(EnumAlter(*a, *b));
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on type " + q, CommentOn("TYPE " + q, b->comment)));
    if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on type " + q, AclSql("TYPE " + q, a->acl, b->acl, "", "USAGE")), Hazard::kAuthzUpdate, "changes who may use the type"));
  }
  return Status::Ok();
}

Status Planner::EnumAlter(const EnumType& a, const EnumType& b) {
  std::string key = Key("type", b.schema, b.name), q = QualifiedSql(b.schema, b.name);
  // Values are append-only: the old ones must appear in the new list, in the same order.
  size_t j = 0;
  for (const auto& l : b.labels) {
    if (j < a.labels.size() && a.labels[j] == l) ++j;
  }
  if (j != a.labels.size()) {
    return Status::InvalidInput("enum " + q + ": values can only be added, not removed, renamed or reordered (" +
                                "PostgreSQL cannot drop an enum value); add the new value and leave the old one unused");
  }
  std::set<std::string> old(a.labels.begin(), a.labels.end());
  for (size_t i = 0; i < b.labels.size(); ++i) {
    if (old.count(b.labels[i])) continue;
    std::string where = i > 0 ? " AFTER " + Lit(b.labels[i - 1]) : " BEFORE " + Lit(b.labels[1]);
    Step s = S(key, "add value " + b.labels[i] + " to " + q,
               "ALTER TYPE " + q + " ADD VALUE IF NOT EXISTS " + Lit(b.labels[i]) + where + ";");
    s.enum_value = true;
    s.verify = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_enum WHERE enumtypid = " + Lit(q) +
               "::regtype AND enumlabel = " + Lit(b.labels[i]) + ")";
    Add(NodeKind::kAlter, kAddEnumValue, key, "", std::move(s));
  }
  return Status::Ok();
}

Status Planner::DomainChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const Domain* a = c.from_pos >= 0 ? &a_.domains[c.from_pos] : nullptr;
  const Domain* b = c.to_pos >= 0 ? &b_.domains[c.to_pos] : nullptr;
  const Domain& x = b ? *b : *a;
  std::string key = Key("type", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
  if (drop) Add(NodeKind::kDrop, kDropType, key, "", S(key, "drop domain " + q, "DROP DOMAIN " + q + ";"));
  else if (create) Add(NodeKind::kCreate, kCreateDomain, key, "", S(key, "create domain " + q, DomainSql(*b)));
  else {
    if (has("base_type") || has("collation")) {
      return Status::InvalidInput("domain " + q + ": its base type or collation cannot be changed in place (" +
                                  a->base_type + " -> " + b->base_type + "); create a new domain and move the columns to it");
    }
    std::string on = "ALTER DOMAIN " + q + " ";
    if (has("default")) Add(NodeKind::kAlter, kCreateDomain, key, "", S(key, "default of domain " + q, on + (b->default_expr.empty() ? "DROP DEFAULT;" : "SET DEFAULT " + b->default_expr + ";")));
    if (has("not_null")) Add(NodeKind::kAlter, kCreateDomain, key, "", WithHazard(S(key, "NOT NULL of domain " + q, on + (b->not_null ? "SET NOT NULL;" : "DROP NOT NULL;")), Hazard::kValidatesRows, "checks every column of the domain"));
    if (has("checks")) {
      std::map<std::string, const DomainCheck*> ca, cb;
      for (const auto& ck : a->checks) ca[ck.name] = &ck;
      for (const auto& ck : b->checks) cb[ck.name] = &ck;
      for (const auto& [n, ck] : ca) {
        auto it = cb.find(n);
        if (it == cb.end() || it->second->definition != ck->definition) {
          Add(NodeKind::kAlter, kCreateDomain, key, "", S(key, "drop check " + n + " of " + q, on + "DROP CONSTRAINT " + QuoteIdent(n) + ";"));
        }
      }
      for (const auto& [n, ck] : cb) {
        auto it = ca.find(n);
        if (it == ca.end() || it->second->definition != ck->definition) {
          Add(NodeKind::kAlter, kCreateDomain, key, "", WithHazard(S(key, "add check " + n + " to " + q, on + "ADD CONSTRAINT " + QuoteIdent(n) + " " + ck->definition + ";"), Hazard::kValidatesRows, "checks every column of the domain"));
        }
        if (it == ca.end() ? !ck->comment.empty() : it->second->comment != ck->comment) {
          Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on check " + n, CommentOn("CONSTRAINT " + QuoteIdent(n) + " ON DOMAIN " + q, ck->comment)));
        }
      }
    }
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on domain " + q, CommentOn("DOMAIN " + q, b->comment)));
    if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on domain " + q, AclSql("DOMAIN " + q, a->acl, b->acl, "", "USAGE")), Hazard::kAuthzUpdate, "changes who may use the domain"));
  }
  return Status::Ok();
}

Status Planner::CompositeChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const CompositeType* a = c.from_pos >= 0 ? &a_.composites[c.from_pos] : nullptr;
  const CompositeType* b = c.to_pos >= 0 ? &b_.composites[c.to_pos] : nullptr;
  const CompositeType& x = b ? *b : *a;
  std::string key = Key("type", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
  if (drop) Add(NodeKind::kDrop, kDropType, key, "", S(key, "drop type " + q, "DROP TYPE " + q + ";"));
  else if (create) Add(NodeKind::kCreate, kCreateComposite, key, "", S(key, "create type " + q, CompositeSql(*b)));
  else {
    if (has("attributes")) {
      std::map<std::string, const Attribute*> aa, ab;
      for (const auto& t : a->attributes) aa[t.name] = &t;
      for (const auto& t : b->attributes) ab[t.name] = &t;
      std::string on = "ALTER TYPE " + q + " ";
      for (const auto& [n, t] : aa) {
        if (!ab.count(n)) Add(NodeKind::kAlter, kCreateComposite, key, "", WithHazard(S(key, "drop attribute " + n + " of " + q, on + "DROP ATTRIBUTE " + QuoteIdent(n) + ";"), Hazard::kDeletesData, "drops the attribute"));
      }
      for (const auto& t : b->attributes) {
        auto it = aa.find(t.name);
        std::string collate = t.collation.empty() ? "" : " COLLATE " + t.collation;
        if (it == aa.end()) {
          Add(NodeKind::kAlter, kCreateComposite, key, "", S(key, "add attribute " + t.name + " to " + q, on + "ADD ATTRIBUTE " + QuoteIdent(t.name) + " " + t.type + collate + ";"));
        } else if (it->second->type != t.type || it->second->collation != t.collation) {
          Add(NodeKind::kAlter, kCreateComposite, key, "", S(key, "change attribute " + t.name + " of " + q, on + "ALTER ATTRIBUTE " + QuoteIdent(t.name) + " TYPE " + t.type + collate + ";"));
        }
        if ((it == aa.end() ? std::string() : it->second->comment) != t.comment) {
          Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on attribute " + t.name, CommentOn("COLUMN " + q + "." + QuoteIdent(t.name), t.comment)));
        }
      }
    }
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on type " + q, CommentOn("TYPE " + q, b->comment)));
    if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on type " + q, AclSql("TYPE " + q, a->acl, b->acl, "", "USAGE")), Hazard::kAuthzUpdate, "changes who may use the type"));
  }
  return Status::Ok();
}

Status Planner::SequenceChange(const Change& c) {
  const bool drop = c.action == ChangeAction::kDrop, create = c.action == ChangeAction::kCreate;
  auto has = [&](const char* f) { return HasField(c, f); };
  const Sequence* a = c.from_pos >= 0 ? &a_.sequences[c.from_pos] : nullptr;
  const Sequence* b = c.to_pos >= 0 ? &b_.sequences[c.to_pos] : nullptr;
  const Sequence& x = b ? *b : *a;
  std::string key = Key("sequence", x.schema, x.name), q = QualifiedSql(x.schema, x.name);
  auto owned = [&](const Sequence& s, const std::string& how) {
    int id = Add(NodeKind::kCreate, kSequenceOwner, "owned:" + key, "", S(key, "owner of sequence " + q, "ALTER SEQUENCE " + q + " OWNED BY " + how + ";"));
    if (!s.owned_by_table_key.empty() && how != "NONE") late_deps_.push_back({id, s.owned_by_table_key});
  };
  if (drop) {
    // IF EXISTS: a sequence owned by a dropped table or column is already gone.
    Add(NodeKind::kDrop, kDropSequence, key, "", WithHazard(S(key, "drop sequence " + q, "DROP SEQUENCE IF EXISTS " + q + ";"), Hazard::kDeletesData, "loses the sequence's current value"));
  } else if (create) {
    Add(NodeKind::kCreate, kCreateSequence, key, "", S(key, "create sequence " + q, SequenceSql(*b)));
    if (!b->owned_by.empty()) owned(*b, b->owned_by);
  } else {
    if (has("options")) Add(NodeKind::kAlter, kCreateSequence, key, "", S(key, "options of sequence " + q, "ALTER SEQUENCE " + q + " AS " + b->options.data_type + " " + SequenceOptionsSql(b->options) + ";"));
    if (has("owned_by")) {
      if (!a->owned_by.empty()) {
        // Released first: dropping its old table or column would drop the sequence too.
        Add(NodeKind::kAlter, kDropPolicy, "release:" + key, "", S(key, "release sequence " + q + " from " + a->owned_by, "ALTER SEQUENCE " + q + " OWNED BY NONE;"));
      }
      if (!b->owned_by.empty()) owned(*b, b->owned_by);
    }
    if (has("comment")) Add(NodeKind::kAlter, kLast, key, "", S(key, "comment on sequence " + q, CommentOn("SEQUENCE " + q, b->comment)));
    if (has("acl")) Add(NodeKind::kAlter, kLast, key, "", WithHazard(S(key, "privileges on sequence " + q, AclSql("SEQUENCE " + q, a->acl, b->acl, "", nullptr)), Hazard::kAuthzUpdate, "changes who may use the sequence"));
  }
  return Status::Ok();
}

}  // namespace strata::planning
