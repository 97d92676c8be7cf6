// libFuzzer harness: the file splitter (PostgreSQL's parser through libpg_query, with the
// scanner-safe copy in front of it) and the text checks.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/parse.h"
#include "sql/statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string safe = strata::ScannerSafeCopy(text);
  if (safe.size() != text.size()) __builtin_trap();
  strata::CheckSqlText(text);
  strata::SyntaxError err;
  auto stmts = strata::ParseStatements(text, &err);
  if (stmts.ok()) {
    for (const auto& st : *stmts) {
      if (st.offset > st.end || st.end > text.size() || st.error_offset > text.size()) __builtin_trap();
    }
  }
  if (err.offset > text.size()) __builtin_trap();
  size_t last = 0;
  for (auto [b, e] : strata::SplitLeniently(text)) {
    if (b < last || b > e || e > text.size()) __builtin_trap();
    last = e;
  }
  return 0;
}
