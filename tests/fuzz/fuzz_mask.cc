// libFuzzer harness: password masking. Besides never crashing, a password placed in a URL
// or a keyword conninfo built from the input never survives masking.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/mask.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::MaskPassword(text);
  strata::PasswordOf(text);
  // Property: a password of safe characters never shows in the masked form.
  std::string pw;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) pw += c;
  }
  if (pw.size() >= 6) {
    for (const std::string& s : {"error: cannot connect to POSTGRESQL://u:" + pw + "@h:5432/db: refused",
                                 "host=h password=" + pw + " dbname=x", "postgres://h/db?password=" + pw}) {
      if (strata::MaskPassword(s).find(pw) != std::string::npos) __builtin_trap();
    }
  }
  return 0;
}
