#include "test_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/fs.h"
#include "base/subprocess.h"
#include "base/strings.h"
#include "devdb/dev_cluster.h"
#include "fmt/format.h"

namespace strata::testing {
namespace fs = std::filesystem;

namespace {
std::string MakeTempDir(const char* prefix) {
  std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
  char* d = ::mkdtemp(tmpl.data());
  if (!d) std::abort();
  ::chmod(d, 0755);
  return d;
}
}  // namespace

namespace {
TestServer* g_server = nullptr;
}  // namespace

TestServer& TestServer::Get() {
  if (g_server == nullptr) g_server = new TestServer();
  return *g_server;
}

TestServer::TestServer() : dir_(MakeTempDir("strata-test-pg")) {
  DevCluster cluster(dir_ + "/cluster");
  Status st = cluster.Start(DevClusterOptions{.fast = true});
  ok_ = st.ok();
  error_ = st.message();
  if (ok_) {
    auto url = cluster.Url("postgres");
    auto conn = url.ok() ? Connection::Open(*url) : Result<std::unique_ptr<Connection>>(url.status());
    major_ = conn.ok() ? (*conn)->server_version() / 10000 : 0;
  }
  // The version matrix: a run meant for another major version must not pass on 15.
  if (const char* want = std::getenv("STRATA_EXPECT_PG_MAJOR"); ok_ && want && *want) {
    int major = major_;
    if (std::to_string(major) != want) {
      ok_ = false;
      error_ = "expected a PostgreSQL " + std::string(want) + " server (STRATA_PG_BINDIR=" +
               (std::getenv("STRATA_PG_BINDIR") ? std::getenv("STRATA_PG_BINDIR") : "") + "), got " +
               std::to_string(major);
    }
  }
}

std::string TestServer::AdminUrl() const {
  auto url = DevCluster(dir_ + "/cluster").Url("postgres");
  return url.ok() ? *url : "";
}

std::string TestServer::DataDir() const { return DevCluster(dir_ + "/cluster").DataDir(); }

std::string TestServer::NewDatabase(const std::string& prefix) {
  std::string name = fmt::format("{}_{}_{}", prefix, ::getpid(), ++counter_);
  ExecOrDie(AdminUrl(), "CREATE DATABASE \"" + name + "\"");
  auto url = DevCluster(dir_ + "/cluster").Url(name);
  return url.ok() ? *url : "";
}

void TestServer::ShutdownIfStarted() {
  if (g_server == nullptr) return;
  DevCluster(g_server->dir_ + "/cluster").Destroy();
  std::error_code ec;
  fs::remove_all(g_server->dir_, ec);
}

std::string ClientBin(const std::string& name) {
  std::string own = FindPgBinDir() + "/" + name;
  if (FileExists(own)) return own;
  auto debian = FindPgBinDir(15);
  if (debian.ok() && FileExists(*debian + "/" + name)) return *debian + "/" + name;
  return FindInPath(name);
}

std::string SchemaDump(const std::string& url) {
  std::string pg_dump = ClientBin("pg_dump");
  if (TestServer::Get().Major() > ProgramMajor(pg_dump)) {
    auto r = RunProcess({STRATA_BINARY, "inspect", "--format", "sql", "--url", url});
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
    return r.ok() ? r->out : "";
  }
  auto r = RunProcess({pg_dump, "--schema-only", "--no-owner", "-T", "public.strata_migrations",
                       "-T", "public.strata_migrations_id_seq", url});
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return "";
  EXPECT_EQ(r->exit_code, 0) << r->err;
  std::string out;
  for (const auto& line : Split(r->out, '\n')) {
    if (StartsWith(line, "\\restrict") || StartsWith(line, "\\unrestrict") || StartsWith(line, "-- Dumped")) continue;
    out += line + "\n";
  }
  return out;
}

std::string QueryValue(const std::string& url, const std::string& sql) {
  auto conn = Connection::Open(url);
  if (!conn.ok()) {
    ADD_FAILURE() << conn.status().message();
    return "";
  }
  auto r = (*conn)->Exec(sql);
  if (!r.ok()) {
    ADD_FAILURE() << sql << ": " << r.status().message();
    return "";
  }
  return r->rows.empty() ? "" : r->Get(0, 0);
}

std::string EventualValue(const std::string& url, const std::string& sql, const std::string& want) {
  std::string got;
  for (int i = 0; i < 250; ++i) {
    got = QueryValue(url, sql);
    if (got == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return got;
}

void ExecOrDie(const std::string& url, const std::string& sql) {
  auto conn = Connection::Open(url);
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  auto r = (*conn)->Exec(sql);
  ASSERT_TRUE(r.ok()) << sql << ": " << r.status().message();
}

TempProject::TempProject() : dir_(MakeTempDir("strata-test-proj")) {
  fs::create_directories(dir_ + "/migrations");
}

TempProject::~TempProject() {
  std::error_code ec;
  if (FileExists(dir_ + "/.strata/dev/data/PG_VERSION")) DevCluster(dir_ + "/.strata/dev").Destroy();
  fs::remove_all(dir_, ec);
}

void TempProject::Write(const std::string& rel, const std::string& content) const {
  fs::create_directories(fs::path(Path(rel)).parent_path());
  std::ofstream(Path(rel), std::ios::binary) << content;
}

std::string TempProject::Read(const std::string& rel) const {
  auto r = ReadFile(Path(rel));
  return r.ok() ? *r : "";
}

std::string TempProject::FillCreated(const std::string& rel, const std::string& sql) const {
  std::string body = Read(rel);
  body.insert(body.find("\n\n\n") + 1, sql);
  Write(rel, body);
  return body;
}

ProcessResult TempProject::Run(const std::vector<std::string>& args, const std::string& url,
                               std::map<std::string, std::string> env) const {
  std::vector<std::string> argv = {STRATA_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions opts;
  opts.cwd = dir_;
  opts.set_env = std::move(env);
  if (!url.empty()) opts.set_env["DATABASE_URL"] = url;
  opts.unset_env = {"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGHOSTADDR"};
  if (url.empty() && !opts.set_env.count("DATABASE_URL")) opts.unset_env.push_back("DATABASE_URL");
  auto r = RunProcess(argv, opts);
  if (!r.ok()) {
    ADD_FAILURE() << r.status().message();
    return {};
  }
  return *r;
}

std::string Version(int n) { return fmt::format("20260101000000{:03}", n); }

}  // namespace strata::testing
