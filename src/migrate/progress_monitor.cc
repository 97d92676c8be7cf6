#include "migrate/progress_monitor.h"

#include <chrono>

namespace strata {

ProgressMonitor::ProgressMonitor(Opener open, int pid, Callback cb, int delay_ms, int interval_ms)
    : open_(std::move(open)), pid_(pid), cb_(std::move(cb)), delay_ms_(delay_ms),
      interval_ms_(interval_ms), thread_([this] { Loop(); }) {}

ProgressMonitor::~ProgressMonitor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ProgressMonitor::Arm() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
    ++generation_;
  }
  cv_.notify_all();
}

void ProgressMonitor::Disarm() {
  std::lock_guard<std::mutex> lock(mu_);
  armed_ = false;
}

void ProgressMonitor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait(lock, [this] { return stop_ || armed_; });
    if (stop_) break;
    uint64_t gen = generation_;
    // Quick statements finish within the delay and never cost a connection.
    if (cv_.wait_for(lock, std::chrono::milliseconds(delay_ms_),
                     [&] { return stop_ || !armed_ || generation_ != gen; })) {
      continue;
    }
    while (!stop_ && armed_ && generation_ == gen) {
      lock.unlock();
      Poll();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_),
                   [&] { return stop_ || !armed_ || generation_ != gen; });
    }
  }
}

void ProgressMonitor::Poll() {
  if (!session_) {
    auto s = open_();
    if (!s.ok()) return;  // progress is a courtesy; the migration goes on without it
    session_ = std::move(*s);
  }
  auto r = session_->ExecParams(
      "SELECT p.phase, p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done, "
      "coalesce(p.index_relid::regclass::text, '') "
      "FROM pg_stat_progress_create_index p WHERE p.pid = $1",
      {std::to_string(pid_)});
  if (!r.ok() || r->rows.empty()) return;
  IndexProgress p;
  p.phase = r->Get(0, 0);
  double bt = std::stod("0" + r->Get(0, 1)), bd = std::stod("0" + r->Get(0, 2));
  double tt = std::stod("0" + r->Get(0, 3)), td = std::stod("0" + r->Get(0, 4));
  if (bt > 0) p.percent = 100.0 * bd / bt;
  else if (tt > 0) p.percent = 100.0 * td / tt;
  p.index = r->Get(0, 5);
  cb_(p);
}

}  // namespace strata
