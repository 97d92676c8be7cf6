#include "base/mask.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <vector>

namespace strata {
namespace {

std::mutex g_mu;
std::vector<std::string>& Secrets() {
  static std::vector<std::string> s;
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Where the authority of a URL starting at `a` (just after "//") ends.
size_t AuthorityEnd(std::string_view t, size_t a) {
  size_t e = a;
  while (e < t.size() && t[e] != '/' && t[e] != '?' && t[e] != '#' && t[e] != '\n' && t[e] != '\r') ++e;
  return e;
}

bool KeywordAt(std::string_view t, size_t i) {
  static constexpr std::string_view kWord = "password";
  if (t.size() - i < kWord.size()) return false;
  for (size_t k = 0; k < kWord.size(); ++k) {
    if (Lower(t[i + k]) != kWord[k]) return false;
  }
  return true;
}

// End of a keyword value starting at `v` (after '=' and spaces).
size_t ValueEnd(std::string_view t, size_t v, bool in_query) {
  if (v < t.size() && t[v] == '\'') {
    size_t j = v + 1;
    while (j < t.size() && t[j] != '\'') j += t[j] == '\\' ? 2 : 1;
    return std::min(j + 1, t.size());
  }
  size_t j = v;
  while (j < t.size() && !IsSpace(t[j]) && !(in_query && (t[j] == '&' || t[j] == '#'))) ++j;
  return j;
}

std::string MaskStructural(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] == ':' && t.substr(i, 3) == "://") {
      size_t a = i + 3, e = AuthorityEnd(t, a);
      size_t at = t.substr(a, e - a).rfind('@');
      size_t colon = at == std::string_view::npos ? std::string_view::npos : t.substr(a, at).find(':');
      if (colon != std::string_view::npos) {
        out.append(t.substr(i, 3 + colon + 1));
        out += "****@";
        i = a + at + 1;
        continue;
      }
      out.append(t.substr(i, 3));
      i = a;
      continue;
    }
    if ((t[i] == 'p' || t[i] == 'P') && KeywordAt(t, i)) {
      size_t j = i + 8;
      while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
      if (j < t.size() && t[j] == '=') {
        ++j;
        while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
        bool in_query = i > 0 && (t[i - 1] == '?' || t[i - 1] == '&');
        size_t end = ValueEnd(t, j, in_query);
        out.append(t.substr(i, j - i));
        if (end > j) out += "****";
        i = end;
        continue;
      }
      out.append(t.substr(i, 8));
      i += 8;
      continue;
    }
    out += t[i++];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int h = -1, l = -1;
    if (s[i] == '%' && i + 2 < s.size() && (h = HexValue(s[i + 1])) >= 0 && (l = HexValue(s[i + 2])) >= 0) {
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

void RegisterSecret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(g_mu);
  auto& s = Secrets();
  if (std::find(s.begin(), s.end(), secret) == s.end()) s.emplace_back(secret);
}

std::string MaskPassword(std::string_view text) {
  std::string out = MaskStructural(text);
  std::vector<std::string> secrets;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    secrets = Secrets();
  }
  for (const std::string& secret : secrets) {
    std::string masked;
    std::boyer_moore_horspool_searcher search(secret.begin(), secret.end());
    auto from = out.begin();
    while (true) {
      auto hit = std::search(from, out.end(), search);
      masked.append(from, hit);
      if (hit == out.end()) break;
      masked += "****";
      from = hit + static_cast<std::ptrdiff_t>(secret.size());
    }
    out.swap(masked);
  }
  return out;
}

std::string PasswordOf(std::string_view t) {
  size_t s = t.find("://");
  if (s != std::string_view::npos) {
    size_t a = s + 3, e = AuthorityEnd(t, a);
    size_t at = t.substr(a, e - a).rfind('@');
    if (at != std::string_view::npos) {
      size_t colon = t.substr(a, at).find(':');
      if (colon != std::string_view::npos) return PercentDecode(t.substr(a + colon + 1, at - colon - 1));
    }
    // ...?password=x
    for (size_t i = e; i < t.size(); ++i) {
      if ((t[i] == '?' || t[i] == '&') && KeywordAt(t, i + 1) && t.substr(i + 9, 1) == "=") {
        return PercentDecode(t.substr(i + 10, ValueEnd(t, i + 10, true) - (i + 10)));
      }
    }
    return "";
  }
  for (size_t i = 0; i < t.size(); ++i) {
    if ((i == 0 || IsSpace(t[i - 1])) && KeywordAt(t, i)) {
      size_t j = i + 8;
      while (j < t.size() && IsSpace(t[j])) ++j;
      if (j >= t.size() || t[j] != '=') continue;
      ++j;
      while (j < t.size() && IsSpace(t[j])) ++j;
      size_t end = ValueEnd(t, j, false);
      std::string_view v = t.substr(j, end - j);
      if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
        std::string un;
        for (size_t k = 1; k + 1 < v.size(); ++k) {
          if (v[k] == '\\' && k + 2 < v.size()) ++k;
          un += v[k];
        }
        return un;
      }
      return std::string(v);
    }
  }
  return "";
}

}  // namespace strata
