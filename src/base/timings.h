// Wall time per phase of one command, for --timings (as `ninja -d stats` shows where a
// build's time goes). Phases that run side by side are recorded each with its own time;
// "total" is the command's.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace strata {

class Timings {
 public:
  // Records `ms` under `phase` (thread-safe; a phase recorded twice adds up).
  void Add(const std::string& phase, int64_t ms);
  std::vector<std::pair<std::string, int64_t>> phases() const;

  // Times its own lifetime into `t` (nothing when `t` is null).
  class Scope {
   public:
    Scope(Timings* t, std::string phase);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Timings* t_;
    std::string phase_;
    int64_t start_;
  };

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, int64_t>> phases_;
};

}  // namespace strata
