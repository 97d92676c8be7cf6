#include "generate/generate.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>

#include "base/clock.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "devdb/shadow.h"
#include "diff/diff.h"
#include "generate/cache.h"
#include "generate/drizzle.h"
#include "generate/lint_output.h"
#include "generate/proof.h"
#include "generate/source.h"
#include "introspect/introspect.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"
#include "migrate/template.h"
#include "pg/session.h"

namespace strata {

namespace {

// "a.b.c" → parts; "b.c" gets the public schema in front.
std::string WithSchema(const std::string& name, size_t parts) {
  size_t dots = static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
  return dots + 1 < parts ? "public." + name : name;
}

const Table* FindTable(const Catalog& c, const std::string& qualified) {
  for (const auto& t : c.tables) {
    if (t.schema + "." + t.name == qualified) return &t;
  }
  return nullptr;
}

std::string TableSqlName(const std::string& qualified) {
  size_t dot = qualified.find('.');
  return QualifiedSql(qualified.substr(0, dot), qualified.substr(dot + 1));
}

// What keeps a renamed column's two names in step from expand to contract.
struct RenameSync {
  std::vector<std::string> expand;    // trigger function and trigger, after the new column
  std::string backfill;               // batched copy, in a no-transaction part of its own
  std::string verify;                 // the two columns agree
  std::vector<std::string> contract;  // trigger and function go before the old column
  std::string what;                   // "public.agents.name -> display_name"
};

// The statements that turn a rename hint into SQL on `current`: a table is renamed in
// place; a column is expanded (a new column, plus `sync`: a trigger that copies each write
// of either column to the other while old and new application versions both run, and a
// batched backfill) and its old half dropped later by the plan, in a contract part of its
// own.
Result<std::vector<std::string>> RenameStatements(const RenameHint& h, const Catalog& current, const Catalog& desired,
                                                  std::set<std::string>* contract, RenameSync* sync) {
  if (h.kind == "table") {
    const Table* t = FindTable(current, h.from);
    if (!t) return Status::InvalidInput("--rename table:" + h.from + ": no such table in the current schema");
    std::string from_schema = h.from.substr(0, h.from.find('.')), to_schema = h.to.substr(0, h.to.find('.'));
    std::string from_name = t->name, to_name = h.to.substr(h.to.find('.') + 1);
    std::vector<std::string> out = {"ALTER TABLE " + TableSqlName(h.from) + " RENAME TO " + QuoteIdent(to_name) + ";"};
    if (from_schema != to_schema) {
      out.push_back("ALTER TABLE " + QualifiedSql(from_schema, to_name) + " SET SCHEMA " + QuoteIdent(to_schema) + ";");
    }
    // Names PostgreSQL derived from the old table name (orders_pkey, orders_id_seq, ...)
    // follow it when the desired schema has the derived new name: otherwise every key,
    // index and sequence would be dropped and rebuilt.
    std::string table_sql = QualifiedSql(to_schema, to_name), old_key = "table:" + h.from;
    std::set<std::string> wanted;
    for (const auto& k : desired.constraints) wanted.insert("k:" + k.name);
    for (const auto& i : desired.indexes) wanted.insert("i:" + i.schema + "." + i.name);
    for (const auto& q : desired.sequences) wanted.insert("s:" + q.schema + "." + q.name);
    for (const auto& x : desired.tables) {
      for (const auto& c : x.columns) {
        if (c.identity) wanted.insert("s:" + c.identity_sequence);
      }
    }
    auto renamed = [&](const std::string& name) -> std::string {
      return StartsWith(name, from_name + "_") ? to_name + name.substr(from_name.size()) : "";
    };
    for (const auto& k : current.constraints) {
      std::string n = renamed(k.name);
      if (k.table_key == old_key && !n.empty() && wanted.count("k:" + n) && !wanted.count("k:" + k.name)) {
        out.push_back("ALTER TABLE " + table_sql + " RENAME CONSTRAINT " + QuoteIdent(k.name) + " TO " + QuoteIdent(n) + ";");
      }
    }
    for (const auto& i : current.indexes) {
      std::string n = renamed(i.name);
      if (i.table_key == old_key && !n.empty() && wanted.count("i:" + to_schema + "." + n)) {
        out.push_back("ALTER INDEX " + QualifiedSql(to_schema, i.name) + " RENAME TO " + QuoteIdent(n) + ";");
      }
    }
    std::vector<std::string> seqs;
    for (const auto& q : current.sequences) {
      if (q.owned_by_table_key == old_key) seqs.push_back(q.name);
    }
    for (const auto& c : t->columns) {
      if (c.identity) seqs.push_back(c.identity_sequence.substr(c.identity_sequence.rfind('.') + 1));
    }
    for (const auto& q : seqs) {
      std::string bare = q;
      bare.erase(std::remove(bare.begin(), bare.end(), '"'), bare.end());
      std::string n = renamed(bare);
      if (!n.empty() && (wanted.count("s:" + to_schema + "." + n) || wanted.count("s:" + QualifiedSql(to_schema, n)) ||
                         wanted.count("s:" + to_schema + "." + QuoteIdent(n)))) {
        out.push_back("ALTER SEQUENCE " + QualifiedSql(to_schema, bare) + " RENAME TO " + QuoteIdent(n) + ";");
      }
    }
    return out;
  }
  std::string table = h.from.substr(0, h.from.rfind('.')), col = h.from.substr(h.from.rfind('.') + 1);
  std::string new_col = h.to.substr(h.to.rfind('.') + 1);
  const Table* t = FindTable(current, table);
  const Column* c = nullptr;
  if (t) {
    for (const auto& x : t->columns) {
      if (x.name == col) c = &x;
    }
  }
  if (!c) return Status::InvalidInput("--rename column:" + h.from + ": no such column in the current schema");
  std::string q = TableSqlName(table);
  contract->insert("column:" + table + "." + col);
  std::string schema = table.substr(0, table.find('.'));
  std::string sync_name = ("strata_sync_" + t->name + "_" + col + "_" + new_col).substr(0, 63);
  std::string fn = QualifiedSql(schema, sync_name);
  std::string o = QuoteIdent(col), n = QuoteIdent(new_col);
  sync->what = table + "." + col + " -> " + new_col;
  // An insert that sets both columns differently wrote the one that is not its default
  // (each version of the application writes its own column; the other gets its default).
  std::string new_default;
  if (const Table* dt = FindTable(desired, table)) {
    for (const auto& x : dt->columns) {
      if (x.name == new_col) new_default = x.default_expr;
    }
  }
  std::string both;
  if (!new_default.empty() || !c->default_expr.empty()) {
    both = "    ELSIF NEW." + n + " IS DISTINCT FROM NEW." + o + " THEN\n";
    if (!new_default.empty()) {
      both += "      IF NEW." + n + " IS NOT DISTINCT FROM (" + new_default + ") THEN\n        NEW." + n + " := NEW." + o +
              ";\n";
    }
    if (!c->default_expr.empty()) {
      both += std::string(new_default.empty() ? "      IF " : "      ELSIF ") + "NEW." + o + " IS NOT DISTINCT FROM (" +
              c->default_expr + ") THEN\n        NEW." + o + " := NEW." + n + ";\n";
    }
    both += "      END IF;\n";
  }
  sync->expand = {
      "-- Old and new application versions run side by side until the contract file: a write\n"
      "-- to either column reaches the other.\n"
      "CREATE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $strata$\nBEGIN\n"
      "  IF TG_OP = 'INSERT' THEN\n"
      "    IF NEW." + n + " IS NULL THEN\n      NEW." + n + " := NEW." + o + ";\n"
      "    ELSIF NEW." + o + " IS NULL THEN\n      NEW." + o + " := NEW." + n + ";\n" + both + "    END IF;\n"
      "  ELSIF NEW." + n + " IS DISTINCT FROM OLD." + n + " THEN\n    NEW." + o + " := NEW." + n + ";\n"
      "  ELSIF NEW." + o + " IS DISTINCT FROM OLD." + o + " OR NEW." + n + " IS NULL THEN\n"
      "    NEW." + n + " := NEW." + o + ";  -- also a row the backfill has not reached yet\n"
      "  END IF;\n  RETURN NEW;\nEND\n$strata$;",
      "CREATE TRIGGER " + QuoteIdent(sync_name) + " BEFORE INSERT OR UPDATE ON " + q +
          " FOR EACH ROW EXECUTE FUNCTION " + fn + "();"};
  sync->backfill = "-- Rows written before the trigger: copied in batches of about 10,000, a commit after each.\n" +
                   BatchedUpdateSql(q, n + " = " + o, n + " IS DISTINCT FROM " + o, "copied",
                                    table + "." + col + " to " + new_col, current.server_version);
  sync->verify = "SELECT NOT EXISTS (SELECT 1 FROM " + q + " WHERE " + n + " IS DISTINCT FROM " + o + ")";
  sync->contract = {"DROP TRIGGER IF EXISTS " + QuoteIdent(sync_name) + " ON " + q + ";",
                    "DROP FUNCTION IF EXISTS " + fn + "();"};
  return std::vector<std::string>{"ALTER TABLE " + q + " ADD COLUMN " + n + " " + c->type +
                                  (c->collation.empty() ? "" : " COLLATE " + c->collation) + ";"};
}

Status Run(Session* s, const std::string& sql) {
  auto r = s->Exec(sql);
  if (r.ok()) return Status::Ok();
  const DbError& e = s->last_error();
  return Status::Database(sql + ": " + e.Summary() + e.Details()).With("sqlstate", e.sqlstate);
}

std::string Summary(const std::vector<Change>& changes) {
  std::string out;
  size_t shown = 0;
  for (const auto& c : changes) {
    if (++shown > 20) {
      out += "\n  ... and " + std::to_string(changes.size() - 20) + " more";
      break;
    }
    out += "\n  " + std::string(ActionName(c.action)) + " " + c.kind + " " + c.object;
    for (const auto& f : c.fields) out += (&f == &c.fields[0] ? " (" : ", ") + f;
    if (!c.fields.empty()) out += ")";
  }
  return out;
}

std::string VersionPlus(const std::string& v, size_t i, Naming naming) {
  // Digit strings of any length (a sequence number past 2^64 must not abort).
  std::string s = v;
  for (size_t k = 0; k < i; ++k) s = IncrementDigits(s);
  (void)naming;  // IncrementDigits keeps the width, so sequence numbers keep their zeros
  return s;
}

}  // namespace

Status ReplayFiles(Session* s, const std::vector<GeneratedFile>& files, Naming naming) {
  char tmpl[] = "/tmp/strata-replay-XXXXXX";
  if (!mkdtemp(tmpl)) return Status::Io(std::string("creating a folder for the replay: ") + std::strerror(errno));
  std::string dir = tmpl;
  Status st = Status::Ok();
  for (const auto& f : files) {
    st = WriteFileAtomic(dir + "/" + f.name, f.content);
    if (!st.ok()) break;
  }
  if (st.ok()) st = ReplayMigrations(s, dir, naming);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return st;
}

Result<RenameHint> ParseRenameHint(const std::string& text) {
  size_t colon = text.find(':'), eq = text.find('=');
  if (colon == std::string::npos || eq == std::string::npos || eq < colon) {
    return Status::Usage("--rename '" + text + "' must be KIND:OLD=NEW, e.g. column:orders.total=orders.amount or table:old=new");
  }
  RenameHint h{text.substr(0, colon), text.substr(colon + 1, eq - colon - 1), text.substr(eq + 1)};
  if (h.from.empty() || h.to.empty()) return Status::Usage("--rename '" + text + "': OLD and NEW must not be empty");
  if (h.kind == "table") {
    h.from = WithSchema(h.from, 2);
    h.to = WithSchema(h.to, 2);
  } else if (h.kind == "column") {
    h.from = WithSchema(h.from, 3);
    if (h.to.find('.') == std::string::npos) h.to = h.from.substr(0, h.from.rfind('.')) + "." + h.to;
    h.to = WithSchema(h.to, 3);
    if (h.from.substr(0, h.from.rfind('.')) != h.to.substr(0, h.to.rfind('.'))) {
      return Status::Usage("--rename '" + text + "': a column keeps its table (rename the table separately)");
    }
  } else {
    return Status::Usage("--rename '" + text + "': KIND must be table or column");
  }
  return h;
}

void ExcludeHistory(Catalog* c, const QualifiedName& history, const Catalog& keep) {
  std::string key = Key("table", history.schema, history.name);
  auto& t = c->tables;
  t.erase(std::remove_if(t.begin(), t.end(), [&](const Table& x) { return x.schema == history.schema && x.name == history.name; }), t.end());
  auto& s = c->sequences;
  s.erase(std::remove_if(s.begin(), s.end(), [&](const Sequence& x) { return x.owned_by_table_key == key; }), s.end());
  auto& k = c->constraints;
  k.erase(std::remove_if(k.begin(), k.end(), [&](const Constraint& x) { return x.table_key == key; }), k.end());
  auto& i = c->indexes;
  i.erase(std::remove_if(i.begin(), i.end(), [&](const Index& x) { return x.table_key == key; }), i.end());
  bool kept = std::any_of(keep.schemas.begin(), keep.schemas.end(), [&](const Schema& x) { return x.name == history.schema; });
  if (!kept && history.schema != "public") {
    auto& sc = c->schemas;
    sc.erase(std::remove_if(sc.begin(), sc.end(), [&](const Schema& x) { return x.name == history.schema; }), sc.end());
  }
}

void ExcludeHistoryTable(Catalog* c, const QualifiedName& history) {
  // Keep the history table's schema when anything else of the user's lives in it.
  auto in_schema = [&](const auto& v) {
    return std::any_of(v.begin(), v.end(), [&](const auto& x) { return x.schema == history.schema; });
  };
  bool other_table = std::any_of(c->tables.begin(), c->tables.end(), [&](const Table& x) {
    return x.schema == history.schema && x.name != history.name;
  });
  Catalog keep;
  std::string owned = Key("table", history.schema, history.name);
  bool other_sequence = std::any_of(c->sequences.begin(), c->sequences.end(), [&](const Sequence& x) {
    return x.schema == history.schema && x.owned_by_table_key != owned;
  });
  if (other_table || in_schema(c->views) || in_schema(c->functions) || in_schema(c->enums) ||
      in_schema(c->domains) || in_schema(c->composites) || other_sequence) {
    for (const Schema& sc : c->schemas) {
      if (sc.name == history.schema) keep.schemas.push_back(sc);
    }
  }
  ExcludeHistory(c, history, keep);
}

Result<Scope> ResolveScope(const std::vector<SchemaSource>& sources, const ScopeConfig& config, const Catalog& desired) {
  Scope s{config.schemas, config.kinds, config.exclude};
  bool orm_only = !sources.empty() && std::all_of(sources.begin(), sources.end(), [](const SchemaSource& x) {
    return x.kind == SchemaSource::Kind::kDrizzle;
  });
  std::vector<std::string> filter;
  for (const auto& src : sources) {
    if (src.kind != SchemaSource::Kind::kDrizzle) continue;
    auto dc = ReadDrizzleConfig(src.value);
    if (!dc.ok()) return dc.status();
    filter.insert(filter.end(), dc->schema_filter.begin(), dc->schema_filter.end());
    s.exclude.push_back("table:" + dc->migrations_schema + "." + dc->migrations_table);
    bool defined = std::any_of(desired.schemas.begin(), desired.schemas.end(),
                               [&](const Schema& x) { return x.name == dc->migrations_schema; });
    if (!defined && dc->migrations_schema != "public") s.exclude.push_back("schema:" + dc->migrations_schema);
  }
  if (orm_only && config.kinds.empty()) {
    s.kinds = {"schema", "enum", "sequence", "table", "view", "constraint", "index", "policy"};
  }
  if (orm_only && config.schemas.empty()) {
    if (!filter.empty()) {
      s.schemas = filter;
    } else {
      std::set<std::string> used;
      for (const auto& x : desired.schemas) used.insert(x.name);
      for (const auto& x : desired.tables) used.insert(x.schema);
      for (const auto& x : desired.enums) used.insert(x.schema);
      for (const auto& x : desired.views) used.insert(x.schema);
      for (const auto& x : desired.sequences) used.insert(x.schema);
      if (used.empty()) used.insert("public");
      s.schemas.assign(used.begin(), used.end());
    }
  }
  STRATA_RETURN_IF_ERROR(ValidateScope(s, "strata.toml [scope]"));
  return s;
}

namespace {

SourceSpec DesiredOf(const std::string& schema_dir, const std::vector<SchemaSource>& sources) {
  return sources.empty() ? SourceSpec{SourceSpec::Kind::kSchemaDir, schema_dir} : DesiredSpec(sources);
}

}  // namespace

Result<GenerateOutcome> Generate(const GenerateRequest& r) {
  const bool trace = std::getenv("STRATA_TRACE_GENERATE") != nullptr;
  int64_t t0 = MonotonicMillis();
  int64_t last = t0;
  // Each phase's time since the previous one (--timings), and a trace line.
  auto phase = [&](const char* what) {
    int64_t now = MonotonicMillis();
    if (r.timings) r.timings->Add(what, now - last);
    last = now;
    if (trace) std::fprintf(stderr, "generate: %-28s %6lld ms\n", what, static_cast<long long>(now - t0));
  };
  // Current (replayed migrations) and desired (schema/) load side by side, from the
  // caches when asked. `replay_db` holds the replay and is never changed: the proof and
  // the renames work on copies of it.
  SourceSpec replay_spec{SourceSpec::Kind::kMigrationsDir, r.migrations_dir};
  SourceSpec schema_spec = DesiredOf(r.schema_dir, r.schema_sources);
  std::unique_ptr<ShadowDatabase> owned_replay, owned_desired;
  std::unique_ptr<Session> replay_session;  // the proof runs on it: its catalog caches are warm
  auto load = [&](const SourceSpec& spec) -> Result<CachedSource> {
    if (r.replay_cache) {
      // CI builds from scratch: an incremental mistake must never reach a merged migration.
      const char* ci = std::getenv("CI");
      bool incremental = spec.kind == SourceSpec::Kind::kSchemaDir && !(ci && *ci);
      auto c = LoadCachedSource(spec, r.shadow_admin_url, r.naming, incremental);
      if (c.ok() && spec.kind == SourceSpec::Kind::kMigrationsDir) replay_session = std::move(c->session);
      if (c.ok()) c->session.reset();
      return c;
    }
    auto l = LoadSourceKept(spec, r.shadow_admin_url, r.naming);
    if (!l.ok()) return l.status();
    CachedSource c{std::move(l->catalog), l->shadow->name(), false, nullptr};
    bool replay = spec.kind == SourceSpec::Kind::kMigrationsDir;
    (replay ? owned_replay : owned_desired) = std::move(l->shadow);
    if (replay) replay_session = std::move(l->session);
    return c;
  };
  auto cur_f = std::async(std::launch::async, [&] {
    Timings::Scope t(r.timings, "  replay migrations (apply + introspect)");
    return load(replay_spec);
  });
  auto des = [&] {
    Timings::Scope t(r.timings, "  desired schema (build + introspect)");
    return load(schema_spec);
  }();
  auto cur = cur_f.get();
  if (!cur.ok()) return cur.status().Wrap("replaying " + r.migrations_dir);
  if (!des.ok()) return des.status().Wrap("loading " + schema_spec.value);
  auto scope = ResolveScope(r.schema_sources, r.scope, des->catalog);
  if (!scope.ok()) return scope.status();
  ApplyScope(&des->catalog, *scope);
  const Catalog& desired = des->catalog;
  const std::string replay_db = cur->database;
  // Whatever way this returns, the desired schema's database is dropped without waiting,
  // as the function returns (the leftovers of killed runs are swept with it).
  struct DropDesired {
    std::unique_ptr<ShadowDatabase>* db;
    ~DropDesired() {
      if (*db) (*db)->DropWithoutWaiting(/*leave_spares=*/false);
    }
  } drop_desired{&owned_desired};
  phase("load sources (side by side)");

  std::vector<RenameHint> renames = r.renames;
  GenerateOutcome out;
  // A renamed column's new half is filled by the rename's own backfill part, before the
  // plan's NOT NULL steps (if any) run: nothing for the planner to fill.
  auto plan_options = [&] {
    PlanOptions o = r.plan;
    for (const auto& h : renames) {
      if (h.kind == "column") o.backfill[h.to] = "";
    }
    return o;
  };
  out.scope = *scope;
  std::set<std::string> contract;
  std::vector<RenameSync> syncs;
  Catalog current;
  std::vector<Change> changes;  // current -> desired
  std::unique_ptr<ShadowDatabase> renamed_db;
  for (;;) {
    out.rename_sql.clear();
    contract.clear();
    syncs.clear();
    current = cur->catalog;
    ApplyScope(&current, *scope);
    if (!renames.empty()) {
      for (const auto& h : renames) {
        RenameSync sync;
        auto sql = RenameStatements(h, cur->catalog, desired, &contract, &sync);
        if (!sql.ok()) return sql.status();
        if (!sync.what.empty()) syncs.push_back(std::move(sync));
        out.rename_sql.insert(out.rename_sql.end(), sql->begin(), sql->end());
      }
      // The renames run on a copy of the replay; the proof below uses the original. A
      // database with a session on it cannot be copied.
      replay_session.reset();
      auto copy = ShadowDatabase::Create(r.shadow_admin_url, replay_db);
      if (!copy.ok()) return copy.status();
      renamed_db = std::move(*copy);
      auto conn = Connection::Open(renamed_db->url());
      if (!conn.ok()) return conn.status();
      std::string all;
      for (const auto& s : out.rename_sql) all += s + "\n";
      STRATA_RETURN_IF_ERROR(RunStatements(conn->get(), "--rename", all, 0, all.size()));
      auto c = Introspect(conn->get());
      if (!c.ok()) return c.status();
      current = std::move(*c);
      ApplyScope(&current, *scope);
    }
    changes = Diff(current, desired);
    std::vector<RenameCandidate> suspects = SuspectedRenames(changes);
    if (suspects.empty() || r.accept_data_loss) break;
    if (!r.confirm_rename) {
      std::string list;
      for (const auto& s : suspects) {
        std::string to = s.kind == "column" ? s.to.substr(s.to.rfind('.') + 1) : s.to;
        list += "\n  --rename " + s.kind + ":" + s.from + "=" + to;
      }
      return Status::Refused("these drops and creates look like renames; say which (no TTY to ask):" + list +
                             "\n  or pass --accept-data-loss to drop and create them");
    }
    bool again = false;
    for (const auto& s : suspects) {
      if (r.confirm_rename(s)) {
        renames.push_back({s.kind, s.from, s.to});
        again = true;
        break;
      }
    }
    if (!again) {
      if (!r.accept_data_loss) {
        // Declined every rename: it is a drop + create, which deletes data.
        auto plan = MakePlan(current, desired, plan_options(), changes);
        if (!plan.ok()) return plan.status();
        if (plan->DeletesData()) return Status::Refused("the plan deletes data; pass --accept-data-loss to allow it");
      }
      break;
    }
  }

  auto plan = MakePlan(current, desired, plan_options(), changes);
  if (!plan.ok()) return plan.status();
  out.plan = std::move(*plan);
  if (out.plan.empty() && out.rename_sql.empty()) return out;
  if (!r.accept_data_loss) {
    std::string lossy;
    for (const auto& s : out.plan.steps) {
      if (s.HasHazard(Hazard::kDeletesData) && !contract.count(s.object)) lossy += "\n  " + s.description;
    }
    if (!lossy.empty()) {
      return Status::Refused("these steps delete data:" + lossy + "\n  pass --accept-data-loss if that is intended");
    }
  }

  phase("diff and plan");
  std::vector<MigrationPart> parts = SplitPlan(out.plan, contract);
  if (!out.rename_sql.empty()) {
    auto main = std::find_if(parts.begin(), parts.end(), [](const MigrationPart& p) { return p.suffix.empty(); });
    if (main == parts.end()) {
      auto at = parts.begin();
      if (at != parts.end() && at->suffix == "_enum_values") ++at;
      main = parts.insert(at, MigrationPart{"", true, {}, "", {}});
    }
    std::string pre;
    for (const auto& s : out.rename_sql) pre += "-- hinted with --rename\n" + s + "\n";
    for (const auto& sync : syncs) {
      for (const auto& s : sync.expand) pre += "\n" + s + "\n";
    }
    main->body = pre + (main->body.empty() ? "" : "\n" + main->body);
    if (!syncs.empty()) {
      // Right after the expand: the rows written before the trigger, then whatever
      // (VALIDATE, SET NOT NULL) needs the new column filled.
      MigrationPart fill{"_backfill", false, {}, "", {}};
      for (const auto& sync : syncs) {
        fill.body += (fill.body.empty() ? "" : "\n") + sync.backfill + "\n";
        fill.verify.push_back(sync.verify);
      }
      main = parts.insert(main + 1, std::move(fill)) - 1;
      auto last = std::find_if(parts.begin(), parts.end(), [](const MigrationPart& p) { return p.suffix == "_contract"; });
      if (last == parts.end()) last = parts.insert(parts.end(), MigrationPart{"_contract", true, {}, "", {}});
      std::string drops;
      for (const auto& sync : syncs) {
        for (const auto& s : sync.contract) drops += s + "\n";
      }
      last->body = drops + (last->body.empty() ? "" : "\n" + last->body);
    }
  }

  std::vector<FileError> errs;
  auto dir = MigrationDir::Load(r.migrations_dir, r.naming, &errs);
  if (!dir.ok()) return dir.status();
  std::string base = NextVersion(*dir);
  std::vector<GeneratedFile> rollbacks;
  for (size_t i = 0; i < parts.size(); ++i) {
    const MigrationPart& p = parts[i];
    std::string stem = VersionPlus(base, i, r.naming) + "_" + r.slug + p.suffix;
    MigrationText m;
    m.stem = stem;
    m.slug = r.slug + p.suffix;
    m.source = "strata generate (" + r.migrations_dir + " -> " + schema_spec.value + ")";
    m.parent = i == 0 ? (dir->files.empty() ? std::string() : dir->files.back().name) : out.files[i - 1].name;
    for (const Step* s : p.steps) {
      if (m.implements.size() == 25) {
        m.implements.push_back("... and " + std::to_string(p.steps.size() - 25) + " more steps");
        break;
      }
      m.implements.push_back(s->description);
    }
    if (p.suffix.empty() && !out.rename_sql.empty()) m.implements.insert(m.implements.begin(), "renames hinted with --rename");
    if (p.suffix == "_backfill" || (p.suffix == "_contract" && !syncs.empty())) {
      for (const auto& sync : syncs) {
        m.implements.insert(m.implements.begin(), (p.suffix == "_backfill" ? "copy " : "stop syncing ") + sync.what);
      }
    }
    if (!p.transactional) m.directives.push_back("no-transaction");
    if (p.suffix == "_contract") {
      m.body = "-- CONTRACT: apply once no running application reads the old columns.\n\n";
    }
    m.body += p.body;
    m.verify = p.verify;
    out.files.push_back({stem + ".sql", RenderMigration(m)});
    std::string undo;
    for (auto it = p.steps.rbegin(); it != p.steps.rend(); ++it) {
      const Step* s = *it;
      undo += "-- undo: " + s->description + "\n" +
              (s->undo.empty() ? "-- (nothing to run: " + std::string(s->HasHazard(Hazard::kDeletesData)
                                                                ? "the data it deleted cannot be restored"
                                                                : "no inverse statement") + ")\n"
                               : s->undo + "\n");
    }
    if (p.suffix.empty() && !out.rename_sql.empty()) undo += "-- undo: the renames above by hand (see the migration)\n";
    rollbacks.push_back({stem + "_rollback.sql", RenderRollback(stem, undo)});
  }

  // strata lint must pass on what generate writes: a finding on a step whose risk the plan
  // reported (its hazard comment) or the user chose (--rename, --accept-data-loss) is
  // recorded as a strata:allow with that reason; any other error is a planner bug.
  // The lint runs on the client while the proof below runs the files on the server; what
  // it adds are comment lines, checked to be all it changed before the files are taken.
  std::vector<GeneratedFile> annotated(out.files.begin(), out.files.begin() + parts.size());
  auto annotate = std::async(std::launch::async, [&annotated] { return AnnotateLintFindings(&annotated); });

  // The proof: the files, applied to the replay, must reach the desired schema exactly.
  // A cached replay is not changed: the files run inside a transaction on it that is
  // rolled back (ProveInTransaction), or, when they cannot, on a copy of it. Meanwhile the
  // sessions the last drop needs are opened.
  auto ready = std::async(std::launch::async, [&] { ShadowDatabase::ReadyTheDrop(r.shadow_admin_url); });
  std::vector<GeneratedFile> migrations(out.files.begin(), out.files.begin() + parts.size());
  bool proven = false;
  if (!owned_replay) {
    phase("write the files");
    std::unique_ptr<Session> conn = std::move(replay_session);  // the one that read the cache
    if (!conn) {
      auto url = WithDatabase(r.shadow_admin_url, replay_db);
      if (!url.ok()) return url.status();
      auto opened = Connection::Open(*url);
      if (!opened.ok()) return opened.status();
      conn = std::move(*opened);
    }
    conn->Exec("SET client_min_messages = warning");
    std::string why;
    auto after = ProveInTransaction(conn.get(), migrations, r.naming, &why);
    conn.reset();  // a copy of the database (below) needs it closed
    if (!after.ok()) return after.status();
    if (*after) {
      // A difference is never reported from the stand-ins: the copy, run by the runner
      // itself, has the last word.
      ApplyScope(&**after, *scope);
      proven = Diff(**after, desired).empty();
      if (!proven) why = "the catalog differs after the in-transaction run";
      phase("proof: in a transaction on the cached replay");
    }
    if (!proven && trace) {
      std::fprintf(stderr, "generate: proof on a copy (%s)\n", why.c_str());
    }
  }
  if (!proven) {
    std::unique_ptr<ShadowDatabase> proof_copy;
    std::string proof_url;
    if (owned_replay) {
      proof_url = owned_replay->url();
    } else {
      auto copy = ShadowDatabase::Create(r.shadow_admin_url, replay_db);
      if (!copy.ok()) return copy.status();
      proof_copy = std::move(*copy);
      proof_url = proof_copy->url();
    }
    phase(owned_replay ? "write the files" : "proof database (a copy of the cached replay)");
    std::unique_ptr<Session> conn;
    if (replay_session) {  // the replay's own database, not a copy
      conn = std::move(replay_session);
    } else {
      auto opened = Connection::Open(proof_url);
      if (!opened.ok()) return opened.status();
      conn = std::move(*opened);
    }
    conn->Exec("SET client_min_messages = warning; SET synchronous_commit = off");
    // The read-back goes over two sessions, like the replay's; the second connects while
    // the files run.
    auto second = std::async(std::launch::async, Connection::Opener(proof_url));
    Status st = ReplayFiles(conn.get(), migrations, r.naming);
    if (!st.ok()) return Status::InvalidInput("the generated migration fails on the replayed schema; nothing was written:\n  " + st.message());
    phase("proof: apply the files");
    IntrospectOptions io;
    io.open_second = [&second] { return second.get(); };
    auto after = Introspect(conn.get(), io);
    phase("proof: introspect");
    if (!after.ok()) return after.status();
    ApplyScope(&*after, *scope);
    std::vector<Change> left = Diff(*after, desired);
    if (!left.empty()) {
      return Status::InvalidInput("the generated migration does not reach " + schema_spec.value +
                                  " (this is a strata bug; please report it); nothing was written. Still different:" +
                                  Summary(left));
    }
  }
  Status linted = annotate.get();
  if (!linted.ok()) return linted;
  for (size_t i = 0; i < annotated.size(); ++i) {
    if (!OnlyAllowsAdded(out.files[i].content, annotated[i].content)) {
      return Status::InvalidInput("the lint of " + annotated[i].name +
                                  " changed more than its strata:allow comments (a strata bug); nothing was written");
    }
    out.files[i] = std::move(annotated[i]);
  }
  phase("lint the files (alongside the proof)");
  out.files.insert(out.files.end(), rollbacks.begin(), rollbacks.end());
  // The shadows are dropped by the server while strata writes the files and exits: the
  // proof above had both cores to itself (the desired schema's goes with drop_desired).
  ready.get();
  if (owned_replay) owned_replay->DropWithoutWaiting();
  owned_replay.reset();
  renamed_db.reset();
  phase("compare, drop shadow databases");
  return out;
}

Result<Plan> PlanPush(const PushRequest& r) {
  auto des_f = std::async(std::launch::async, [&] {
    Timings::Scope t(r.timings, "desired schema (build + introspect)");
    return LoadCatalog(DesiredOf(r.schema_dir, r.schema_sources), r.shadow_admin_url, Naming::kTimestamp, r.cache);
  });
  auto conn = Connection::Open(r.target_url);
  if (!conn.ok()) {
    des_f.wait();
    return conn.status();
  }
  IntrospectOptions io;
  io.open_second = Connection::Opener(r.target_url);
  auto cur = [&] {
    Timings::Scope t(r.timings, "introspect the target");
    return Introspect(conn->get(), io);
  }();
  auto des = des_f.get();
  if (!des.ok()) return des.status().Wrap("loading " + DesiredOf(r.schema_dir, r.schema_sources).value);
  if (!cur.ok()) return cur.status();
  ExcludeHistory(&*cur, r.history_table, *des);
  auto scope = ResolveScope(r.schema_sources, r.scope, *des);
  if (!scope.ok()) return scope.status();
  ApplyScope(&*cur, *scope);
  ApplyScope(&*des, *scope);
  Timings::Scope t(r.timings, "diff and plan");
  return MakePlan(*cur, *des, r.plan);
}

Status ApplyPlan(const std::string& url, const Plan& plan, const std::function<void(const Step&)>& on_step) {
  auto conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  Session* s = conn->get();
  s->Exec("SET client_min_messages = warning");
  for (const MigrationPart& p : SplitPlan(plan)) {
    if (p.transactional) STRATA_RETURN_IF_ERROR(Run(s, "BEGIN"));
    for (const Step* step : p.steps) {
      if (on_step) on_step(*step);
      Status st = RunStatements(s, step->description, step->sql, 0, step->sql.size());
      if (!st.ok()) {
        if (p.transactional) s->Exec("ROLLBACK");
        return st;
      }
    }
    if (p.transactional) STRATA_RETURN_IF_ERROR(Run(s, "COMMIT"));
  }
  return Status::Ok();
}

Result<CheckOutcome> Check(const CheckRequest& r) {
  Timings::Scope total(r.timings, "total");
  auto load = [&](SourceSpec spec) { return LoadCatalog(spec, r.shadow_admin_url, r.naming, r.cache); };
  auto replay_f = std::async(std::launch::async, [&] {
    Timings::Scope t(r.timings, "replay migrations (apply + introspect)");
    return load({SourceSpec::Kind::kMigrationsDir, r.migrations_dir});
  });
  std::future<Result<Catalog>> db_f;
  if (!r.db_url.empty()) {
    db_f = std::async(std::launch::async, [&]() -> Result<Catalog> {
      Timings::Scope t(r.timings, "introspect the database");
      auto conn = Connection::Open(r.db_url);
      if (!conn.ok()) return conn.status();
      return Introspect(conn->get());
    });
  }
  SourceSpec desired_spec = DesiredOf(r.schema_dir, r.schema_sources);
  auto desired = [&] {
    Timings::Scope t(r.timings, "desired schema (build + introspect)");
    return load(desired_spec);
  }();
  auto replay = replay_f.get();
  Result<Catalog> db = db_f.valid() ? db_f.get() : Result<Catalog>(Catalog{});
  if (!replay.ok()) return replay.status().Wrap("replaying " + r.migrations_dir);
  if (!desired.ok()) return desired.status().Wrap("loading " + desired_spec.value);
  if (!db.ok()) return db.status().Wrap("reading the database");
  CheckOutcome out;
  auto scope = ResolveScope(r.schema_sources, r.scope, *desired);
  if (!scope.ok()) return scope.status();
  out.scope = *scope;
  ApplyScope(&*replay, *scope);
  ApplyScope(&*desired, *scope);
  Timings::Scope compare(r.timings, "diff and plan");
  out.schema_changes = Diff(*replay, *desired);
  if (!out.schema_changes.empty()) {
    auto plan = MakePlan(*replay, *desired, {}, out.schema_changes);
    if (plan.ok()) out.missing = std::move(*plan);
    else out.plan_error = plan.status().message();
  }
  if (!r.db_url.empty()) {
    out.db_checked = true;
    ExcludeHistory(&*db, r.history_table, *replay);
    ApplyScope(&*db, *scope);
    out.db_changes = Diff(*replay, *db);
  }
  return out;
}

}  // namespace strata
