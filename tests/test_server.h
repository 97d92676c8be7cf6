// A throwaway PostgreSQL shared by every test in the binary. It starts on first use
// (initdb in a temp folder, 127.0.0.1 only, fsync off) and stops when the tests end.
// A server that cannot start is a test failure, never a skip.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "base/subprocess.h"
#include "pg/session.h"

namespace strata::testing {

class TestServer {
 public:
  static TestServer& Get();
  // A new empty database; returns its URL. Names are unique per process.
  std::string NewDatabase(const std::string& prefix = "t");
  std::string AdminUrl() const;
  // The server's major version (15 for Debian's; the matrix runs others).
  int Major() const { return major_; }
  // The cluster's data folder (for pg_ctl restart in fault tests).
  std::string DataDir() const;
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  // Stops and deletes the server if a test started it.
  static void ShutdownIfStarted();

 private:
  TestServer();
  std::string dir_;
  bool ok_ = false;
  std::string error_;
  std::atomic<int> counter_{0};
  int major_ = 0;
};

// A client program (psql, pg_dump) that can talk to the test server: the server's own
// folder when it has one, else Debian's (the npm server packages hold no clients).
std::string ClientBin(const std::string& name);

// Runs a query on `url` and returns the first column of the first row ("" when none).
std::string QueryValue(const std::string& url, const std::string& sql);
void ExecOrDie(const std::string& url, const std::string& sql);
// QueryValue, asked again (every 20 ms, for up to 5 s) until it returns `want`: for what
// the server finishes after strata exits (the last shadow's DROP DATABASE).
std::string EventualValue(const std::string& url, const std::string& sql, const std::string& want);
// `pg_dump --schema-only --no-owner` of `url` without strata's history table and without
// the lines that differ from run to run (\restrict keys, version banners). On a server
// newer than pg_dump (which refuses it), `strata inspect --format sql` stands in.
std::string SchemaDump(const std::string& url);

// A temporary project folder with migrations/ and helpers to run the strata binary in it.
class TempProject {
 public:
  TempProject();
  ~TempProject();
  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& rel) const { return dir_ + "/" + rel; }
  void Write(const std::string& rel, const std::string& content) const;
  std::string Read(const std::string& rel) const;
  // Puts `sql` into the body of a file `strata create` wrote (below its header); returns
  // the file's new text.
  std::string FillCreated(const std::string& rel, const std::string& sql) const;
  // Writes migrations/<name> (name without folder).
  void Migration(const std::string& name, const std::string& sql) const {
    Write("migrations/" + name, sql);
  }
  // Runs `strata args...` in the project with DATABASE_URL=url (when not empty).
  ProcessResult Run(const std::vector<std::string>& args, const std::string& url = "",
                    std::map<std::string, std::string> env = {}) const;

 private:
  std::string dir_;
};

// "20260101000000" + 3-digit n: a valid 17-digit version for test file names.
std::string Version(int n);

}  // namespace strata::testing
