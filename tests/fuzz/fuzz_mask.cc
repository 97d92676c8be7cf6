// libFuzzer harness: password masking. Besides never crashing, a password placed in a URL
// or a keyword conninfo built from the input never survives masking.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/mask.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::MaskPassword(text);
  strata::PasswordOf(text);
  // Property: a password of safe characters is replaced, and nothing else changes.
  std::string pw;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) pw += c;
  }
  if (pw.size() >= 6) {
    auto forms = [](const std::string& p) {
      return std::vector<std::string>{"error: cannot connect to POSTGRESQL://u:" + p + "@h:5432/db: refused",
                                      "host=h password=" + p + " dbname=x", "postgres://h/db?password=" + p};
    };
    std::vector<std::string> with = forms(pw), want = forms("****");
    for (size_t i = 0; i < with.size(); ++i) {
      if (strata::MaskPassword(with[i]) != want[i]) __builtin_trap();
    }
  }
  return 0;
}
