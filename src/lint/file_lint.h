// The linter's inside, shared by the files of lint/: one file per rule family
// (lint_tables.cc, lint_types.cc, lint_indexes.cc, lint_drops.cc, lint_data.cc,
// lint_transactions.cc, lint_identifiers.cc); sql_lint.cc holds the rule table, the
// statement dispatch and the run over files. Not part of the module's interface
// (lint/sql_lint.h is).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "lint/sql_lint.h"
#include "sql/tree.h"

namespace strata {
namespace lint_detail {

// A relation as written: "schema.name" key (public when unqualified) and display name.
struct Rel {
  std::string key;
  std::string name;
  bool qualified = false;
  bool temp = false;
  int location = -1;
};

struct Type {
  std::string name;  // last name part, as the parser left it (int4, varchar, serial, ...)
  std::vector<int> mods;
  bool array = false;
  int location = -1;
  explicit operator bool() const { return !name.empty(); }
  std::string Display() const {
    std::string s = name;
    if (!mods.empty()) {
      s += "(";
      for (size_t i = 0; i < mods.size(); ++i) s += (i ? "," : "") + std::to_string(mods[i]);
      s += ")";
    }
    return s + (array ? "[]" : "");
  }
};

struct NotNullCheck {
  std::string column;
  bool validated = false;
};

bool OptionOn(const SqlNode& opt);

Rel RelOf(const SqlNode& rv);

std::string KeyOfNames(const std::vector<std::string>& names);

Type TypeOf(const SqlNode& tn);

bool In(std::string_view s, std::initializer_list<std::string_view> set);

bool IsSerial(const Type& t);

bool KnownNonVolatile(std::string_view fn);

std::string NotNullColumn(const SqlNode& expr);

bool TakesNoDdlLock(std::string_view type);

std::string FigureColname(const SqlNode& rt);

}  // namespace lint_detail

// What earlier files of the run created.
struct LintRunState {
  std::set<std::string> new_tables;
  std::set<std::string> partitioned;  // tables created PARTITION BY
  std::set<std::string> new_domains;
  std::set<std::string> new_indexes;
  std::map<std::string, std::map<std::string, lint_detail::Type>> columns;  // table -> column -> type
  std::map<std::string, std::vector<std::string>> enums;
  std::map<std::string, std::vector<std::string>> gone_enums;  // dropped or renamed away
  std::map<std::string, lint_detail::NotNullCheck> checks;                  // "table.constraint"
  std::set<std::string> validated_unknown;                     // tables with a validated constraint of unknown definition
};

namespace lint_detail {

// One file's pass over its statements.
class FileLint {
 public:
  FileLint(const LintOptions& o, const LintDatabase* db, LintRunState* run, const LintSource& src)
      : o_(o), db_(db), run_(*run), src_(src), lines_(src.text) {}

  std::vector<Diagnostic> Run(const Result<ParsedSql>& parsed, const SyntaxError& err);

 private:
  bool On(std::string_view rule) const {
    const RuleInfo* r = FindRule(rule);
    // squawk's require-timeout-settings names the two timeout rules together.
    bool timeout = rule == "require-lock-timeout" || rule == "require-statement-timeout";
    auto named = [&](const std::set<std::string>& set) {
      return set.count(std::string(rule)) > 0 || (timeout && set.count("require-timeout-settings") > 0);
    };
    if (!o_.only.empty()) return named(o_.only);
    if (named(o_.disabled)) return false;
    return r && (!r->opt_in || named(o_.enabled));
  }
  void Report(const char* rule, int location, std::string message, std::string fix = "") {
    if (!On(rule)) return;
    size_t off = location >= 0 ? static_cast<size_t>(location) : stmt_offset_;
    const RuleInfo* r = FindRule(rule);
    LineCol lc = lines_.At(off);
    found_.push_back({rule, r ? r->severity : Severity::kError, src_.path, lc.line, lc.col,
                      std::move(message), std::move(fix), ""});
    found_stmt_.push_back(stmt_index_);
  }

  // A table that earlier statements of this run created, or that the database lacks.
  bool IsNew(const std::string& key) const {
    return run_.new_tables.count(key) || (db_ != nullptr && !db_->tables.count(key));
  }
  // Known (from the database) to hold fewer rows than the lock-rule threshold.
  bool IsSmall(const std::string& key) const {
    if (db_ == nullptr) return false;
    auto it = db_->tables.find(key);
    return it != db_->tables.end() && it->second.rows >= 0 && it->second.rows < o_.small_table_rows;
  }
  bool Exempt(const std::string& key) const { return IsNew(key) || IsSmall(key); }
  std::string RowsNote(const std::string& key) const {
    if (db_ == nullptr) return "";
    auto it = db_->tables.find(key);
    if (it == db_->tables.end() || it->second.rows < 0) return "";
    return " (~" + std::to_string(static_cast<long long>(it->second.rows)) + " rows)";
  }
  bool InTransaction() const { return in_tx_; }

  void Statement(const SqlNode& s);
  void Unparsed(const struct Statement& st);
  void Transaction(const SqlNode& s);
  void CreateTable(const SqlNode& s);
  void AlterTable(const SqlNode& s);
  void AddColumn(const Rel& rel, const SqlNode& col);
  void AddConstraint(const Rel& rel, const SqlNode& con);
  void AlterColumnType(const Rel& rel, const SqlNode& cmd);
  void SetNotNull(const Rel& rel, const SqlNode& cmd);
  void ColumnTypeRules(const SqlNode& col_or_type, bool is_type);
  void Index(const SqlNode& s);
  void Drop(const SqlNode& s);
  void Rename(const SqlNode& s);
  void Update(const SqlNode& s);
  void Insert(const SqlNode& s);
  void DuplicateAssignments(const std::vector<SqlNode>& targets);
  void DuplicateNames(const std::vector<std::pair<std::string, int>>& names);
  void Timeouts(const SqlNode& s);
  void Robust(const SqlNode& s);
  void IdentifierLength();
  bool DefaultIsSafe(const SqlNode& expr) const;
  void ApplyAllows();

  const LintOptions& o_;
  const LintDatabase* db_;
  LintRunState& run_;
  const LintSource& src_;
  LineIndex lines_;  // of src_.text: positions in O(log n), so a large file lints in linear time

  std::vector<Diagnostic> found_;
  std::vector<size_t> found_stmt_;
  std::vector<ParsedStatement> const* stmts_ = nullptr;
  size_t stmt_index_ = 0;
  size_t stmt_offset_ = 0;
  size_t body_statements_ = 0;

  bool in_tx_ = false;          // inside a transaction: the runner's or an explicit one
  bool explicit_open_ = false;  // an explicit BEGIN is open
  int begin_location_ = -1;
  bool lock_timeout_ = false, statement_timeout_ = false, timeouts_reported_ = false;
  std::set<std::string> ddl_tables_in_tx_;      // existing tables altered in this transaction
  std::set<std::string> not_valid_in_tx_;       // "table.constraint" added NOT VALID in this transaction
  std::set<std::string> dropped_if_exists_;     // "table.constraint" (prefer-robust-stmts)
};

}  // namespace lint_detail
}  // namespace strata
