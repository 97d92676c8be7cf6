// One migration file on disk: its name parts, directives, body and verify section.
#pragma once

#include <string>
#include <vector>

#include "base/parse.h"
#include "base/status.h"
#include "config/config.h"
#include "sql/statement.h"

namespace strata {

// -- strata:allow <rule> <reason>: in the header it covers the whole file; anywhere else,
// the statement on its line or the next one.
struct Allow {
  std::string rule;
  std::string reason;
  int line = 0;
  bool whole_file = false;
};

struct Directives {
  bool no_transaction = false;
  std::string lock_timeout;       // empty: config default
  std::string statement_timeout;  // empty: config default
  std::vector<Allow> allows;
};

// A problem pointing at the user's text.
struct FileError {
  std::string file;
  size_t offset = 0;
  std::string message;
  // "file:line:col: message", then the source line and a caret.
  std::string Format(std::string_view text) const;
};

struct MigrationFile {
  std::string name;      // file name, e.g. 20261121093000123_add_orders.sql
  std::string path;      // path as given to the loader
  std::string version;   // the digits before the first '_'
  std::string slug;
  std::string content;
  std::string checksum;  // sha256 hex of content
  Directives directives;
  size_t verify_offset = std::string::npos;  // byte offset where the verify section starts
  bool has_rollback = false;

  // node-pg-migrate's SQL files end their up part at a "-- Down Migration" line; what
  // follows is the down part, which strata runs only as the file's rollback.
  size_t down_offset = std::string::npos;

  size_t up_end() const { return std::min(down_offset, content.size()); }
  std::string_view body() const {
    return std::string_view(content).substr(0, std::min(verify_offset, up_end()));
  }
  std::string_view verify() const {
    return verify_offset >= up_end() ? std::string_view()
                                     : std::string_view(content).substr(verify_offset, up_end() - verify_offset);
  }
  std::string_view down() const {
    return down_offset == std::string::npos ? std::string_view() : std::string_view(content).substr(down_offset);
  }
  std::string stem() const { return name.substr(0, name.size() - 4); }
  std::string RollbackName() const { return stem() + "_rollback.sql"; }
};

// Parses the directives and finds the verify section. Errors name file:line:col.
Status ParseDirectives(MigrationFile* file, std::vector<FileError>* errors);

// A checked, statement-split migration, ready to run.
struct ParsedMigration {
  std::vector<Statement> body;    // offsets into file.content
  std::vector<Statement> verify;  // offsets into file.content
  // Statements the bundled parser could not read (newer syntax, or a mistake): the
  // runner has the target server check their syntax before anything runs.
  std::vector<const Statement*> Unparsed() const;
};

// Parses the body and verify section with PostgreSQL's parser and checks that the file
// can run as written (no BEGIN/COMMIT; CONCURRENTLY only with no-transaction, ...).
// Syntax the bundled parser rejects is not an error here (see ParsedMigration::Unparsed).
Result<ParsedMigration> ParseMigration(const MigrationFile& file, std::vector<FileError>* errors);


}  // namespace strata
