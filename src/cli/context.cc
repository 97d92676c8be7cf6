#include "cli/context.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/fs.h"
#include "base/strings.h"
#include "devdb/shadow.h"
#include "devdb/dev_cluster.h"

namespace strata::cli {
namespace fs = std::filesystem;

void AddGlobalOptions(CLI::App& app, GlobalOptions* o, bool with_format) {
  app.add_option("--url", o->url, "Database URL (default: $DATABASE_URL, PG* variables, or the dev database)");
  app.add_option("--env", o->env, "Use [environments.<name>] from strata.toml");
  app.add_option("--config", o->config_path, "Configuration file")->capture_default_str();
  app.add_option("--dir", o->migrations_dir, "Migrations folder (overrides migrations_dir)");
  if (with_format) {
    app.add_option("--format", o->format, "Output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
  }
  app.add_flag("--no-color", o->no_color, "Never colour the output");
}

Context::Context(GlobalOptions opts) : opts_(std::move(opts)) {
  bool allowed = !opts_.no_color && std::getenv("NO_COLOR") == nullptr;
  color_out_ = allowed && ::isatty(1);
  color_err_ = allowed && ::isatty(2);
}

std::string Context::ProjectDir() const {
  fs::path p(opts_.config_path);
  return p.has_parent_path() ? p.parent_path().string() : ".";
}

std::string Context::DevDir() const { return JoinPath(ProjectDir(), ".strata/dev"); }

std::string Context::MigrationsDir(const Config& cfg) const {
  if (!opts_.migrations_dir.empty()) return opts_.migrations_dir;
  return JoinPath(ProjectDir(), cfg.migrations_dir);
}

DevCluster Context::Dev(int major) {
  if (major == 0) {
    auto cfg = LoadConfig();
    if (cfg.ok()) major = cfg->pg_major;
  }
  DevCluster main(DevDir(), major);
  int have = main.DataMajor();
  if (major == 0 || have == 0 || have == major) return main;
  return DevCluster(JoinPath(DevDir(), "pg" + std::to_string(major)), major);
}

Result<std::string> Context::ShadowServer(const std::string& dev_url, const std::string& target_url) {
  auto cfg = LoadConfig();
  if (!cfg.ok()) return cfg.status();
  int want = cfg->pg_major;
  std::string why = "[dev] postgres in " + (cfg->path.empty() ? std::string("strata.toml") : cfg->path);
  if (!target_url.empty()) {
    auto conn = Connection::Open(target_url);
    if (!conn.ok()) return conn.status();
    int target = (*conn)->server_version() / 10000;
    if (target > want) {
      if (want != 0) {
        Note("the database runs PostgreSQL " + std::to_string(target) + ", newer than " + why + " (" +
             std::to_string(want) + "): shadows run " + std::to_string(target));
      }
      want = target;
      why = "the target database";
    }
  }
  if (!dev_url.empty()) {
    auto conn = Connection::Open(dev_url);
    if (!conn.ok()) return conn.status().Wrap("--dev-url");
    int have = (*conn)->server_version() / 10000;
    if (want != 0 && have < want) {
      return Status::Refused("the --dev-url server runs PostgreSQL " + std::to_string(have) +
                             ", older than the target's PostgreSQL " + std::to_string(want) + " (" + why +
                             "): strata never proves a migration on an older server than the one it will run on. "
                             "Give a PostgreSQL " + std::to_string(want) + " server as --dev-url, or leave it out "
                             "to use the embedded dev database of that version");
    }
    KeepAdminSession(dev_url, std::move(*conn));  // the shadows are created over it
    return dev_url;
  }
  DevCluster dev = Dev(want);
  if (!dev.Running()) {
    Note("starting the dev database" + (want ? " (PostgreSQL " + std::to_string(want) + ")" : std::string()) +
         " for shadow databases (strata dev start) ...");
    if (Status st = dev.Start(); !st.ok()) return st;
  }
  if (want != 0 && dev.DataMajor() < want) {
    return Status::Refused("the dev database runs PostgreSQL " + std::to_string(dev.DataMajor()) +
                           ", older than the target's PostgreSQL " + std::to_string(want) + " (" + why + ")");
  }
  return dev.Url("postgres");
}

bool Context::IsProtected(const Config& cfg, const std::string& url) const {
  for (const auto& [name, env] : cfg.environments) {
    if (!env.is_protected) continue;
    if (name == opts_.env) return true;
    std::string u = env.url;
    if (u.empty() && !env.url_env.empty()) {
      const char* v = std::getenv(env.url_env.c_str());
      u = v ? v : "";
    }
    if (!u.empty() && u == url) return true;
  }
  return false;
}

Result<Config> Context::LoadConfig() {
  return strata::LoadConfig(opts_.config_path, [](const char* k) { return std::getenv(k); });
}

Result<std::string> Context::ResolveUrl(std::string* source) {
  auto set = [&](const std::string& s) {
    if (source) *source = s;
  };
  if (!opts_.url.empty()) {
    set("--url");
    return opts_.url;
  }
  auto cfg = LoadConfig();
  if (!cfg.ok()) return cfg.status();
  if (!opts_.env.empty()) {
    auto it = cfg->environments.find(opts_.env);
    if (it == cfg->environments.end()) {
      return Status::Usage("--env " + opts_.env + ": no [environments." + opts_.env + "] in " +
                           opts_.config_path);
    }
    if (!it->second.url.empty()) {
      set("environment " + opts_.env);
      return it->second.url;
    }
    const char* v = it->second.url_env.empty() ? nullptr : std::getenv(it->second.url_env.c_str());
    if (!v || !*v) {
      return Status::InvalidInput("environment " + opts_.env + ": $" + it->second.url_env +
                                  " is not set");
    }
    set("$" + it->second.url_env);
    return std::string(v);
  }
  if (const char* v = std::getenv(cfg->url_env.c_str()); v && *v) {
    set("$" + cfg->url_env);
    return std::string(v);
  }
  if (LibpqEnvironmentSet()) {
    set("PG* environment variables");
    return std::string();
  }
  DevCluster dev = Dev();
  if (dev.Running()) {
    auto url = dev.Url();
    if (url.ok()) {
      set("the dev database");
      Note("using the dev database at " + *url + " (strata dev url)");
      return url;
    }
  }
  return Status::Usage("no database given: pass --url, set $" + cfg->url_env +
                       ", or start the embedded one with `strata dev start`");
}

Result<std::unique_ptr<Connection>> Context::Connect() {
  auto url = ResolveUrl();
  if (!url.ok()) return url.status();
  return Connection::Open(*url);
}

std::string Context::Paint(const std::string& text, const char* ansi) const {
  if (!color_out_) return text;
  return std::string("\033[") + ansi + "m" + text + "\033[0m";
}

// Flushed at once: progress lines piped to a log must survive a kill.
void Context::Out(const std::string& line) const { std::cout << line << "\n" << std::flush; }

void Context::Err(const std::string& line) const { std::cerr << line << "\n"; }

void Context::Note(const std::string& line) const {
  std::cerr << (color_err_ ? "\033[2m" + line + "\033[0m" : line) << "\n";
}

TimingsReport::TimingsReport(const Context& ctx, bool on) : ctx_(ctx), on_(on), start_(MonotonicMillis()) {}

TimingsReport::~TimingsReport() {
  if (!on_) return;
  int64_t total = MonotonicMillis() - start_;
  if (ctx_.json()) {
    nlohmann::ordered_json j;
    for (const auto& [phase, ms] : t_.phases()) j[std::string(Trim(phase))] = ms;
    j["total"] = total;
    std::cerr << nlohmann::ordered_json{{"timings", j}}.dump() << "\n";
    return;
  }
  ctx_.Note("timings:");
  for (const auto& [phase, ms] : t_.phases()) ctx_.Note(fmt::format("  {:<44} {:>7} ms", phase, ms));
  ctx_.Note(fmt::format("  {:<44} {:>7} ms", "total", total));
}

void Context::PrintJson(const nlohmann::json& j) const {
  // Bytes that are not UTF-8 (from a file or the server) become U+FFFD instead of an abort.
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

int Context::Fail(const Status& st) const {
  std::string prefix = color_err_ ? "\033[1;31merror\033[0m: " : "error: ";
  std::cerr << prefix << MaskPassword(st.message()) << "\n";
  if (json()) {
    // A JSON object on failure too, so scripts never parse plain text.
    // "message" is the server's own when there is one; "text" is what text mode prints.
    nlohmann::json err = {{"message", MaskPassword(st.message())}, {"text", MaskPassword(st.message())}};
    for (const auto& [k, v] : st.fields()) {
      if (k == "skip") continue;
      if (k == "line" || k == "column") {
        err[k] = std::atoi(v.c_str());
      } else if (k == "connection_lost") {
        err[k] = true;
      } else {
        err[k] = MaskPassword(v);
      }
    }
    std::cout << nlohmann::json({{"ok", false}, {"error", err}})
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  }
  std::cout.flush();
  return st.code() == Status::Code::kUsage ? kExitUsage : kExitError;
}

int ParseArgs(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return -1;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "0" && std::string(ci) != "false";
}

bool CanPrompt() { return ::isatty(0) && !InCi(); }

std::string Ask(const std::string& question) {
  std::fprintf(stderr, "%s", question.c_str());
  std::fflush(stderr);
  std::string line;
  if (!std::getline(std::cin, line)) return "";
  return std::string(Trim(line));
}

}  // namespace strata::cli
