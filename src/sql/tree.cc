#include "sql/tree.h"

#include <algorithm>
#include <thread>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

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
      st->rerunnable = node->drop_stmt->missing_ok;
      break;
    case PG_QUERY__NODE__NODE_CREATE_STMT:
      st->rerunnable = node->create_stmt->if_not_exists;
      break;
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
      st->rerunnable = node->create_seq_stmt->if_not_exists;
      break;
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
      st->rerunnable = node->create_schema_stmt->if_not_exists;
      break;
    case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
      st->rerunnable = node->create_extension_stmt->if_not_exists;
      break;
    case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
      st->rerunnable = node->alter_enum_stmt->skip_if_new_val_exists;
      break;
    case PG_QUERY__NODE__NODE_DO_STMT:
      // A block that says it may run again (strata's batched backfills: each batch only
      // touches rows still to do) settles like any re-runnable statement after a crash.
      for (size_t i = 0; i < node->do_stmt->n_args; ++i) {
        const PgQuery__Node* a = node->do_stmt->args[i];
        if (a->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && a->def_elem->arg &&
            a->def_elem->arg->node_case == PG_QUERY__NODE__NODE_STRING &&
            std::string_view(a->def_elem->arg->string->sval).find("-- re-runnable:") != std::string_view::npos) {
          st->rerunnable = true;
        }
      }
      break;
    case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
    case PG_QUERY__NODE__NODE_CLUSTER_STMT:
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
    case PG_QUERY__NODE__NODE_GRANT_STMT:
    case PG_QUERY__NODE__NODE_COMMENT_STMT:
      st->rerunnable = true;
      break;
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: {
      const PgQuery__AlterTableStmt* at = node->alter_table_stmt;
      bool all_validate = at->n_cmds > 0;
      for (size_t i = 0; i < at->n_cmds; ++i) {
        const PgQuery__Node* c = at->cmds[i];
        all_validate = all_validate && c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
                       (c->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint ||
                        c->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraintRecurse);
      }
      st->rerunnable = all_validate;
      // DETACH PARTITION ... CONCURRENTLY refuses a transaction block (25001).
      for (size_t i = 0; i < at->n_cmds; ++i) {
        const PgQuery__Node* c = at->cmds[i];
        if (c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
            c->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition && c->alter_table_cmd->def &&
            c->alter_table_cmd->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD &&
            c->alter_table_cmd->def->partition_cmd->concurrent) {
          st->needs_no_transaction = true;
        }
      }
      if (at->n_cmds == 1 && at->cmds[0]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
          at->cmds[0]->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint && at->relation) {
        const PgQuery__Node* def = at->cmds[0]->alter_table_cmd->def;
        if (def && def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT && def->constraint->conname &&
            *def->constraint->conname) {
          st->adds_constraint = def->constraint->conname;
          st->table_schema = at->relation->schemaname ? at->relation->schemaname : "";
          st->table_name = at->relation->relname ? at->relation->relname : "";
        }
      }
      break;
    }
    case PG_QUERY__NODE__NODE_REINDEX_STMT:
      st->rerunnable = true;
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
      st->rerunnable = node->node_case == PG_QUERY__NODE__NODE_VACUUM_STMT;
      st->needs_no_transaction = node->node_case != PG_QUERY__NODE__NODE_VACUUM_STMT ||
                                 node->vacuum_stmt->is_vacuumcmd;
      break;
    default:
      break;
  }
}

const ProtobufCMessage* Unwrap(const ProtobufCMessage* m) {
  while (m != nullptr && m->descriptor == &pg_query__node__descriptor) {
    auto* node = reinterpret_cast<const PgQuery__Node*>(m);
    if (node->node_case == PG_QUERY__NODE__NODE__NOT_SET) return nullptr;
    const ProtobufCFieldDescriptor* f =
        protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, node->node_case);
    if (f == nullptr) return nullptr;
    m = *reinterpret_cast<ProtobufCMessage* const*>(reinterpret_cast<const char*>(m) + f->offset);
  }
  return m;
}

const ProtobufCMessage* Msg(const void* p) { return static_cast<const ProtobufCMessage*>(p); }

// The field named `name` of `m` when it is set (oneof members only when chosen).
const ProtobufCFieldDescriptor* Field(const void* p, std::string_view name) {
  if (p == nullptr) return nullptr;
  const ProtobufCMessage* m = Msg(p);
  std::string n(name);
  const ProtobufCFieldDescriptor* f =
      protobuf_c_message_descriptor_get_field_by_name(m->descriptor, n.c_str());
  if (f == nullptr) return nullptr;
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    uint32_t chosen = *reinterpret_cast<const uint32_t*>(reinterpret_cast<const char*>(m) +
                                                         f->quantifier_offset);
    if (chosen != f->id) return nullptr;
  }
  return f;
}

template <typename T>
T At(const void* p, const ProtobufCFieldDescriptor* f) {
  return *reinterpret_cast<const T*>(reinterpret_cast<const char*>(p) + f->offset);
}

}  // namespace

SqlNode::SqlNode(const void* message, int base)
    : msg_(Unwrap(static_cast<const ProtobufCMessage*>(message))), base_(base) {}

std::string_view SqlNode::type() const {
  if (msg_ == nullptr) return {};
  // The full name keeps PostgreSQL's spelling ("pg_query.A_Const"; short_name is "AConst").
  std::string_view full(Msg(msg_)->descriptor->name);
  return full.substr(full.rfind('.') + 1);
}

SqlNode SqlNode::operator[](std::string_view field) const {
  const ProtobufCFieldDescriptor* f = Field(msg_, field);
  if (f == nullptr || f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED) {
    return SqlNode();
  }
  return SqlNode(At<const ProtobufCMessage*>(msg_, f), base_);
}

std::vector<SqlNode> SqlNode::list(std::string_view field) const {
  std::vector<SqlNode> out;
  const ProtobufCFieldDescriptor* f = Field(msg_, field);
  if (f == nullptr || f->type != PROTOBUF_C_TYPE_MESSAGE || f->label != PROTOBUF_C_LABEL_REPEATED) {
    return out;
  }
  size_t n = *reinterpret_cast<const size_t*>(reinterpret_cast<const char*>(msg_) +
                                              f->quantifier_offset);
  auto* items = At<ProtobufCMessage* const*>(msg_, f);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.emplace_back(items[i], base_);
  return out;
}

std::string_view SqlNode::str(std::string_view field) const {
  const ProtobufCFieldDescriptor* f = Field(msg_, field);
  if (f == nullptr || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED) {
    return {};
  }
  const char* s = At<const char*>(msg_, f);
  return s ? std::string_view(s) : std::string_view();
}

int64_t SqlNode::num(std::string_view field) const {
  const ProtobufCFieldDescriptor* f = Field(msg_, field);
  if (f == nullptr || f->label == PROTOBUF_C_LABEL_REPEATED) return 0;
  switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM:
      return At<int32_t>(msg_, f);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      return At<uint32_t>(msg_, f);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      return At<int64_t>(msg_, f);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      return static_cast<int64_t>(At<uint64_t>(msg_, f));
    case PROTOBUF_C_TYPE_BOOL:
      return At<protobuf_c_boolean>(msg_, f) ? 1 : 0;
    default:
      return 0;
  }
}

bool SqlNode::flag(std::string_view field) const { return num(field) != 0; }

std::string_view SqlNode::enum_name(std::string_view field) const {
  const ProtobufCFieldDescriptor* f = Field(msg_, field);
  if (f == nullptr || f->type != PROTOBUF_C_TYPE_ENUM || f->label == PROTOBUF_C_LABEL_REPEATED) {
    return {};
  }
  const ProtobufCEnumValue* v = protobuf_c_enum_descriptor_get_value(
      static_cast<const ProtobufCEnumDescriptor*>(f->descriptor), At<int>(msg_, f));
  return v ? std::string_view(v->name) : std::string_view();
}

int SqlNode::location() const {
  const ProtobufCFieldDescriptor* f = Field(msg_, "location");
  if (f == nullptr) return -1;
  int loc = At<int32_t>(msg_, f);
  return loc < 0 ? loc : loc + base_;
}

std::vector<std::string> StringList(const std::vector<SqlNode>& nodes) {
  std::vector<std::string> out;
  out.reserve(nodes.size());
  for (const SqlNode& n : nodes) out.emplace_back(n.is("String") ? n.str("sval") : "");
  return out;
}

struct ParsedSql::Tree {
  std::vector<std::unique_ptr<PgQuery__ParseResult, TreeDeleter>> results;
};

ParsedSql::ParsedSql(ParsedSql&&) noexcept = default;
ParsedSql& ParsedSql::operator=(ParsedSql&&) noexcept = default;
ParsedSql::~ParsedSql() = default;

namespace {

// Parses `sql` (a whole text, or one piece of it starting at byte `base` of `whole`) and
// appends its statements. Returns false, with `error` filled, when the parser rejects it.
bool ParseInto(std::string_view whole, size_t base, std::string_view sql, ParsedSql::Tree* tree,
               std::vector<ParsedStatement>* out, SyntaxError* error) {
  std::string input = ScannerSafeCopy(sql);
  PgQueryProtobufParseResult res = pg_query_parse_protobuf(input.c_str());
  struct Freer {
    PgQueryProtobufParseResult* r;
    ~Freer() { pg_query_free_protobuf_parse_result(*r); }
  } freer{&res};
  if (res.error) {
    error->message = res.error->message;
    error->offset = base + (res.error->cursorpos <= 0 ? sql.size() : CharPositionToOffset(sql, res.error->cursorpos));
    return false;
  }
  std::unique_ptr<PgQuery__ParseResult, TreeDeleter> result(pg_query__parse_result__unpack(
      nullptr, res.parse_tree.len, reinterpret_cast<const uint8_t*>(res.parse_tree.data)));
  if (result == nullptr) {
    *error = {"could not decode the parse tree", base};
    return false;
  }
  const PgQuery__ParseResult* t = result.get();
  out->reserve(out->size() + t->n_stmts);
  for (size_t i = 0; i < t->n_stmts; ++i) {
    const PgQuery__RawStmt* raw = t->stmts[i];
    ParsedStatement ps;
    Statement& st = ps.info;
    size_t loc = base + static_cast<size_t>(raw->stmt_location);
    size_t end = raw->stmt_len == 0 ? base + sql.size() : loc + static_cast<size_t>(raw->stmt_len);
    st.offset = SkipSpaceAndComments(whole, loc);
    st.end = TrimEnd(whole, st.offset, end);
    if (st.end > st.offset && whole[st.end - 1] == ';') --st.end;  // last stmt, stmt_len 0
    st.kind = NodeName(raw->stmt);
    if (raw->stmt) Classify(raw->stmt, &st);
    ps.node = SqlNode(raw->stmt, static_cast<int>(base));
    out->push_back(std::move(ps));
  }
  tree->results.push_back(std::move(result));
  return true;
}

}  // namespace

namespace {

// A large text parsed in pieces on several cores: cut at statement boundaries (the lenient
// splitter's), each piece parsed on its own thread into its own tree. False when a piece
// does not parse (a cut inside a routine body, or a syntax error): the caller then parses
// the whole text as one, which decides what the error is.
bool ParseInParallel(std::string_view sql, ParsedSql::Tree* tree, std::vector<ParsedStatement>* out) {
  constexpr size_t kMinPiece = 64 * 1024;
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), sql.size() / kMinPiece);
  if (threads < 2) return false;
  std::vector<std::pair<size_t, size_t>> stmts = SplitLeniently(sql);
  std::vector<size_t> cuts = {0};
  for (const auto& [begin, end] : stmts) {
    if (cuts.size() < threads && begin >= sql.size() * cuts.size() / threads) cuts.push_back(begin);
  }
  cuts.push_back(sql.size());
  size_t n = cuts.size() - 1;
  std::vector<ParsedSql::Tree> trees(n);
  std::vector<std::vector<ParsedStatement>> parts(n);
  std::vector<char> ok(n, 0);
  auto work = [&](size_t i) {
    SyntaxError e;
    ok[i] = ParseInto(sql, cuts[i], sql.substr(cuts[i], cuts[i + 1] - cuts[i]), &trees[i], &parts[i], &e);
  };
  std::vector<std::thread> pool;
  for (size_t i = 1; i < n; ++i) pool.emplace_back(work, i);
  work(0);
  for (auto& t : pool) t.join();
  if (std::find(ok.begin(), ok.end(), 0) != ok.end()) return false;
  for (size_t i = 0; i < n; ++i) {
    for (auto& r : trees[i].results) tree->results.push_back(std::move(r));
    for (auto& ps : parts[i]) out->push_back(std::move(ps));
  }
  return true;
}

}  // namespace

Result<ParsedSql> ParseSql(std::string_view sql, SyntaxError* error) {
  ParsedSql parsed;
  parsed.tree_ = std::make_unique<ParsedSql::Tree>();
  SyntaxError err;
  if (ParseInParallel(sql, parsed.tree_.get(), &parsed.statements_)) return parsed;
  parsed.statements_.clear();
  if (ParseInto(sql, 0, sql, parsed.tree_.get(), &parsed.statements_, &err)) return parsed;
  if (err.message == "could not decode the parse tree") return Status::InvalidInput(err.message);
  // The grammar rejected something. Split without it and parse piece by piece, so that
  // one statement in newer syntax (or with a mistake) leaves the others linted and
  // classified; the server decides about the rest.
  parsed.statements_.clear();
  bool first_error = true;
  for (auto [begin, end] : SplitLeniently(sql)) {
    SyntaxError piece_error;
    if (ParseInto(sql, begin, sql.substr(begin, end - begin), parsed.tree_.get(), &parsed.statements_,
                  &piece_error)) {
      continue;
    }
    ParsedStatement ps;
    ps.info.offset = begin;
    ps.info.end = end;
    ps.info.parsed = false;
    ps.info.syntax_error = piece_error.message;
    ps.info.error_offset = piece_error.offset;
    ClassifyByKeywords(sql.substr(begin, end - begin), &ps.info);
    parsed.statements_.push_back(std::move(ps));
    if (first_error && error) *error = piece_error;
    first_error = false;
  }
  return parsed;
}

std::vector<TokenRange> IdentifierTokens(std::string_view sql) {
  std::vector<TokenRange> out;
  std::string input = ScannerSafeCopy(sql);
  PgQueryScanResult res = pg_query_scan(input.c_str());
  if (res.error == nullptr) {
    PgQuery__ScanResult* scan = pg_query__scan_result__unpack(
        nullptr, res.pbuf.len, reinterpret_cast<const uint8_t*>(res.pbuf.data));
    if (scan != nullptr) {
      for (size_t i = 0; i < scan->n_tokens; ++i) {
        const PgQuery__ScanToken* t = scan->tokens[i];
        if (t->token == PG_QUERY__TOKEN__IDENT || t->token == PG_QUERY__TOKEN__UIDENT) {
          out.push_back({static_cast<size_t>(t->start), static_cast<size_t>(t->end)});
        }
      }
      pg_query__scan_result__free_unpacked(scan, nullptr);
    }
  }
  pg_query_free_scan_result(res);
  return out;
}

Result<std::vector<Statement>> ParseStatements(std::string_view sql, SyntaxError* error) {
  auto parsed = ParseSql(sql, error);
  if (!parsed.ok()) return parsed.status();
  std::vector<Statement> out;
  out.reserve(parsed->statements().size());
  for (const auto& ps : parsed->statements()) out.push_back(ps.info);
  return out;
}

}  // namespace strata
