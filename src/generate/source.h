// Where a schema comes from: a live database (db:URL), a folder of declarative SQL
// (schema:DIR, applied in name order to a shadow database), or a migrations folder
// (migrations:DIR, replayed in order on a shadow database). Each becomes a Catalog.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "devdb/shadow.h"
#include "migrate/migration_dir.h"
#include "pg/session.h"
#include "sql/statement.h"

namespace strata {

struct SourceSpec {
  enum class Kind { kDatabase, kSchemaDir, kMigrationsDir };
  Kind kind = Kind::kDatabase;
  std::string value;  // URL or folder (kSchemaDir with parts: a label for messages)
  // kSchemaDir: the desired schema's sources, applied in order; empty: the folder `value`.
  std::vector<SchemaSource> parts;
  bool NeedsShadow() const { return kind != Kind::kDatabase; }
  std::vector<SchemaSource> Parts() const;
};

// "db:URL" (or a bare postgres:// URL), "schema:DIR", "migrations:DIR", "drizzle:CONFIG",
// "command:SHELL".
Result<SourceSpec> ParseSource(const std::string& text);

// The desired schema's sources as one spec, labelled for messages ("schema/",
// "drizzle (drizzle.config.ts) + schema/").
SourceSpec DesiredSpec(const std::vector<SchemaSource>& parts);

// One piece of SQL a schema source produced, with the path its errors point at.
struct SqlDocument {
  std::string path, text;
};
// Reads every source of `spec` (a kSchemaDir): the folders' files in name order, the
// output of drizzle-kit export and of commands. The `\restrict KEY` and `\unrestrict KEY`
// lines pg_dump writes since 17.6 (and 13.22, 14.19, 15.14, 16.10) are psql commands, not
// SQL: they are blanked (BlankPsqlRestrict), so that a dump is a schema source as it is.
Result<std::vector<SqlDocument>> RenderSchemaSources(const SourceSpec& spec);

// Replaces each line that is exactly `\restrict KEY` or `\unrestrict KEY` with spaces
// (offsets, lines and columns of the rest stay as they were).
void BlankPsqlRestrict(std::string* sql);

// A schema document with its statements (parsed while the server makes the database).
struct ParsedDocument {
  SqlDocument doc;
  Result<std::vector<Statement>> statements;
};
// `rendered`: the documents when the caller has rendered them already.
Result<std::vector<ParsedDocument>> ParseSchemaSources(const SourceSpec& spec, const std::vector<SqlDocument>* rendered);

// REQUIRES: `shadow_admin_url` names a database on a server where strata may create
// databases, when spec.NeedsShadow(). Errors in the SQL name file:line:col.
Result<Catalog> LoadSource(const SourceSpec& spec, const std::string& shadow_admin_url, Naming naming);

// The same, keeping the shadow database (when there is one) for further work.
struct LoadedSource {
  Catalog catalog;
  std::unique_ptr<ShadowDatabase> shadow;  // null for db:URL
  // The session that built and read the shadow, still open (its catalog caches are warm).
  std::unique_ptr<Session> session;
};
// `rendered`: the schema source's documents when the caller has rendered them already.
// `manifest` (schema sources only): what each statement made is recorded while it runs
// (generate/incremental.h), when the server lets strata install event triggers; left
// empty otherwise.
struct BuildManifest;
Result<LoadedSource> LoadSourceKept(const SourceSpec& spec, const std::string& shadow_admin_url, Naming naming,
                                    const std::vector<SqlDocument>* rendered = nullptr,
                                    BuildManifest* manifest = nullptr);

// `strata migrate` of the folder `dir` on `s` (a shadow database): the same runner, with
// its history table in a schema of its own that is dropped afterwards.
Status ReplayMigrations(Session* s, const std::string& dir, Naming naming);
// The same for a folder already loaded, with the errors its Load reported.
Status ReplayMigrations(Session* s, const MigrationDir& dir, const std::vector<FileError>& load_errors, Naming naming);

// Runs each statement of text[begin, end) on `s` (so that CONCURRENTLY works), pointing
// at path:line:col of the failing one. `batch` (throwaway databases only): consecutive
// statements that run inside a transaction block go many per round trip, each group one
// implicit transaction.
Status RunStatements(Session* s, const std::string& path, const std::string& text, size_t begin, size_t end,
                     bool batch = false);
// The same with the statements already parsed (ParseStatements of text from `begin`).
// `label` (when given): each statement is numbered for the build log (SET strata.stmt = N
// before it, N = *label, incremented; see generate/incremental.h).
Status RunParsed(Session* s, const std::string& path, const std::string& text, size_t begin,
                 const Result<std::vector<Statement>>& statements, bool batch = false, int* label = nullptr);

}  // namespace strata
