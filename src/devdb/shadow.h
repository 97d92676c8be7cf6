// Shadow databases: throwaway databases strata creates on a server it may use freely
// (the dev cluster, or --dev-url) to turn SQL into a catalog. Dropped on destruction:
// nothing is left behind.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace strata {

// Shadow databases go to the tablespace of this name when the server has it (the dev
// cluster makes it on a RAM filesystem); otherwise to the server's default.
inline constexpr char kScratchTablespace[] = "strata_scratch";

class ShadowDatabase {
 public:
  // `admin_url` points at a database on the shadow server (e.g. its "postgres").
  // `template_db`: a copy of that database (no one may be connected to it).
  static Result<std::unique_ptr<ShadowDatabase>> Create(const std::string& admin_url,
                                                        const std::string& template_db = "template0");
  // Asks `admin_url`'s server what Create needs to know (asked once per process): call
  // it early, while other work runs.
  static void Prepare(const std::string& admin_url);
  ~ShadowDatabase();
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // Renames the database to `name` and keeps it (it is no longer dropped on destruction).
  // REQUIRES: no session is connected to it.
  Status KeepAs(const std::string& name);
  // Drops the database without waiting for the server to finish (it does, after strata
  // has exited). REQUIRES: no session of this process is connected to it.
  // On strata's own dev cluster it also leaves empty spare databases for the next run's
  // Create (taken by renaming; a run then starts without waiting for CREATE DATABASE).
  void DropWithoutWaiting(bool leave_spares = true);
  // Opens the admin sessions DropWithoutWaiting makes the spares over (one each, set
  // aside for it): call it while something else runs, so that the drop connects to nothing.
  static void ReadyTheDrop(const std::string& admin_url);

 private:
  ShadowDatabase(std::string admin_url, std::string name, std::string url)
      : admin_url_(std::move(admin_url)), name_(std::move(name)), url_(std::move(url)) {}
  std::string admin_url_, name_, url_;
  bool keep_ = false;
};

class Connection;
// Hands a session on `admin_url` to the sessions ShadowDatabase keeps for create and drop.
void KeepAdminSession(const std::string& admin_url, std::unique_ptr<Connection> session);

// Drops the shadow databases that runs of strata on this machine left behind when they
// died (their process is gone and no session uses them) and returns their names. `all`:
// every shadow, spare and replay cache on the server, whoever made it.
Result<std::vector<std::string>> DropLeftoverShadows(const std::string& admin_url, bool all = false);

// Sends DROP DATABASE ... WITH (FORCE) for `name` and returns without waiting for it
// (the server finishes it, also after strata exits); false when it could not be sent.
bool DropDatabaseWithoutWaiting(const std::string& admin_url, const std::string& name);

// The URL of `database` on the same server as `url` (replaces the path of a URL).
Result<std::string> WithDatabase(const std::string& url, const std::string& database);

}  // namespace strata
