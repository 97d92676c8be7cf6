#include "migrate/partitioned_index.h"

#include <cctype>
#include <optional>
#include <set>
#include <vector>

#include "base/strings.h"

namespace strata {
namespace {

// The SQL tokens at the start of a statement: words, quoted identifiers and symbols, with
// comments and white space skipped. Stops after `max` tokens.
struct Token {
  size_t begin = 0, end = 0;
  bool word = false;  // a bare word (keyword or unquoted identifier)
};

std::vector<Token> LeadingTokens(std::string_view s, size_t max) {
  std::vector<Token> out;
  size_t i = 0, n = s.size();
  while (i < n && out.size() < max) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      while (i < n && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      size_t e = s.find("*/", i + 2);
      i = e == std::string_view::npos ? n : e + 2;
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < n) {
        if (s[j] == '"' && j + 1 < n && s[j + 1] == '"') {
          j += 2;
        } else if (s[j] == '"') {
          break;
        } else {
          ++j;
        }
      }
      out.push_back({i, std::min(j + 1, n), false});
      i = std::min(j + 1, n);
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
      size_t j = i;
      while (j < n && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$' ||
                       static_cast<unsigned char>(s[j]) >= 0x80)) {
        ++j;
      }
      out.push_back({i, j, true});
      i = j;
    } else {
      out.push_back({i, i + 1, false});
      ++i;
    }
  }
  return out;
}

bool Is(std::string_view s, const Token& t, const char* word) {
  return t.word && ToLower(s.substr(t.begin, t.end - t.begin)) == ToLower(word);
}

struct IndexRow {
  std::string oid, name;  // name: regclass text (quoted, qualified as needed)
  std::string relname;
  bool valid = false, unique = false, partitioned = false, attached = false;
  std::string shape;  // the definition from " USING ", with UNIQUE in front when unique
};

std::string ShapeOf(const std::string& def, bool unique) {
  size_t at = def.find(" USING ");
  return std::string(unique ? "UNIQUE" : "") + (at == std::string::npos ? def : def.substr(at));
}

Result<std::vector<IndexRow>> IndexesOn(Session* s, const std::string& table_oid) {
  auto r = s->ExecParams(
      "SELECT i.indexrelid, i.indexrelid::pg_catalog.regclass::text, i.indisvalid, i.indisunique, "
      "pg_catalog.pg_get_indexdef(i.indexrelid), c.relkind = 'I', "
      "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid), c.relname "
      "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
      "WHERE i.indrelid = $1::pg_catalog.oid ORDER BY i.indexrelid",
      {table_oid});
  if (!r.ok()) return r.status();
  std::vector<IndexRow> out;
  for (size_t i = 0; i < r->rows.size(); ++i) {
    IndexRow x;
    x.oid = r->Get(i, 0);
    x.name = r->Get(i, 1);
    x.valid = r->Get(i, 2) == "t";
    x.unique = r->Get(i, 3) == "t";
    x.shape = ShapeOf(r->Get(i, 4), x.unique);
    x.partitioned = r->Get(i, 5) == "t";
    x.attached = r->Get(i, 6) == "t";
    x.relname = r->Get(i, 7);
    out.push_back(std::move(x));
  }
  return out;
}

Status Query(Session* s, const std::string& sql, const std::vector<std::optional<std::string>>& params, QueryResult* out) {
  auto r = s->ExecParams(sql, params);
  if (!r.ok()) return r.status();
  *out = std::move(*r);
  return Status::Ok();
}

class Builder {
 public:
  Builder(Session* s, const ExecFn& exec) : s_(s), exec_(exec) {}

  // Gives the index `parent` (on table `table_oid`) an attached index on every partition.
  Status AttachAll(const IndexRow& parent, const std::string& table_oid) {
    QueryResult kids;
    STRATA_RETURN_IF_ERROR(Query(
        s_,
        "SELECT h.inhrelid, c.relkind, c.oid::pg_catalog.regclass::text FROM pg_catalog.pg_inherits h "
        "JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid WHERE h.inhparent = $1::pg_catalog.oid ORDER BY c.relname",
        {table_oid}, &kids));
    for (size_t k = 0; k < kids.rows.size(); ++k) {
      std::string oid = kids.Get(k, 0), kind = kids.Get(k, 1), name = kids.Get(k, 2);
      // PostgreSQL gives foreign-table partitions no index (and refuses a unique one).
      if (kind == "f" && !parent.unique) continue;
      STRATA_RETURN_IF_ERROR(OnePartition(parent, oid, name, kind == "p"));
    }
    return Status::Ok();
  }

 private:
  Status OnePartition(const IndexRow& parent, const std::string& oid, const std::string& table, bool partitioned) {
    auto existing = IndexesOn(s_, oid);
    if (!existing.ok()) return existing.status();
    QueryResult att;
    STRATA_RETURN_IF_ERROR(Query(
        s_,
        "SELECT h.inhrelid FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_index i ON i.indexrelid = h.inhrelid "
        "WHERE h.inhparent = $1::pg_catalog.oid AND i.indrelid = $2::pg_catalog.oid",
        {parent.oid, oid}, &att));
    const IndexRow* mine = nullptr;  // already attached to `parent`
    const IndexRow* match = nullptr;  // an unattached index of the same shape
    for (const IndexRow& x : *existing) {
      if (!att.rows.empty() && x.oid == att.Get(0, 0)) mine = &x;
    }
    if (mine) {
      if (mine->partitioned) return AttachAll(*mine, oid);  // may be incomplete below
      return Status::Ok();
    }
    for (const IndexRow& x : *existing) {
      if (x.attached || x.shape != parent.shape || x.partitioned != partitioned) continue;
      if (!x.valid && !partitioned) {
        // What a killed or failed concurrent build of this same index left behind.
        STRATA_RETURN_IF_ERROR(exec_("DROP INDEX CONCURRENTLY IF EXISTS " + x.name, false));
        continue;
      }
      if (!match) match = &x;
    }
    IndexRow child;
    if (match) {
      child = *match;
    } else {
      // No name: PostgreSQL picks the one it gives a cascaded index (<partition>_<columns>_idx).
      std::string def = std::string(parent.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                        (partitioned ? "ON ONLY " : "CONCURRENTLY ON ") + table +
                        parent.shape.substr(parent.unique ? 6 : 0);
      std::set<std::string> before;
      for (const IndexRow& x : *existing) before.insert(x.oid);
      STRATA_RETURN_IF_ERROR(exec_(def, !partitioned));
      auto after = IndexesOn(s_, oid);
      if (!after.ok()) return after.status();
      bool found = false;
      for (const IndexRow& x : *after) {
        if (!before.count(x.oid) && x.shape == parent.shape) child = x, found = true;
      }
      if (!found) return Status::Conflict("the index built on partition " + table + " is not where it was built");
    }
    if (partitioned) STRATA_RETURN_IF_ERROR(AttachAll(child, oid));
    return exec_("ALTER INDEX " + parent.name + " ATTACH PARTITION " + child.name, false);
  }

  Session* s_;
  const ExecFn& exec_;
};

}  // namespace

std::string OnOnlyForm(std::string_view text) {
  std::vector<Token> t = LeadingTokens(text, 16);
  size_t i = 0;
  if (i >= t.size() || !Is(text, t[i], "CREATE")) return "";
  ++i;
  if (i < t.size() && Is(text, t[i], "UNIQUE")) ++i;
  if (i >= t.size() || !Is(text, t[i], "INDEX")) return "";
  ++i;
  if (i >= t.size() || !Is(text, t[i], "CONCURRENTLY")) return "";
  const Token conc = t[i];
  for (++i; i < t.size() && !Is(text, t[i], "ON"); ++i) {
  }
  if (i >= t.size()) return "";
  const Token on = t[i];
  bool only = i + 1 < t.size() && Is(text, t[i + 1], "ONLY");
  std::string out(text.substr(0, conc.begin));
  size_t from = conc.end;
  while (from < on.begin && std::isspace(static_cast<unsigned char>(text[from]))) ++from;
  out += text.substr(from, on.end - from);
  if (!only) out += " ONLY";
  out += text.substr(on.end);
  return out;
}

Result<bool> ConcurrentOnPartitioned(Session* s, const Statement& st) {
  if (!st.creates_index || !st.concurrent || st.table_name.empty()) return false;
  std::string table = (st.table_schema.empty() ? "" : QuoteIdent(st.table_schema) + ".") + QuoteIdent(st.table_name);
  auto r = s->ExecParams(
      "SELECT c.relkind = 'p' FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)", {table});
  if (!r.ok()) return r.status();
  return !r->rows.empty() && r->Get(0, 0) == "t";
}

Status BuildPartitionedIndex(Session* s, const Statement& st, std::string_view text, const ExecFn& exec) {
  std::string table = (st.table_schema.empty() ? "" : QuoteIdent(st.table_schema) + ".") + QuoteIdent(st.table_name);
  QueryResult t;
  STRATA_RETURN_IF_ERROR(Query(
      s, "SELECT c.oid, c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)", {table},
      &t));
  if (t.rows.empty()) return Status::NotFound("table " + table + " does not exist");
  std::string table_oid = t.Get(0, 0);
  auto before = IndexesOn(s, table_oid);
  if (!before.ok()) return before.status();
  const IndexRow* parent = nullptr;
  IndexRow made;
  // A run that stopped part way left the parent's index: continue with it.
  if (!st.index_name.empty()) {
    for (const IndexRow& x : *before) {
      if (x.partitioned && x.relname == st.index_name) parent = &x;
    }
  }
  if (!parent) {
    std::string only = OnOnlyForm(text);
    if (only.empty()) return Status::InvalidInput("not a CREATE INDEX CONCURRENTLY statement");
    STRATA_RETURN_IF_ERROR(exec(only, false));
    auto after = IndexesOn(s, table_oid);
    if (!after.ok()) return after.status();
    std::set<std::string> had;
    for (const IndexRow& x : *before) had.insert(x.oid);
    for (const IndexRow& x : *after) {
      if (!had.count(x.oid) && x.partitioned) made = x, parent = &made;
    }
    if (!parent) return Status::Ok();  // IF NOT EXISTS, and an index of that name was there
  }
  IndexRow p = *parent;
  Builder b(s, exec);
  STRATA_RETURN_IF_ERROR(b.AttachAll(p, table_oid));
  QueryResult v;
  STRATA_RETURN_IF_ERROR(Query(
      s, "SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = $1::pg_catalog.oid", {p.oid}, &v));
  if (v.rows.empty() || v.Get(0, 0) != "t") {
    return Status::Conflict("index " + p.name + " on partitioned table " + table +
                            " is not valid after every partition's index was attached");
  }
  return Status::Ok();
}

}  // namespace strata
