#include "devdb/shadow.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

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

Result<std::unique_ptr<ShadowDatabase>> ShadowDatabase::Create(const std::string& admin_url,
                                                               const std::string& template_db) {
  static std::atomic<int> counter{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::string name = "strata_shadow_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
                     std::to_string(now % 100000);
  auto conn = Connection::Open(admin_url);
  if (!conn.ok()) return conn.status().Wrap("shadow server");
  auto r = (*conn)->Exec("CREATE DATABASE " + QuoteIdent(name) + " TEMPLATE " + QuoteIdent(template_db));
  if (!r.ok()) return r.status().Wrap("creating shadow database");
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
