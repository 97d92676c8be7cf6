// The migration safety linter (DESIGN.md §5): rules over PostgreSQL parse trees, with
// context — what the runner does (one transaction per file unless no-transaction, a
// lock_timeout on every file), what earlier files of the same run created, the target
// PostgreSQL version and, with a database, real row estimates and existing objects.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lint/diagnostic.h"
#include "migrate/migration_file.h"
#include "sql/tree.h"

namespace strata {

struct RuleInfo {
  const char* id;
  Severity severity;
  const char* summary;  // one line, for --help, SARIF and docs
  bool opt_in = false;  // off unless named in [lint] enable
};

// Every SQL rule, in id order. Rule ids follow squawk's where squawk has the rule.
const std::vector<RuleInfo>& SqlRules();
const RuleInfo* FindRule(std::string_view id);

struct LintOptions {
  int pg_version = 15;                // major version the migrations will run on
  // pg_version was given (--pg-version, --db, [dev] postgres) rather than assumed: then a
  // statement the bundled parser rejects is an error on a target its grammar covers.
  bool pg_version_known = false;
  std::set<std::string> only;         // non-empty: run just these rules
  std::set<std::string> disabled;     // [lint] disable
  std::set<std::string> enabled;      // opt-in rules to turn on ([lint] enable)
  // Files run through strata's runner: transaction control is refused (the runner owns
  // the transaction), and the runner's lock_timeout/statement_timeout count as set.
  bool strata_runner = true;
  bool runner_lock_timeout = true;
  bool runner_statement_timeout = false;
  // With a database: lock rules skip tables with fewer estimated rows than this.
  double small_table_rows = 10000;
};

// Facts read from the target database (strata lint --db).
struct LintDatabase {
  struct Column {
    std::string type;       // pg_type.typname, e.g. "varchar", "int4", "numeric"
    std::vector<int> mods;  // decoded typmod: length, (precision, scale) or precision
  };
  struct Table {
    double rows = -1;  // pg_class.reltuples, or estimated from the size when never analyzed; -1: unknown
    bool partitioned = false;
    std::map<std::string, Column> columns;
  };
  std::map<std::string, Table> tables;                          // "schema.table"
  std::map<std::string, std::string> index_table;               // "schema.index" -> "schema.table"
  std::map<std::string, std::vector<std::string>> enums;        // "schema.type" -> labels
  std::map<std::string, std::string> validated_not_null_checks; // "schema.table.constraint" -> column
  std::map<std::string, char> volatility;                       // function name -> i / s / v
};

struct LintSource {
  std::string path;        // shown in diagnostics
  std::string_view text;   // the whole file
  size_t body_end = std::string_view::npos;  // rules stop here (the verify section follows)
  bool in_transaction = true;  // the runner wraps the file in one transaction
  std::vector<Allow> allows;   // -- strata:allow <rule> <reason>
};

struct LintRunState;  // what earlier files of the run created (sql_lint.cc)

// A migration file as the linter sees it: its text, where the verify section starts,
// whether the runner wraps it in a transaction, and its strata:allow lines.
LintSource LintSourceOf(const MigrationFile& file);

// Lints files in run order; what one file creates is "new" for the files after it.
class SqlLinter {
 public:
  explicit SqlLinter(LintOptions options, const LintDatabase* db = nullptr);
  ~SqlLinter();
  std::vector<Diagnostic> Lint(const LintSource& source);
  // From here on, what earlier files created counts as existing (their files may already
  // be applied and the tables full), while their column types, enums and checks stay known.
  void TreatCreatedAsExisting();
  // The same with the file already parsed (ParseSql over source.text, and its error).
  std::vector<Diagnostic> Lint(const LintSource& source, const Result<ParsedSql>& parsed,
                               const SyntaxError& error);

 private:
  LintOptions options_;
  const LintDatabase* db_;
  std::unique_ptr<LintRunState> run_;
};

// Lints `sources` in order, as one pending run (`one_run`: what a file creates is new for
// the files after it) or as files that may each be applied already (what earlier files
// created is existing, but its column types, enums and checks are known). Parsing, most of
// the cost, runs on `threads` threads; the rules then run in order. The first `context`
// sources are read only for what they create (existing for the rest: partitioned tables,
// column types, enums); their findings are not reported.
std::vector<Diagnostic> LintFiles(const LintOptions& options, const LintDatabase* db,
                                  const std::vector<LintSource>& sources, bool one_run, int threads,
                                  size_t context = 0);

// Adds the source line (for a caret) to each diagnostic that points into `text`.
void AttachSourceLines(std::string_view text, std::vector<Diagnostic>* ds);

}  // namespace strata
