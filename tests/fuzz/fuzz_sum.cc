// libFuzzer harness: strata.sum parsing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "migrate/sum_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto sum = strata::ParseSum(text, "migrations/strata.sum");
  if (sum.ok()) strata::SerializeSum(*sum);
  return 0;
}
