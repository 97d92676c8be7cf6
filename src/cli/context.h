// What every command shares: global flags, configuration, the database connection
// and the printer. Only cli/ prints or decides exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "base/timings.h"
#include "config/config.h"
#include "devdb/dev_cluster.h"
#include "pg/session.h"

namespace strata::cli {

// Exit codes (DESIGN.md §1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPending = 3;

struct GlobalOptions {
  std::string url;
  std::string env;
  std::string config_path = "strata.toml";
  std::string migrations_dir;
  std::string format = "text";
  bool no_color = false;
};

// Adds --url, --env, --config, --dir, --format, --no-color to a command.
void AddGlobalOptions(CLI::App& app, GlobalOptions* opts, bool with_format = true);

class Context {
 public:
  explicit Context(GlobalOptions opts);

  // Loads strata.toml (+ env, + flags) once.
  Result<Config> LoadConfig();
  // --url, else --env, else $<url_env>, else libpq PG* variables, else the running dev
  // database (says so on stderr). `source` describes which, without secrets.
  Result<std::string> ResolveUrl(std::string* source = nullptr);
  Result<std::unique_ptr<Connection>> Connect();
  // Project folder: where strata.toml is (or would be).
  std::string ProjectDir() const;
  std::string DevDir() const;
  std::string MigrationsDir(const Config& cfg) const;

  // A server for shadow databases, of the major version the project targets ([dev]
  // postgres in strata.toml, else the version of `target_url` when given): `dev_url` when
  // given (refused when it is older than the target), else the embedded dev cluster of
  // that version (started when it is not running).
  Result<std::string> ShadowServer(const std::string& dev_url, const std::string& target_url = "");
  // The embedded dev cluster of PostgreSQL `major` (0: [dev] postgres, else whatever
  // .strata/dev holds, else the newest installed). Another major than .strata/dev's
  // lives in .strata/dev/pg<major>.
  DevCluster Dev(int major = 0);
  // True when the target is a protected environment: --env names one, or the URL is one's.
  bool IsProtected(const Config& cfg, const std::string& url) const;

  bool json() const { return opts_.format == "json"; }
  const GlobalOptions& opts() const { return opts_; }

  // Printing. Colour only when stdout is a TTY and NO_COLOR is unset.
  std::string Paint(const std::string& text, const char* ansi) const;
  void Out(const std::string& line) const;
  void Err(const std::string& line) const;
  void Note(const std::string& line) const;  // stderr, dim
  void PrintJson(const nlohmann::json& j) const;
  // Prints the error and returns the exit code that goes with it.
  int Fail(const Status& st) const;

 private:
  GlobalOptions opts_;
  bool color_out_;
  bool color_err_;
};

// Parses a command's flags. Returns -1 to continue, else the exit code (help or usage).
int ParseArgs(CLI::App& app, int argc, char** argv);

// True when the CI variable is set (to anything but "", "0" or "false").
bool InCi();
// True when asking the user is allowed: stdin is a TTY and not in CI.
// --timings: hands the command a Timings to fill, and prints it when the command returns
// (on any path): one line per phase on stderr, or with --format json one JSON object
// {"timings": {phase: ms, ...}} on stderr, so that stdout stays one document.
class TimingsReport {
 public:
  TimingsReport(const Context& ctx, bool on);
  ~TimingsReport();
  Timings* get() { return on_ ? &t_ : nullptr; }

 private:
  const Context& ctx_;
  bool on_;
  int64_t start_;
  Timings t_;
};

bool CanPrompt();
// Asks on stderr and reads one line. REQUIRES: CanPrompt().
std::string Ask(const std::string& question);

}  // namespace strata::cli
