#include "devdb/shadow.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <chrono>

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

bool ProcessGone(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

}  // namespace

Result<std::vector<std::string>> DropLeftoverShadows(const std::string& admin_url, bool all) {
  auto conn = Connection::Open(admin_url);
  if (!conn.ok()) return conn.status();
  auto r = (*conn)->Exec(
      "SELECT d.datname FROM pg_catalog.pg_database d WHERE (d.datname LIKE 'strata\\_shadow\\_%' " +
      std::string(all ? "OR d.datname LIKE 'strata\\_replay\\_%'" : "") +
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
    auto d = (*conn)->Exec("DROP DATABASE IF EXISTS " + QuoteIdent(name) + " WITH (FORCE)");
    if (d.ok()) dropped.push_back(name);
  }
  return dropped;
}

Result<std::unique_ptr<ShadowDatabase>> ShadowDatabase::Create(const std::string& admin_url,
                                                               const std::string& template_db) {
  static std::atomic<int> counter{0};
  static std::atomic<bool> swept{false};
  if (!swept.exchange(true)) DropLeftoverShadows(admin_url);  // best effort, once per run
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::string name = "strata_shadow_" + HostTag() + "_" + std::to_string(::getpid()) + "_" +
                     std::to_string(++counter) + "_" + std::to_string(now % 100000);
  auto conn = Connection::Open(admin_url);
  if (!conn.ok()) return conn.status().Wrap("shadow server");
  std::string create = "CREATE DATABASE " + QuoteIdent(name) + " TEMPLATE " + QuoteIdent(template_db);
  auto scratch = (*conn)->ExecParams("SELECT 1 FROM pg_catalog.pg_tablespace WHERE spcname = $1", {kScratchTablespace});
  bool made = false;
  if (scratch.ok() && !scratch->rows.empty()) {
    made = (*conn)->Exec(create + " TABLESPACE " + kScratchTablespace).ok();  // else: the default tablespace
  }
  if (!made) {
    auto r = (*conn)->Exec(create);
    if (!r.ok()) return r.status().Wrap("creating shadow database");
  }
  auto url = WithDatabase(admin_url, name);
  if (!url.ok()) return url.status();
  return std::unique_ptr<ShadowDatabase>(new ShadowDatabase(admin_url, name, *url));
}

Status ShadowDatabase::KeepAs(const std::string& name) {
  auto conn = Connection::Open(admin_url_);
  if (!conn.ok()) return conn.status();
  auto r = (*conn)->Exec("ALTER DATABASE " + QuoteIdent(name_) + " RENAME TO " + QuoteIdent(name));
  if (!r.ok()) return r.status();
  keep_ = true;
  return Status::Ok();
}

ShadowDatabase::~ShadowDatabase() {
  if (keep_) return;
  auto conn = Connection::Open(admin_url_);
  if (conn.ok()) (*conn)->Exec("DROP DATABASE IF EXISTS " + QuoteIdent(name_) + " WITH (FORCE)");
}

}  // namespace strata
