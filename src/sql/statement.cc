#include "sql/statement.h"

#include <pg_query.h>

#include <algorithm>


namespace strata {
namespace {

constexpr int kBundledParserMajor = PG_VERSION_NUM / 10000;  // from pg_query.h

// Offset just past the -- comment starting at `i`: PostgreSQL ends it at \n or \r.
size_t LineCommentEnd(std::string_view t, size_t i) {
  size_t nl = t.find_first_of("\n\r", i);
  return nl == std::string_view::npos ? t.size() : nl + 1;
}

// Offset just past the block comment whose "/*" is at `i` (they nest); t.size() when it
// never closes, and then *closed is false.
size_t BlockCommentEnd(std::string_view t, size_t i, bool* closed = nullptr) {
  int depth = 1;
  i += 2;
  while (i < t.size() && depth > 0) {
    if (t.compare(i, 2, "/*") == 0) {
      ++depth, i += 2;
    } else if (t.compare(i, 2, "*/") == 0) {
      --depth, i += 2;
    } else {
      ++i;
    }
  }
  if (closed) *closed = depth == 0;
  return i;
}

}  // namespace

size_t SkipSpaceAndComments(std::string_view t, size_t i) {
  while (i < t.size()) {
    char c = t[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++i;
    } else if (c == '-' && i + 1 < t.size() && t[i + 1] == '-') {
      i = LineCommentEnd(t, i);
    } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      i = BlockCommentEnd(t, i);
    } else {
      break;
    }
  }
  return i;
}

namespace {

bool IsOpChar(char c) {
  switch (c) {
    case '~': case '!': case '@': case '#': case '^': case '&': case '|': case '`':
    case '?': case '+': case '-': case '*': case '/': case '%': case '<': case '>': case '=':
      return true;
    default:
      return false;
  }
}

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

bool HasLongOperatorRun(std::string_view t) {
  constexpr size_t kLong = 64;
  size_t run = 0;
  for (char c : t) {
    run = IsOpChar(c) ? run + 1 : 0;
    if (run >= kLong) return true;
  }
  return false;
}

// Offset just past the string literal whose opening quote is at `i` ('...', E'...' with
// backslash escapes, "..."); t.size() when it never closes.
size_t QuotedEnd(std::string_view t, size_t i) {
  size_t n = t.size();
  if (t[i] == '"') {
    size_t j = t.find('"', i + 1);
    return j == std::string_view::npos ? n : j + 1;
  }
  bool escapes = i > 0 && (t[i - 1] == 'E' || t[i - 1] == 'e') && (i < 2 || !IsIdentChar(t[i - 2]));
  size_t j = i + 1;
  while (j < n) {
    if (escapes && t[j] == '\\') {
      j += 2;
    } else if (t[j] == '\'') {
      if (j + 1 < n && t[j + 1] == '\'') {
        j += 2;
      } else {
        return j + 1;
      }
    } else {
      ++j;
    }
  }
  return n;
}

// At a '$' that does not continue an identifier: the offset just past the dollar-quoted
// string it opens ($tag$...$tag$), or just past the '$' token itself ($1, a lone $).
size_t DollarEnd(std::string_view t, size_t i) {
  size_t n = t.size(), j = i + 1;
  while (j < n && IsIdentChar(t[j]) && t[j] != '$' && !(j == i + 1 && t[j] >= '0' && t[j] <= '9')) ++j;
  if (j < n && t[j] == '$') {
    std::string_view tag = t.substr(i, j - i + 1);
    size_t close = t.find(tag, j + 1);
    return close == std::string_view::npos ? n : close + tag.size();
  }
  return j;
}

// When a comment, a quoted string or a dollar-quoted string starts at `i`: the offset just
// past it (with *closed false for a block comment that never closes). Else `i` itself.
size_t SkipQuotedOrComment(std::string_view t, size_t i, bool* closed = nullptr) {
  char c = t[i];
  char next = i + 1 < t.size() ? t[i + 1] : '\0';
  if (c == '-' && next == '-') return LineCommentEnd(t, i);
  if (c == '/' && next == '*') return BlockCommentEnd(t, i, closed);
  if (c == '\'' || c == '"') return QuotedEnd(t, i);
  if (c == '$' && (i == 0 || !IsIdentChar(t[i - 1]))) return DollarEnd(t, i);
  return i;
}

}  // namespace

size_t TrimEnd(std::string_view text, size_t begin, size_t end) {
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\t' ||
                         text[end - 1] == '\r')) {
    --end;
  }
  return end;
}

std::string ScannerSafeCopy(std::string_view t) {
  std::string out(t);
  if (!HasLongOperatorRun(t)) return out;
  size_t n = t.size(), i = 0;
  while (i < n) {
    if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
      bool closed = false;
      size_t j = BlockCommentEnd(t, i, &closed);
      size_t inner_end = closed ? j - 2 : n;
      for (size_t k = i + 2; k < inner_end; ++k) {
        if (IsOpChar(out[k])) out[k] = ' ';
      }
      i = j;
    } else {
      size_t j = SkipQuotedOrComment(t, i);
      i = j != i ? j : i + 1;
    }
  }
  return out;
}

int BundledParserMajor() { return kBundledParserMajor; }

std::string BundledParserNote() {
  return "strata's bundled parser (PostgreSQL " + std::to_string(kBundledParserMajor) + " grammar)";
}

namespace {

std::string Lower(std::string_view w) {
  std::string out(w);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsWordStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// The statement's tokens from its start: words lower-cased, quoted identifiers unquoted,
// other characters one by one; stops after `max` tokens.
std::vector<std::string> LeadingTokens(std::string_view t, size_t max) {
  std::vector<std::string> out;
  size_t i = 0, n = t.size();
  while (i < n && out.size() < max) {
    i = SkipSpaceAndComments(t, i);
    if (i >= n) break;
    char c = t[i];
    if (IsWordStart(c) || (c >= '0' && c <= '9')) {
      size_t j = i;
      while (j < n && IsIdentChar(t[j])) ++j;
      out.push_back(Lower(t.substr(i, j - i)));
      i = j;
    } else if (c == '"') {
      size_t j = QuotedEnd(t, i);
      std::string id(t.substr(i + 1, j > i + 1 ? j - i - 2 : 0));
      out.push_back("\"" + id);  // marks a quoted identifier
      i = j;
    } else {
      out.push_back(std::string(1, c));
      ++i;
    }
  }
  return out;
}

std::string IdentOf(const std::string& token) {
  return !token.empty() && token[0] == '"' ? token.substr(1) : token;
}

bool IsName(const std::string& token) {
  return !token.empty() && (token[0] == '"' || IsWordStart(token[0]));
}

}  // namespace

std::vector<std::pair<size_t, size_t>> SplitLeniently(std::string_view t) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t n = t.size(), i = 0, start = 0;
  int parens = 0, begin_depth = 0, words = 0;
  bool routine = false;  // CREATE [OR REPLACE] FUNCTION|PROCEDURE: BEGIN ... END may hold ';'
  bool unterminated = false;  // a comment that never closes: a piece of its own, for the error
  std::string lead[4];
  auto finish = [&](size_t end) {
    size_t b = SkipSpaceAndComments(t, start);
    if (b >= end && unterminated) b = t.find("/*", start);
    if (b < end) out.push_back({b, TrimEnd(t, b, end)});
    parens = begin_depth = words = 0;
    routine = false;
  };
  while (i < n) {
    char c = t[i];
    bool closed = true;
    if (size_t j = SkipQuotedOrComment(t, i, &closed); j != i) {
      unterminated = unterminated || !closed;
      i = j;
    } else if (c == '(') {
      ++parens, ++i;
    } else if (c == ')') {
      parens = parens > 0 ? parens - 1 : 0;
      ++i;
    } else if (c == ';' && parens == 0 && begin_depth == 0) {
      finish(i);
      start = ++i;
    } else if (IsWordStart(c) || (c >= '0' && c <= '9')) {
      size_t j = i;
      while (j < n && IsIdentChar(t[j])) ++j;
      if (IsWordStart(c)) {
        std::string w = Lower(t.substr(i, j - i));
        if (words < 4) {
          lead[words] = w;
          if (lead[0] == "create") {
            bool orr = words >= 2 && lead[1] == "or" && lead[2] == "replace";
            std::string& kind = lead[orr ? 3 : 1];
            routine = routine || (words == (orr ? 3 : 1) && (kind == "function" || kind == "procedure"));
          }
        }
        ++words;
        if (routine) {
          if (w == "begin") {
            ++begin_depth;
          } else if (begin_depth > 0 && w == "case") {
            ++begin_depth;
          } else if (begin_depth > 0 && w == "end") {
            --begin_depth;
          }
        }
      }
      i = j;
    } else {
      ++i;
    }
  }
  finish(n);
  return out;
}

void ClassifyByKeywords(std::string_view text, Statement* st) {
  std::vector<std::string> w = LeadingTokens(text, 16);
  auto at = [&](size_t k) -> const std::string& {
    static const std::string empty;
    return k < w.size() ? w[k] : empty;
  };
  const std::string& first = at(0);
  st->kind = "unparsed";
  if (first == "begin" || first == "start" || first == "commit" || first == "end" || first == "rollback" ||
      first == "abort" || first == "savepoint" || first == "release" ||
      (first == "prepare" && at(1) == "transaction")) {
    st->transaction_control = true;
    return;
  }
  if (first == "vacuum" || (first == "alter" && at(1) == "system") ||
      ((first == "create" || first == "drop") && (at(1) == "database" || at(1) == "tablespace"))) {
    st->needs_no_transaction = true;
    return;
  }
  size_t k = 1;
  auto read_table = [&](size_t at_k) {
    if (!IsName(at(at_k))) return;
    if (at(at_k + 1) == ".") {
      st->table_schema = IdentOf(at(at_k));
      st->table_name = IdentOf(at(at_k + 2));
    } else {
      st->table_name = IdentOf(at(at_k));
    }
  };
  if (first == "create") {
    size_t t = 1;
    while (at(t) == "global" || at(t) == "local" || at(t) == "temp" || at(t) == "temporary" || at(t) == "unlogged") ++t;
    if (at(t) == "table") {
      ++t;
      if (at(t) == "if" && at(t + 1) == "not" && at(t + 2) == "exists") t += 3;
      read_table(t);
      st->creates_table = !st->table_name.empty();
      return;
    }
    if (at(k) == "unique") ++k;
    if (at(k) != "index") return;
    ++k;
    st->creates_index = true;
    if (at(k) == "concurrently") st->concurrent = st->needs_no_transaction = true, ++k;
    if (at(k) == "if" && at(k + 1) == "not" && at(k + 2) == "exists") k += 3;
    if (at(k) != "on" && IsName(at(k))) st->index_name = IdentOf(at(k++));
    if (at(k) != "on") return;
    ++k;
    if (at(k) == "only") ++k;
    read_table(k);
    return;
  }
  bool detach = first == "alter" && std::find(w.begin(), w.end(), "detach") != w.end();
  if ((first == "drop" && at(1) == "index") || first == "reindex" || detach) {
    for (const auto& token : w) st->needs_no_transaction = st->needs_no_transaction || token == "concurrently";
  }
}

std::string InTransactionEquivalent(std::string_view text) {
  // The words before CONCURRENTLY are keywords and names: no literal can hold the word,
  // but a quoted name or a comment can. (ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY
  // has none: it leaves a CHECK constraint on the partition that a plain DETACH does not.)
  std::vector<std::pair<std::string, size_t>> words;  // lower-cased unquoted words, offsets
  size_t i = 0, n = text.size();
  while (i < n && words.size() < 64) {
    i = SkipSpaceAndComments(text, i);
    if (i >= n) break;
    size_t past = SkipQuotedOrComment(text, i);
    if (past != i) {
      words.push_back({"", i});
      i = past;
    } else if (IsWordStart(text[i])) {
      size_t j = i;
      while (j < n && IsIdentChar(text[j])) ++j;
      words.push_back({Lower(text.substr(i, j - i)), i});
      i = j;
    } else {
      words.push_back({std::string(1, text[i]), i});
      ++i;
    }
  }
  auto at = [&](size_t k) { return k < words.size() ? words[k].first : std::string(); };
  size_t k = at(0) == "create" && at(1) == "unique" ? 2 : 1;
  bool index = (at(0) == "create" || at(0) == "drop") && at(k) == "index";
  bool reindex = at(0) == "reindex" && at(1) != "(";
  if (!index && !reindex) return "";
  for (size_t w = 1; w < words.size(); ++w) {
    if (words[w].first != "concurrently") continue;
    size_t from = words[w].second, to = from + std::string_view("concurrently").size();
    while (to < n && (text[to] == ' ' || text[to] == '\t')) ++to;  // one separator kept before
    return std::string(text.substr(0, from)) + std::string(text.substr(to));
  }
  return "";
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

}  // namespace strata
