#include "base/timings.h"

#include "base/clock.h"

namespace strata {

void Timings::Add(const std::string& phase, int64_t ms) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, total] : phases_) {
    if (name == phase) {
      total += ms;
      return;
    }
  }
  phases_.emplace_back(phase, ms);
}

std::vector<std::pair<std::string, int64_t>> Timings::phases() const {
  std::lock_guard<std::mutex> lock(mu_);
  return phases_;
}

Timings::Scope::Scope(Timings* t, std::string phase) : t_(t), phase_(std::move(phase)), start_(MonotonicMillis()) {}

Timings::Scope::~Scope() {
  if (t_) t_->Add(phase_, MonotonicMillis() - start_);
}

}  // namespace strata
