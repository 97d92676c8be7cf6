#include "generate/source.h"

#include "base/fs.h"
#include "base/strings.h"
#include "devdb/shadow.h"
#include "introspect/introspect.h"
#include "migrate/migration_dir.h"
#include "pg/session.h"
#include "sql/statement.h"

namespace strata {

Result<SourceSpec> ParseSource(const std::string& text) {
  if (StartsWith(text, "db:")) return SourceSpec{SourceSpec::Kind::kDatabase, text.substr(3)};
  if (StartsWith(text, "postgres://") || StartsWith(text, "postgresql://")) {
    return SourceSpec{SourceSpec::Kind::kDatabase, text};
  }
  if (StartsWith(text, "schema:")) return SourceSpec{SourceSpec::Kind::kSchemaDir, text.substr(7)};
  if (StartsWith(text, "migrations:")) return SourceSpec{SourceSpec::Kind::kMigrationsDir, text.substr(11)};
  return Status::Usage("source '" + MaskPassword(text) + "' must be db:URL, schema:DIR or migrations:DIR");
}

namespace {

}  // namespace

Status RunStatements(Session* s, const std::string& path, const std::string& text, size_t begin, size_t end) {
  std::string_view part = std::string_view(text).substr(begin, end - begin);
  // Syntax the bundled parser cannot read runs as written: the server is the judge.
  auto stmts = ParseStatements(part);
  if (!stmts.ok()) return Status::InvalidInput(PointAt(path, text, begin, stmts.status().message()));
  for (const Statement& st : *stmts) {
    auto r = s->Exec(st.Text(part));
    if (!r.ok()) {
      const DbError& e = s->last_error();
      size_t at = begin + st.offset;
      if (e.position > 0) at += CharPositionToOffset(st.Text(part), e.position);
      return Status::InvalidInput(PointAt(path, text, at, e.Summary()) + e.Details())
          .With("message", e.message)
          .With("sqlstate", e.sqlstate);
    }
  }
  return Status::Ok();
}

namespace {

Status ApplySchemaDir(Session* s, const std::string& dir) {
  auto names = ListFiles(dir);
  if (!names.ok()) return Status::NotFound("schema folder " + dir + " not found");
  for (const auto& name : *names) {
    if (!EndsWith(name, ".sql")) continue;
    std::string path = JoinPath(dir, name);
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    STRATA_RETURN_IF_ERROR(RunStatements(s, path, *text, 0, text->size()));
  }
  return Status::Ok();
}

Status ReplayMigrations(Session* s, const std::string& dir, Naming naming) {
  std::vector<FileError> errs;
  auto mdir = MigrationDir::Load(dir, naming, &errs);
  if (!mdir.ok()) return mdir.status();
  for (const auto& f : mdir->files) {
    STRATA_RETURN_IF_ERROR(RunStatements(s, f.path, f.content, 0, f.body().size()));
  }
  return Status::Ok();
}

}  // namespace

Result<Catalog> LoadSource(const SourceSpec& spec, const std::string& shadow_admin_url, Naming naming) {
  auto loaded = LoadSourceKept(spec, shadow_admin_url, naming);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->catalog);
}

Result<LoadedSource> LoadSourceKept(const SourceSpec& spec, const std::string& shadow_admin_url, Naming naming) {
  LoadedSource out;
  if (!spec.NeedsShadow()) {
    auto conn = Connection::Open(spec.value);
    if (!conn.ok()) return conn.status();
    auto c = Introspect(conn->get());
    if (!c.ok()) return c.status();
    out.catalog = std::move(*c);
    return out;
  }
  auto shadow = ShadowDatabase::Create(shadow_admin_url);
  if (!shadow.ok()) return shadow.status();
  out.shadow = std::move(*shadow);
  auto conn = Connection::Open(out.shadow->url());
  if (!conn.ok()) return conn.status();
  // A throwaway database: no need to wait for the WAL flush of every statement.
  (*conn)->Exec("SET client_min_messages = warning; SET synchronous_commit = off");
  Status st = spec.kind == SourceSpec::Kind::kSchemaDir ? ApplySchemaDir(conn->get(), spec.value)
                                                        : ReplayMigrations(conn->get(), spec.value, naming);
  if (!st.ok()) return st;
  auto c = Introspect(conn->get());
  if (!c.ok()) return c.status();
  out.catalog = std::move(*c);
  return out;
}

}  // namespace strata
