#include "lint/sql_lint.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "base/strings.h"
#include "sql/tree.h"
#include "lint/file_lint.h"

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

}  // namespace

namespace lint_detail {

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


}  // namespace lint_detail

using namespace lint_detail;

const std::vector<RuleInfo>& SqlRules() { return kRules; }

const RuleInfo* FindRule(std::string_view id) {
  for (const auto& r : kRules) {
    if (id == r.id) return &r;
  }
  return nullptr;
}



SqlLinter::SqlLinter(LintOptions options, const LintDatabase* db)
    : options_(std::move(options)), db_(db), run_(std::make_unique<LintRunState>()) {
  if (db_ != nullptr) {
    for (const auto& [k, v] : db_->enums) run_->enums[k] = v;
  }
}

SqlLinter::~SqlLinter() = default;

namespace lint_detail {


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
  // A line that starts with a backslash is psql's, on every version.
  LineCol lc = lines_.At(st.error_offset);
  bool meta = st.error_offset < src_.text.size() && src_.text[st.error_offset] == '\\' && lc.col == 1;
  if (meta || (o_.pg_version_known && o_.pg_version <= BundledParserMajor())) {
    std::string target = o_.pg_version_known ? ", and the target is PostgreSQL " + std::to_string(o_.pg_version) : "";
    found_.push_back({"syntax", Severity::kError, src_.path, lc.line, lc.col,
                      st.syntax_error + " (" + BundledParserNote() + target + ")", meta ? kPsqlMetaCommandFix : "",
                      ""});
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

}  // namespace lint_detail

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
