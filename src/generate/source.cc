#include "generate/source.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "generate/drizzle.h"
#include "generate/incremental.h"
#include "devdb/shadow.h"
#include "introspect/introspect.h"
#include "migrate/migration_dir.h"
#include "migrate/partitioned_index.h"
#include "migrate/runner.h"
#include "pg/session.h"
#include "sql/statement.h"

namespace strata {

namespace {
// Where the replay keeps its history while it runs.
constexpr char kReplayHistorySchema[] = "strata_replay";
}  // namespace

Result<SourceSpec> ParseSource(const std::string& text) {
  if (StartsWith(text, "db:")) return SourceSpec{SourceSpec::Kind::kDatabase, text.substr(3)};
  if (StartsWith(text, "postgres://") || StartsWith(text, "postgresql://")) {
    return SourceSpec{SourceSpec::Kind::kDatabase, text};
  }
  if (StartsWith(text, "schema:")) return SourceSpec{SourceSpec::Kind::kSchemaDir, text.substr(7)};
  if (StartsWith(text, "migrations:")) return SourceSpec{SourceSpec::Kind::kMigrationsDir, text.substr(11)};
  if (StartsWith(text, "drizzle:")) return DesiredSpec({{SchemaSource::Kind::kDrizzle, text.substr(8)}});
  if (StartsWith(text, "command:")) return DesiredSpec({{SchemaSource::Kind::kCommand, text.substr(8)}});
  return Status::Usage("source '" + MaskPassword(text) +
                       "' must be db:URL, schema:DIR, migrations:DIR, drizzle:CONFIG or command:SHELL");
}

std::vector<SchemaSource> SourceSpec::Parts() const {
  if (!parts.empty()) return parts;
  return {{SchemaSource::Kind::kSql, value}};
}

SourceSpec DesiredSpec(const std::vector<SchemaSource>& parts) {
  SourceSpec s{SourceSpec::Kind::kSchemaDir, "", parts};
  for (const auto& p : parts) s.value += (s.value.empty() ? "" : " + ") + p.Label();
  if (parts.size() == 1 && parts[0].kind == SchemaSource::Kind::kSql) s.parts.clear(), s.value = parts[0].value;
  return s;
}

void BlankPsqlRestrict(std::string* sql) {
  size_t at = 0;
  while (at < sql->size()) {
    size_t end = sql->find('\n', at);
    if (end == std::string::npos) end = sql->size();
    std::string_view line = std::string_view(*sql).substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (std::string_view command : {"\\restrict ", "\\unrestrict "}) {
      if (!StartsWith(line, command)) continue;
      std::string_view key = line.substr(command.size());
      bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0;
      });
      if (plain) std::fill(sql->begin() + static_cast<long>(at), sql->begin() + static_cast<long>(at + line.size()), ' ');
    }
    at = end + 1;
  }
}

Result<std::vector<SqlDocument>> RenderSchemaSources(const SourceSpec& spec) {
  std::vector<SqlDocument> out;
  for (const SchemaSource& p : spec.Parts()) {
    switch (p.kind) {
      case SchemaSource::Kind::kSql: {
        auto names = ListFiles(p.value);
        if (!names.ok()) return Status::NotFound("schema folder " + p.value + " not found");
        for (const auto& name : *names) {
          if (!EndsWith(name, ".sql")) continue;
          std::string path = JoinPath(p.value, name);
          auto text = ReadFile(path);
          if (!text.ok()) return text.status();
          out.push_back({path, std::move(*text)});
        }
        break;
      }
      case SchemaSource::Kind::kDrizzle: {
        auto sql = DrizzleExport(p.value, p.run_dir);
        if (!sql.ok()) return sql.status();
        out.push_back({"drizzle-kit export (" + p.value + ")", std::move(*sql)});
        break;
      }
      case SchemaSource::Kind::kCommand: {
        ProcessOptions o;
        o.cwd = p.run_dir;
        auto r = RunProcess({"/bin/sh", "-c", p.value}, o);
        if (!r.ok()) return r.status().Wrap("running `" + p.value + "`");
        if (r->exit_code != 0) {
          return Status::InvalidInput("schema source command `" + p.value + "` failed (exit " +
                                      std::to_string(r->exit_code) + "):\n" + FailureOutput(*r));
        }
        out.push_back({"output of `" + p.value + "`", std::move(r->out)});
        break;
      }
    }
  }
  for (SqlDocument& d : out) BlankPsqlRestrict(&d.text);
  return out;
}

namespace {

// What a schema file is built from that PostgreSQL runs inside a transaction block and a
// later statement of the same block may build on (not ALTER TYPE ... ADD VALUE, whose new
// value is unusable until commit): many go in one round trip.
bool Batchable(const Statement& st) {
  static const std::set<std::string> kinds = {
      "create_stmt",          "index_stmt",          "alter_table_stmt",      "comment_stmt",
      "create_seq_stmt",      "alter_seq_stmt",      "view_stmt",             "create_function_stmt",
      "grant_stmt",           "create_schema_stmt",  "create_enum_stmt",      "composite_type_stmt",
      "create_domain_stmt",   "create_trig_stmt",    "create_policy_stmt",    "define_stmt",
      "create_range_stmt",    "rule_stmt",           "create_stats_stmt",     "alter_owner_stmt",
      "create_extension_stmt", "create_table_as_stmt", "alter_domain_stmt",   "create_cast_stmt"};
  return st.parsed && !st.transaction_control && !st.needs_no_transaction && !st.concurrent && kinds.count(st.kind) > 0;
}

constexpr size_t kBatchStatements = 200;

Status StatementFailed(Session* s, const std::string& path, const std::string& text, size_t at) {
  const DbError& e = s->last_error();
  return Status::InvalidInput(PointAt(path, text, at, e.Summary()) + e.Details())
      .With("message", e.message)
      .With("sqlstate", e.sqlstate);
}

}  // namespace

Status RunStatements(Session* s, const std::string& path, const std::string& text, size_t begin, size_t end,
                     bool batch) {
  std::string_view part = std::string_view(text).substr(begin, end - begin);
  return RunParsed(s, path, text, begin, ParseStatements(part), batch);
}

Status RunParsed(Session* s, const std::string& path, const std::string& text, size_t begin,
                 const Result<std::vector<Statement>>& stmts, bool batch, int* label) {
  // Syntax the bundled parser cannot read runs as written: the server is the judge.
  if (!stmts.ok()) return Status::InvalidInput(PointAt(path, text, begin, stmts.status().message()));
  std::string_view part = std::string_view(text).substr(begin);  // the statements' offsets start here
  // A batch runs as one implicit transaction: on a throwaway database only (`batch`).
  std::vector<const Statement*> pending;
  std::string joined;
  std::vector<size_t> starts;
  auto flush = [&]() -> Status {
    if (pending.empty()) return Status::Ok();
    auto r = s->ExecAll(joined);
    Status st = Status::Ok();
    if (!r.ok()) {
      const DbError& e = s->last_error();
      size_t per = label ? 2 : 1;  // each statement after its label
      size_t i = e.FailedStatement(pending.size() * per) / per;
      size_t at = begin + pending[i]->offset;
      if (e.position > 0) {
        size_t in_batch = CharPositionToOffset(joined, e.position);
        size_t len = pending[i]->end - pending[i]->offset;
        if (in_batch >= starts[i] && in_batch - starts[i] <= len) at += in_batch - starts[i];
      }
      st = StatementFailed(s, path, text, at);
    }
    pending.clear();
    joined.clear();
    starts.clear();
    return st;
  };
  for (const Statement& st : *stmts) {
    std::string labelled = label ? "SET strata.stmt = " + std::to_string((*label)++) + ";\n" : "";
    if (batch && Batchable(st)) {
      joined += labelled;
      starts.push_back(joined.size());
      joined += st.Text(part);
      joined += "\n;\n";
      pending.push_back(&st);
      if (pending.size() >= kBatchStatements) STRATA_RETURN_IF_ERROR(flush());
      continue;
    }
    STRATA_RETURN_IF_ERROR(flush());
    if (label && !s->Exec(labelled).ok()) return StatementFailed(s, path, text, begin + st.offset);
    // CONCURRENTLY on a partitioned table: partition by partition, as `strata migrate` runs it.
    auto expands = ConcurrentOnPartitioned(s, st);
    bool ok;
    if (expands.ok() && *expands) {
      Status built = BuildPartitionedIndex(s, st, st.Text(part), [&](const std::string& sql, bool) {
        return s->Exec(sql).ok() ? Status::Ok() : Status::Database(sql).With("sqlstate", s->last_error().sqlstate);
      });
      if (!built.ok() && built.code() != Status::Code::kDatabase) {
        return Status::InvalidInput(PointAt(path, text, begin + st.offset, built.message()));
      }
      ok = built.ok();
    } else {
      ok = s->Exec(st.Text(part)).ok();
    }
    if (!ok) {
      const DbError& e = s->last_error();
      size_t at = begin + st.offset;
      if (e.position > 0 && !(expands.ok() && *expands)) at += CharPositionToOffset(st.Text(part), e.position);
      return StatementFailed(s, path, text, at);
    }
  }
  return flush();
}

Result<std::vector<ParsedDocument>> ParseSchemaSources(const SourceSpec& spec, const std::vector<SqlDocument>* rendered) {
  std::vector<SqlDocument> own;
  if (!rendered) {
    auto docs = RenderSchemaSources(spec);
    if (!docs.ok()) return docs.status();
    own = std::move(*docs);
    rendered = &own;
  }
  std::vector<ParsedDocument> out;
  for (const auto& d : *rendered) out.push_back({d, ParseStatements(d.text)});
  return out;
}

// The replay is `strata migrate` on the shadow database: the same runner, so each file
// runs in its own transaction (or statement by statement under -- strata:no-transaction),
// with its directives and verify section, and fails with the message migrate would give.
// Its history table lives in a schema of its own, dropped afterwards.
Status ReplayMigrations(Session* s, const std::string& dir, Naming naming) {
  std::vector<FileError> errs;
  auto mdir = MigrationDir::Load(dir, naming, &errs);
  if (!mdir.ok()) return mdir.status();
  return ReplayMigrations(s, *mdir, errs, naming);
}

Status ReplayMigrations(Session* s, const MigrationDir& dir, const std::vector<FileError>& load_errors, Naming naming) {
  // A misplaced directive stops migrate: it stops the replay the same way.
  STRATA_RETURN_IF_ERROR(FileErrorsStatus(dir, load_errors));
  if (dir.files.empty()) return Status::Ok();
  // RESET ALL after each file keeps the database's settings: a throwaway needs no WAL flush.
  s->Exec("DO $strata$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database()); "
          "END $strata$");
  Config cfg;
  cfg.naming = naming;
  cfg.history_table = {kReplayHistorySchema, "history"};
  cfg.lock_timeout = "";
  Runner runner(s, cfg, dir, nullptr);
  MigrateOptions opts;
  opts.lock_mode = LockMode::kNone;
  opts.applied_by = "strata replay";
  auto report = runner.Migrate(opts);
  if (!report.ok()) return report.status();
  auto dropped = s->Exec(std::string("DROP SCHEMA ") + kReplayHistorySchema + " CASCADE");
  if (!dropped.ok()) return dropped.status();
  return Status::Ok();
}

Result<Catalog> LoadSource(const SourceSpec& spec, const std::string& shadow_admin_url, Naming naming) {
  auto loaded = LoadSourceKept(spec, shadow_admin_url, naming);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->catalog);
}

Result<LoadedSource> LoadSourceKept(const SourceSpec& spec, const std::string& shadow_admin_url, Naming naming,
                                    const std::vector<SqlDocument>* rendered, BuildManifest* manifest) {
  LoadedSource out;
  if (!spec.NeedsShadow()) {
    auto conn = Connection::Open(spec.value);
    if (!conn.ok()) return conn.status();
    auto c = Introspect(conn->get());
    if (!c.ok()) return c.status();
    out.catalog = std::move(*c);
    return out;
  }
  // The replay reads and parses its files while the server makes the database
  // (ParseMigration keeps what it parsed for the runner).
  struct Folder {
    Result<MigrationDir> dir;
    std::vector<FileError> errors;
  };
  std::future<Folder> ahead;
  std::future<Result<std::vector<ParsedDocument>>> schema_ahead;
  if (spec.kind != SourceSpec::Kind::kMigrationsDir) {
    schema_ahead = std::async(std::launch::async, [&] { return ParseSchemaSources(spec, rendered); });
  } else {
    ahead = std::async(std::launch::async, [&] {
      std::vector<FileError> errs;
      auto dir = MigrationDir::Load(spec.value, naming, &errs);
      if (dir.ok()) {
        std::vector<std::future<void>> each;
        for (const MigrationFile& f : dir->files) {
          each.push_back(std::async(std::launch::async, [&f] {
            std::vector<FileError> e;
            ParseMigration(f, &e);
          }));
          if (each.size() >= 4) {  // a few at a time: large folders have hundreds of files
            each.front().wait();
            each.erase(each.begin());
          }
        }
      }
      return Folder{std::move(dir), std::move(errs)};
    });
  }
  auto shadow = ShadowDatabase::Create(shadow_admin_url);
  if (!shadow.ok()) return shadow.status();
  out.shadow = std::move(*shadow);
  auto conn = Connection::Open(out.shadow->url());
  if (!conn.ok()) return conn.status();
  // A throwaway database: no need to wait for the WAL flush of every statement.
  (*conn)->Exec("SET client_min_messages = warning; SET synchronous_commit = off");
  Status st = Status::Ok();
  if (ahead.valid()) {
    Folder folder = ahead.get();
    if (!folder.dir.ok()) return folder.dir.status();
    st = ReplayMigrations(conn->get(), *folder.dir, folder.errors, naming);
  } else {
    auto docs = schema_ahead.get();
    if (!docs.ok()) return docs.status();
    // Without superuser rights there are no event triggers: the build goes unrecorded.
    bool logged = manifest && StartBuildLog(conn->get()).ok();
    int label = 0;
    for (const ParsedDocument& d : *docs) {
      st = RunParsed(conn->get(), d.doc.path, d.doc.text, 0, d.statements, /*batch=*/true, logged ? &label : nullptr);
      if (!st.ok()) break;
    }
    if (st.ok() && logged) {
      auto statements = StatementsOf(*docs);
      std::vector<BuiltStatement> none;
      auto clean = FinishBuildLog(conn->get(), statements ? &*statements : &none);
      if (!clean.ok()) return clean.status().Wrap("removing the build log's event triggers");
      if (*clean && statements) manifest->statements = std::move(*statements);
    }
  }
  if (!st.ok()) return st;
  // The replay is the longer of the two builds: by the time it is read, the schema's
  // build is done and a second session has a core to itself.
  IntrospectOptions io;
  if (spec.kind == SourceSpec::Kind::kMigrationsDir) io.open_second = Connection::Opener(out.shadow->url());
  auto c = Introspect(conn->get(), io);
  if (!c.ok()) return c.status();
  out.catalog = std::move(*c);
  out.session = std::move(*conn);
  return out;
}

}  // namespace strata
