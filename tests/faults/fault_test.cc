// Fault injection (issue 12, DESIGN.md §7): `strata migrate` is killed with SIGKILL, its
// backend is terminated, the server restarts, or a proxy cuts the connection, at seeded
// random moments while it applies a no-transaction file of three concurrent index builds
// on a 300,000-row table (and a transactional file after it). After each fault, at most
// two reruns must finish the job with every file applied exactly once, every index valid,
// the history consistent and `strata status` exiting 0. The seed is printed; set
// STRATA_FAULT_SEED to repeat a run.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include "base/fs.h"
#include "devdb/dev_cluster.h"
#include "test_server.h"

#include <gtest/gtest.h>

namespace strata::testing {
namespace {

using Clock = std::chrono::steady_clock;

const char* kTable =
    "CREATE TABLE big (id bigint PRIMARY KEY, a int, b text, c int);\n"
    "INSERT INTO big SELECT g, g % 1000, md5(g::text), g % 77 FROM generate_series(1, 300000) g;\n"
    "CREATE TABLE audit (n int);\n";
const char* kIndexes =
    "-- strata:no-transaction\n"
    "CREATE INDEX CONCURRENTLY big_a_idx ON big (a);\n"
    "CREATE INDEX CONCURRENTLY big_b_idx ON big (b);\n"
    "CREATE INDEX CONCURRENTLY big_c_idx ON big (c, a);\n";
const char* kAfter =
    "INSERT INTO audit SELECT 1 FROM big WHERE id % 3 = 0;\n"
    "UPDATE big SET c = c + 1 WHERE id <= 100000;\n";

// A running `strata migrate`.
struct Child {
  pid_t pid = -1;
  int Wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

Child Spawn(const std::string& dir, const std::string& url) {
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::setenv("DATABASE_URL", url.c_str(), 1);
    ::execl(STRATA_BINARY, STRATA_BINARY, "migrate", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return c;
}

// A TCP forwarder on 127.0.0.1 that can cut every connection through it at once.
class Proxy {
 public:
  explicit Proxy(int upstream_port) : upstream_(upstream_port) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listen_, 16);
    accept_ = std::thread([this] { AcceptLoop(); });
  }
  ~Proxy() {
    stop_ = true;
    ::shutdown(listen_, SHUT_RDWR);
    ::close(listen_);
    Cut();
    accept_.join();
    for (auto& t : pumps_) t.join();
  }
  int port() const { return port_; }
  void Cut() {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      int client = ::accept(listen_, nullptr, nullptr);
      if (client < 0) return;
      int up = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(upstream_));
      if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        ::close(client);
        ::close(up);
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        fds_.push_back(client);
        fds_.push_back(up);
      }
      pumps_.emplace_back([client, up] {
        pollfd p[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
        char buf[65536];
        while (::poll(p, 2, 200) >= 0) {
          bool done = false;
          for (int i = 0; i < 2 && !done; ++i) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(p[i].fd, buf, sizeof(buf));
            if (n <= 0 || ::write(p[1 - i].fd, buf, static_cast<size_t>(n)) != n) done = true;
          }
          if (done) break;
        }
        ::close(client);
        ::close(up);
      });
    }
  }
  int upstream_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_;
  std::vector<std::thread> pumps_;
  std::mutex mu_;
  std::vector<int> fds_;
};

enum class Fault { kKill9, kTerminateBackend, kRestartServer, kCutConnection };
const char* Name(Fault f) {
  switch (f) {
    case Fault::kKill9: return "kill -9 of strata migrate";
    case Fault::kTerminateBackend: return "pg_terminate_backend";
    case Fault::kRestartServer: return "server restart (immediate)";
    case Fault::kCutConnection: return "connection cut by a proxy";
  }
  return "?";
}

class FaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestServer& s = TestServer::Get();
    ASSERT_TRUE(s.ok()) << s.error();
    // The template: the table applied, the index file and the one after it pending.
    template_url_ = s.NewDatabase("fault_template");
    project_ = new TempProject();
    project_->Migration(Version(1) + "_table.sql", kTable);
    auto r = project_->Run({"migrate"}, template_url_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    project_->Migration(Version(2) + "_indexes.sql", kIndexes);
    project_->Migration(Version(3) + "_after.sql", kAfter);
    ASSERT_EQ(project_->Run({"hash"}).exit_code, 0);
    std::string path = template_url_.substr(0, template_url_.find('?'));
    template_name_ = path.substr(path.rfind('/') + 1);
  }
  static void TearDownTestSuite() {
    delete project_;
    project_ = nullptr;
  }

  std::string FreshDatabase(int trial) {
    std::string name = template_name_ + "_trial" + std::to_string(trial);
    std::string admin = TestServer::Get().AdminUrl();
    ExecOrDie(admin, "DROP DATABASE IF EXISTS " + name);
    ExecOrDie(admin, "CREATE DATABASE " + name + " TEMPLATE " + template_name_);
    // The test server runs with synchronous_commit = off (speed); a crash restart would then
    // lose a commit strata was already told about, which no real server's default does.
    ExecOrDie(admin, "ALTER DATABASE " + name + " SET synchronous_commit = on");
    std::string url = template_url_;
    url.replace(url.find("/" + template_name_ + "?"), template_name_.size() + 2, "/" + name + "?");
    // A copied sequence hands out values its template pre-logged; after a crash restart the
    // copy falls back below them (a cloned database's artefact, not a strata state). setval
    // logs the position in the copy itself.
    ExecOrDie(url, "SELECT setval('strata_migrations_id_seq', (SELECT max(id) FROM strata_migrations))");
    return url;
  }

  // One trial: start a run, inject `fault` after `delay_ms`, then rerun (at most twice)
  // and check the database. Returns a line for the summary.
  std::string Trial(int trial, Fault fault, int delay_ms) {
    std::string url = FreshDatabase(trial);
    std::string run_url = url;
    std::unique_ptr<Proxy> proxy;
    if (fault == Fault::kCutConnection) {
      std::smatch m;
      std::string port = std::regex_search(url, m, std::regex(":(\\d+)/")) ? m[1].str() : "0";
      proxy = std::make_unique<Proxy>(std::stoi(port));
      run_url = std::regex_replace(url, std::regex(":\\d+/"), ":" + std::to_string(proxy->port()) + "/");
    }
    Child child = Spawn(project_->dir(), run_url);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    switch (fault) {
      case Fault::kKill9:
        ::kill(child.pid, SIGKILL);
        break;
      case Fault::kTerminateBackend: {
        auto conn = Connection::Open(TestServer::Get().AdminUrl());
        if (conn.ok()) {
          (*conn)->Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                        "application_name LIKE 'strata migrate %'");
        }
        break;
      }
      case Fault::kRestartServer: {
        std::string pg_ctl = FindPgBinDir() + "/pg_ctl";
        auto argv = AsServerUser(pg_ctl);
        std::string data = TestServer::Get().DataDir();
        // -l: the new postmaster must not inherit (and hold open) our output pipes.
        std::string log = data.substr(0, data.rfind('/')) + "/postgres.log";
        argv.insert(argv.end(), {"restart", "-m", "immediate", "-w", "-t", "60", "-D", data, "-l", log});
        auto r = RunProcess(argv);
        EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
        break;
      }
      case Fault::kCutConnection:
        proxy->Cut();
        break;
    }
    int first = child.Wait();
    EXPECT_LT(first, fault == Fault::kKill9 ? 200 : 128) << Name(fault);
    if (fault == Fault::kRestartServer) WaitForServer();
    // Where the fault landed, from the history: "idx 1/3 (2 in doubt)" and the like.
    std::string landed = QueryValue(
        url, "SELECT coalesce((SELECT CASE WHEN kind = 'partial' THEN 'inside the index file after statement ' || "
             "statements_done || CASE WHEN statement_started IS NOT NULL THEN ', statement ' || statement_started || "
             "' in doubt' ELSE '' END ELSE 'after the index file' END FROM strata_migrations WHERE name LIKE "
             "'%_indexes.sql'), 'before the index file was claimed')");
    int reruns = 0, rc = first;
    std::string last_err;
    std::string rerun_errors;
    while (rc != 0 && reruns < 2) {
      ++reruns;
      auto r = project_->Run({"migrate"}, url);
      rc = r.exit_code;
      last_err = r.err;
      if (rc != 0) rerun_errors += " [rerun " + std::to_string(reruns) + ": " + r.err.substr(0, 300) + "]";
    }
    std::string where = std::string(Name(fault)) + " after " + std::to_string(delay_ms) + " ms (trial " +
                        std::to_string(trial) + ")";
    EXPECT_EQ(rc, 0) << where << ": " << last_err;
    // Exactly once: the transactional file's rows, each index once and valid, the history.
    EXPECT_EQ(QueryValue(url, "SELECT count(*) FROM audit"), "100000") << where;
    EXPECT_EQ(QueryValue(url, "SELECT sum(c) FROM big WHERE id <= 100000"),
              QueryValue(url, "SELECT sum(g % 77 + 1) FROM generate_series(1, 100000) g")) << where;
    EXPECT_EQ(QueryValue(url, "SELECT count(*) FROM pg_index WHERE indrelid = 'big'::regclass"), "4") << where;
    EXPECT_EQ(QueryValue(url, "SELECT count(*) FROM pg_index WHERE indrelid = 'big'::regclass AND indisvalid"), "4")
        << where;
    EXPECT_EQ(QueryValue(url, "SELECT string_agg(kind || ':' || statements_done, ',' ORDER BY name) FROM strata_migrations"),
              "applied:3,applied:3,applied:2") << where;
    auto status = project_->Run({"status"}, url);
    EXPECT_EQ(status.exit_code, 0) << where << ": " << status.out << status.err;
    TestServer::Get();  // the server is up again after a restart
    ExecOrDie(TestServer::Get().AdminUrl(), "DROP DATABASE IF EXISTS " + template_name_ + "_trial" + std::to_string(trial));
    return where + ", landed " + landed + ": first run exit " + std::to_string(first) + ", reruns " +
           std::to_string(reruns) + ", final exit " + std::to_string(rc) + rerun_errors;
  }

  static void WaitForServer() {
    for (int i = 0; i < 100; ++i) {
      if (Connection::Open(TestServer::Get().AdminUrl()).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static int Seed() {
    const char* s = std::getenv("STRATA_FAULT_SEED");
    return s && *s ? std::atoi(s) : static_cast<int>(std::random_device()() % 100000);
  }

  // How long an undisturbed run takes here: up to the end of the index file (`count` 1)
  // or of both pending files.
  int CalibrateMs(int count) {
    std::string url = FreshDatabase(999);
    auto start = Clock::now();
    auto r = project_->Run({"migrate", "--count", std::to_string(count)}, url);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
    ExecOrDie(TestServer::Get().AdminUrl(), "DROP DATABASE IF EXISTS " + template_name_ + "_trial999");
    return std::max(ms, 100);
  }

  // `inside` trials at moments while the no-transaction index file runs, then `anywhere`
  // trials over the whole run (the transactional file included).
  void RunTrials(Fault fault, int inside, int anywhere, int first_trial) {
    int seed = Seed();
    int index_ms = CalibrateMs(1), all_ms = CalibrateMs(2);
    std::mt19937 rng(static_cast<unsigned>(seed + first_trial));
    std::printf("[faults] %s: seed %d, undisturbed: index file done at %d ms, both files at %d ms\n",
                Name(fault), seed, index_ms, all_ms);
    for (int i = 0; i < inside + anywhere; ++i) {
      int hi = i < inside ? index_ms : all_ms;
      int delay = std::uniform_int_distribution<int>(20, hi)(rng);
      std::string line = Trial(first_trial + i, fault, delay);
      std::printf("[faults]   %s\n", line.c_str());
      std::fflush(stdout);
    }
  }

  static inline std::string template_url_;
  static inline std::string template_name_;
  static inline TempProject* project_ = nullptr;
};

TEST_F(FaultTest, KillNineOfTheRunner) { RunTrials(Fault::kKill9, 8, 2, 0); }
TEST_F(FaultTest, TerminatedBackend) { RunTrials(Fault::kTerminateBackend, 8, 2, 100); }
TEST_F(FaultTest, ServerRestart) { RunTrials(Fault::kRestartServer, 2, 1, 200); }
TEST_F(FaultTest, ConnectionCut) { RunTrials(Fault::kCutConnection, 2, 1, 300); }

}  // namespace
}  // namespace strata::testing
