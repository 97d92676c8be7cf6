// The embedded default database: a throwaway local PostgreSQL cluster that strata runs
// itself with the installed server binaries. Listens on 127.0.0.1 only (no Unix socket);
// the superuser has a random password (SCRAM) kept in <dir>/pgpass and <dir>/password,
// readable by their owner alone, and URLs name the pgpass file (passfile=) instead of
// carrying the password. One database named "strata". When strata runs as root the server runs as
// the "postgres" user, since PostgreSQL refuses to run as root.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

struct DevClusterOptions {
  bool fast = false;  // fsync=off and friends: for test servers, never for data you keep
};

class DevCluster {
 public:
  // `dir` holds the cluster's state (normally <project>/.strata/dev).
  explicit DevCluster(std::string dir) : dir_(std::move(dir)) {}

  // Creates the cluster on first use, then starts it. Idempotent.
  Status Start(const DevClusterOptions& opts = {});
  // Stops the server if it runs; keeps the data.
  Status Stop();
  // True when the server answers.
  bool Running() const;
  // Drops and recreates the "strata" database (all data in it is lost).
  Status Reset();
  // Stops the server and deletes every file of the cluster.
  Status Destroy();
  // URL of the "strata" database (or `database`). REQUIRES: started at least once.
  Result<std::string> Url(const std::string& database = "strata") const;
  // The same with the password in it, for clients that cannot read a pgpass file. Only
  // `strata dev url --with-password` prints it.
  Result<std::string> UrlWithPassword(const std::string& database = "strata") const;
  Result<int> Port() const;
  std::string DataDir() const;
  const std::string& dir() const { return dir_; }
  // The owner-only libpq password file that Url() names.
  std::string PassFile() const;

 private:
  Status Init();
  Status WritePassword(const std::string& password);
  // Gives a cluster made by an older strata (trust auth) a password and a strict pg_hba.conf.
  Status SecureOldCluster();
  Result<std::string> Base() const;  // where data/, port and the log live
  Status CreateDatabase(const std::string& name);
  std::string dir_;
};

// Directory of the PostgreSQL server binaries (STRATA_PG_BINDIR, else the newest
// /usr/lib/postgresql/<v>/bin, else PATH). Empty when none is installed.
std::string FindPgBinDir();
// argv prefix that runs a server binary as the right user ("runuser -u postgres --" as root).
std::vector<std::string> AsServerUser(const std::string& binary);

}  // namespace strata
