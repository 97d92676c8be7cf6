#include "pg/libpq.h"

#include <dlfcn.h>

#include <mutex>

namespace strata::pg {

Result<const LibPq*> Load() {
  static LibPq lib;
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] {
    void* handle = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      status = Status::NotFound(std::string("cannot load libpq.so.5 (install libpq5): ") + ::dlerror());
      return;
    }
#define STRATA_RESOLVE(name)                                                       \
  lib.name = reinterpret_cast<decltype(&::name)>(::dlsym(handle, #name));          \
  if (lib.name == nullptr) {                                                       \
    status = Status::NotFound("libpq.so.5 has no " #name ": libpq is too old");     \
    return;                                                                        \
  }
    STRATA_LIBPQ_FUNCTIONS(STRATA_RESOLVE)
#undef STRATA_RESOLVE
  });
  if (!status.ok()) return status;
  return &lib;
}

}  // namespace strata::pg
