#include "generate/drizzle.h"

#include <filesystem>

#include "base/fs.h"
#include "base/strings.h"
#include "base/subprocess.h"

namespace strata {

namespace {

struct Token {
  enum Kind { kString, kIdent, kPunct } kind;
  std::string text;
};

// A JavaScript/TypeScript token stream good enough for an object literal: strings
// (quotes and template literals without ${}), identifiers, one-character punctuation.
// Comments are skipped. Every character is looked at a bounded number of times.
std::vector<Token> Tokenize(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0, n = s.size();
  while (i < n) {
    char c = s[i];
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 2;
    } else if (c == '"' || c == '\'' || c == '`') {
      std::string v;
      size_t j = i + 1;
      bool plain = true;
      while (j < n && s[j] != c) {
        if (s[j] == '\\' && j + 1 < n) {
          v += s[j + 1];
          j += 2;
          continue;
        }
        if (c == '`' && s[j] == '$' && j + 1 < n && s[j + 1] == '{') plain = false;
        if (c != '`' && s[j] == '\n') break;
        v += s[j++];
      }
      i = j + 1;
      out.push_back({plain ? Token::kString : Token::kPunct, plain ? v : "`"});
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      size_t j = i;
      while (j < n && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$')) ++j;
      out.push_back({Token::kIdent, s.substr(i, j - i)});
      i = j;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      out.push_back({Token::kPunct, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

}  // namespace

DrizzleConfig ParseDrizzleConfig(const std::string& text) {
  DrizzleConfig cfg;
  std::vector<Token> t = Tokenize(text);
  // Walk the tokens keeping the path of object keys: "dbCredentials.url".
  std::vector<std::string> path;   // key of each open '{' (empty when not after "key:")
  std::string pending;             // "key" just seen with ':' after it
  auto is = [&](size_t k, const char* p) { return k < t.size() && t[k].kind == Token::kPunct && t[k].text == p; };
  for (size_t k = 0; k < t.size(); ++k) {
    if (is(k, "{")) {
      path.push_back(pending);
      pending.clear();
      continue;
    }
    if (is(k, "}")) {
      if (!path.empty()) path.pop_back();
      continue;
    }
    bool keyish = t[k].kind == Token::kIdent || t[k].kind == Token::kString;
    if (!keyish || !is(k + 1, ":")) continue;
    std::string key;
    for (const auto& p : path) {
      if (!p.empty()) key += p + ".";
    }
    key += t[k].text;
    size_t v = k + 2;
    if (is(v, "{")) {
      pending = t[k].text;
      k = v - 1;
      continue;
    }
    // The value: "literal", ["a", "b"], or process.env.NAME[!] [|| "fallback"].
    std::vector<std::string> strings;
    std::string env;
    if (v < t.size() && t[v].kind == Token::kString) {
      strings.push_back(t[v].text);
    } else if (is(v, "[")) {
      size_t j = v + 1;
      while (j < t.size() && !is(j, "]")) {
        if (t[j].kind == Token::kString) strings.push_back(t[j].text);
        ++j;
      }
    } else if (v + 4 < t.size() && t[v].text == "process" && is(v + 1, ".") && t[v + 2].text == "env" && is(v + 3, ".")) {
      env = t[v + 4].text;
      size_t j = v + 5;
      if (is(j, "!")) ++j;
      if ((is(j, "|") && is(j + 1, "|")) || (is(j, "?") && is(j + 1, "?"))) {
        if (j + 2 < t.size() && t[j + 2].kind == Token::kString) strings.push_back(t[j + 2].text);
      }
    }
    auto first = [&]() { return strings.empty() ? std::string() : strings[0]; };
    if (key == "schema" && !strings.empty()) cfg.schema = strings;
    else if (key == "out" && !strings.empty()) cfg.out = first();
    else if (key == "dialect") cfg.dialect = first();
    else if (key == "schemaFilter" && !strings.empty()) cfg.schema_filter = strings;
    else if (key == "dbCredentials.url") cfg.url = first(), cfg.url_env = env;
    else if (key == "migrations.schema" && !strings.empty()) cfg.migrations_schema = first();
    else if (key == "migrations.table" && !strings.empty()) cfg.migrations_table = first();
  }
  return cfg;
}

Result<DrizzleConfig> ReadDrizzleConfig(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return Status::NotFound("drizzle config " + path + " not found");
  DrizzleConfig cfg = ParseDrizzleConfig(*text);
  cfg.path = path;
  if (!cfg.dialect.empty() && cfg.dialect != "postgresql") {
    return Status::InvalidInput(path + ": dialect is \"" + cfg.dialect + "\"; strata works with PostgreSQL only (dialect: \"postgresql\")");
  }
  return cfg;
}

std::string FindDrizzleKit(const std::string& start) {
  std::filesystem::path dir = AbsolutePath(start);
  for (;;) {
    std::filesystem::path bin = dir / "node_modules" / ".bin" / "drizzle-kit";
    if (FileExists(bin.string())) return bin.string();
    if (!dir.has_parent_path() || dir.parent_path() == dir) return "";
    dir = dir.parent_path();
  }
}

Result<std::string> DrizzleExport(const std::string& config_path, const std::string& run_dir) {
  if (!FileExists(config_path)) return Status::NotFound("drizzle config " + config_path + " not found");
  std::filesystem::path abs = AbsolutePath(config_path);
  std::string cwd = run_dir.empty() ? abs.parent_path().string() : AbsolutePath(run_dir);
  std::string bin = FindDrizzleKit(cwd);
  if (bin.empty()) {
    return Status::NotFound("drizzle-kit is not installed for " + config_path +
                            " (no node_modules/.bin/drizzle-kit in the project folder or above): run `npm install -D "
                            "drizzle-kit` (0.31 or later) in the project");
  }
  if (FindInPath("node").empty()) {
    return Status::NotFound("node is not on PATH: drizzle-kit needs Node.js 18 or later to read " + config_path);
  }
  ProcessOptions o;
  o.cwd = cwd;
  auto r = RunProcess({bin, "export", "--sql", "--config", abs.string()}, o);
  if (!r.ok()) return r.status().Wrap("running " + bin);
  // drizzle-kit 0.31 exits 0 when the schema does not load (a TypeScript error, a missing
  // import), with the error on stderr and nothing on stdout: an empty schema would follow.
  bool threw = Trim(r->out).empty() && r->err.find("Error") != std::string::npos;
  if (r->exit_code != 0 || threw) {
    return Status::InvalidInput("drizzle-kit export failed for " + config_path + " (exit " + std::to_string(r->exit_code) +
                                (threw ? ", and the schema did not load" : "") + "):\n" + FailureOutput(*r));
  }
  return r->out;
}

}  // namespace strata
