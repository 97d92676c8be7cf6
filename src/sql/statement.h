// SQL text → statements, using PostgreSQL's own parser (libpg_query). This folder is
// the only code that includes pg_query.h; nothing outside sees its types.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strata {

struct Statement {
  size_t offset = 0;  // byte offset of the statement's first token in the source
  size_t end = 0;     // byte offset just past its last token (the ';' excluded)
  std::string kind;   // parse-node name, e.g. "create_stmt", "index_stmt"
  bool transaction_control = false;  // BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...
  // PostgreSQL refuses it inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...).
  bool needs_no_transaction = false;
  // Running it a second time after it completed changes nothing (VACUUM, ANALYZE, REINDEX,
  // REFRESH MATERIALIZED VIEW, SET, GRANT, COMMENT, ... IF [NOT] EXISTS forms, VALIDATE
  // CONSTRAINT). Settles an in-doubt statement of a no-transaction file after a crash.
  bool rerunnable = false;
  // For CREATE INDEX: the index name (empty when PostgreSQL picks one) and its table.
  bool creates_index = false;
  bool concurrent = false;
  std::string index_name;
  std::string table_schema;  // empty: search_path
  std::string table_name;
  std::string Text(std::string_view source) const {
    return std::string(source.substr(offset, end - offset));
  }
};

struct SyntaxError {
  std::string message;
  size_t offset = 0;  // byte offset into the source
};

// Parses `sql` into its statements. On a syntax error returns kInvalidInput and fills
// `error` (when given) with the message and the byte offset it points at.
Result<std::vector<Statement>> ParseStatements(std::string_view sql, SyntaxError* error = nullptr);

// The text to hand to PostgreSQL's parser for `sql`. Its scanner matches "/*" followed by
// every operator character after it and then backs up, so a long run such as "/*/*/*..."
// takes time quadratic in its length. When `sql` has such a run, the copy blanks the
// characters inside block comments (same length, same lines, delimiters kept), which
// parses to the same tree; otherwise it is `sql` unchanged.
std::string ScannerSafeCopy(std::string_view sql);

// Converts a 1-based character position (as PostgreSQL reports them) into a byte offset.
size_t CharPositionToOffset(std::string_view text, int position);
// Number of characters (UTF-8 code points) in text.
size_t CharCount(std::string_view text);
// Offset of the first byte after whitespace and SQL comments starting at `from`.
size_t SkipSpaceAndComments(std::string_view text, size_t from);

}  // namespace strata
