// A lint finding: stable rule id, severity, where, why, and how to fix it.
#pragma once

#include <string>
#include <vector>

namespace strata {

enum class Severity { kError, kWarning };

struct Diagnostic {
  std::string rule;
  Severity severity = Severity::kError;
  std::string file;
  int line = 1;
  int col = 1;
  std::string message;  // one line: what and why
  std::string fix;      // the safe alternative (SQL where possible); may be empty
  std::string source;   // the source line `line` points into; may be empty
};

inline const char* SeverityName(Severity s) { return s == Severity::kError ? "error" : "warning"; }
inline bool HasErrors(const std::vector<Diagnostic>& ds) {
  for (const auto& d : ds) {
    if (d.severity == Severity::kError) return true;
  }
  return false;
}

}  // namespace strata
