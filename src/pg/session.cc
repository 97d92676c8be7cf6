#include "pg/session.h"

#include <future>

#include "pg/libpq.h"

#include "base/strings.h"

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string_view>

namespace strata {
namespace {
// REQUIRES: pg::Load() succeeded (Connection::Open checks it before anything else).
const pg::LibPq& L() { return **pg::Load(); }
}  // namespace

struct Connection::Impl {
  PGconn* conn = nullptr;
  std::mutex notice_mu;
  std::vector<std::string> notices;
  ~Impl() {
    if (conn) L().PQfinish(conn);
  }
};

namespace {

void OnNotice(void* arg, const PGresult* res) {
  auto* impl = static_cast<Connection::Impl*>(arg);
  const char* sev = L().PQresultErrorField(res, PG_DIAG_SEVERITY);
  const char* msg = L().PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  std::lock_guard<std::mutex> lock(impl->notice_mu);
  impl->notices.push_back(std::string(sev ? sev : "NOTICE") + ": " + (msg ? msg : ""));
}

struct ResultDeleter {
  void operator()(PGresult* r) const { L().PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Field(const PGresult* r, int code) {
  const char* v = L().PQresultErrorField(r, code);
  return v ? v : "";
}

QueryResult Convert(const PGresult* r) {
  QueryResult out;
  int ncols = L().PQnfields(r), nrows = L().PQntuples(r);
  for (int c = 0; c < ncols; ++c) out.columns.push_back(L().PQfname(r, c));
  out.rows.reserve(static_cast<size_t>(nrows));
  for (int i = 0; i < nrows; ++i) {
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      if (L().PQgetisnull(r, i, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(L().PQgetvalue(r, i, c), static_cast<size_t>(L().PQgetlength(r, i, c))));
      }
    }
    out.rows.push_back(std::move(row));
  }
  const char* tuples = L().PQcmdTuples(const_cast<PGresult*>(r));
  out.affected = tuples && *tuples ? std::atoll(tuples) : 0;
  return out;
}

}  // namespace

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

namespace {
// libpq knows URLs only by the lower-case prefixes; "POSTGRES://u:pw@h/db" would be taken
// as a database name and sent, password included, to the server (and its log).
std::string NormalizeScheme(const std::string& conninfo) {
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (conninfo.size() < scheme.size()) continue;
    bool same = true;
    for (size_t i = 0; i < scheme.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(conninfo[i])) == scheme[i];
    }
    if (same) return std::string(scheme) + conninfo.substr(scheme.size());
  }
  return conninfo;
}
}  // namespace

void PreloadLibpq() {
  // Waited for at exit (the future of std::async joins when destroyed).
  static std::future<void> loading = std::async(std::launch::async, [] { pg::Load(); });
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& raw_conninfo,
                                                     const std::string& application_name) {
  if (auto lib = pg::Load(); !lib.ok()) return lib.status();
  std::string conninfo = NormalizeScheme(raw_conninfo);
  RegisterSecret(PasswordOf(conninfo));
  if (const char* pw = std::getenv("PGPASSWORD")) RegisterSecret(pw);
  // Defaults first: values in the conninfo (expanded from "dbname") override them.
  const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "dbname", "application_name", nullptr};
  const char* vals[] = {"10", "1", "10", "5", "3", "30000", conninfo.c_str(), application_name.c_str(), nullptr};
  auto impl = std::make_unique<Impl>();
  impl->conn = L().PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
  if (impl->conn == nullptr) return Status::Database("out of memory connecting");
  if (L().PQstatus(impl->conn) != CONNECTION_OK) {
    std::string msg = Trimmed(L().PQerrorMessage(impl->conn));
    return Status::Database("cannot connect to " + MaskPassword(conninfo.empty() ? "(PG* environment)" : conninfo) +
                            ": " + MaskPassword(msg));
  }
  L().PQsetNoticeReceiver(impl->conn, OnNotice, impl.get());
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

std::function<Result<std::unique_ptr<Session>>()> Connection::Opener(const std::string& conninfo) {
  return [conninfo]() -> Result<std::unique_ptr<Session>> {
    auto c = Open(conninfo);
    if (!c.ok()) return c.status();
    return std::unique_ptr<Session>(std::move(*c));
  };
}

namespace {
Result<QueryResult> Finish(PGconn* conn, DbError* error, std::vector<QueryResult>* all = nullptr) {
  // Drain every result; keep the last (or all), stop at the first error.
  Result<QueryResult> out = QueryResult{};
  bool failed = false;
  int succeeded = 0;
  while (PGresult* raw = L().PQgetResult(conn)) {
    ResultPtr r(raw);
    ExecStatusType st = L().PQresultStatus(r.get());
    if (failed) continue;
    error->statement_index = succeeded++;
    if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
      failed = true;
      error->sqlstate = Field(r.get(), PG_DIAG_SQLSTATE);
      error->severity = Field(r.get(), PG_DIAG_SEVERITY);
      error->message = Field(r.get(), PG_DIAG_MESSAGE_PRIMARY);
      if (error->message.empty()) error->message = Trimmed(L().PQerrorMessage(conn));
      error->detail = Field(r.get(), PG_DIAG_MESSAGE_DETAIL);
      error->hint = Field(r.get(), PG_DIAG_MESSAGE_HINT);
      error->context = Field(r.get(), PG_DIAG_CONTEXT);
      if (L().PQstatus(conn) != CONNECTION_OK) error->connection_lost = true;
      std::string pos = Field(r.get(), PG_DIAG_STATEMENT_POSITION);
      error->position = pos.empty() ? 0 : std::atoi(pos.c_str());
      out = Status::Database(error->message);
    } else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
      failed = true;
      error->message = "COPY to or from the client is not supported in migrations";
      out = Status::Database(error->message);
      L().PQputCopyEnd(conn, "not supported");
    } else {
      out = Convert(r.get());
      if (all) all->push_back(*out);
    }
  }
  if (L().PQstatus(conn) != CONNECTION_OK) {
    error->connection_lost = true;
    if (!failed) {
      error->message = Trimmed(L().PQerrorMessage(conn));
      return Status::Database("connection lost: " + error->message);
    }
  }
  return out;
}
}  // namespace

Status Connection::SendFailed() {
  error_.message = Trimmed(L().PQerrorMessage(impl_->conn));
  error_.connection_lost = L().PQstatus(impl_->conn) != CONNECTION_OK;
  return Status::Database(error_.message);
}

Result<QueryResult> Connection::Exec(const std::string& sql) {
  error_.Clear();
  if (!L().PQsendQuery(impl_->conn, sql.c_str())) {
    return SendFailed();
  }
  return Finish(impl_->conn, &error_);
}

Result<std::vector<QueryResult>> Connection::ExecAll(const std::string& sql) {
  error_.Clear();
  if (!L().PQsendQuery(impl_->conn, sql.c_str())) {
    return SendFailed();
  }
  std::vector<QueryResult> all;
  auto last = Finish(impl_->conn, &error_, &all);
  if (!last.ok()) return last.status();
  return all;
}

Status Connection::SendWithoutWaiting(const std::string& sql) {
  // A blocking connection's PQsendQuery returns once the whole query is sent.
  error_.Clear();
  if (!L().PQsendQuery(impl_->conn, sql.c_str())) return SendFailed();
  return Status::Ok();
}

Result<QueryResult> Connection::ExecParams(const std::string& sql,
                                           const std::vector<std::optional<std::string>>& params) {
  error_.Clear();
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (!L().PQsendQueryParams(impl_->conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                         values.data(), nullptr, nullptr, 0)) {
    return SendFailed();
  }
  return Finish(impl_->conn, &error_);
}

std::vector<std::string> Connection::TakeNotices() {
  std::lock_guard<std::mutex> lock(impl_->notice_mu);
  std::vector<std::string> out;
  out.swap(impl_->notices);
  return out;
}

int Connection::backend_pid() const { return L().PQbackendPID(impl_->conn); }

int Connection::server_version() const { return L().PQserverVersion(impl_->conn); }

void Connection::Cancel() {
  PGcancel* c = L().PQgetCancel(impl_->conn);
  if (!c) return;
  char buf[256];
  L().PQcancel(c, buf, sizeof(buf));
  L().PQfreeCancel(c);
}

Result<bool> ServerAcceptsSyntax(Session* s, std::string_view sql, DbError* error) {
  // The server's error for a statement whose first token it has no grammar for.
  auto refuse = [&](std::string_view token, const char* hint) {
    error->sqlstate = "42601";
    error->message = "syntax error at or near \"" + std::string(token) + "\"";
    error->hint = hint;
    error->position = 1;
    return false;
  };
  // No statement of any version starts with a backslash: a psql meta-command, which only
  // psql reads.
  if (!sql.empty() && sql[0] == '\\') return refuse("\\", kPsqlMetaCommandFix);
  size_t i = 0;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) ++i;
  std::string first(sql.substr(0, i));
  for (char& c : first) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string> kPlpgsqlWords = {
      "assert", "begin", "call", "case", "close", "commit", "continue", "declare", "do", "execute", "exit",
      "fetch", "for", "foreach", "get", "if", "loop", "move", "null", "open", "perform", "raise", "return",
      "rollback", "while"};
  if (first.empty() || kPlpgsqlWords.count(first)) return true;
  // MERGE is 15's. Before 15, PL/pgSQL reads its INTO as its own target ("not a known
  // variable", below) and never hands it to the server's grammar, which has no MERGE.
  if (first == "merge" && s->server_version() < 150000) return refuse(sql.substr(0, i), "");
  std::string tag = "$strata_" + RandomHex(8) + "$";
  while (sql.find(tag) != std::string_view::npos) tag = "$strata_" + RandomHex(8) + "$";
  std::string prefix = "DO " + tag + " BEGIN RETURN;\n";
  auto r = s->Exec(prefix + std::string(sql) + "\n;\nEND " + tag);
  if (r.ok()) return true;
  const DbError& e = s->last_error();
  if (e.connection_lost) return r.status();
  if (e.sqlstate != "42601") return true;  // not a syntax error: the run itself will tell
  // PL/pgSQL reads SELECT ... INTO as its own INTO: a table name is "not a known variable".
  if (e.message.find("is not a known variable") != std::string::npos) return true;
  *error = e;
  int chars = 0;
  for (unsigned char c : prefix) chars += (c & 0xC0) != 0x80;
  error->position = e.position > chars ? e.position - chars : 0;
  error->context.clear();  // "PL/pgSQL function inline_code_block ...": our wrapper, not theirs
  return false;
}

bool LibpqEnvironmentSet() {
  for (const char* v : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"}) {
    const char* s = std::getenv(v);
    if (s && *s) return true;
  }
  return false;
}

}  // namespace strata
