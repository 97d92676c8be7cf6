// Rules on transactions, timeouts and statements that must be safe to run again:
// ban-concurrent-index-creation-in-transaction, transaction-nesting, require-timeout-settings,
// prefer-robust-stmts.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "lint/file_lint.h"

namespace strata::lint_detail {
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

}  // namespace strata::lint_detail
