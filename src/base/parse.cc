#include "base/parse.h"

#include <limits>

namespace strata {

bool ParseInt64(std::string_view t, int64_t* out) {
  bool neg = !t.empty() && t[0] == '-';
  size_t i = neg ? 1 : 0;
  if (i >= t.size() || t.size() - i > 19) return false;
  uint64_t v = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(t[i] - '0');
  }
  uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (neg ? 1 : 0);
  if (v > limit) return false;
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

int64_t ToInt64Or(std::string_view text, int64_t fallback) {
  int64_t v;
  return ParseInt64(text, &v) ? v : fallback;
}

bool ParseDurationMs(std::string_view t, int64_t* ms) {
  auto space = [](char c) { return c == ' ' || c == '\t'; };
  size_t b = 0, e = t.size();
  while (b < e && space(t[b])) ++b;
  while (e > b && space(t[e - 1])) --e;
  size_t d = b;
  while (d < e && t[d] >= '0' && t[d] <= '9') ++d;
  if (d == b || d - b > 12) return false;  // no digits, or more than any valid value
  int64_t n = 0;
  for (size_t i = b; i < d; ++i) n = n * 10 + (t[i] - '0');
  size_t u = d;
  while (u < e && space(t[u])) ++u;
  std::string_view unit = t.substr(u, e - u);
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  int64_t v;
  if (unit.empty() || unit == "ms") {
    v = n;
  } else if (unit == "us") {
    v = n / 1000;
  } else if (unit == "s") {
    v = n * 1000;
  } else if (unit == "min") {
    v = n * 60 * 1000;
  } else if (unit == "h") {
    v = n * 3600 * 1000;
  } else if (unit == "d") {
    v = n * 86400 * 1000;
  } else {
    return false;
  }
  if (v > kMax) return false;
  *ms = v;
  return true;
}

std::optional<TextProblem> CheckSqlText(std::string_view t) {
  size_t i = 0;
  while (i < t.size()) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (c == 0) return TextProblem{i, "NUL byte in the file: PostgreSQL cannot receive it, and "
                                      "everything after it would be silently dropped"};
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    bool ok = len > 0 && i + len <= t.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(t[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len >= 3) {
      unsigned char c1 = static_cast<unsigned char>(t[i + 1]);
      // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
          (c == 0xF4 && c1 >= 0x90)) {
        ok = false;
      }
    }
    if (!ok) {
      return TextProblem{i, "the file is not valid UTF-8 (byte 0x" +
                                std::string(1, "0123456789ABCDEF"[c >> 4]) +
                                std::string(1, "0123456789ABCDEF"[c & 15]) +
                                "); save it as UTF-8"};
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace strata
