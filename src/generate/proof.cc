#include "generate/proof.h"

#include "introspect/introspect.h"
#include "migrate/migration_dir.h"
#include "migrate/migration_file.h"
#include "migrate/partitioned_index.h"
#include "pg/session.h"
#include "sql/statement.h"

namespace strata {

namespace {

// Whatever happened, the transaction ends rolled back.
class RolledBack {
 public:
  explicit RolledBack(Session* s) : s_(s) {}
  ~RolledBack() { s_->Exec("ROLLBACK"); }
  RolledBack(const RolledBack&) = delete;
  RolledBack& operator=(const RolledBack&) = delete;

 private:
  Session* s_;
};

// The statement that runs in the proof's transaction, or "" when there is none.
std::string ProofStatement(Session* s, const Statement& st, std::string_view source) {
  std::string text = st.Text(source);
  if (st.transaction_control) return "";
  if (!st.needs_no_transaction) return text;
  auto partitioned = ConcurrentOnPartitioned(s, st);
  if (!partitioned.ok() || *partitioned) return "";
  return InTransactionEquivalent(text);
}

}  // namespace

Result<std::optional<Catalog>> ProveInTransaction(Session* s, const std::vector<GeneratedFile>& files, Naming naming,
                                                  std::string* why) {
  auto stop = [&](const std::string& reason) -> Result<std::optional<Catalog>> {
    if (why) *why = reason;
    return std::optional<Catalog>();
  };
  if (!s->Exec("BEGIN").ok()) return stop("BEGIN failed: " + s->last_error().Summary());
  RolledBack rollback(s);
  for (const GeneratedFile& g : files) {
    MigrationFile f;
    f.name = f.path = g.name;
    f.content = g.content;
    std::vector<FileError> errors;
    if (!ParseMigrationName(g.name, naming, &f.version, &f.slug).ok() || !ParseDirectives(&f, &errors).ok()) {
      return stop(g.name + ": not a migration file");
    }
    auto pm = ParseMigration(f, &errors);
    if (!pm.ok() || !errors.empty() || !pm->Unparsed().empty()) return stop(g.name + ": not parsed");
    std::string sql;
    for (const Statement& st : pm->body) {
      std::string one = ProofStatement(s, st, f.content);
      if (one.empty()) return stop(g.name + ": no in-transaction equivalent for: " + st.Text(f.content).substr(0, 80));
      sql += one + "\n;\n";
    }
    if (!sql.empty() && !s->Exec(sql).ok()) return stop(g.name + ": " + s->last_error().Summary());
    std::string verify;
    for (const Statement& st : pm->verify) verify += st.Text(f.content) + "\n;\n";
    if (!verify.empty()) {
      auto results = s->ExecAll(verify);
      if (!results.ok()) return stop(g.name + ": verify: " + s->last_error().Summary());
      for (const QueryResult& r : *results) {
        if (r.rows.size() != 1 || r.columns.empty() || !r.rows[0][0].has_value() || *r.rows[0][0] != "t") {
          return stop(g.name + ": a verify query did not return true");
        }
      }
    }
    if (!s->Exec("RESET ALL; SET LOCAL client_min_messages = warning").ok()) return stop("RESET ALL failed");
  }
  IntrospectOptions io;
  io.inside_transaction = true;
  auto c = Introspect(s, io);
  if (!c.ok()) return stop("reading the catalog: " + c.status().message());
  return std::optional<Catalog>(std::move(*c));
}

}  // namespace strata
