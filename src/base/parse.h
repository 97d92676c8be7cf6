// Linear-time parsers for small pieces of user input (durations, integers, text
// encodings). Each returns false or a problem instead of throwing or crashing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata {

// A PostgreSQL duration as lock_timeout/statement_timeout take it: "5s", "250ms",
// "30min", "1 h", "0", or a bare number of milliseconds. Units: us ms s min h d.
// Fills `ms` (rounded down; "500us" is 0) when valid and at most INT32_MAX ms, the
// largest value PostgreSQL accepts for these settings.
bool ParseDurationMs(std::string_view text, int64_t* ms);
inline bool IsValidDuration(std::string_view text) {
  int64_t ms;
  return ParseDurationMs(text, &ms);
}

// A whole decimal number (optional leading '-') that fits in int64_t.
bool ParseInt64(std::string_view text, int64_t* out);
// Like ParseInt64, but returns `fallback` when the text is not such a number.
int64_t ToInt64Or(std::string_view text, int64_t fallback);

// Why a file's text cannot be run as SQL: a NUL byte (libpq would stop sending there)
// or bytes that are not UTF-8. `offset` is the first offending byte.
struct TextProblem {
  size_t offset = 0;
  std::string message;
};
std::optional<TextProblem> CheckSqlText(std::string_view text);

// The UTF-8 byte order mark some editors write at the start of a file.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace strata
