#include "migrate/history.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <thread>

#include "base/clock.h"
#include "base/parse.h"

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

namespace {
// Columns added after the first release, with their types: added to older tables.
constexpr std::pair<const char*, const char*> kNewerColumns[] = {
    {"statement_started", "int"}, {"runner", "text"}, {"runner_pid", "int"}};
}  // namespace

Result<std::vector<std::string>> History::MissingColumns() {
  auto r = session_->ExecParams(
      "SELECT a.attname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
      {table_.schema, table_.name});
  if (!r.ok()) return r.status().Wrap("reading history table " + table_.Display());
  std::vector<std::string> missing;
  for (const auto& [col, type] : kNewerColumns) {
    bool found = false;
    for (size_t i = 0; i < r->rows.size(); ++i) found = found || r->Get(i, 0) == col;
    if (!found) missing.push_back(col);
  }
  return missing;
}

Status History::Ensure() {
  auto exists = Exists();
  if (!exists.ok()) return exists.status();
  if (*exists) {
    auto missing = MissingColumns();
    if (!missing.ok()) return missing.status();
    if (missing->empty()) return Status::Ok();
    std::string sql = "ALTER TABLE " + table_.Quoted();
    for (const auto& [col, type] : kNewerColumns) {
      if (std::find(missing->begin(), missing->end(), col) == missing->end()) continue;
      sql += std::string(" ADD COLUMN IF NOT EXISTS ") + col + " " + type + ",";
    }
    sql.pop_back();
    auto r = session_->Exec(sql);
    if (!r.ok()) return r.status().Wrap("upgrading history table " + table_.Display());
    return Status::Ok();
  }
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
                    "  tool_version text,\n"
                    "  statement_started int,\n"
                    "  runner text,\n"
                    "  runner_pid int\n"
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
  auto missing = MissingColumns();
  if (!missing.ok()) return missing.status();
  auto column = [&](const char* col) {
    bool absent = std::find(missing->begin(), missing->end(), col) != missing->end();
    return absent ? std::string("NULL") : std::string(col);
  };
  auto r = session_->Exec(
      "SELECT name, coalesce(checksum, ''), to_char(applied_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(duration_ms, 0), applied_by, kind, "
      "statements_done, coalesce(tool_version, ''), id, " + column("statement_started") + ", " +
      column("runner") + ", " + column("runner_pid") + " FROM " + table_.Quoted() + " ORDER BY name");
  if (!r.ok()) return r.status().Wrap("reading history table " + table_.Display());
  for (size_t i = 0; i < r->rows.size(); ++i) {
    // Rows may have been written by hand or by another tool: NULLs and odd values read as
    // 0 rather than aborting.
    auto num = [&](size_t c) { return ToInt64Or(r->Get(i, c), 0); };
    auto small = [&](size_t c) { return static_cast<int>(std::clamp<int64_t>(num(c), 0, INT32_MAX)); };
    AppliedMigration m;
    m.name = r->Get(i, 0);
    m.checksum = r->Get(i, 1);
    m.applied_at = r->Get(i, 2);
    m.duration_ms = num(3);
    m.applied_by = r->Get(i, 4);
    m.kind = r->Get(i, 5);
    m.statements_done = small(6);
    m.tool_version = r->Get(i, 7);
    m.id = num(8);
    m.statement_started = small(9);
    m.runner = r->Get(i, 10);
    m.runner_pid = small(11);
    out.push_back(std::move(m));
  }
  return out;
}

std::string History::InsertSql(const std::string& name, const std::string& checksum,
                               const std::string& kind, int statements_done,
                               const std::string& duration_sql,
                               const std::string& applied_by, const std::string& runner) const {
  return "INSERT INTO " + table_.Quoted() +
         " (name, checksum, duration_ms, applied_by, kind, statements_done, runner, runner_pid, tool_version) VALUES (" +
         QuoteLiteral(name) + ", " + QuoteLiteral(checksum) + ", " + duration_sql + ", " +
         (applied_by.empty() ? "current_user" : QuoteLiteral(applied_by)) + ", " +
         QuoteLiteral(kind) + ", " + std::to_string(statements_done) + ", " +
         (runner.empty() ? "NULL, NULL" : QuoteLiteral(runner) + ", pg_backend_pid()") + ", " +
         QuoteLiteral(STRATA_VERSION) + ")";
}

std::string History::ProgressSql(const std::string& name, int done) const {
  return "UPDATE " + table_.Quoted() + " SET statements_done = " + std::to_string(done) +
         ", statement_started = NULL WHERE name = " + QuoteLiteral(name);
}

std::string History::StartStatementSql(const std::string& name, int n, const std::string& runner) const {
  return "UPDATE " + table_.Quoted() + " SET statement_started = " + std::to_string(n) +
         ", runner_pid = pg_backend_pid() WHERE name = " + QuoteLiteral(name) +
         " AND kind = 'partial' AND runner = " + QuoteLiteral(runner);
}

std::string History::TakeOverSql(const std::string& name, const std::string& runner) const {
  return "UPDATE " + table_.Quoted() + " h SET runner = " + QuoteLiteral(runner) +
         ", runner_pid = pg_backend_pid() WHERE name = " + QuoteLiteral(name) +
         " AND kind = 'partial' AND (h.runner IS NULL OR NOT EXISTS (SELECT 1 FROM "
         "pg_catalog.pg_stat_activity a WHERE a.application_name = h.runner)) "
         "RETURNING statements_done, coalesce(statement_started, 0)";
}

std::string History::CompleteSql(const std::string& name, int done, int64_t duration_ms) const {
  return "UPDATE " + table_.Quoted() + " SET kind = 'applied', statement_started = NULL, statements_done = " +
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

namespace {
std::string LockKeyWhere(int64_t key) {
  uint64_t k = static_cast<uint64_t>(key);
  return "l.locktype = 'advisory' AND l.granted AND l.classid = " + std::to_string(k >> 32) +
         " AND l.objid = " + std::to_string(k & 0xffffffffu) + " AND l.objsubid = 1";
}
}  // namespace

std::string MigrationLock::Holder(Session* session, const QualifiedName& table) {
  auto r = session->Exec(
      "SELECT a.pid, coalesce(nullif(a.application_name, ''), '(no application_name)'), "
      "coalesce(host(a.client_addr), 'local socket'), "
      "coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), '?'), "
      "coalesce(a.state, '?'), coalesce(left(a.query, 80), '') "
      "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid WHERE " +
      LockKeyWhere(KeyFor(table)) + " LIMIT 1");
  if (!r.ok() || r->rows.empty()) return "";
  return "pid " + r->Get(0, 0) + ", application_name '" + r->Get(0, 1) + "', from " + r->Get(0, 2) +
         ", connected since " + r->Get(0, 3) + ", " + r->Get(0, 4) +
         (r->Get(0, 5).empty() ? "" : ": " + r->Get(0, 5));
}

Result<std::unique_ptr<MigrationLock>> MigrationLock::Acquire(
    Session* session, const QualifiedName& table,
    const std::function<void(const std::string&)>& on_wait, int64_t wait_ms) {
  int64_t key = KeyFor(table);
  std::string try_sql = "SELECT pg_try_advisory_lock(" + std::to_string(key) + ")";
  int64_t start = MonotonicMillis(), last_said = -1;
  std::string holder;
  for (int attempt = 0;; ++attempt) {
    auto r = session->Exec(try_sql);
    if (!r.ok()) return r.status().Wrap("taking the migration lock");
    if (r->Get(0, 0) == "t") break;
    int64_t waited = MonotonicMillis() - start;
    std::string now = Holder(session, table);
    if (!now.empty()) holder = now;
    // Say who holds it at once, then every 30 s.
    if (on_wait && (last_said < 0 || waited - last_said >= 30000)) {
      on_wait(holder.empty() ? "another session (it could not be identified)" : holder);
      last_said = waited;
    }
    if (wait_ms >= 0 && waited >= wait_ms) {
      return Status::Conflict("gave up waiting for the migration lock after " +
                              std::to_string(wait_ms / 1000) + " s (--lock-wait); it is held by " +
                              (holder.empty() ? "another session" : holder) +
                              ". If that run is dead, end its session with SELECT "
                              "pg_terminate_backend(<pid>)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 10 ? 100 : 500));
  }
  return std::unique_ptr<MigrationLock>(new MigrationLock(session, key));
}

MigrationLock::~MigrationLock() {
  session_->Exec("SELECT pg_advisory_unlock(" + std::to_string(key_) + ")");
}

}  // namespace strata
