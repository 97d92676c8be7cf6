// Watches long index builds of the migrating session from a second connection
// (pg_stat_progress_create_index) and reports phase and percentage. The second
// connection is opened only when a watched statement has run longer than `delay`, so
// quick files cost nothing.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "pg/session.h"

namespace strata {

struct IndexProgress {
  std::string phase;    // e.g. "building index: scanning table"
  double percent = -1;  // -1 when PostgreSQL does not know yet
  std::string index;    // index being built, when known
};

class ProgressMonitor {
 public:
  using Opener = std::function<Result<std::unique_ptr<Session>>()>;
  using Callback = std::function<void(const IndexProgress&)>;

  // REQUIRES: `pid` is the backend pid of the migrating session.
  ProgressMonitor(Opener open, int pid, Callback cb, int delay_ms, int interval_ms);
  ~ProgressMonitor();
  ProgressMonitor(const ProgressMonitor&) = delete;
  ProgressMonitor& operator=(const ProgressMonitor&) = delete;

  // Starts watching (reports begin after the delay) until Disarm().
  void Arm();
  void Disarm();

 private:
  void Loop();
  void Poll();
  Opener open_;
  int pid_;
  Callback cb_;
  int delay_ms_;
  int interval_ms_;
  std::unique_ptr<Session> session_;  // only touched by the thread
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool stop_ = false;
  uint64_t generation_ = 0;
  std::thread thread_;
};

}  // namespace strata
