#include "devdb/shadow.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "base/sha256.h"
#include "base/strings.h"
#include "pg/session.h"

namespace strata {

Result<std::string> WithDatabase(const std::string& url, const std::string& database) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    return Status::Usage("the shadow server must be given as a postgresql:// URL");
  }
  size_t slash = url.find('/', scheme + 3);
  size_t query = url.find('?', scheme + 3);
  std::string base = url.substr(0, slash == std::string::npos ? std::min(query, url.size()) : slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + database + rest;
}

namespace {

// "h" + 6 hex digits of this machine's name: a pid means something only on its machine.
const std::string& HostTag() {
  static const std::string tag = [] {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    return "h" + Sha256::Hex(host).substr(0, 6);
  }();
  return tag;
}

// Empty databases a run leaves for the next (a rename is faster than CREATE DATABASE):
// only on strata's own dev cluster (the one with the scratch tablespace).
constexpr int kSpares = 2;
std::string SpareName(int i) { return "strata_spare_" + std::to_string(i); }
bool HasScratch(const std::string& admin_url);

bool ProcessGone(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

// Sessions on the admin database are kept for the life of the process: opening one (a
// backend start and a SCRAM exchange) costs milliseconds, and one generate creates and
// drops three databases, two at a time.
class AdminPool {
 public:
  static AdminPool& Get() {
    static AdminPool* pool = new AdminPool;  // never destroyed: threads may still use it at exit
    return *pool;
  }
  // Runs `sql` on a kept session to `url`, or on a new one when none is idle or the kept
  // one has lost its connection (the server restarted).
  // When every session is busy with a statement of this kind (a few milliseconds: a
  // rename, a lookup), waiting for one beats opening another (a backend start and a
  // SCRAM exchange, about 10 ms).
  Result<QueryResult> Exec(const std::string& url, const std::string& sql) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<Connection> c = TakeOrWait(url, std::chrono::milliseconds(attempt == 0 ? 5 : 0));
      bool reused = c != nullptr;
      if (!c) {
        auto opened = Connection::Open(url);
        if (!opened.ok()) return opened.status();
        c = std::move(*opened);
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++in_use_[url];
      }
      auto r = c->Exec(sql);
      bool usable = r.ok() || !c->last_error().connection_lost;
      {
        std::lock_guard<std::mutex> lock(mu_);
        --in_use_[url];
        if (usable) idle_[url].push_back(std::move(c));
      }
      cv_.notify_all();
      if (usable) return r;
      if (!reused) return r;
    }
    return Status::Database("the shadow server closed the connection");
  }

  void Give(const std::string& url, std::unique_ptr<Connection> c) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle_[url].push_back(std::move(c));
    }
    cv_.notify_all();
  }

  // Sessions set aside for one use (the spares' CREATE DATABASE): not handed out by Take.
  void Reserve(const std::string& url, std::unique_ptr<Connection> c) {
    std::lock_guard<std::mutex> lock(mu_);
    reserved_[url].push_back(std::move(c));
  }
  size_t Reserved(const std::string& url) {
    std::lock_guard<std::mutex> lock(mu_);
    return reserved_[url].size();
  }
  // A reserved session, else an idle one, else none.
  std::unique_ptr<Connection> TakeReserved(const std::string& url) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& r = reserved_[url];
      if (!r.empty()) {
        std::unique_ptr<Connection> c = std::move(r.back());
        r.pop_back();
        return c;
      }
    }
    return Take(url);
  }

  std::unique_ptr<Connection> Take(const std::string& url) { return TakeOrWait(url, std::chrono::milliseconds(0)); }

  // An idle session; when none is idle but one is running a statement, waits up to `wait`
  // for it.
  std::unique_ptr<Connection> TakeOrWait(const std::string& url, std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    auto& idle = idle_[url];
    if (idle.empty() && in_use_[url] > 0 && wait.count() > 0) {
      cv_.wait_for(lock, wait, [&] { return !idle.empty(); });
    }
    if (idle.empty()) return nullptr;
    std::unique_ptr<Connection> c = std::move(idle.back());
    idle.pop_back();
    return c;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_, reserved_;
  std::map<std::string, int> in_use_;  // sessions running a statement of Exec
};

// What a server offers the shadows, asked once per server and process: the scratch
// tablespace, and the spare databases that were there when asked (each taken once).
struct ServerFacts {
  bool scratch = false;
  int version = 0;  // server_version_num
  std::vector<std::string> spares;
};

std::mutex facts_mu;
std::map<std::string, ServerFacts>& Facts() {
  static auto* facts = new std::map<std::string, ServerFacts>;
  return *facts;
}

// One thread asks (holding facts_mu); the others wait for its answer.
ServerFacts* FactsOf(const std::string& admin_url) {
  std::lock_guard<std::mutex> lock(facts_mu);
  auto it = Facts().find(admin_url);
  if (it != Facts().end()) return &it->second;
  ServerFacts f;
  auto r = AdminPool::Get().Exec(
      admin_url, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tablespace WHERE spcname = " +
                     QuoteLiteral(kScratchTablespace) + "), d.datname, current_setting('server_version_num') "
                     "FROM (SELECT 1) one LEFT JOIN "
                     "pg_catalog.pg_database d ON d.datname LIKE 'strata\\_spare\\_%' ORDER BY d.datname");
  if (r.ok()) {
    for (size_t i = 0; i < r->rows.size(); ++i) {
      f.scratch = r->Get(i, 0) == "t";
      f.version = std::atoi(r->Get(i, 2).c_str());
      if (!r->Get(i, 1).empty()) f.spares.push_back(r->Get(i, 1));
    }
  }
  return &Facts().emplace(admin_url, std::move(f)).first->second;
}

bool HasScratch(const std::string& admin_url) { return FactsOf(admin_url)->scratch; }

// One of the spares seen at the start, or "" (then the caller makes its database).
std::string TakeSpare(const std::string& admin_url) {
  ServerFacts* f = FactsOf(admin_url);
  std::lock_guard<std::mutex> lock(facts_mu);
  if (!f->scratch || f->spares.empty()) return "";
  std::string name = f->spares.back();
  f->spares.pop_back();
  return name;
}

// Once per run, when the first shadow goes (generate drops the desired schema's while it
// plans): the shadows that runs killed on this machine left behind go too. Best effort.
void SweepLeftoversOnce(const std::string& admin_url) {
  static std::atomic<bool> swept{false};
  if (!swept.exchange(true)) DropLeftoverShadows(admin_url);
}

}  // namespace

void KeepAdminSession(const std::string& admin_url, std::unique_ptr<Connection> session) {
  AdminPool::Get().Give(admin_url, std::move(session));
}

Result<std::vector<std::string>> DropLeftoverShadows(const std::string& admin_url, bool all) {
  auto r = AdminPool::Get().Exec(admin_url,
      "SELECT d.datname FROM pg_catalog.pg_database d WHERE (d.datname LIKE 'strata\\_shadow\\_%' " +
      std::string(all ? "OR d.datname LIKE 'strata\\_replay\\_%' OR d.datname LIKE 'strata\\_spare\\_%'" : "") +
      ") AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid) ORDER BY 1");
  if (!r.ok()) return r.status();
  std::vector<std::string> dropped;
  for (size_t i = 0; i < r->rows.size(); ++i) {
    std::string name = r->Get(i, 0);
    if (!all) {
      // strata_shadow_<host>_<pid>_..., or strata_shadow_<pid>_... from older versions.
      std::vector<std::string> parts = Split(name.substr(std::string("strata_shadow_").size()), '_');
      if (parts.empty()) continue;
      std::string pid = parts[0];
      if (parts[0] == HostTag() && parts.size() > 1) {
        pid = parts[1];
      } else if (parts[0][0] == 'h') {
        continue;  // another machine's
      }
      long n = std::atol(pid.c_str());
      if (n == ::getpid() || !ProcessGone(n)) continue;
    }
    auto d = AdminPool::Get().Exec(admin_url, "DROP DATABASE IF EXISTS " + QuoteIdent(name) + " WITH (FORCE)");
    if (d.ok()) dropped.push_back(name);
  }
  return dropped;
}

Result<std::unique_ptr<ShadowDatabase>> ShadowDatabase::Create(const std::string& admin_url,
                                                               const std::string& template_db) {
  static std::atomic<int> counter{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::string name = "strata_shadow_" + HostTag() + "_" + std::to_string(::getpid()) + "_" +
                     std::to_string(++counter) + "_" + std::to_string(now % 100000);
  std::string create = "CREATE DATABASE " + QuoteIdent(name) + " TEMPLATE " + QuoteIdent(template_db);
  auto url = WithDatabase(admin_url, name);
  if (!url.ok()) return url.status();
  // In the scratch tablespace when the server has one; else (or when it fails) the default.
  bool scratch = HasScratch(admin_url);
  if (template_db == "template0") {
    // An empty database made at the end of an earlier run, taken by renaming it (which
    // fails when another run took it first, or connected to it).
    std::string spare = TakeSpare(admin_url);
    if (!spare.empty() && AdminPool::Get().Exec(admin_url, "ALTER DATABASE " + QuoteIdent(spare) + " RENAME TO " +
                                                               QuoteIdent(name)).ok()) {
      return std::unique_ptr<ShadowDatabase>(new ShadowDatabase(admin_url, name, *url));
    }
  }
  // A copy of a database with a schema in it: file by file is about twice as fast as
  // block by block through the WAL (15's default), on the RAM tablespace or not.
  if (template_db != "template0" && FactsOf(admin_url)->version >= 150000) create += " STRATEGY FILE_COPY";
  Result<QueryResult> r = Status::Ok();
  if (scratch) r = AdminPool::Get().Exec(admin_url, create + " TABLESPACE " + kScratchTablespace);
  if (!scratch || !r.ok()) r = AdminPool::Get().Exec(admin_url, create);
  if (!r.ok()) return r.status().Wrap("creating shadow database");
  return std::unique_ptr<ShadowDatabase>(new ShadowDatabase(admin_url, name, *url));
}

namespace {

// A session closed just now may still be exiting, and DROP DATABASE sleeps 100 ms when it
// finds one: wait the millisecond or two it takes instead (at most 50 ms).
void AwaitSessionsGone(const std::string& admin_url, const std::string& name) {
  for (int i = 0; i < 50; ++i) {
    auto r = AdminPool::Get().Exec(admin_url, "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = " +
                                                  QuoteLiteral(name));
    if (!r.ok() || r->Get(0, 0) == "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

Status ShadowDatabase::KeepAs(const std::string& name) {
  AwaitSessionsGone(admin_url_, name_);
  auto r = AdminPool::Get().Exec(admin_url_, "ALTER DATABASE " + QuoteIdent(name_) + " RENAME TO " + QuoteIdent(name));
  if (!r.ok()) return r.status();
  keep_ = true;
  return Status::Ok();
}

void ShadowDatabase::DropWithoutWaiting(bool leave_spares) {
  if (keep_) return;
  // No waiting for this process's sessions to be gone: FORCE ends any still exiting, and
  // nothing here waits for the DROP.
  if (!DropDatabaseWithoutWaiting(admin_url_, name_)) return;  // the destructor drops it
  keep_ = true;  // on its way out
  SweepLeftoversOnce(admin_url_);
  // The next run's empty shadows, made by the server after this process is gone (each on
  // an idle session of its own: a backend stops at the first result it cannot send). One
  // that exists already fails alone.
  if (!leave_spares || !HasScratch(admin_url_)) return;
  for (int i = 1; i <= kSpares; ++i) {
    std::unique_ptr<Connection> c = AdminPool::Get().TakeReserved(admin_url_);
    if (!c) return;
    // Closed right away: the server finishes the query before it reads the goodbye.
    c->SendWithoutWaiting("CREATE DATABASE " + SpareName(i) + " TEMPLATE template0 TABLESPACE " + kScratchTablespace);
  }
}

void ShadowDatabase::Prepare(const std::string& admin_url) { FactsOf(admin_url); }

bool DropDatabaseWithoutWaiting(const std::string& admin_url, const std::string& name) {
  // On a kept session, closed after: the result is never read.
  std::unique_ptr<Connection> conn = AdminPool::Get().Take(admin_url);
  if (!conn) {
    auto opened = Connection::Open(admin_url);
    if (!opened.ok()) return false;
    conn = std::move(*opened);
  }
  return conn->SendWithoutWaiting("DROP DATABASE IF EXISTS " + QuoteIdent(name) + " WITH (FORCE)").ok();
}

void ShadowDatabase::ReadyTheDrop(const std::string& admin_url) {
  if (!HasScratch(admin_url)) return;
  for (size_t have = AdminPool::Get().Reserved(admin_url); have < kSpares; ++have) {
    auto opened = Connection::Open(admin_url);
    if (!opened.ok()) return;
    AdminPool::Get().Reserve(admin_url, std::move(*opened));
  }
}

ShadowDatabase::~ShadowDatabase() {
  if (keep_) return;
  AwaitSessionsGone(admin_url_, name_);
  AdminPool::Get().Exec(admin_url_, "DROP DATABASE IF EXISTS " + QuoteIdent(name_) + " WITH (FORCE)");
  SweepLeftoversOnce(admin_url_);
}

}  // namespace strata
