// Small string helpers shared by every stage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata {

std::string_view Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::vector<std::string> Split(std::string_view s, char sep);
std::string ToLower(std::string_view s);
// Quotes an SQL identifier ("a""b"), always, so that case and keywords are kept.
std::string QuoteIdent(std::string_view ident);
// Quotes an identifier only when PostgreSQL needs it (upper case, special characters, a
// leading digit, a reserved word): for SQL shown to people, such as a lint fix.
std::string QuoteIdentIfNeeded(std::string_view ident);
// Quotes an SQL string literal ('it''s').
std::string QuoteLiteral(std::string_view s);
// `bytes` random bytes from the OS, as lower-case hex (for run names and passwords).
std::string RandomHex(size_t bytes);
// Edit distance, for "did you mean".
int EditDistance(std::string_view a, std::string_view b);
// 1-based line and column of a byte offset in text.
struct LineCol {
  int line = 1;
  int col = 1;
};
LineCol OffsetToLineCol(std::string_view text, size_t offset);
// Line starts of a text, computed once: line/column lookups in O(log lines), for code that
// reports many positions in one large text (the linter).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  LineCol At(size_t offset) const;
  std::string_view Line(int line) const;  // 1-based, without its newline

 private:
  std::string_view text_;
  std::vector<size_t> starts_;
};
// The text of 1-based line `line`, without its newline.
std::string_view LineAt(std::string_view text, int line);
// Formats "file:line:col: message" followed by the source line and a caret under col.
std::string PointAt(std::string_view file, std::string_view text, size_t offset,
                    std::string_view message);

// A unified diff of two texts, line by line ("-old", "+new", " same"), with `context`
// unchanged lines around each change and "@@" between distant hunks. Quadratic in the
// number of lines, so texts over `max_lines` lines are shown as all removed then added.
std::string UnifiedDiff(std::string_view a, std::string_view b, size_t context = 3, size_t max_lines = 2000);

// The fix for a line that starts with a backslash in SQL strata runs (lint and migrate
// say it alike).
inline constexpr char kPsqlMetaCommandFix[] =
    "a line starting with \\ is a psql meta-command (pg_dump writes \\restrict and \\unrestrict), not SQL: "
    "strata sends migrations to the server, not to psql; delete the line";

}  // namespace strata
