#include "plan/plan.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <set>

#include "base/strings.h"
#include "catalog/ddl.h"
#include "plan/planner.h"

namespace strata {

const char* HazardCode(Hazard h) {
  switch (h) {
    case Hazard::kAccessExclusiveLock: return "ACQUIRES_ACCESS_EXCLUSIVE_LOCK";
    case Hazard::kShareLock: return "ACQUIRES_SHARE_LOCK";
    case Hazard::kShareRowExclusiveLock: return "ACQUIRES_SHARE_ROW_EXCLUSIVE_LOCK";
    case Hazard::kAuthzUpdate: return "AUTHZ_UPDATE";
    case Hazard::kCorrectness: return "CORRECTNESS";
    case Hazard::kDeletesData: return "DELETES_DATA";
    case Hazard::kExtensionUpgrade: return "EXTENSION_VERSION_UPGRADE";
    case Hazard::kUntrackableDeps: return "HAS_UNTRACKABLE_DEPENDENCIES";
    case Hazard::kIndexBuild: return "INDEX_BUILD";
    case Hazard::kIndexDropped: return "INDEX_DROPPED";
    case Hazard::kTableRewrite: return "TABLE_REWRITE";
    case Hazard::kValidatesRows: return "VALIDATES_ROWS";
    case Hazard::kFailsOnExistingRows: return "FAILS_ON_EXISTING_ROWS";
  }
  return "?";
}

bool Step::HasHazard(Hazard h) const {
  return std::any_of(hazards.begin(), hazards.end(), [h](const HazardNote& n) { return n.type == h; });
}

bool Plan::DeletesData() const {
  return std::any_of(steps.begin(), steps.end(), [](const Step& s) { return s.HasHazard(Hazard::kDeletesData); });
}

std::string BatchedUpdateSql(const std::string& table_sql, const std::string& set, const std::string& pending,
                             const std::string& verb, const std::string& label, int server_version) {
  std::string notice = "    RAISE NOTICE '" + verb + " % rows of %";
  if (server_version != 0 && server_version < 140000) {
    return "DO $strata$\n-- re-runnable: only pending rows are updated\n"
           "DECLARE\n  batch bigint;\n  total bigint := 0;\n"
           "BEGIN\n  LOOP\n"
           "    UPDATE " + table_sql + " SET " + set + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + table_sql +
           " WHERE " + pending + " LIMIT 10000));\n"
           "    GET DIAGNOSTICS batch = ROW_COUNT;\n    EXIT WHEN batch = 0;\n    total := total + batch;\n" +
           notice + "', total, " + QuoteLiteral(label) + ";\n"
           "    COMMIT;\n  END LOOP;\nEND\n$strata$;";
  }
  // One pass over the pages that existed when it started (rows written later went
  // through whatever keeps them current), a range of pages per commit sized to about
  // 10,000 rows from the table's statistics, halved when a range held far more.
  std::string rel = QuoteLiteral(table_sql) + "::regclass";
  return "DO $strata$\n-- re-runnable: only pending rows are updated\n"
         "DECLARE\n"
         "  pages bigint := pg_catalog.pg_relation_size(" + rel + ") / current_setting('block_size')::int;\n"
         "  step bigint;\n  first bigint := 0;\n  batch bigint;\n  total bigint := 0;\n  started timestamptz;\n"
         "BEGIN\n"
         "  SELECT greatest(1, 10000 / greatest(1, CASE WHEN relpages > 0 AND reltuples > 0 THEN reltuples / relpages "
         "ELSE 50 END))::bigint\n    INTO step FROM pg_catalog.pg_class WHERE oid = " + rel + ";\n"
         "  WHILE first < pages LOOP\n"
         "    started := clock_timestamp();\n"
         "    UPDATE " + table_sql + " SET " + set + "\n"
         "      WHERE ctid >= format('(%s,0)', first)::tid AND ctid < format('(%s,0)', first + step)::tid AND " +
         pending + ";\n"
         "    GET DIAGNOSTICS batch = ROW_COUNT;\n"
         "    first := first + step;\n"
         "    IF batch > 20000 THEN step := greatest(1, step / 2); END IF;\n"
         "    IF batch > 0 THEN\n      total := total + batch;\n"
         "  " + notice + " (%)', total, " + QuoteLiteral(label) + ", least(100, first * 100 / pages) || '%';\n"
         "    END IF;\n"
         "    COMMIT;\n"
         "    -- as long again idle: the backfill takes at most half of what the server can write\n"
         "    PERFORM pg_catalog.pg_sleep(extract(epoch FROM clock_timestamp() - started));\n"
         "  END LOOP;\nEND\n$strata$;";
}

namespace planning {

std::string CommentOn(const std::string& what, const std::string& comment) {
  return "COMMENT ON " + what + " IS " + (comment.empty() ? std::string("NULL") : QuoteLiteral(comment)) + ";";
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// REVOKE what `from` granted, then GRANT what `to` grants.
std::string AclSql(const std::string& on, const Acl& from, const Acl& to, const std::string& columns,
                   const char* default_public) {
  std::set<std::string> grantees = {"PUBLIC"};
  if (from) for (const auto& g : *from) grantees.insert(g.grantee);
  std::string out;
  for (const auto& g : grantees) out += "REVOKE ALL" + columns + " ON " + on + " FROM " + GranteeSql(g) + ";\n";
  if (to) {
    for (const Grant& g : *to) {
      std::string privs;
      for (const auto& p : g.privileges) privs += (privs.empty() ? "" : ", ") + p + columns;
      out += "GRANT " + privs + " ON " + on + " TO " + GranteeSql(g.grantee) +
             (g.grantable ? " WITH GRANT OPTION" : "") + ";\n";
    }
  } else if (default_public && columns.empty()) {
    out += std::string("GRANT ") + default_public + " ON " + on + " TO PUBLIC;\n";
  }
  return Trimmed(out);
}

std::string Lit(const std::string& s) { return QuoteLiteral(s); }

std::string ColumnExists(const std::string& table_sql, const std::string& col) {
  return "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = " + Lit(table_sql) +
         "::regclass AND attname = " + Lit(col) + " AND NOT attisdropped)";
}

std::string ColumnIs(const std::string& table_sql, const std::string& col, const std::string& cond) {
  return "SELECT " + cond + " FROM pg_catalog.pg_attribute WHERE attrelid = " + Lit(table_sql) +
         "::regclass AND attname = " + Lit(col) + " AND NOT attisdropped";
}

std::string ConstraintValid(const std::string& table_sql, const std::string& name) {
  return "SELECT convalidated FROM pg_catalog.pg_constraint WHERE conrelid = " + Lit(table_sql) +
         "::regclass AND conname = " + Lit(name);
}

// The condition (on pg_attribute) that a column has type `type`, as format_type prints
// it with an empty search_path ("app.email", "character varying(40)"). Independent of the
// search_path the verify query runs under: the type is compared by oid, and format_type,
// which leaves out a schema on the search_path, may print it with or without its schema.
std::string TypeIs(const std::string& type) {
  std::string bare = type;
  size_t i = 0;
  if (i < type.size() && type[i] == '"') {
    for (++i; i < type.size(); ++i) {
      if (type[i] == '"' && i + 1 < type.size() && type[i + 1] == '"') ++i;
      else if (type[i] == '"') break;
    }
    ++i;
  } else {
    while (i < type.size() && (std::isalnum(static_cast<unsigned char>(type[i])) || type[i] == '_' || type[i] == '$' ||
                               static_cast<unsigned char>(type[i]) >= 0x80)) {
      ++i;
    }
  }
  if (i > 0 && i < type.size() && type[i] == '.') bare = type.substr(i + 1);
  std::string printed = "pg_catalog.format_type(atttypid, atttypmod)";
  return "atttypid = " + QuoteLiteral(type) + "::pg_catalog.regtype AND " + printed +
         (bare == type ? " = " + QuoteLiteral(type) : " IN (" + QuoteLiteral(type) + ", " + QuoteLiteral(bare) + ")");
}

// Column type changes PostgreSQL does without rewriting the table.
bool BinaryCoercible(const std::string& from, const std::string& to) {
  auto base = [](const std::string& t) { return t.substr(0, t.find('(')); };
  auto arg = [](const std::string& t) -> long {
    size_t p = t.find('(');
    return p == std::string::npos ? -1 : std::atol(t.c_str() + p + 1);
  };
  std::string bf = base(from), bt = base(to);
  if ((bf == "character varying" || bf == "text") && bt == "text") return true;
  if (bf == "character varying" && bt == "character varying") return arg(to) < 0 || (arg(from) >= 0 && arg(to) >= arg(from));
  if (bf == "numeric" && bt == "numeric") return to == "numeric";
  if (bf == "bit varying" && bt == "bit varying") return arg(to) < 0 || arg(to) >= arg(from);
  return false;
}

bool VolatileDefault(const std::string& expr) {
  for (const char* f : {"nextval(", "random(", "gen_random_uuid(", "uuid_generate_v", "clock_timestamp(",
                        "timeofday(", "txid_current("}) {
    if (expr.find(f) != std::string::npos) return true;
  }
  return false;
}

std::string Unquoted(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  return s;
}

std::string FunctionHeader(const std::string& def) {
  // "CREATE OR REPLACE FUNCTION s.f(args)\n RETURNS t\n LANGUAGE ..." — the first two lines
  // decide whether CREATE OR REPLACE can change it in place.
  size_t a = def.find('\n');
  if (a == std::string::npos) return def;
  size_t b = def.find('\n', a + 1);
  std::string second = def.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  return def.substr(0, a) + (StartsWith(Trim(second), "RETURNS") ? "\n" + second : "");
}

// The statement that removes what a create step made, from its object key and SQL.
std::string UndoOfCreate(const Step& s) {
  const std::string& k = s.object;
  std::string rest = k.substr(k.find(':') + 1);
  auto qualified = [&](const std::string& r) {
    size_t dot = r.find('.');
    return QualifiedSql(r.substr(0, dot), r.substr(dot + 1));
  };
  if (StartsWith(k, "schema:")) return "DROP SCHEMA " + QuoteIdent(rest) + ";";
  if (StartsWith(k, "extension:")) return "DROP EXTENSION " + QuoteIdent(rest) + ";";
  if (StartsWith(k, "collation:")) return "DROP COLLATION " + qualified(rest) + ";";
  if (StartsWith(k, "type:")) return std::string(StartsWith(s.sql, "CREATE DOMAIN") ? "DROP DOMAIN " : "DROP TYPE ") + qualified(rest) + ";";
  if (StartsWith(k, "sequence:") && StartsWith(s.sql, "CREATE SEQUENCE")) return "DROP SEQUENCE " + qualified(rest) + ";";
  if (StartsWith(k, "view:")) return std::string(s.sql.find("MATERIALIZED") != std::string::npos ? "DROP MATERIALIZED VIEW " : "DROP VIEW ") + qualified(rest) + ";";
  if ((StartsWith(k, "function:") || StartsWith(k, "operator:")) && StartsWith(s.description, "create ")) {
    return "DROP " + s.description.substr(7) + ";";
  }
  for (const char* p : {"trigger:", "policy:"}) {
    if (!StartsWith(k, p)) continue;
    std::string table = k.substr(std::strlen(p), k.rfind('/') - std::strlen(p));
    table = table.substr(table.find(':') + 1);
    std::string name = k.substr(k.rfind('/') + 1);
    return std::string(p[0] == 't' ? "DROP TRIGGER " : "DROP POLICY ") + QuoteIdent(name) + " ON " + qualified(table) + ";";
  }
  return "";
}

Step WithHazard(Step s, Hazard h, std::string message) {
  s.hazards.push_back({h, std::move(message)});
  return s;
}

bool HasField(const Change& c, const char* field) {
  return std::find(c.fields.begin(), c.fields.end(), field) != c.fields.end();
}

int Planner::Add(NodeKind kind, int prio, const std::string& object, const std::string& owner, Step step) {
  Node n;
  n.step = std::move(step);
  n.step.object = object;
  n.prio = prio;
  n.kind = kind;
  n.owner = owner;
  n.table_part = StartsWith(object, "column:") || StartsWith(object, "props:") || StartsWith(object, "replica:");
  int id = static_cast<int>(nodes_.size());
  // Steps on one object run in the order they were added.
  auto range = by_object_.equal_range(object);
  for (auto it = range.first; it != range.second; ++it) n.deps.insert(it->second);
  nodes_.push_back(std::move(n));
  by_object_.emplace(object, id);
  if (!owner.empty()) by_owner_.emplace(owner, id);
  return id;
}

std::string FunctionKey(const Function& f) {
  return Key(f.kind == 'o' ? "operator" : "function", f.schema, f.name + "(" + f.identity_args + ")");
}
std::string FunctionSignature(const Function& f) {
  if (f.kind == 'o') return "OPERATOR " + QuoteIdent(f.schema) + "." + f.name + " (" + f.identity_args + ")";
  const char* word = f.kind == 'a' ? "AGGREGATE " : f.kind == 'p' ? "PROCEDURE " : "FUNCTION ";
  return word + QualifiedSql(f.schema, f.name) + "(" + f.identity_args + ")";
}
std::string ConstraintKey(const Constraint& k) { return "constraint:" + k.table_key + "/" + k.name; }
std::string TriggerKey(const Trigger& t) { return "trigger:" + t.table_key + "/" + t.name; }
std::string PolicyKey(const Policy& p) { return "policy:" + p.table_key + "/" + p.name; }
std::string ViewWord(const View& v) { return v.materialized ? "MATERIALIZED VIEW " : "VIEW "; }

// Type pairs PostgreSQL has no cast between (numbers to date/time types): `USING col::type`
// would fail.
bool NoCast(const std::string& from, const std::string& to) {
  auto numeric = [](const std::string& t) {
    return t == "smallint" || t == "integer" || t == "bigint" || t == "real" || t == "double precision" ||
           StartsWith(t, "numeric");
  };
  auto datetime = [](const std::string& t) {
    return StartsWith(t, "timestamp") || t == "date" || StartsWith(t, "time ") || t == "time" || StartsWith(t, "time(");
  };
  return (numeric(from) && datetime(to)) || (datetime(from) && numeric(to));
}

std::string StripNotValid(const std::string& def) {
  return EndsWith(def, " NOT VALID") ? def.substr(0, def.size() - 10) : def;
}

Status Planner::Objects(const Change& c) {
  using Handler = Status (Planner::*)(const Change&);
  static const std::map<std::string, Handler> kHandlers = {
      {"schema", &Planner::SchemaChange},
      {"extension", &Planner::ExtensionChange},
      {"collation", &Planner::CollationChange},
      {"enum", &Planner::EnumChange},
      {"domain", &Planner::DomainChange},
      {"composite type", &Planner::CompositeChange},
      {"sequence", &Planner::SequenceChange},
      {"function", &Planner::FunctionChange},
      {"table", &Planner::TableChange},
      {"column", &Planner::ColumnChange},
      {"view", &Planner::ViewChange},
      {"constraint", &Planner::ConstraintChange},
      {"index", &Planner::IndexChange},
      {"trigger", &Planner::TriggerChange},
      {"policy", &Planner::PolicyChange},
  };
  auto it = kHandlers.find(c.kind);
  if (it != kHandlers.end()) return (this->*it->second)(c);
  for (const auto& info : DefinedKinds()) {
    if (c.kind == info.name) return DefinedChange(c, info.kind);
  }
  return Status::InvalidInput("strata cannot plan a change of kind " + c.kind + " (" + c.object + ")");
}

Result<Plan> Planner::Run() {
  for (const auto* c : {&a_, &b_}) {
    for (const auto& e : c->enums) enum_types_.insert(e.schema + "." + e.name);
  }
  for (const auto& t : a_.tables) tables_a_[Key("table", t.schema, t.name)] = &t;
  for (const auto& t : b_.tables) tables_b_[Key("table", t.schema, t.name)] = &t;
  for (const auto& t : b_.tables) rel_b_.insert(Key("table", t.schema, t.name));
  for (const auto& v : b_.views) rel_b_.insert(Key("view", v.schema, v.name));
  std::vector<Change> changes = given_changes_ ? *given_changes_ : Diff(a_, b_);
  // First pass: which definitions change (their dependents are recreated too).
  for (const Change& c : changes) {
    if (c.action != ChangeAction::kAlter) continue;
    auto has = [&](const char* f) { return std::find(c.fields.begin(), c.fields.end(), f) != c.fields.end(); };
    if (c.kind == "view" && (has("definition") || has("options") || has("materialized"))) {
      const View& v = b_.views[c.to_pos];
      recreate_.insert(Key("view", v.schema, v.name));
    } else if (c.kind == "function" && has("definition")) {
      const Function &a = a_.functions[c.from_pos], &b = b_.functions[c.to_pos];
      if (a.kind != b.kind || (b.kind != 'f' && b.kind != 'p' && b.kind != 'w') ||
          FunctionHeader(a.definition) != FunctionHeader(b.definition)) {
        recreate_.insert(FunctionKey(b));
      }
    } else if (c.kind == "constraint" && has("definition")) {
      const Constraint &a = a_.constraints[c.from_pos], &b = b_.constraints[c.to_pos];
      if (StripNotValid(a.definition) != b.definition) recreate_.insert(ConstraintKey(b));
    } else if (c.kind == "index" && has("definition")) {
      const Index& i = b_.indexes[c.to_pos];
      recreate_.insert(Key("index", i.schema, i.name));
    } else if (c.kind == "trigger" && has("definition")) {
      recreate_.insert(TriggerKey(b_.triggers[c.to_pos]));
    } else if (c.kind == "policy" && (has("command") || has("permissive"))) {
      recreate_.insert(PolicyKey(b_.policies[c.to_pos]));
    } else if (c.kind == "table" && has("partition_of")) {
      AttachTakesOverIndexes(a_.tables[c.from_pos], b_.tables[c.to_pos]);
    }
  }
  Recreate(changes);
  PartitionBookkeeping();
  if (opt_.inline_constraints) ChooseInlineConstraints(changes);
  // Objects recreated only because something they depend on is: a change of their own.
  std::set<std::string> seen;
  auto note = [&](const std::string& key) { seen.insert(key); };
  for (const Change& c : changes) {
    if (c.kind == "view" && c.to_pos >= 0) note(Key("view", b_.views[c.to_pos].schema, b_.views[c.to_pos].name));
    if (c.kind == "index" && c.to_pos >= 0) note(Key("index", b_.indexes[c.to_pos].schema, b_.indexes[c.to_pos].name));
    if (c.kind == "constraint" && c.to_pos >= 0) note(ConstraintKey(b_.constraints[c.to_pos]));
    if (c.kind == "trigger" && c.to_pos >= 0) note(TriggerKey(b_.triggers[c.to_pos]));
    if (c.kind == "policy" && c.to_pos >= 0) note(PolicyKey(b_.policies[c.to_pos]));
    if (c.kind == "function" && c.to_pos >= 0) note(FunctionKey(b_.functions[c.to_pos]));
  }
  auto extra = [&](const char* kind, auto& list_a, auto& list_b, auto key_of) {
    std::map<std::string, int> pa, pb;
    for (size_t i = 0; i < list_a.size(); ++i) pa[key_of(list_a[i])] = static_cast<int>(i);
    for (size_t i = 0; i < list_b.size(); ++i) pb[key_of(list_b[i])] = static_cast<int>(i);
    for (const auto& [key, i] : pb) {
      if (!recreate_.count(key) || seen.count(key) || !pa.count(key)) continue;
      Change c;
      c.action = ChangeAction::kAlter;
      c.kind = kind;
      c.object = key;
      c.fields = {"definition"};
      c.from_pos = pa[key];
      c.to_pos = i;
      changes.push_back(c);
    }
  };
  extra("view", a_.views, b_.views, [](const View& v) { return Key("view", v.schema, v.name); });
  extra("index", a_.indexes, b_.indexes, [](const Index& i) { return Key("index", i.schema, i.name); });
  extra("constraint", a_.constraints, b_.constraints, ConstraintKey);
  extra("trigger", a_.triggers, b_.triggers, TriggerKey);
  extra("policy", a_.policies, b_.policies, PolicyKey);
  for (const Change& c : changes) STRATA_RETURN_IF_ERROR(Objects(c));
  Plan plan;
  Order(&plan);
  return plan;
}

}  // namespace planning

Result<Plan> MakePlan(const Catalog& from, const Catalog& to, const PlanOptions& options) {
  std::vector<Change> changes = Diff(from, to);
  return MakePlan(from, to, options, changes);
}

Result<Plan> MakePlan(const Catalog& from, const Catalog& to, const PlanOptions& options,
                      const std::vector<Change>& changes) {
  using planning::Planner;
  Planner p(from, to, options, &changes);
  auto plan = p.Run();
  if (!plan.ok() || !p.InliningBrokeACycle()) return plan;
  // Some other dependency (a check calling a function that reads the table, say) ties
  // a CREATE TABLE to what comes after it: every constraint a step of its own again.
  PlanOptions plain = options;
  plain.inline_constraints = false;
  Planner again(from, to, plain, &changes);
  return again.Run();
}

std::vector<RenameCandidate> SuspectedRenames(const std::vector<Change>& changes) {
  std::vector<RenameCandidate> out;
  std::vector<const Change*> dropped_tables, created_tables;
  std::map<std::string, std::vector<const Change*>> dropped_cols, created_cols;  // by table
  std::set<std::string> dropped_table_ids;
  for (const Change& c : changes) {
    if (c.kind == "table" && c.action == ChangeAction::kDrop) dropped_tables.push_back(&c);
    if (c.kind == "table" && c.action == ChangeAction::kCreate) created_tables.push_back(&c);
    if (c.kind == "column" && c.action != ChangeAction::kAlter) {
      std::string table = c.object.substr(0, c.object.rfind('.'));
      (c.action == ChangeAction::kDrop ? dropped_cols : created_cols)[table].push_back(&c);
    }
  }
  auto shape = [](const nlohmann::json& t) {
    std::vector<std::pair<std::string, std::string>> cols;
    for (const auto& col : t["columns"]) cols.push_back({col["name"], col["type"]});
    return cols;
  };
  for (const Change* d : dropped_tables) {
    for (const Change* c : created_tables) {
      if (shape(d->from) == shape(c->to)) out.push_back({"table", d->object, c->object});
    }
  }
  for (const auto& [table, drops] : dropped_cols) {
    auto it = created_cols.find(table);
    if (it == created_cols.end()) continue;
    for (const Change* d : drops) {
      for (const Change* c : it->second) {
        if (d->from["type"] == c->to["type"]) out.push_back({"column", d->object, c->object});
      }
    }
  }
  return out;
}

}  // namespace strata
