#include "migrate/takeover.h"

#include <map>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace strata {

namespace {

// Shell words of a script line (quotes removed; no expansion).
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur += c;
    } else if (c == '"' || c == '\'') {
      quote = c, have = true;
    } else if (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|') {
      if (have || !cur.empty()) out.push_back(cur);
      cur.clear(), have = false;
      if (c != ' ' && c != '\t') out.push_back(std::string(1, c));
    } else {
      cur += c;
    }
  }
  if (have || !cur.empty()) out.push_back(cur);
  return out;
}

nlohmann::json Scripts(const std::string& package_json) {
  nlohmann::json j = nlohmann::json::parse(package_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("scripts") || !j["scripts"].is_object()) return nlohmann::json::object();
  return j["scripts"];
}

bool Mentions(const std::string& cmd, const std::string& word) { return cmd.find(word) != std::string::npos; }

}  // namespace

NodePgMigrateConfig ParseNodePgMigrateScripts(const std::string& package_json) {
  NodePgMigrateConfig c;
  const nlohmann::json scripts = Scripts(package_json);
  for (const auto& [name, v] : scripts.items()) {
    if (!v.is_string()) continue;
    std::vector<std::string> w = Words(v.get<std::string>());
    bool in_npm = false;
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i] == "node-pg-migrate" || EndsWith(w[i], "/node-pg-migrate") || EndsWith(w[i], "/node-pg-migrate.js")) {
        in_npm = true;
        c.found_in.push_back("package.json scripts." + name);
        continue;
      }
      if (w[i] == ";" || w[i] == "&" || w[i] == "|") in_npm = false;
      if (!in_npm) continue;
      std::string flag = w[i], value;
      size_t eq = flag.find('=');
      if (StartsWith(flag, "--") && eq != std::string::npos) {
        value = flag.substr(eq + 1), flag = flag.substr(0, eq);
      } else if (StartsWith(flag, "-") && i + 1 < w.size()) {
        value = w[i + 1];
      }
      auto set = [&](std::string* out) {
        if (out->empty() && !value.empty()) *out = value;
      };
      if (flag == "-m" || flag == "--migrations-dir") set(&c.migrations_dir);
      else if (flag == "--migrations-schema") set(&c.migrations_schema);
      else if (flag == "-t" || flag == "--migrations-table") set(&c.migrations_table);
      else if (flag == "-d" || flag == "--database-url-var") set(&c.url_env);
      else if (flag == "--migration-filename-format") set(&c.filename_format);
      else if (flag == "-f" || flag == "--config-file") set(&c.config_file);
    }
  }
  return c;
}

void MergeNodePgMigrateConfigFile(const std::string& json_text, NodePgMigrateConfig* c) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  for (const nlohmann::json* obj : {&j, j.contains("db") && j["db"].is_object() ? &j["db"] : nullptr}) {
    if (!obj) continue;
    auto set = [&](const char* key, std::string* out) {
      if (out->empty() && obj->contains(key) && (*obj)[key].is_string()) *out = (*obj)[key].get<std::string>();
    };
    set("migrations-dir", &c->migrations_dir);
    set("migrations-schema", &c->migrations_schema);
    set("migrations-table", &c->migrations_table);
    set("database-url-var", &c->url_env);
    set("migration-filename-format", &c->filename_format);
  }
}

std::vector<std::pair<std::string, std::string>> ReplacementScripts(const std::string& package_json, bool takeover) {
  const std::vector<std::pair<std::string, std::string>> standard = {
      {"migrate", "strata migrate"},          {"migrate:status", "strata status"},
      {"migrate:create", "strata create"},    {"migrate:generate", "strata generate"},
      {"migrate:fake", "strata fake"},
      {"migrate:lint", takeover ? "strata lint --names-only" : "strata lint"},
      {"migrate:check", "strata check"},
  };
  std::vector<std::pair<std::string, std::string>> out;
  std::map<std::string, bool> named;
  const nlohmann::json scripts = Scripts(package_json);
  for (const auto& [name, v] : scripts.items()) {
    if (!v.is_string()) continue;
    std::string cmd = v.get<std::string>(), to;
    if (Mentions(cmd, "drizzle-kit generate")) to = "strata generate";
    else if (Mentions(cmd, "drizzle-kit migrate")) to = "strata migrate";
    else if (Mentions(cmd, "drizzle-kit push")) to = "strata push";
    else if (Mentions(cmd, "drizzle-kit check")) to = "strata check";
    else if (Mentions(cmd, "drizzle-kit pull") || Mentions(cmd, "drizzle-kit introspect")) to = "strata inspect";
    else if (Mentions(cmd, "node-pg-migrate create")) to = "strata create";
    else if (Mentions(cmd, "node-pg-migrate down") || Mentions(cmd, "node-pg-migrate redo")) to = "strata rollback";
    else if (Mentions(cmd, "node-pg-migrate")) to = "strata migrate";
    for (const auto& [std_name, std_cmd] : standard) {
      if (name == std_name && to.empty() && (Mentions(cmd, "migrat") || Mentions(cmd, "drizzle"))) to = std_cmd;
    }
    if (!to.empty()) {
      out.push_back({name, to});
      named[name] = true;
    }
  }
  for (const auto& [std_name, std_cmd] : standard) {
    if (!named.count(std_name)) out.push_back({std_name, std_cmd});
  }
  return out;
}

}  // namespace strata
