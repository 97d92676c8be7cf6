#include "base/strings.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <random>

namespace strata {

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool EndsWith(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string QuoteIdent(std::string_view ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteIdentIfNeeded(std::string_view ident) {
  // PostgreSQL's reserved and type/function-name keywords: these need quotes as names.
  static const char* const kReserved[] = {
      "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
      "binary", "both", "case", "cast", "check", "collate", "collation", "column", "concurrently",
      "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
      "current_schema", "current_time", "current_timestamp", "current_user", "default", "deferrable",
      "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "freeze",
      "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect",
      "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
      "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order",
      "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
      "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then",
      "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when",
      "where", "window", "with"};
  bool plain = !ident.empty() && !(ident[0] >= '0' && ident[0] <= '9') && ident[0] != '$';
  for (char c : ident) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
  }
  if (plain) {
    for (const char* k : kReserved) {
      if (ident == k) plain = false;
    }
  }
  return plain ? std::string(ident) : QuoteIdent(ident);
}

std::string QuoteLiteral(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  std::ifstream in("/dev/urandom", std::ios::binary);
  in.read(raw.data(), static_cast<std::streamsize>(bytes));
  if (!in) {
    std::random_device rd;
    for (char& c : raw) c = static_cast<char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

LineCol OffsetToLineCol(std::string_view text, size_t offset) {
  LineCol lc;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.col = 1;
    } else {
      ++lc.col;
    }
  }
  return lc;
}

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

LineCol LineIndex::At(size_t offset) const {
  offset = std::min(offset, text_.size());
  size_t line = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin());
  return {static_cast<int>(line), static_cast<int>(offset - starts_[line - 1]) + 1};
}

std::string_view LineIndex::Line(int line) const {
  if (line < 1 || static_cast<size_t>(line) > starts_.size()) return {};
  size_t b = starts_[static_cast<size_t>(line) - 1];
  size_t e = static_cast<size_t>(line) < starts_.size() ? starts_[static_cast<size_t>(line)] - 1 : text_.size();
  return text_.substr(b, e - b);
}

std::string_view LineAt(std::string_view text, int line) {
  size_t start = 0;
  for (int l = 1; l < line; ++l) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
}

std::string PointAt(std::string_view file, std::string_view text, size_t offset,
                    std::string_view message) {
  LineCol lc = OffsetToLineCol(text, offset);
  std::string out = std::string(file) + ":" + std::to_string(lc.line) + ":" +
                    std::to_string(lc.col) + ": " + std::string(message) + "\n";
  std::string_view src = LineAt(text, lc.line);
  out += "  " + std::string(src) + "\n  ";
  for (int i = 1; i < lc.col && i <= static_cast<int>(src.size()); ++i) {
    out += src[i - 1] == '\t' ? '\t' : ' ';
  }
  return out + "^";
}

std::string UnifiedDiff(std::string_view a, std::string_view b, size_t context, size_t max_lines) {
  auto lines = [](std::string_view t) {
    std::vector<std::string_view> out;
    while (!t.empty()) {
      size_t nl = t.find('\n');
      out.push_back(t.substr(0, nl));
      if (nl == std::string_view::npos) break;
      t.remove_prefix(nl + 1);
    }
    return out;
  };
  std::vector<std::string_view> x = lines(a), y = lines(b);
  // ops: ' ', '-', '+' with the line, in order.
  std::vector<std::pair<char, std::string_view>> ops;
  size_t n = x.size(), m = y.size();
  if (n > max_lines || m > max_lines) {
    for (auto l : x) ops.emplace_back('-', l);
    for (auto l : y) ops.emplace_back('+', l);
  } else {
    // lcs[i][j]: longest common subsequence of x[i..] and y[j..].
    std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] == y[j]) {
        ops.emplace_back(' ', x[i++]), ++j;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.emplace_back('-', x[i++]);  // removals before additions, as diff -u shows them
      } else {
        ops.emplace_back('+', y[j++]);
      }
    }
  }
  // Keep changed lines and `context` lines around them.
  std::vector<bool> keep(ops.size(), false);
  for (size_t k = 0; k < ops.size(); ++k) {
    if (ops[k].first == ' ') continue;
    size_t from = k >= context ? k - context : 0, to = std::min(ops.size(), k + context + 1);
    for (size_t t = from; t < to; ++t) keep[t] = true;
  }
  std::string out;
  bool gap = false;
  for (size_t k = 0; k < ops.size(); ++k) {
    if (!keep[k]) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out += "@@\n";
    gap = false;
    out += ops[k].first;
    out += ops[k].second;
    out += '\n';
  }
  return out;
}

}  // namespace strata
