#include "lint/sql_lint.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "base/strings.h"
#include "sql/tree.h"

namespace strata {
namespace {

constexpr Severity E = Severity::kError;
constexpr Severity W = Severity::kWarning;

// Errors block reads or writes on an existing table, lose data, or fail; warnings are style.
const std::vector<RuleInfo> kRules = {
    {"adding-auto-incrementing-column", E, "adding a serial or identity column rewrites the table under ACCESS EXCLUSIVE"},
    {"adding-exclusion-constraint", E, "adding an exclusion constraint scans the table under ACCESS EXCLUSIVE"},
    {"adding-field-with-default", E, "a volatile default or stored generated column rewrites the table"},
    {"adding-foreign-key-constraint", E, "a validated foreign key blocks writes on both tables while it scans"},
    {"adding-json-column", W, "json has no equality operator: DISTINCT, UNION and GROUP BY fail; use jsonb"},
    {"adding-not-nullable-field", E, "SET NOT NULL scans the table under ACCESS EXCLUSIVE"},
    {"adding-required-field", E, "a NOT NULL column without a default fails on a table with rows"},
    {"adding-serial-primary-key-field", E, "adding a primary key builds its index under ACCESS EXCLUSIVE"},
    {"ban-alter-domain-with-add-constraint", E, "ALTER DOMAIN ADD CONSTRAINT checks every column of the domain under lock"},
    {"ban-char-field", W, "char(n) pads with spaces and is almost always a mistake; use text or varchar"},
    {"ban-concurrent-index-creation-in-transaction", E, "CREATE INDEX CONCURRENTLY cannot run inside a transaction"},
    {"ban-create-domain-with-constraint", W, "domain constraints are hard to change online"},
    {"ban-drop-column", E, "dropping a column loses its data and breaks clients still reading it"},
    {"ban-drop-database", E, "dropping a database loses all of its data"},
    {"ban-drop-not-null", W, "dropping NOT NULL may break clients that rely on it"},
    {"ban-drop-table", E, "dropping a table loses its data and breaks clients still using it"},
    {"ban-duplicate-column-assignments", E, "the same column is assigned or declared twice"},
    {"ban-truncate-cascade", E, "TRUNCATE CASCADE also empties every table that references these"},
    {"ban-uncommitted-transaction", E, "a transaction is opened and never committed"},
    {"changing-column-type", E, "changing a column type rewrites the table under ACCESS EXCLUSIVE"},
    {"constraint-missing-not-valid", E, "a new constraint without NOT VALID scans the table while blocking writes"},
    {"disallowed-unique-constraint", E, "adding UNIQUE builds its index under ACCESS EXCLUSIVE"},
    {"identifier-too-long", W, "identifiers over 63 bytes are silently truncated"},
    {"non-idempotent-backfill", W, "a backfill that changes rows again (or inserts duplicates) when re-run"},
    {"not-linted", W, "the bundled parser cannot read the statement (newer syntax): it runs as written, unlinted"},
    {"prefer-bigint-over-int", W, "32-bit integer keys run out; use bigint"},
    {"prefer-bigint-over-smallint", W, "16-bit integers run out; use bigint"},
    {"prefer-identity", W, "serial types complicate ownership and permissions; use identity columns"},
    {"prefer-repack", E, "CLUSTER and VACUUM FULL hold ACCESS EXCLUSIVE; use REPACK (CONCURRENTLY)"},
    {"prefer-robust-stmts", W, "outside a transaction, a statement that fails half way cannot be re-run"},
    {"prefer-text-field", W, "varchar(n) limits need a table lock to change; use text with a CHECK"},
    {"prefer-timestamp-tz", W, "timestamp without time zone drops the UTC offset; use timestamptz"},
    {"removing-enum-value", E, "enum values cannot be removed safely: rows and clients may still use them"},
    {"renaming-column", E, "renaming a column breaks running clients; use expand/contract"},
    {"renaming-enum-value", E, "renaming an enum value breaks clients that still send the old one"},
    {"renaming-table", E, "renaming a table breaks running clients; use expand/contract"},
    {"require-concurrent-index-creation", E, "CREATE INDEX without CONCURRENTLY blocks writes while it builds"},
    {"require-concurrent-index-deletion", E, "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table"},
    {"require-concurrent-partition-detach", E, "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE"},
    {"require-concurrent-reindex", E, "REINDEX without CONCURRENTLY blocks reads and writes"},
    {"require-enum-value-ordering", W, "ADD VALUE without BEFORE/AFTER appends, which may not be the intended order", true},
    {"require-lock-timeout", W, "without lock_timeout a blocked lock request queues every query behind it"},
    {"require-statement-timeout", W, "without statement_timeout a slow statement holds its locks indefinitely", true},
    {"require-table-schema", W, "table names should be schema-qualified", true},
    {"transaction-nesting", E, "BEGIN/COMMIT inside a transaction the runner manages"},
    {"update-in-ddl-transaction", E, "a backfill in the same transaction as DDL on its table holds the DDL lock for the whole update"},
};

// The value of a DefElem option such as FULL or CONCURRENTLY: true unless written false/off/0.
bool OptionOn(const SqlNode& opt) {
  SqlNode arg = opt["arg"];
  if (!arg) return true;
  std::string v = "true";
  if (arg.is("String")) v = ToLower(arg.str("sval"));
  else if (arg.is("Boolean")) v = arg.flag("boolval") ? "true" : "false";
  else if (arg.is("Integer")) v = std::to_string(arg.num("ival"));
  return !(v == "false" || v == "off" || v == "0" || v == "no");
}

// A relation as written: "schema.name" key (public when unqualified) and display name.
struct Rel {
  std::string key;
  std::string name;
  bool qualified = false;
  bool temp = false;
  int location = -1;
};

Rel RelOf(const SqlNode& rv) {
  Rel r;
  if (!rv) return r;
  std::string schema(rv.str("schemaname"));
  r.name = std::string(rv.str("relname"));
  r.qualified = !schema.empty();
  r.key = (schema.empty() ? std::string("public") : schema) + "." + r.name;
  r.temp = rv.str("relpersistence") == "t";
  r.location = rv.location();
  return r;
}

std::string KeyOfNames(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  if (names.size() == 1) return "public." + names[0];
  return names[names.size() - 2] + "." + names.back();
}

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

Type TypeOf(const SqlNode& tn) {
  Type t;
  if (!tn) return t;
  auto names = StringList(tn.list("names"));
  if (names.empty()) return t;
  t.name = ToLower(names.back());
  for (const SqlNode& m : tn.list("typmods")) {
    if (m.is("A_Const") && m["ival"]) t.mods.push_back(static_cast<int>(m["ival"].num("ival")));
  }
  t.array = !tn.list("array_bounds").empty();
  t.location = tn.location();
  return t;
}

bool In(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

bool IsSerial(const Type& t) {
  return In(t.name, {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"});
}

// Functions whose default is computed once for the whole ADD COLUMN (stable or immutable).
bool KnownNonVolatile(std::string_view fn) {
  return In(fn, {"now", "current_timestamp", "transaction_timestamp", "statement_timestamp",
                 "current_date", "localtimestamp", "current_time", "localtime", "lower", "upper",
                 "coalesce", "nullif", "greatest", "least", "to_jsonb", "jsonb_build_object",
                 "json_build_object", "jsonb_build_array", "array_fill", "make_interval"});
}

struct NotNullCheck {
  std::string column;
  bool validated = false;
};

// The column of `CHECK (col IS NOT NULL)`, or "".
std::string NotNullColumn(const SqlNode& expr) {
  if (!expr.is("NullTest") || expr.enum_name("nulltesttype") != "IS_NOT_NULL") return "";
  SqlNode arg = expr["arg"];
  if (!arg.is("ColumnRef")) return "";
  auto fields = StringList(arg.list("fields"));
  return fields.empty() ? "" : fields.back();
}

// Statement kinds that take no lock worth a timeout.
bool TakesNoDdlLock(std::string_view type) {
  return In(type, {"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "VariableSetStmt",
                   "VariableShowStmt", "TransactionStmt", "ExplainStmt", "DoStmt", "CopyStmt",
                   "PrepareStmt", "ExecuteStmt", "DeallocateStmt", "NotifyStmt", "ListenStmt",
                   "CallStmt", "DiscardStmt", "CheckPointStmt", "MergeStmt"});
}

// Output column name PostgreSQL gives a select-list entry (FigureColname, simplified).
std::string FigureColname(const SqlNode& rt) {
  std::string name(rt.str("name"));
  if (!name.empty()) return name;
  SqlNode v = rt["val"];
  while (v.is("TypeCast") && !v["arg"].is("ColumnRef")) {
    Type t = TypeOf(v["type_name"]);
    if (v["arg"].is("A_Const") || v["arg"].is("A_ArrayExpr")) return t.name;
    v = v["arg"];
  }
  if (v.is("TypeCast")) v = v["arg"];
  if (v.is("ColumnRef")) {
    auto f = v.list("fields");
    if (!f.empty() && f.back().is("String")) return std::string(f.back().str("sval"));
    return "?column?";
  }
  if (v.is("FuncCall")) {
    auto n = StringList(v.list("funcname"));
    return n.empty() ? "?column?" : n.back();
  }
  return "?column?";
}

}  // namespace

const std::vector<RuleInfo>& SqlRules() { return kRules; }

const RuleInfo* FindRule(std::string_view id) {
  for (const auto& r : kRules) {
    if (id == r.id) return &r;
  }
  return nullptr;
}


struct LintRunState {
  std::set<std::string> new_tables;
  std::set<std::string> partitioned;  // tables created PARTITION BY
  std::set<std::string> new_domains;
  std::set<std::string> new_indexes;
  std::map<std::string, std::map<std::string, Type>> columns;  // table -> column -> type
  std::map<std::string, std::vector<std::string>> enums;
  std::map<std::string, std::vector<std::string>> gone_enums;  // dropped or renamed away
  std::map<std::string, NotNullCheck> checks;                  // "table.constraint"
  std::set<std::string> validated_unknown;                     // tables with a validated constraint of unknown definition
};

SqlLinter::SqlLinter(LintOptions options, const LintDatabase* db)
    : options_(std::move(options)), db_(db), run_(std::make_unique<LintRunState>()) {
  if (db_ != nullptr) {
    for (const auto& [k, v] : db_->enums) run_->enums[k] = v;
  }
}

SqlLinter::~SqlLinter() = default;

namespace {

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

std::vector<Diagnostic> FileLint::Run(const Result<ParsedSql>& parsed, const SyntaxError& err) {
  if (!parsed.ok()) {
    LineCol lc = OffsetToLineCol(src_.text, err.offset);
    return {{"syntax", Severity::kError, src_.path, lc.line, lc.col, err.message, ""}};
  }
  stmts_ = &parsed->statements();
  for (const auto& ps : *stmts_) body_statements_ += ps.info.offset < src_.body_end;
  in_tx_ = src_.in_transaction;
  lock_timeout_ = o_.strata_runner && o_.runner_lock_timeout;
  statement_timeout_ = o_.strata_runner && o_.runner_statement_timeout;
  for (stmt_index_ = 0; stmt_index_ < stmts_->size(); ++stmt_index_) {
    const ParsedStatement& ps = (*stmts_)[stmt_index_];
    if (ps.info.offset >= src_.body_end) break;
    stmt_offset_ = ps.info.offset;
    if (!ps.info.parsed) {
      Unparsed(ps.info);
      continue;
    }
    Statement(ps.node);
  }
  // The verify section runs inside the migration's transaction, before it is recorded.
  for (; stmt_index_ < stmts_->size(); ++stmt_index_) {
    const ParsedStatement& ps = (*stmts_)[stmt_index_];
    if (!ps.info.transaction_control) continue;
    stmt_offset_ = ps.info.offset;
    Report("transaction-nesting", -1,
           "transaction control is not allowed in the verify section: it would commit the "
           "migration before strata records it",
           "remove it; verify queries are plain SELECTs");
  }
  if (explicit_open_) {
    Report("ban-uncommitted-transaction", begin_location_,
           "the transaction opened here is never committed or rolled back",
           "end the file with COMMIT;");
  }
  if (On("identifier-too-long")) IdentifierLength();
  ApplyAllows();
  std::stable_sort(found_.begin(), found_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.col < b.col;
  });
  return std::move(found_);
}

void FileLint::Unparsed(const struct Statement& st) {
  if (st.creates_table) {  // later statements on it act on a new, empty table
    run_.new_tables.insert((st.table_schema.empty() ? std::string("public") : st.table_schema) + "." + st.table_name);
  }
  // On a target whose grammar the bundled parser covers, the statement is wrong; on a
  // newer (or unknown) one it may be newer syntax, which the server checks before the
  // runner runs anything.
  if (o_.pg_version_known && o_.pg_version <= BundledParserMajor()) {
    LineCol lc = lines_.At(st.error_offset);
    found_.push_back({"syntax", Severity::kError, src_.path, lc.line, lc.col,
                      st.syntax_error + " (" + BundledParserNote() + ", and the target is PostgreSQL " +
                          std::to_string(o_.pg_version) + ")",
                      "", ""});
    found_stmt_.push_back(stmt_index_);
    return;
  }
  Report("not-linted", static_cast<int>(st.error_offset),
         "not linted: " + BundledParserNote() + " cannot read this statement (" + st.syntax_error +
             "); if it is syntax of a newer PostgreSQL, strata migrate has the server check it before "
             "anything runs",
         "nothing to do for newer syntax; otherwise fix the statement");
}

void FileLint::Statement(const SqlNode& s) {
  std::string_view t = s.type();
  Timeouts(s);
  if (!in_tx_ && body_statements_ > 1) Robust(s);
  if (t == "TransactionStmt") return Transaction(s);
  if (t == "CreateStmt") return CreateTable(s);
  if (t == "AlterTableStmt") return AlterTable(s);
  if (t == "IndexStmt") return Index(s);
  if (t == "DropStmt") return Drop(s);
  if (t == "RenameStmt") return Rename(s);
  if (t == "UpdateStmt") return Update(s);
  if (t == "InsertStmt") return Insert(s);
  if (t == "DropdbStmt") {
    return Report("ban-drop-database", -1, "DROP DATABASE deletes the database and all of its data");
  }
  if (t == "TruncateStmt") {
    if (s.enum_name("behavior") == "DROP_CASCADE") {
      Report("ban-truncate-cascade", -1,
             "TRUNCATE ... CASCADE also empties every table with a foreign key to these, recursively",
             "TRUNCATE the tables you mean by name, without CASCADE");
    }
    return;
  }
  if (t == "CreateDomainStmt") {
    run_.new_domains.insert(KeyOfNames(StringList(s.list("domainname"))));
    if (!s.list("constraints").empty()) {
      Report("ban-create-domain-with-constraint", -1,
             "constraints on a domain cannot be changed without checking every column that uses it",
             "put the CHECK on the table columns instead");
    }
    return;
  }
  if (t == "AlterDomainStmt") {
    // A domain created in this run has no columns yet: nothing to check.
    if (s.str("subtype") == "C" && !run_.new_domains.count(KeyOfNames(StringList(s.list("type_name"))))) {
      Report("ban-alter-domain-with-add-constraint", -1,
             "adding a constraint to a domain checks every column of that type while holding locks",
             "add NOT VALID CHECK constraints to the tables instead");
    }
    return;
  }
  if (t == "ClusterStmt" || t == "VacuumStmt") {
    bool full = t == "ClusterStmt";
    for (const SqlNode& opt : s.list("options")) {
      if (opt.str("defname") == "full") full = OptionOn(opt);
    }
    if (full && o_.pg_version >= 19) {
      std::string what = t == "ClusterStmt" ? "CLUSTER" : "VACUUM FULL";
      Report("prefer-repack", -1, what + " holds ACCESS EXCLUSIVE on the table for the whole rewrite",
             "REPACK (CONCURRENTLY) <table>;");
    }
    return;
  }
  if (t == "ReindexStmt") {
    bool concurrent = false;
    for (const SqlNode& p : s.list("params")) {
      if (p.str("defname") == "concurrently") concurrent = OptionOn(p);
    }
    std::string_view kind = s.enum_name("kind");
    if (!concurrent && kind != "REINDEX_OBJECT_SYSTEM") {
      Report("require-concurrent-reindex", -1, "REINDEX without CONCURRENTLY blocks reads and writes",
             "REINDEX ... CONCURRENTLY in a -- strata:no-transaction file");
    } else if (concurrent && in_tx_) {
      Report("transaction-nesting", -1, "REINDEX CONCURRENTLY cannot run inside a transaction",
             "put it in its own file starting with -- strata:no-transaction");
    }
    return;
  }
  if (t == "AlterEnumStmt") {
    std::string key = KeyOfNames(StringList(s.list("type_name")));
    if (!s.str("old_val").empty()) {
      Report("renaming-enum-value", -1,
             "renaming enum value '" + std::string(s.str("old_val")) + "' breaks clients that still send it",
             "add the new value, migrate rows to it, and leave the old one unused");
      auto& labels = run_.enums[key];
      std::replace(labels.begin(), labels.end(), std::string(s.str("old_val")), std::string(s.str("new_val")));
    } else {
      if (s.str("new_val_neighbor").empty()) {
        Report("require-enum-value-ordering", -1,
               "ADD VALUE '" + std::string(s.str("new_val")) + "' appends to the end of the enum",
               "say where it goes: ADD VALUE '" + std::string(s.str("new_val")) + "' BEFORE '<existing value>'");
      }
      run_.enums[key].push_back(std::string(s.str("new_val")));
    }
    return;
  }
  if (t == "CreateEnumStmt") {
    std::string key = KeyOfNames(StringList(s.list("type_name")));
    auto labels = s.list("vals");
    std::vector<std::string> vals = StringList(labels);
    auto gone = run_.gone_enums.find(key);
    if (gone != run_.gone_enums.end()) {
      for (const auto& old : gone->second) {
        if (std::find(vals.begin(), vals.end(), old) == vals.end()) {
          Report("removing-enum-value", -1,
                 "enum " + key + " is re-created without its value '" + old +
                     "': rows or clients still using it will fail",
                 "keep the value; stop writing it and leave it unused");
        }
      }
      run_.gone_enums.erase(gone);
    }
    run_.enums[key] = vals;
    return;
  }
  if (t == "DeleteStmt") {
    Rel rel = RelOf(s["relation"]);
    if (rel.name == "pg_enum") {
      Report("removing-enum-value", -1, "deleting from pg_enum corrupts rows that still use the value",
             "keep the value; stop writing it and leave it unused");
    }
    return;
  }
  if (t == "VariableSetStmt") return;
  if (t == "CreateTableAsStmt") {
    Rel rel = RelOf(s["into"]["rel"]);
    if (!rel.qualified && !rel.temp) {
      Report("require-table-schema", rel.location, "table " + rel.name + " is not schema-qualified",
             "public." + rel.name);
    }
    if (!rel.key.empty()) run_.new_tables.insert(rel.key);
    return;
  }
  if (t == "SelectStmt") {
    if (s["into_clause"]) {
      std::vector<std::pair<std::string, int>> names;
      for (const SqlNode& rt : s.list("target_list")) names.emplace_back(FigureColname(rt), rt.location());
      DuplicateNames(names);
      run_.new_tables.insert(RelOf(s["into_clause"]["rel"]).key);
    }
    return;
  }
  if (t == "ViewStmt") {
    std::vector<std::pair<std::string, int>> names;
    auto aliases = s.list("aliases");
    if (!aliases.empty()) {
      for (const SqlNode& a : aliases) names.emplace_back(std::string(a.str("sval")), -1);
    } else {
      for (const SqlNode& rt : s["query"].list("target_list")) names.emplace_back(FigureColname(rt), rt.location());
    }
    DuplicateNames(names);
    return;
  }
  if (t == "CreateForeignTableStmt") {
    std::vector<std::pair<std::string, int>> names;
    for (const SqlNode& e : s["base_stmt"].list("table_elts")) {
      if (e.is("ColumnDef")) names.emplace_back(std::string(e.str("colname")), e.location());
    }
    DuplicateNames(names);
    return;
  }
  if (t == "MergeStmt") {
    for (const SqlNode& w : s.list("merge_when_clauses")) DuplicateAssignments(w.list("target_list"));
    return;
  }
}

void FileLint::Transaction(const SqlNode& s) {
  std::string_view kind = s.enum_name("kind");
  bool begin = kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START";
  bool end = kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_ROLLBACK" ||
             kind == "TRANS_STMT_COMMIT_PREPARED" || kind == "TRANS_STMT_ROLLBACK_PREPARED";
  if (!begin && !end) return;
  std::string word = begin ? "BEGIN" : kind == "TRANS_STMT_COMMIT" ? "COMMIT" : "ROLLBACK";
  if (o_.strata_runner) {
    Report("transaction-nesting", -1,
           word + " in a migration: strata runs each file in its own transaction",
           "remove it; for statements that cannot run in a transaction, start the file with "
           "-- strata:no-transaction");
  } else if (begin && (explicit_open_ || src_.in_transaction)) {
    Report("transaction-nesting", -1,
           explicit_open_ ? "there is already a transaction in progress"
                          : "there is already a transaction in progress, managed by the migration tool",
           "remove this BEGIN");
  } else if (end && !in_tx_) {
    Report("transaction-nesting", -1, "there is no transaction to " + word, "remove this " + word);
  } else if (end && !explicit_open_ && src_.in_transaction) {
    Report("transaction-nesting", -1,
           "this ends the transaction the migration tool manages", "remove this " + word);
  }
  if (begin) {
    explicit_open_ = true;
    in_tx_ = true;
    begin_location_ = static_cast<int>(stmt_offset_);
  } else {
    explicit_open_ = false;
    in_tx_ = false;
    ddl_tables_in_tx_.clear();
    not_valid_in_tx_.clear();
  }
}

void FileLint::ColumnTypeRules(const SqlNode& node, bool is_type) {
  Type t = TypeOf(is_type ? node : node["type_name"]);
  if (!t) return;
  int loc = t.location >= 0 ? t.location : node.location();
  const std::string& n = t.name;
  std::string arr = t.array ? "[]" : "";
  if (In(n, {"bpchar", "char", "character"})) {
    // Plain `char` is char(1) to the parser: suggest text; with a length, varchar(n).
    bool sized = !t.mods.empty() && t.mods[0] != 1;
    Report("ban-char-field", loc, "char(n) pads values with spaces; it is almost never what you want",
           sized ? "use varchar(" + std::to_string(t.mods[0]) + ")" + arr + " or text" + arr : "use text" + arr);
  }
  if (n == "varchar" && !t.mods.empty()) {
    Report("prefer-text-field", loc,
           "varchar(" + std::to_string(t.mods[0]) + ") needs an ACCESS EXCLUSIVE lock to change its limit later",
           "use text" + arr + " with CHECK (char_length(col) <= " + std::to_string(t.mods[0]) + ") NOT VALID");
  }
  if (n == "timestamp") {
    Report("prefer-timestamp-tz", loc, "timestamp without time zone drops the UTC offset of the values stored",
           "use timestamptz" + arr);
  }
  if (In(n, {"int4", "int", "integer", "serial", "serial4"})) {
    Report("prefer-bigint-over-int", loc, "a 32-bit integer runs out at 2,147,483,647",
           std::string(IsSerial(t) ? "bigserial" : "bigint") + arr);
  }
  if (In(n, {"int2", "smallint", "smallserial", "serial2"})) {
    Report("prefer-bigint-over-smallint", loc, "a 16-bit integer runs out at 32,767",
           std::string(IsSerial(t) ? "bigserial" : "bigint") + arr);
  }
  if (IsSerial(t)) {
    std::string base = In(n, {"serial2", "smallserial"}) ? "smallint"
                       : In(n, {"serial8", "bigserial"}) ? "bigint"
                                                        : "integer";
    Report("prefer-identity", loc, "serial makes a sequence with its own owner and grants",
           base + " GENERATED BY DEFAULT AS IDENTITY");
  }
}

void FileLint::DuplicateNames(const std::vector<std::pair<std::string, int>>& names) {
  std::map<std::string, int> count;
  for (const auto& [n, loc] : names) ++count[n];
  for (const auto& [n, loc] : names) {
    if (count[n] > 1) {
      Report("ban-duplicate-column-assignments", loc, "column `" + n + "` is specified more than once",
             "give each column a distinct name");
    }
  }
}

void FileLint::DuplicateAssignments(const std::vector<SqlNode>& targets) {
  // name -> (whole assignments, partial assignments by indirection text)
  struct Uses {
    int whole = 0;
    std::vector<std::string> parts;
  };
  std::map<std::string, Uses> uses;
  auto key = [](const SqlNode& rt) {
    std::string k;
    for (const SqlNode& i : rt.list("indirection")) {
      if (i.is("String")) k += "." + std::string(i.str("sval"));
      else if (i.is("A_Indices")) k += "[" + std::to_string(i["uidx"]["ival"].num("ival")) + "]";
      else k += "?";
    }
    return k;
  };
  for (const SqlNode& rt : targets) {
    auto& u = uses[std::string(rt.str("name"))];
    std::string k = key(rt);
    if (k.empty()) ++u.whole;
    else u.parts.push_back(k);
  }
  for (const SqlNode& rt : targets) {
    const auto& u = uses[std::string(rt.str("name"))];
    std::string k = key(rt);
    bool dup = u.whole > 1 || (u.whole == 1 && !u.parts.empty()) ||
               (!k.empty() && std::count(u.parts.begin(), u.parts.end(), k) > 1);
    if (dup) {
      Report("ban-duplicate-column-assignments", rt.location(),
             "multiple assignments to the same column `" + std::string(rt.str("name")) + "`",
             "keep only the last assignment");
    }
  }
}

void FileLint::CreateTable(const SqlNode& s) {
  Rel rel = RelOf(s["relation"]);
  if (!rel.qualified && !rel.temp) {
    Report("require-table-schema", rel.location, "table " + rel.name + " is not schema-qualified",
           "CREATE TABLE public." + rel.name + " ...");
  }
  std::vector<std::pair<std::string, int>> names;
  auto& cols = run_.columns[rel.key];
  for (const SqlNode& e : s.list("table_elts")) {
    if (!e.is("ColumnDef")) continue;
    names.emplace_back(std::string(e.str("colname")), e.location());
    ColumnTypeRules(e, false);
    cols[std::string(e.str("colname"))] = TypeOf(e["type_name"]);
  }
  DuplicateNames(names);
  run_.new_tables.insert(rel.key);
  if (s["partspec"]) run_.partitioned.insert(rel.key);
}

bool FileLint::DefaultIsSafe(const SqlNode& e) const {
  if (!e) return true;
  std::string_view t = e.type();
  if (t == "A_Const" || t == "SQLValueFunction" || t == "ParamRef") return true;
  if (t == "TypeCast") return DefaultIsSafe(e["arg"]);
  if (t == "A_ArrayExpr") {
    for (const SqlNode& x : e.list("elements")) {
      if (!DefaultIsSafe(x)) return false;
    }
    return true;
  }
  if (t == "A_Expr") return DefaultIsSafe(e["lexpr"]) && DefaultIsSafe(e["rexpr"]);
  if (t == "BoolExpr") {
    for (const SqlNode& x : e.list("args")) {
      if (!DefaultIsSafe(x)) return false;
    }
    return true;
  }
  if (t == "FuncCall") {
    auto name = StringList(e.list("funcname"));
    std::string fn = name.empty() ? "" : ToLower(name.back());
    if (db_ != nullptr) {
      auto it = db_->volatility.find(fn);
      if (it != db_->volatility.end()) {
        if (it->second == 'v') return false;
        for (const SqlNode& a : e.list("args")) {
          if (!DefaultIsSafe(a)) return false;
        }
        return true;
      }
    }
    return KnownNonVolatile(fn) && e.list("args").empty();
  }
  return false;
}

void FileLint::AlterTable(const SqlNode& s) {
  Rel rel = RelOf(s["relation"]);
  if (s.enum_name("objtype") != "OBJECT_TABLE") return;
  if (!rel.qualified && !rel.temp) {
    Report("require-table-schema", rel.location, "table " + rel.name + " is not schema-qualified",
           "ALTER TABLE public." + rel.name + " ...");
  }
  bool existing = !IsNew(rel.key);
  for (const SqlNode& cmd : s.list("cmds")) {
    std::string_view sub = cmd.enum_name("subtype");
    if (existing && in_tx_ && sub != "AT_ValidateConstraint") ddl_tables_in_tx_.insert(rel.key);
    if (sub == "AT_AddColumn") {
      AddColumn(rel, cmd["def"]);
    } else if (sub == "AT_AddConstraint") {
      AddConstraint(rel, cmd["def"]);
    } else if (sub == "AT_AlterColumnType") {
      AlterColumnType(rel, cmd);
    } else if (sub == "AT_SetNotNull") {
      SetNotNull(rel, cmd);
    } else if (sub == "AT_DropNotNull") {
      Report("ban-drop-not-null", cmd.location(),
             "dropping NOT NULL on " + rel.name + "." + std::string(cmd.str("name")) +
                 " lets NULLs reach clients that assume there are none");
    } else if (sub == "AT_DropColumn") {
      if (existing) {
        Report("ban-drop-column", cmd.location(),
               "dropping column " + rel.name + "." + std::string(cmd.str("name")) +
                   " deletes its data and breaks clients that still read it",
               "stop using the column in the application first, deploy, then drop it in a later "
               "migration (expand/contract)");
      }
    } else if (sub == "AT_ValidateConstraint") {
      std::string name(cmd.str("name"));
      std::string ck = rel.key + "." + name;
      if (not_valid_in_tx_.count(ck)) {
        Report("constraint-missing-not-valid", -1,
               "NOT VALID and VALIDATE CONSTRAINT " + name +
                   " in the same transaction: the validation still blocks writes until commit",
               "move VALIDATE CONSTRAINT to a later migration (or a -- strata:no-transaction file)");
      }
      auto it = run_.checks.find(ck);
      if (it != run_.checks.end()) it->second.validated = true;
      else run_.validated_unknown.insert(rel.key);
    } else if (sub == "AT_DetachPartition") {
      if (!cmd["def"].flag("concurrent")) {
        Report("require-concurrent-partition-detach", -1,
               "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on " + rel.name,
               "ALTER TABLE " + rel.name + " DETACH PARTITION ... CONCURRENTLY; in a -- strata:no-transaction file");
      }
    }
  }
}

void FileLint::AddColumn(const Rel& rel, const SqlNode& col) {
  std::string name(col.str("colname"));
  Type type = TypeOf(col["type_name"]);
  ColumnTypeRules(col, false);
  run_.columns[rel.key][name] = type;
  bool existing = !IsNew(rel.key);
  bool exempt = Exempt(rel.key);
  bool has_default = false, not_null = false, generated = false, identity = false;
  for (const SqlNode& c : col.list("constraints")) {
    std::string_view ct = c.enum_name("contype");
    int loc = c.location();
    if (ct == "CONSTR_DEFAULT") {
      has_default = true;
      if (!exempt && (o_.pg_version < 11 || !DefaultIsSafe(c["raw_expr"]))) {
        Report("adding-field-with-default", c["raw_expr"] ? c["raw_expr"].location() : loc,
               o_.pg_version < 11 ? "before PostgreSQL 11 any DEFAULT on a new column rewrites " + rel.name
                                  : "this default is volatile: adding the column rewrites " + rel.name +
                                        RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
               "add the column without the default, set the default, then backfill in batches");
      }
    } else if (ct == "CONSTR_GENERATED") {
      generated = true;
      if (!exempt) {
        Report("adding-field-with-default", loc,
               "a stored generated column rewrites " + rel.name + RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
               "add a plain column, backfill it in batches, and keep it current with a trigger");
      }
    } else if (ct == "CONSTR_IDENTITY") {
      identity = true;
    } else if (ct == "CONSTR_NOTNULL") {
      not_null = true;
    } else if (ct == "CONSTR_FOREIGN") {
      if (existing) {
        Report("adding-foreign-key-constraint", loc,
               "REFERENCES on a new column of " + rel.name +
                   " validates under a SHARE ROW EXCLUSIVE lock on both tables",
               "add the column, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE "
               "CONSTRAINT in a later migration");
      }
    } else if (ct == "CONSTR_UNIQUE") {
      if (!exempt) {
        Report("disallowed-unique-constraint", loc,
               "UNIQUE builds its index on " + rel.name + " under ACCESS EXCLUSIVE",
               "add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX");
      }
    } else if (ct == "CONSTR_PRIMARY") {
      if (!exempt) {
        Report("adding-serial-primary-key-field", loc,
               "PRIMARY KEY builds its index on " + rel.name + " under ACCESS EXCLUSIVE",
               "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX");
      }
    }
  }
  if (!exempt && (IsSerial(type) || identity)) {
    Report("adding-auto-incrementing-column", type.location,
           "a serial or identity column fills every existing row: " + rel.name + RowsNote(rel.key) +
               " is rewritten under ACCESS EXCLUSIVE",
           "add a nullable bigint column, backfill it in batches, then attach a sequence default");
  }
  if (existing && not_null && !has_default && !generated && !identity && !IsSerial(type)) {
    Report("adding-required-field", col.location(),
           "NOT NULL column " + name + " without a default fails if " + rel.name + " has rows",
           "add it nullable (or with a DEFAULT), backfill, then set NOT NULL in three steps");
  }
  if (existing && !exempt && type.name == "json") {
    Report("adding-json-column", type.location,
           "json has no equality operator: SELECT DISTINCT and GROUP BY over " + rel.name + " fail",
           "use jsonb");
  }
}

void FileLint::AddConstraint(const Rel& rel, const SqlNode& con) {
  std::string_view ct = con.enum_name("contype");
  std::string name(con.str("conname"));
  bool not_valid = con.flag("skip_validation");
  bool using_index = !con.str("indexname").empty();
  bool exempt = Exempt(rel.key);
  bool existing = !IsNew(rel.key);
  int loc = con.location();
  if (ct == "CONSTR_CHECK") {
    std::string col = NotNullColumn(con["raw_expr"]);
    if (!name.empty() && !col.empty()) run_.checks[rel.key + "." + name] = {col, !not_valid};
  }
  if (ct == "CONSTR_FOREIGN" && existing && !not_valid) {
    Report("adding-foreign-key-constraint", loc,
           "a validated foreign key on " + rel.name + " holds SHARE ROW EXCLUSIVE on both tables while it scans",
           "ADD CONSTRAINT ... NOT VALID now; VALIDATE CONSTRAINT in a later migration");
  }
  if ((ct == "CONSTR_FOREIGN" || ct == "CONSTR_CHECK") && !exempt) {
    if (!not_valid) {
      Report("constraint-missing-not-valid", loc,
             "the new constraint scans " + rel.name + RowsNote(rel.key) + " while blocking writes",
             "ALTER TABLE " + rel.name + " ADD CONSTRAINT ... NOT VALID; then VALIDATE CONSTRAINT " +
                 (name.empty() ? "<name>" : name) + " in a later migration");
    } else if (in_tx_ && !name.empty()) {
      not_valid_in_tx_.insert(rel.key + "." + name);
    }
  }
  if (ct == "CONSTR_UNIQUE" && !using_index && !exempt) {
    Report("disallowed-unique-constraint", loc,
           "ADD UNIQUE builds its index on " + rel.name + RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
           "CREATE UNIQUE INDEX CONCURRENTLY ...; then ALTER TABLE " + rel.name +
               " ADD CONSTRAINT ... UNIQUE USING INDEX ...");
  }
  if (ct == "CONSTR_PRIMARY" && !using_index && !exempt) {
    Report("adding-serial-primary-key-field", loc,
           "ADD PRIMARY KEY builds its index on " + rel.name + RowsNote(rel.key) + " under ACCESS EXCLUSIVE",
           "CREATE UNIQUE INDEX CONCURRENTLY ...; then ALTER TABLE " + rel.name +
               " ADD CONSTRAINT ... PRIMARY KEY USING INDEX ...");
  }
  if (ct == "CONSTR_EXCLUSION" && !exempt) {
    Report("adding-exclusion-constraint", loc,
           "an exclusion constraint is built and checked on " + rel.name + " under ACCESS EXCLUSIVE",
           "create it together with the table, or enforce the rule in the application");
  }
}

// Changes that keep the stored bytes (no rewrite), as PostgreSQL decides them.
bool BinaryCompatible(const Type& from, const Type& to) {
  if (from.array != to.array) return false;
  auto widen = [](const std::vector<int>& a, const std::vector<int>& b) {
    return b.empty() || (!a.empty() && b[0] >= a[0]);
  };
  const std::string& f = from.name;
  const std::string& t = to.name;
  if (f == t && from.mods == to.mods) return true;
  if (f == "varchar" && t == "varchar") return widen(from.mods, to.mods);
  if (f == "varchar" && t == "text") return true;
  if (f == "text" && t == "varchar") return to.mods.empty();
  if (f == "numeric" && t == "numeric") {
    if (to.mods.empty()) return true;
    if (from.mods.empty()) return false;
    int fs = from.mods.size() > 1 ? from.mods[1] : 0, ts = to.mods.size() > 1 ? to.mods[1] : 0;
    return fs == ts && to.mods[0] >= from.mods[0];
  }
  if (f == "varbit" && t == "varbit") return widen(from.mods, to.mods);
  if (f == t && In(f, {"timestamp", "timestamptz", "time", "timetz", "interval"})) {
    return widen(from.mods, to.mods);
  }
  if (f == "cidr" && t == "inet") return true;
  return false;
}

std::string NormalTypeName(std::string n) {
  if (n == "int" || n == "integer") return "int4";
  if (n == "bigint") return "int8";
  if (n == "smallint") return "int2";
  if (n == "character varying") return "varchar";
  return n;
}

void FileLint::AlterColumnType(const Rel& rel, const SqlNode& cmd) {
  SqlNode def = cmd["def"];
  std::string col(cmd.str("name"));
  ColumnTypeRules(def["type_name"], true);
  Type to = TypeOf(def["type_name"]);
  to.name = NormalTypeName(to.name);
  if (IsNew(rel.key)) {
    run_.columns[rel.key][col] = to;
    return;
  }
  Type from;
  auto rc = run_.columns.find(rel.key);
  if (rc != run_.columns.end() && rc->second.count(col)) {
    from = rc->second[col];
  } else if (db_ != nullptr) {
    auto t = db_->tables.find(rel.key);
    if (t != db_->tables.end()) {
      auto c = t->second.columns.find(col);
      if (c != t->second.columns.end()) {
        from.name = c->second.type;
        from.mods = c->second.mods;
        if (!from.name.empty() && from.name[0] == '_') from.name = from.name.substr(1), from.array = true;
      }
    }
  }
  from.name = NormalTypeName(from.name);
  // USING col::type (or no USING) keeps a binary-compatible change rewrite-free.
  SqlNode using_expr = def["raw_default"];
  bool plain_using = !using_expr ||
                     (using_expr.is("TypeCast") && using_expr["arg"].is("ColumnRef"));
  if (from && plain_using && BinaryCompatible(from, to)) {
    run_.columns[rel.key][col] = to;
    return;
  }
  if (IsSmall(rel.key)) return;
  std::string was = from ? " from " + from.Display() : "";
  Report("changing-column-type", cmd.location(),
         "changing " + rel.name + "." + col + was + " to " + to.Display() + " rewrites " + rel.name +
             RowsNote(rel.key) + " under ACCESS EXCLUSIVE" +
             (from ? "" : " (the old type is not known here; only varchar widening, varchar→text and "
                          "similar changes avoid it)"),
         "add a new column of the new type, backfill it in batches, switch readers, then drop the "
         "old one (expand/contract)");
  run_.columns[rel.key][col] = to;
}

void FileLint::SetNotNull(const Rel& rel, const SqlNode& cmd) {
  std::string col(cmd.str("name"));
  if (Exempt(rel.key)) return;
  if (o_.pg_version >= 12) {
    for (const auto& [k, c] : run_.checks) {
      if (StartsWith(k, rel.key + ".") && c.column == col && c.validated) return;
    }
    if (run_.validated_unknown.count(rel.key)) return;
    if (db_ != nullptr) {
      for (const auto& [k, c] : db_->validated_not_null_checks) {
        if (StartsWith(k, rel.key + ".") && c == col) return;
      }
    }
  }
  Report("adding-not-nullable-field", cmd.location(),
         "SET NOT NULL on " + rel.name + "." + col + " scans " + rel.name + RowsNote(rel.key) +
             " under ACCESS EXCLUSIVE, blocking reads and writes",
         o_.pg_version >= 12
             ? "ADD CONSTRAINT " + col + "_not_null CHECK (" + col + " IS NOT NULL) NOT VALID; then "
               "VALIDATE CONSTRAINT; then SET NOT NULL (uses the check, no scan); then drop the check"
             : "before PostgreSQL 12 there is no scan-free way; keep a validated CHECK instead");
}

void FileLint::Index(const SqlNode& s) {
  Rel rel = RelOf(s["relation"]);
  bool concurrent = s.flag("concurrent");
  std::string idx(s.str("idxname"));
  if (!idx.empty()) {
    std::string schema = rel.key.substr(0, rel.key.find('.'));
    run_.new_indexes.insert(schema + "." + idx);
  }
  // Plain-SQL tools (squawk's model) run a one-statement file outside any transaction.
  bool alone = !o_.strata_runner && !explicit_open_ && body_statements_ == 1;
  if (concurrent && in_tx_ && !alone) {
    Report("ban-concurrent-index-creation-in-transaction", -1,
           "CREATE INDEX CONCURRENTLY cannot run inside a transaction",
           o_.strata_runner ? "put it in its own file starting with -- strata:no-transaction"
                            : "run it outside the transaction, in a migration of its own");
  }
  bool partitioned = run_.partitioned.count(rel.key) ||
                     (db_ && db_->tables.count(rel.key) && db_->tables.at(rel.key).partitioned);
  if (!concurrent && !s["relation"].flag("inh") && partitioned) return;  // ON ONLY: no rows are read
  if (!concurrent && partitioned && !Exempt(rel.key)) {
    // PostgreSQL refuses CONCURRENTLY on a partitioned table: the non-blocking form builds
    // the parent's index ON ONLY, each partition's concurrently, and attaches them.
    std::string name = idx.empty() ? "<index>" : QuoteIdentIfNeeded(idx);
    Report("require-concurrent-index-creation", -1,
           "CREATE INDEX on partitioned table " + rel.name + " blocks writes to every partition while the "
           "partitions' indexes build",
           "CREATE INDEX " + name + " ON ONLY " + rel.name + " (...); then, in a -- strata:no-transaction file, for "
           "each partition: CREATE INDEX CONCURRENTLY ON <partition> (...); ALTER INDEX " + name +
           " ATTACH PARTITION <its index>;");
    return;
  }
  if (!concurrent && !Exempt(rel.key)) {
    Report("require-concurrent-index-creation", -1,
           "CREATE INDEX without CONCURRENTLY blocks writes to " + rel.name + RowsNote(rel.key) +
               " while the index builds",
           "CREATE INDEX CONCURRENTLY" + std::string(idx.empty() ? "" : " " + QuoteIdent(idx)) + " ON ... in a "
           "file starting with -- strata:no-transaction");
  }
}

void FileLint::Drop(const SqlNode& s) {
  std::string_view type = s.enum_name("remove_type");
  bool concurrent = s.flag("concurrent");
  for (const SqlNode& obj : s.list("objects")) {
    std::vector<std::string> names;
    if (obj.is("List")) names = StringList(obj.list("items"));
    else if (obj.is("TypeName")) names = StringList(obj.list("names"));
    else if (obj.is("String")) names = {std::string(obj.str("sval"))};
    std::string key = KeyOfNames(names);
    std::string shown = names.empty() ? "" : names.back();
    if (type == "OBJECT_TABLE") {
      if (names.size() == 1) {
        Report("require-table-schema", -1, "table " + shown + " is not schema-qualified",
               "DROP TABLE public." + shown);
      }
      if (!run_.new_tables.count(key)) {
        Report("ban-drop-table", -1,
               "DROP TABLE " + shown + " deletes its data and breaks clients still using it",
               "stop using the table first; rename it aside and drop it in a later release");
      }
      run_.new_tables.erase(key);
    } else if (type == "OBJECT_INDEX") {
      bool fresh = run_.new_indexes.count(key) > 0;
      if (db_ != nullptr && !fresh) {
        auto it = db_->index_table.find(key);
        fresh = it == db_->index_table.end() || IsSmall(it->second);
      }
      if (!concurrent && !fresh) {
        std::string sql_name;  // as written in SQL: "Action_tenantId_idx" keeps its quotes
        for (const auto& n : names) sql_name += (sql_name.empty() ? "" : ".") + QuoteIdentIfNeeded(n);
        Report("require-concurrent-index-deletion", -1,
               "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table",
               "DROP INDEX CONCURRENTLY IF EXISTS " + sql_name + "; in a file starting with -- strata:no-transaction");
      }
      if (concurrent && in_tx_) {
        Report("transaction-nesting", -1, "DROP INDEX CONCURRENTLY cannot run inside a transaction",
               "put it in its own file starting with -- strata:no-transaction");
      }
    } else if (type == "OBJECT_TYPE") {
      auto it = run_.enums.find(key);
      if (it != run_.enums.end()) {
        run_.gone_enums[key] = it->second;
        run_.enums.erase(it);
      }
    }
  }
}

void FileLint::Rename(const SqlNode& s) {
  std::string_view type = s.enum_name("rename_type");
  Rel rel = RelOf(s["relation"]);
  if (type == "OBJECT_COLUMN" && s.enum_name("relation_type") == "OBJECT_TABLE") {
    if (!IsNew(rel.key)) {
      Report("renaming-column", -1,
             "renaming " + rel.name + "." + std::string(s.str("subname")) + " to " +
                 std::string(s.str("newname")) + " breaks running clients that use the old name",
             "expand/contract: ADD COLUMN " + std::string(s.str("newname")) +
                 ", backfill, switch the application, then drop the old column in a later migration");
    }
  } else if (type == "OBJECT_TABLE") {
    if (!IsNew(rel.key)) {
      Report("renaming-table", -1,
             "renaming " + rel.name + " to " + std::string(s.str("newname")) +
                 " breaks running clients that use the old name",
             "expand/contract: create the new table (or a view named " + rel.name +
                 " over it), switch the application, then drop the old name later");
    }
    std::string schema = rel.key.substr(0, rel.key.find('.'));
    if (run_.new_tables.erase(rel.key)) run_.new_tables.insert(schema + "." + std::string(s.str("newname")));
  } else if (type == "OBJECT_TYPE") {
    std::vector<std::string> names = StringList(s["object"].list("items"));
    std::string key = KeyOfNames(names);
    auto it = run_.enums.find(key);
    if (it != run_.enums.end()) {
      std::string schema = key.substr(0, key.find('.'));
      run_.enums[schema + "." + std::string(s.str("newname"))] = it->second;
      run_.gone_enums[key] = it->second;
      run_.enums.erase(key);
    }
  }
}

// Names of columns an expression reads.
void ColumnRefs(const SqlNode& n, std::set<std::string>* out, int depth = 0) {
  if (!n || depth > 64) return;
  if (n.is("ColumnRef")) {
    auto f = StringList(n.list("fields"));
    if (!f.empty()) out->insert(f.back());
    return;
  }
  for (const char* field : {"lexpr", "rexpr", "arg", "xpr", "defresult", "testexpr", "val"}) {
    ColumnRefs(n[field], out, depth + 1);
  }
  for (const char* field : {"args", "elements"}) {
    for (const SqlNode& c : n.list(field)) ColumnRefs(c, out, depth + 1);
  }
}

void FileLint::Update(const SqlNode& s) {
  auto targets = s.list("target_list");
  DuplicateAssignments(targets);
  Rel rel = RelOf(s["relation"]);
  if (ddl_tables_in_tx_.count(rel.key) && !IsSmall(rel.key)) {
    Report("update-in-ddl-transaction", -1,
           "this UPDATE runs in the transaction that altered " + rel.name +
               ": the DDL lock is held until every row is updated",
           "backfill in a migration of its own (or -- strata:no-transaction), in batches");
  }
  std::set<std::string> assigned, read, guarded;
  for (const SqlNode& rt : targets) {
    assigned.insert(std::string(rt.str("name")));
    ColumnRefs(rt["val"], &read);
  }
  ColumnRefs(s["where_clause"], &guarded);
  bool self = false;
  for (const auto& c : assigned) self |= read.count(c) > 0;
  bool guard = false;
  for (const auto& c : assigned) guard |= guarded.count(c) > 0;
  if (self && !guard && !IsNew(rel.key)) {
    Report("non-idempotent-backfill", -1,
           "this UPDATE computes columns from their own values: running it twice changes the rows again",
           "write the target value from a source that does not change (or guard with WHERE <col> IS "
           "DISTINCT FROM <new value>), so a re-run is a no-op");
  }
}

void FileLint::Insert(const SqlNode& s) {
  auto cols = s.list("cols");
  DuplicateAssignments(cols);
  SqlNode conflict = s["on_conflict_clause"];
  if (conflict) DuplicateAssignments(conflict.list("target_list"));
  Rel rel = RelOf(s["relation"]);
  if (conflict || IsNew(rel.key)) return;
  SqlNode select = s["select_stmt"];
  bool guarded = false;
  if (select && select["where_clause"]) {
    std::function<bool(const SqlNode&, int)> has_sublink = [&](const SqlNode& n, int d) -> bool {
      if (!n || d > 32) return false;
      if (n.is("SubLink")) return true;
      for (const SqlNode& a : n.list("args")) {
        if (has_sublink(a, d + 1)) return true;
      }
      return has_sublink(n["arg"], d + 1) || has_sublink(n["lexpr"], d + 1) || has_sublink(n["rexpr"], d + 1);
    };
    guarded = has_sublink(select["where_clause"], 0);
  }
  if (!guarded) {
    Report("non-idempotent-backfill", -1,
           "INSERT into existing table " + rel.name + " without ON CONFLICT adds the rows again (or "
           "fails) when re-run",
           "INSERT ... ON CONFLICT DO NOTHING, or INSERT ... SELECT ... WHERE NOT EXISTS (...)");
  }
}

void FileLint::Timeouts(const SqlNode& s) {
  if (s.is("VariableSetStmt")) {
    std::string name = ToLower(s.str("name"));
    if (name == "lock_timeout") lock_timeout_ = true;
    if (name == "statement_timeout") statement_timeout_ = true;
    return;
  }
  if (timeouts_reported_ || TakesNoDdlLock(s.type())) return;
  timeouts_reported_ = true;
  if (!lock_timeout_) {
    Report("require-lock-timeout", -1,
           "no lock_timeout before this statement: while it waits for its lock, every query on the "
           "table queues behind it",
           "SET lock_timeout = '1s'; at the top of the file (strata's runner sets one unless "
           "lock_timeout is \"0\")");
  }
  if (!statement_timeout_) {
    Report("require-statement-timeout", -1,
           "no statement_timeout before this statement: a slow statement holds its locks indefinitely",
           "SET statement_timeout = '5s'; at the top of the file, or statement_timeout in strata.toml");
  }
}

void FileLint::Robust(const SqlNode& s) {
  std::string_view t = s.type();
  auto missing = [&](const char* what) {
    Report("prefer-robust-stmts", -1,
           std::string("missing ") + what + ": outside a transaction, a re-run after a failure stops here",
           std::string("add ") + what);
  };
  auto no_tx = [&]() {
    Report("prefer-robust-stmts", -1,
           "outside a transaction this statement cannot be made re-runnable",
           "run it in a transactional migration");
  };
  if (t == "CreateStmt") {
    Rel rel = RelOf(s["relation"]);
    bool on_commit_drop = s.enum_name("oncommit") == "ONCOMMIT_DROP" && rel.temp;
    if (!s.flag("if_not_exists") && !on_commit_drop) missing("IF NOT EXISTS");
  } else if (t == "IndexStmt") {
    if (!s.flag("if_not_exists") && !s.str("idxname").empty()) missing("IF NOT EXISTS");
  } else if (t == "DropStmt") {
    if (!s.flag("missing_ok")) missing("IF EXISTS");
  } else if (t == "AlterTableStmt") {
    Rel rel = RelOf(s["relation"]);
    for (const SqlNode& cmd : s.list("cmds")) {
      std::string_view sub = cmd.enum_name("subtype");
      if (sub == "AT_AddColumn") {
        if (!cmd.flag("missing_ok")) missing("IF NOT EXISTS");
      } else if (sub == "AT_DropColumn") {
        if (!cmd.flag("missing_ok")) missing("IF EXISTS");
      } else if (sub == "AT_DropConstraint") {
        if (!cmd.flag("missing_ok")) missing("IF EXISTS");
        else dropped_if_exists_.insert(rel.key + "." + std::string(cmd.str("name")));
      } else if (sub == "AT_AddConstraint") {
        std::string name(cmd["def"].str("conname"));
        if (!dropped_if_exists_.erase(rel.key + "." + name)) no_tx();
      } else if (sub == "AT_ValidateConstraint") {
        // re-runnable as is
      } else {
        no_tx();
      }
    }
  }
}

void FileLint::IdentifierLength() {
  // Cheap pre-check: no run of 64 identifier bytes, no long identifier.
  size_t run = 0, longest = 0;
  for (char c : src_.text) {
    bool id = c == '"' || c == '_' || c == '$' || std::isalnum(static_cast<unsigned char>(c)) ||
              (static_cast<unsigned char>(c) & 0x80);
    run = id ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  if (longest <= 63) return;
  std::string_view body = src_.text.substr(0, std::min(src_.body_end, src_.text.size()));
  for (const TokenRange& tok : IdentifierTokens(body)) {
    std::string_view raw = body.substr(tok.start, tok.end - tok.start);
    std::string name;
    if (raw.size() >= 2 && raw.front() == '"') {
      for (size_t i = 1; i + 1 < raw.size(); ++i) {
        name += raw[i];
        if (raw[i] == '"' && raw[i + 1] == '"') ++i;
      }
    } else {
      name = ToLower(raw);
    }
    if (name.size() > 63) {
      // Truncation keeps whole characters.
      size_t cut = 63;
      while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
      Report("identifier-too-long", static_cast<int>(tok.start),
             "`" + name + "` is " + std::to_string(name.size()) + " bytes: PostgreSQL truncates it to `" +
                 name.substr(0, cut) + "`",
             "use a name of at most 63 bytes");
    }
  }
}

void FileLint::ApplyAllows() {
  if (src_.allows.empty()) return;
  // An allow covers the statement on its line, else the next statement after it.
  std::vector<std::pair<int, int>> lines;  // per statement: first and last line
  for (const auto& ps : *stmts_) {
    lines.push_back({lines_.At(ps.info.offset).line, lines_.At(ps.info.end).line});
  }
  std::vector<bool> used(src_.allows.size(), false);
  std::vector<Diagnostic> kept;
  for (size_t i = 0; i < found_.size(); ++i) {
    size_t st = found_stmt_[i];
    bool allowed = false;
    for (size_t a = 0; a < src_.allows.size(); ++a) {
      const Allow& al = src_.allows[a];
      if (al.rule != found_[i].rule || st >= lines.size()) continue;
      if (al.whole_file) {
        allowed = used[a] = true;
        continue;
      }
      size_t target = lines.size();
      for (size_t k = 0; k < lines.size(); ++k) {
        if (lines[k].first <= al.line && al.line <= lines[k].second) { target = k; break; }
        if (lines[k].first > al.line) { target = k; break; }
      }
      if (target == st) allowed = used[a] = true;
    }
    if (!allowed) kept.push_back(std::move(found_[i]));
  }
  for (size_t a = 0; a < src_.allows.size(); ++a) {
    const Allow& al = src_.allows[a];
    if (FindRule(al.rule) == nullptr) {
      kept.push_back({"allow", Severity::kError, src_.path, al.line, 1,
                      "strata:allow names an unknown rule '" + al.rule + "'",
                      "use a rule id from `strata lint --rules`", ""});
    } else if (!used[a]) {
      kept.push_back({"allow", Severity::kWarning, src_.path, al.line, 1,
                      "strata:allow " + al.rule + " suppresses nothing here",
                      "remove it, or put it right above the statement it is for", ""});
    }
  }
  found_ = std::move(kept);
}

}  // namespace

void SqlLinter::TreatCreatedAsExisting() {
  run_->new_tables.clear();
  run_->new_indexes.clear();
  run_->new_domains.clear();
}

std::vector<Diagnostic> SqlLinter::Lint(const LintSource& source) {
  SyntaxError err;
  auto parsed = ParseSql(source.text, &err);
  return Lint(source, parsed, err);
}

std::vector<Diagnostic> SqlLinter::Lint(const LintSource& source, const Result<ParsedSql>& parsed,
                                        const SyntaxError& error) {
  FileLint pass(options_, db_, run_.get(), source);
  std::vector<Diagnostic> ds = pass.Run(parsed, error);
  AttachSourceLines(source.text, &ds);
  return ds;
}

LintSource LintSourceOf(const MigrationFile& f) {
  LintSource src;
  src.path = f.path;
  src.text = std::string_view(f.content).substr(0, f.up_end());  // a node-pg-migrate down part is not linted
  src.body_end = f.verify_offset;
  src.in_transaction = !f.directives.no_transaction;
  src.allows = f.directives.allows;
  return src;
}

std::vector<Diagnostic> LintFiles(const LintOptions& options, const LintDatabase* db,
                                  const std::vector<LintSource>& sources, bool one_run, int threads,
                                  size_t context) {
  size_t n = sources.size();
  std::vector<std::optional<Result<ParsedSql>>> parsed(n);
  std::vector<SyntaxError> errors(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < n;) parsed[i].emplace(ParseSql(sources[i].text, &errors[i]));
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads) && static_cast<size_t>(t) < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  std::vector<Diagnostic> out;
  SqlLinter run(options, db);
  for (size_t i = 0; i < n; ++i) {
    if (!one_run || i <= context) run.TreatCreatedAsExisting();
    auto ds = run.Lint(sources[i], *parsed[i], errors[i]);
    parsed[i].reset();
    if (i < context) continue;  // read for what it creates only
    out.insert(out.end(), std::make_move_iterator(ds.begin()), std::make_move_iterator(ds.end()));
  }
  return out;
}

void AttachSourceLines(std::string_view text, std::vector<Diagnostic>* ds) {
  LineIndex lines(text);
  for (auto& d : *ds) {
    if (d.source.empty()) d.source = std::string(lines.Line(d.line));
  }
}

}  // namespace strata
