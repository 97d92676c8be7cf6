#include "sql/statement.h"


namespace strata {

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

}  // namespace strata
