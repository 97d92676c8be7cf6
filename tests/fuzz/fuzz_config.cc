// libFuzzer harness: strata.toml (durations, counts, names, environments, [lint]).
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::ParseConfig(text, "strata.toml", [](const char*) -> const char* { return nullptr; });
  return 0;
}
