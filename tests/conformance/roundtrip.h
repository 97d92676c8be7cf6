// Round trips through a real server, shared by the conformance tests.
#pragma once

#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace strata::testing {

enum class Outcome { kPass, kUnsupported, kNotLoadable, kFail };
const char* OutcomeName(Outcome o);

struct RoundTripResult {
  Outcome outcome = Outcome::kFail;
  std::string detail;  // why, for everything but kPass
};

// Applies `scripts` to an empty database, inspects it, applies the printed SQL to a second
// empty database, inspects that, and compares the two JSON snapshots. Owns its two
// databases and empties them between runs (much faster than CREATE DATABASE); one per thread.
class RoundTripper {
 public:
  RoundTripper();
  ~RoundTripper();
  RoundTripResult Run(const std::vector<std::string>& scripts);

 private:
  std::string a_, b_;
};

// Drops every user schema, extension, event trigger and user cast, then recreates the
// public schema as initdb makes it. Returns the error, if any.
std::string ResetDatabase(const std::string& url);

// Runs each statement of `sql` on `url` (split with PostgreSQL's parser so that
// statements that refuse transaction blocks still run). Returns the first error.
std::string ApplyScript(const std::string& url, const std::string& sql);

// Creates the roles (cluster-wide) unless they exist.
void EnsureRoles(const std::vector<std::string>& roles);

void DropDatabase(const std::string& url);

// The first line where two multi-line texts differ, as "line N: a  vs  b".
std::string FirstDifference(const std::string& a, const std::string& b);

// STRATA_CONFORMANCE_SHARD="k/n" (the version matrix, to fit the CI time): only every
// n-th case, starting at the k-th, is run. True when case `index` is in this run's shard.
bool InShard(size_t index);

// The case ids of tests/conformance/<file>: one per line, "suite|case -- reason";
// blank lines and '#' comments skipped.
std::set<std::string> ExpectedFailures(const std::string& file);

// Calls work(worker, i) for every i < n on `threads` threads, each with a Worker of its
// own (e.g. one holding its databases). More threads than cores pays: each spends most of
// its time waiting on the server.
template <typename Worker, typename Fn>
void RunOnThreads(size_t n, int threads, Fn work) {
  std::mutex mu;
  size_t next = 0;
  auto loop = [&] {
    Worker worker;
    while (true) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= n) return;
        i = next++;
      }
      work(worker, i);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(loop);
  for (auto& t : pool) t.join();
}

}  // namespace strata::testing
