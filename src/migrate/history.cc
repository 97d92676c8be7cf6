#include "migrate/history.h"

#include <cstring>

#include "base/sha256.h"
#include "base/strings.h"
#include "base/version.h"

namespace strata {

Result<bool> History::Exists() {
  // A plain catalog query, not to_regclass(): it reads with this statement's snapshot, so
  // it sees a table another runner committed while we waited for an advisory lock.
  auto r = session_->ExecParams(
      "SELECT count(*) > 0 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
      "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
      {table_.schema, table_.name});
  if (!r.ok()) return r.status().Wrap("reading history table " + table_.Display());
  return r->Get(0, 0) == "t";
}

Status History::Ensure() {
  auto exists = Exists();
  if (!exists.ok()) return exists.status();
  if (*exists) return Status::Ok();
  std::string sql = "CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(table_.schema) + ";\n" +
                    "CREATE TABLE " + table_.Quoted() +
                    " (\n"
                    "  id bigserial PRIMARY KEY,\n"
                    "  name text NOT NULL UNIQUE,\n"
                    "  checksum text,\n"
                    "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
                    "  duration_ms bigint,\n"
                    "  applied_by text NOT NULL DEFAULT current_user,\n"
                    "  kind text NOT NULL DEFAULT 'applied'\n"
                    "    CHECK (kind IN ('applied', 'fake', 'adopted', 'partial')),\n"
                    "  statements_done int NOT NULL DEFAULT 0,\n"
                    "  tool_version text\n"
                    ")";
  // The schema may exist while we lack CREATE on the database: only create what is missing.
  auto schema = session_->ExecParams("SELECT 1 FROM pg_namespace WHERE nspname = $1", {table_.schema});
  if (!schema.ok()) return schema.status();
  if (!schema->rows.empty()) sql = sql.substr(sql.find('\n') + 1);
  auto r = session_->Exec(sql);
  if (!r.ok()) return r.status().Wrap("creating history table " + table_.Display());
  return Status::Ok();
}

Result<std::vector<AppliedMigration>> History::Load() {
  auto exists = Exists();
  if (!exists.ok()) return exists.status();
  std::vector<AppliedMigration> out;
  if (!*exists) return out;
  auto r = session_->Exec(
      "SELECT name, coalesce(checksum, ''), to_char(applied_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(duration_ms, 0), applied_by, kind, "
      "statements_done, coalesce(tool_version, ''), id FROM " +
      table_.Quoted() + " ORDER BY name");
  if (!r.ok()) return r.status().Wrap("reading history table " + table_.Display());
  for (size_t i = 0; i < r->rows.size(); ++i) {
    AppliedMigration m;
    m.name = r->Get(i, 0);
    m.checksum = r->Get(i, 1);
    m.applied_at = r->Get(i, 2);
    m.duration_ms = std::stoll(r->Get(i, 3));
    m.applied_by = r->Get(i, 4);
    m.kind = r->Get(i, 5);
    m.statements_done = std::stoi(r->Get(i, 6));
    m.tool_version = r->Get(i, 7);
    m.id = std::stoll(r->Get(i, 8));
    out.push_back(std::move(m));
  }
  return out;
}

std::string History::InsertSql(const std::string& name, const std::string& checksum,
                               const std::string& kind, int statements_done,
                               const std::string& duration_sql,
                               const std::string& applied_by) const {
  return "INSERT INTO " + table_.Quoted() +
         " (name, checksum, duration_ms, applied_by, kind, statements_done, tool_version) VALUES (" +
         QuoteLiteral(name) + ", " + QuoteLiteral(checksum) + ", " + duration_sql + ", " +
         (applied_by.empty() ? "current_user" : QuoteLiteral(applied_by)) + ", " +
         QuoteLiteral(kind) + ", " + std::to_string(statements_done) + ", " +
         QuoteLiteral(STRATA_VERSION) + ")";
}

std::string History::ProgressSql(const std::string& name, int done) const {
  return "UPDATE " + table_.Quoted() + " SET statements_done = " + std::to_string(done) +
         " WHERE name = " + QuoteLiteral(name);
}

std::string History::CompleteSql(const std::string& name, int done, int64_t duration_ms) const {
  return "UPDATE " + table_.Quoted() + " SET kind = 'applied', statements_done = " +
         std::to_string(done) + ", duration_ms = " + std::to_string(duration_ms) +
         ", applied_at = now() WHERE name = " + QuoteLiteral(name);
}

std::string History::AdoptSql(const std::string& name, const std::string& checksum,
                              const std::string& applied_at_sql) const {
  return "INSERT INTO " + table_.Quoted() +
         " (name, checksum, applied_at, duration_ms, kind, statements_done, tool_version) VALUES (" +
         QuoteLiteral(name) + ", " + QuoteLiteral(checksum) + ", " + applied_at_sql +
         ", NULL, 'adopted', 0, " + QuoteLiteral(STRATA_VERSION) + ")";
}

std::string History::DeleteSql(const std::string& name) const {
  return "DELETE FROM " + table_.Quoted() + " WHERE name = " + QuoteLiteral(name);
}

std::string History::CountSql(const std::string& name) const {
  return "SELECT count(*) FROM " + table_.Quoted() + " WHERE name = " + QuoteLiteral(name);
}

int64_t MigrationLock::KeyFor(const QualifiedName& table) {
  Sha256 h;
  h.Update("strata:" + table.Display());
  auto d = h.Finish();
  int64_t key = 0;
  std::memcpy(&key, d.data(), sizeof(key));
  return key;
}

std::string MigrationLock::XactLockSql(const QualifiedName& table) {
  return "SELECT pg_advisory_xact_lock(" + std::to_string(KeyFor(table)) + ")";
}

Result<std::unique_ptr<MigrationLock>> MigrationLock::Acquire(
    Session* session, const QualifiedName& table, const std::function<void()>& on_wait) {
  int64_t key = KeyFor(table);
  std::string k = std::to_string(key);
  auto r = session->Exec("SELECT pg_try_advisory_lock(" + k + ")");
  if (!r.ok()) return r.status().Wrap("taking the migration lock");
  if (r->Get(0, 0) != "t") {
    if (on_wait) on_wait();
    auto w = session->Exec("SELECT pg_advisory_lock(" + k + ")");
    if (!w.ok()) return w.status().Wrap("waiting for the migration lock");
  }
  return std::unique_ptr<MigrationLock>(new MigrationLock(session, key));
}

MigrationLock::~MigrationLock() {
  session_->Exec("SELECT pg_advisory_unlock(" + std::to_string(key_) + ")");
}

}  // namespace strata
