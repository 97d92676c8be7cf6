// The database session. Session is the interface the runner talks to (so tests can
// fake it); Connection is the libpq implementation. This folder is the only code that
// includes libpq-fe.h.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/mask.h"
#include "base/status.h"

namespace strata {

// What the server said when a statement failed.
struct DbError {
  std::string sqlstate;  // e.g. "55P03" (lock_not_available)
  std::string severity;
  std::string message;
  std::string detail;
  std::string hint;
  std::string context;   // PL/pgSQL call stack and the like (PG_DIAG_CONTEXT)
  // The connection broke (server restart, terminated backend, network): the statement
  // may or may not have completed on the server.
  bool connection_lost = false;
  int position = 0;      // 1-based character offset into the statement text; 0 when none
  // In a multi-statement Exec, how many statements succeeded before the failing one.
  int statement_index = 0;
  // statement_index as an index into the `count` statements sent (count > 0).
  size_t FailedStatement(size_t count) const {
    return std::min(static_cast<size_t>(std::max(statement_index, 0)), count - 1);
  }
  void Clear() { *this = DbError(); }
  // "message (SQLSTATE x)": the line a user reads first.
  std::string Summary() const {
    std::string out = message.empty() ? "the server gave no message" : message;
    return sqlstate.empty() ? out : out + " (SQLSTATE " + sqlstate + ")";
  }
  // The lines that follow it: "\n  detail: ...", hint and context, when present.
  std::string Details() const {
    std::string out;
    if (!detail.empty()) out += "\n  detail: " + detail;
    if (!hint.empty()) out += "\n  hint: " + hint;
    if (!context.empty()) out += "\n  context: " + context;
    return out;
  }
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  int64_t affected = 0;
  // Text of row r, column c, or "" for NULL.
  std::string Get(size_t r, size_t c) const {
    return rows.at(r).at(c).value_or("");
  }
};

class Session {
 public:
  virtual ~Session() = default;
  // Runs `sql` (one or more statements, simple protocol). Returns the last result.
  // On failure the Status message is the server's, and last_error() holds the details.
  virtual Result<QueryResult> Exec(const std::string& sql) = 0;
  // The same, keeping every statement's result, in order: many small queries in one round
  // trip. On failure last_error().statement_index is the failing statement's index.
  virtual Result<std::vector<QueryResult>> ExecAll(const std::string& sql) = 0;
  // One statement with $1.. parameters (text format; nullopt is NULL).
  virtual Result<QueryResult> ExecParams(const std::string& sql,
                                         const std::vector<std::optional<std::string>>& params) = 0;
  virtual const DbError& last_error() const = 0;
  // NOTICE/WARNING messages received since the last call, oldest first.
  virtual std::vector<std::string> TakeNotices() = 0;
  // Server version as an integer (150004 for 15.4).
  virtual int server_version() const = 0;
  // Asks the server to cancel whatever this session is running (thread-safe).
  virtual void Cancel() = 0;
  // Process id of the server backend serving this session.
  virtual int backend_pid() const = 0;
};

// Starts loading libpq on another thread: it and its dozen libraries take milliseconds
// to load, which a command that will connect overlaps with reading its files.
void PreloadLibpq();

class Connection : public Session {
 public:
  struct Impl;
  // `conninfo` is a URL or a keyword string; empty means libpq's PG* variables.
  // `application_name` is what pg_stat_activity shows (and what other runners print
  // when they wait for this one). TCP keepalives and tcp_user_timeout are on unless the
  // conninfo sets them, so a silently dead network ends the session in bounded time.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                  const std::string& application_name = "strata");
  // A function that opens another session on `conninfo` (for a second reader).
  static std::function<Result<std::unique_ptr<Session>>()> Opener(const std::string& conninfo);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result<QueryResult> Exec(const std::string& sql) override;
  Result<std::vector<QueryResult>> ExecAll(const std::string& sql) override;
  // Sends `sql` and returns without waiting for it: the server runs it to the end even
  // after the session closes. The session is then good only for closing.
  Status SendWithoutWaiting(const std::string& sql);
  Result<QueryResult> ExecParams(const std::string& sql,
                                 const std::vector<std::optional<std::string>>& params) override;
  const DbError& last_error() const override { return error_; }
  std::vector<std::string> TakeNotices() override;
  int server_version() const override;
  void Cancel() override;
  int backend_pid() const override;

 private:
  explicit Connection(std::unique_ptr<Impl> impl);
  // A query that could not be sent: fills last_error() from the connection.
  Status SendFailed();
  std::unique_ptr<Impl> impl_;
  DbError error_;
};

// Whether the server's grammar accepts `sql` (one statement), without running it: the text
// is compiled, not run, as the body of a PL/pgSQL DO block that returns before it (PL/pgSQL
// hands each SQL statement to the server's parser when it compiles). On false, `error`
// holds the server's syntax error with `position` relative to `sql`. A statement PL/pgSQL
// would read as its own (EXECUTE, PERFORM, ..., and SELECT ... INTO a table) or a server
// without PL/pgSQL cannot be checked this way: true. REQUIRES: no transaction block is open (a rejected check would
// abort it).
Result<bool> ServerAcceptsSyntax(Session* s, std::string_view sql, DbError* error);

// True when libpq's PG* variables name a server or database (so an empty conninfo means
// something the user chose).
bool LibpqEnvironmentSet();

}  // namespace strata
