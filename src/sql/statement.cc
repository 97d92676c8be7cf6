#include "sql/statement.h"


namespace strata {
namespace {

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

}  // namespace

std::string ScannerSafeCopy(std::string_view t) {
  std::string out(t);
  if (!HasLongOperatorRun(t)) return out;
  size_t n = t.size(), i = 0;
  while (i < n) {
    char c = t[i];
    char next = i + 1 < n ? t[i + 1] : '\0';
    if (c == '-' && next == '-') {
      i = LineCommentEnd(t, i);
    } else if (c == '/' && next == '*') {
      bool closed = false;
      size_t j = BlockCommentEnd(t, i, &closed);
      size_t inner_end = closed ? j - 2 : n;
      for (size_t k = i + 2; k < inner_end; ++k) {
        if (IsOpChar(out[k])) out[k] = ' ';
      }
      i = j;
    } else if (c == '\'') {
      bool escapes = i > 0 && (t[i - 1] == 'E' || t[i - 1] == 'e') && (i < 2 || !IsIdentChar(t[i - 2]));
      size_t j = i + 1;
      while (j < n) {
        if (escapes && t[j] == '\\') {
          j += 2;
        } else if (t[j] == '\'') {
          if (j + 1 < n && t[j + 1] == '\'') {
            j += 2;
          } else {
            break;
          }
        } else {
          ++j;
        }
      }
      i = j + 1;
    } else if (c == '"') {
      size_t j = t.find('"', i + 1);
      i = j == std::string_view::npos ? n : j + 1;
    } else if (c == '$' && (i == 0 || !IsIdentChar(t[i - 1]))) {
      size_t j = i + 1;
      while (j < n && IsIdentChar(t[j]) && t[j] != '$' && !(j == i + 1 && t[j] >= '0' && t[j] <= '9')) ++j;
      if (j < n && t[j] == '$') {
        std::string_view tag = t.substr(i, j - i + 1);
        size_t close = t.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
      } else {
        i = j;
      }
    } else {
      ++i;
    }
  }
  return out;
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
