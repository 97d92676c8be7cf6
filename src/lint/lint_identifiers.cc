// Rules on names: identifiers over 63 bytes, names declared twice.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "lint/file_lint.h"

namespace strata::lint_detail {
void FileLint::DuplicateNames(const std::vector<std::pair<std::string, int>>& names) {
  std::map<std::string, int> count;
  for (const auto& [n, loc] : names) ++count[n];
  for (const auto& [n, loc] : names) {
    if (count[n] > 1) {
      Report("ban-duplicate-column-assignments", loc, "column `" + n + "` is specified more than once",
             "give each column a distinct name");
    }
  }
}

void FileLint::IdentifierLength() {
  // Cheap pre-check: no run of 64 identifier bytes, no long identifier.
  size_t run = 0, longest = 0;
  for (char c : src_.text) {
    bool id = c == '"' || c == '_' || c == '$' || std::isalnum(static_cast<unsigned char>(c)) ||
              (static_cast<unsigned char>(c) & 0x80);
    run = id ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  if (longest <= 63) return;
  std::string_view body = src_.text.substr(0, std::min(src_.body_end, src_.text.size()));
  for (const TokenRange& tok : IdentifierTokens(body)) {
    std::string_view raw = body.substr(tok.start, tok.end - tok.start);
    std::string name;
    if (raw.size() >= 2 && raw.front() == '"') {
      for (size_t i = 1; i + 1 < raw.size(); ++i) {
        name += raw[i];
        if (raw[i] == '"' && raw[i + 1] == '"') ++i;
      }
    } else {
      name = ToLower(raw);
    }
    if (name.size() > 63) {
      // Truncation keeps whole characters.
      size_t cut = 63;
      while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
      Report("identifier-too-long", static_cast<int>(tok.start),
             "`" + name + "` is " + std::to_string(name.size()) + " bytes: PostgreSQL truncates it to `" +
                 name.substr(0, cut) + "`",
             "use a name of at most 63 bytes");
    }
  }
}

}  // namespace strata::lint_detail
