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
  // For CREATE TABLE (creates_table): the table.
  bool creates_index = false;
  // ALTER TABLE ... ADD CONSTRAINT <name> (one command, named): whether it completed
  // shows in pg_constraint. The table is in table_schema / table_name.
  std::string adds_constraint;
  bool creates_table = false;
  bool concurrent = false;
  std::string index_name;
  std::string table_schema;  // empty: search_path
  std::string table_name;
  // False when the bundled parser (BundledParserMajor()) could not parse it: newer syntax
  // than that grammar, or a mistake. Such a statement was split by SplitLeniently and
  // classified by its leading keywords; `kind` is "unparsed".
  bool parsed = true;
  std::string syntax_error;  // the bundled parser's message (when !parsed)
  size_t error_offset = 0;   // byte offset in the source that the message points at
  std::string Text(std::string_view source) const {
    return std::string(source.substr(offset, end - offset));
  }
};

struct SyntaxError {
  std::string message;
  size_t offset = 0;  // byte offset into the source
};

// The PostgreSQL major version whose grammar the bundled parser (libpg_query) speaks.
int BundledParserMajor();

// Parses `sql` into its statements. Never refuses SQL for its syntax: when the bundled
// parser rejects the text, the text is split by SplitLeniently, each piece is parsed alone,
// and a piece that still fails becomes a Statement with parsed == false (only a server
// can tell newer syntax from a mistake). `error` (when given) receives the first such
// statement's message and offset.
Result<std::vector<Statement>> ParseStatements(std::string_view sql, SyntaxError* error = nullptr);

// Splits `sql` at the semicolons that end statements the way PostgreSQL's scanner and
// psql do, without a grammar: quotes ('', E'', "", $tag$), nested comments, parentheses
// and BEGIN ... END bodies of SQL-standard functions are respected. Linear time. Returns
// [begin, end) byte ranges, the ';' excluded; pieces holding only comments are dropped.
std::vector<std::pair<size_t, size_t>> SplitLeniently(std::string_view sql);

// Classifies a statement the parser could not read by its leading keywords
// (transaction control, statements that refuse a transaction block, CREATE INDEX names).
void ClassifyByKeywords(std::string_view text, Statement* st);

// The statement PostgreSQL runs inside a transaction block that leaves the catalog as
// `text` does outside one: CREATE [UNIQUE] INDEX, DROP INDEX and REINDEX without
// CONCURRENTLY (the same index, built or removed while holding the stronger lock). Empty
// for any other statement that refuses a transaction block (VACUUM, CREATE DATABASE,
// DETACH PARTITION ... CONCURRENTLY, which also leaves a CHECK constraint behind): it has
// no such equivalent.
std::string InTransactionEquivalent(std::string_view text);

// "strata's bundled parser (PostgreSQL 15 grammar)", for messages.
std::string BundledParserNote();

// The text to hand to PostgreSQL's parser for `sql`. Its scanner matches "/*" followed by
// every operator character after it and then backs up, so a long run such as "/*/*/*..."
// takes time quadratic in its length. When `sql` has such a run, the copy blanks the
// characters inside block comments (same length, same lines, delimiters kept), which
// parses to the same tree; otherwise it is `sql` unchanged.
std::string ScannerSafeCopy(std::string_view sql);

// `end` moved back over trailing whitespace (not below `begin`); comments after a
// statement belong to the gap before the next one.
size_t TrimEnd(std::string_view text, size_t begin, size_t end);

// Converts a 1-based character position (as PostgreSQL reports them) into a byte offset.
size_t CharPositionToOffset(std::string_view text, int position);
// Number of characters (UTF-8 code points) in text.
size_t CharCount(std::string_view text);
// Offset of the first byte after whitespace and SQL comments starting at `from`.
size_t SkipSpaceAndComments(std::string_view text, size_t from);

}  // namespace strata
