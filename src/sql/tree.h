// A read-only view of PostgreSQL's parse tree (libpg_query's protobuf form), for code
// that inspects statements (the linter). Fields are read by their names in
// pg_query.proto ("relation", "cmds", "subtype", ...), enums by their value names
// ("AT_AddColumn"), so nothing outside this folder sees libpg_query's types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sql/statement.h"

namespace strata {

class SqlNode {
 public:
  SqlNode() = default;
  // `message` is a ProtobufCMessage*; generic Node wrappers are unwrapped. `base`: where
  // the parsed text starts in the source (a statement parsed alone), added to locations.
  explicit SqlNode(const void* message, int base = 0);

  explicit operator bool() const { return msg_ != nullptr; }
  // The node type, e.g. "AlterTableStmt", "ColumnDef", "String"; "" for an empty view.
  std::string_view type() const;
  bool is(std::string_view t) const { return type() == t; }

  // The child message in `field` (empty when unset or not a message).
  SqlNode operator[](std::string_view field) const;
  // The elements of a repeated message field.
  std::vector<SqlNode> list(std::string_view field) const;
  std::string_view str(std::string_view field) const;   // "" when unset
  int64_t num(std::string_view field) const;            // 0 when unset
  bool flag(std::string_view field) const;
  std::string_view enum_name(std::string_view field) const;  // e.g. "AT_AddColumn"
  // Byte offset of the node in the parsed text, or -1 when it has none.
  int location() const;

 private:
  const void* msg_ = nullptr;
  int base_ = 0;
};

// The strings of a list of String nodes (qualified names, type names), e.g. ["pg_catalog","int4"].
std::vector<std::string> StringList(const std::vector<SqlNode>& nodes);

struct ParsedStatement {
  Statement info;  // offsets, kind, transaction/concurrency facts
  SqlNode node;    // the statement node (CreateStmt, AlterTableStmt, ...)
};

// A parsed SQL text. Owns the tree the SqlNodes point into.
class ParsedSql {
 public:
  ParsedSql(ParsedSql&&) noexcept;
  ParsedSql& operator=(ParsedSql&&) noexcept;
  ~ParsedSql();
  const std::vector<ParsedStatement>& statements() const { return statements_; }
  struct Tree;  // the parse trees the nodes point into (opaque)

 private:
  friend Result<ParsedSql> ParseSql(std::string_view sql, SyntaxError* error);
  ParsedSql() = default;
  std::unique_ptr<Tree> tree_;
  std::vector<ParsedStatement> statements_;
};

// Parses `sql` with PostgreSQL's parser. Locations are byte offsets into `sql`. Syntax
// the bundled grammar rejects does not fail the parse: see ParseStatements; such
// statements have info.parsed == false and an empty node. `error` receives the first.
Result<ParsedSql> ParseSql(std::string_view sql, SyntaxError* error = nullptr);

// Byte ranges of the identifier tokens in `sql` (quoted ones include their quotes), from
// PostgreSQL's scanner: the parse tree only holds names already truncated to 63 bytes.
struct TokenRange {
  size_t start = 0;
  size_t end = 0;
};
std::vector<TokenRange> IdentifierTokens(std::string_view sql);

}  // namespace strata
