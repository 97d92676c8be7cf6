#include "sql/statement.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <memory>

namespace strata {
namespace {

struct TreeDeleter {
  void operator()(PgQuery__ParseResult* r) const {
    pg_query__parse_result__free_unpacked(r, nullptr);
  }
};

std::string NodeName(const PgQuery__Node* node) {
  if (node == nullptr) return "";
  const ProtobufCFieldDescriptor* f =
      protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, node->node_case);
  return f ? f->name : "";
}

void Classify(const PgQuery__Node* node, Statement* st) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
      st->transaction_control = true;
      break;
    case PG_QUERY__NODE__NODE_INDEX_STMT: {
      const PgQuery__IndexStmt* idx = node->index_stmt;
      st->needs_no_transaction = st->concurrent = idx->concurrent;
      st->creates_index = true;
      st->index_name = idx->idxname ? idx->idxname : "";
      if (idx->relation) {
        st->table_schema = idx->relation->schemaname ? idx->relation->schemaname : "";
        st->table_name = idx->relation->relname ? idx->relation->relname : "";
      }
      break;
    }
    case PG_QUERY__NODE__NODE_DROP_STMT:
      st->needs_no_transaction = node->drop_stmt->concurrent;
      break;
    case PG_QUERY__NODE__NODE_REINDEX_STMT:
      for (size_t i = 0; i < node->reindex_stmt->n_params; ++i) {
        const PgQuery__Node* p = node->reindex_stmt->params[i];
        if (p->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
            std::string_view(p->def_elem->defname) == "concurrently") {
          st->needs_no_transaction = true;
        }
      }
      break;
    case PG_QUERY__NODE__NODE_VACUUM_STMT:
    case PG_QUERY__NODE__NODE_CREATEDB_STMT:
    case PG_QUERY__NODE__NODE_DROPDB_STMT:
    case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
    case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
    case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT:
      st->needs_no_transaction = node->node_case != PG_QUERY__NODE__NODE_VACUUM_STMT ||
                                 node->vacuum_stmt->is_vacuumcmd;
      break;
    default:
      break;
  }
}

size_t TrimEnd(std::string_view text, size_t begin, size_t end) {
  // Drop trailing whitespace; comments at the end belong to the next statement's gap.
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\n' ||
                         text[end - 1] == '\t' || text[end - 1] == '\r')) {
    --end;
  }
  return end;
}

}  // namespace

size_t SkipSpaceAndComments(std::string_view t, size_t i) {
  while (i < t.size()) {
    char c = t[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++i;
    } else if (c == '-' && i + 1 < t.size() && t[i + 1] == '-') {
      size_t nl = t.find('\n', i);
      i = nl == std::string_view::npos ? t.size() : nl + 1;
    } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      int depth = 1;  // PostgreSQL block comments nest
      i += 2;
      while (i < t.size() && depth > 0) {
        if (t.compare(i, 2, "/*") == 0) ++depth, i += 2;
        else if (t.compare(i, 2, "*/") == 0) --depth, i += 2;
        else ++i;
      }
    } else {
      break;
    }
  }
  return i;
}

size_t CharCount(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

size_t CharPositionToOffset(std::string_view text, int position) {
  if (position <= 1) return 0;
  int chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (++chars == position) return i;
    }
  }
  return text.size();
}

Result<std::vector<Statement>> ParseStatements(std::string_view sql, SyntaxError* error) {
  std::string input(sql);
  PgQueryProtobufParseResult res = pg_query_parse_protobuf(input.c_str());
  struct Freer {
    PgQueryProtobufParseResult* r;
    ~Freer() { pg_query_free_protobuf_parse_result(*r); }
  } freer{&res};
  if (res.error) {
    SyntaxError err{res.error->message, CharPositionToOffset(sql, res.error->cursorpos)};
    if (res.error->cursorpos <= 0) err.offset = sql.size();
    if (error) *error = err;
    return Status::InvalidInput(err.message);
  }
  std::unique_ptr<PgQuery__ParseResult, TreeDeleter> tree(pg_query__parse_result__unpack(
      nullptr, res.parse_tree.len, reinterpret_cast<const uint8_t*>(res.parse_tree.data)));
  if (!tree) return Status::InvalidInput("could not decode the parse tree");
  std::vector<Statement> out;
  out.reserve(tree->n_stmts);
  for (size_t i = 0; i < tree->n_stmts; ++i) {
    const PgQuery__RawStmt* raw = tree->stmts[i];
    Statement st;
    size_t loc = static_cast<size_t>(raw->stmt_location);
    size_t end = raw->stmt_len == 0 ? sql.size() : loc + static_cast<size_t>(raw->stmt_len);
    st.offset = SkipSpaceAndComments(sql, loc);
    st.end = TrimEnd(sql, st.offset, end);
    if (st.end > st.offset && sql[st.end - 1] == ';') --st.end;  // last stmt, stmt_len 0
    st.kind = NodeName(raw->stmt);
    if (raw->stmt) Classify(raw->stmt, &st);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace strata
