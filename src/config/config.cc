#include "config/config.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "base/fs.h"
#include "base/parse.h"
#include "base/strings.h"

namespace strata {

std::string QualifiedName::Quoted() const { return QuoteIdent(schema) + "." + QuoteIdent(name); }

Result<QualifiedName> ParseQualifiedName(const std::string& text) {
  auto parts = Split(text, '.');
  if (parts.size() == 1 && !parts[0].empty()) return QualifiedName{"public", parts[0]};
  if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
    return QualifiedName{parts[0], parts[1]};
  }
  return Status::InvalidInput("history table '" + text + "' must be \"table\" or \"schema.table\"");
}

Result<Naming> ParseNaming(const std::string& text) {
  if (text == "timestamp") return Naming::kTimestamp;
  if (text == "sequence") return Naming::kSequence;
  return Status::InvalidInput("naming must be \"timestamp\" or \"sequence\", not \"" + text + "\"");
}

const char* NamingName(Naming n) { return n == Naming::kTimestamp ? "timestamp" : "sequence"; }

const char* SchemaSourceKindName(SchemaSource::Kind k) {
  switch (k) {
    case SchemaSource::Kind::kSql: return "sql";
    case SchemaSource::Kind::kDrizzle: return "drizzle";
    case SchemaSource::Kind::kCommand: return "command";
  }
  return "sql";
}

std::string SchemaSource::Label() const {
  switch (kind) {
    case Kind::kSql: return value;
    case Kind::kDrizzle: return "drizzle (" + value + ")";
    case Kind::kCommand: return "command `" + value + "`";
  }
  return value;
}

namespace {

constexpr int64_t kMaxLockRetries = 100;

std::string Where(const std::string& path, const toml::node& node) {
  const auto& src = node.source();
  return path + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

Status ReadString(const std::string& path, const toml::node& node, const char* key,
                  std::string* out) {
  auto v = node.value<std::string>();
  if (!v) return Status::InvalidInput(Where(path, node) + ": " + key + " must be a string");
  *out = *v;
  return Status::Ok();
}

// A whole number: an integer, or a float with no fraction inside int64's range. toml++'s
// value<int64_t>() casts any float, which is undefined behaviour past that range (the
// config fuzzer found `lock_retries = 9.9e52`).
std::optional<int64_t> WholeNumber(const toml::node& node) {
  if (auto i = node.as_integer()) return i->get();
  if (auto f = node.as_floating_point()) {
    double d = f->get();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// Durations are written as PostgreSQL accepts them ("5s", "30min", "0"); an integer
// means milliseconds.
Status ReadDuration(const std::string& path, const toml::node& node, const char* key,
                    std::string* out) {
  if (auto i = WholeNumber(node)) {
    *out = std::to_string(*i) + "ms";
  } else {
    STRATA_RETURN_IF_ERROR(ReadString(path, node, key, out));
  }
  int64_t ms;
  if (!out->empty() && !ParseDurationMs(*out, &ms)) {
    return Status::InvalidInput(Where(path, node) + ": " + key +
                                " must be a duration such as \"5s\", \"250ms\" or \"30min\" "
                                "(at most 24 days), not \"" + out->substr(0, 60) + "\"");
  }
  return Status::Ok();
}

Status ReadEnvironments(const std::string& path, const toml::table& envs, Config* cfg) {
  for (const auto& [name, node] : envs) {
    const toml::table* t = node.as_table();
    if (!t) return Status::InvalidInput(Where(path, node) + ": environments." + std::string(name.str()) + " must be a table");
    Environment env;
    for (const auto& [k, v] : *t) {
      if (k == "url_env") {
        STRATA_RETURN_IF_ERROR(ReadString(path, v, "url_env", &env.url_env));
      } else if (k == "url") {
        STRATA_RETURN_IF_ERROR(ReadString(path, v, "url", &env.url));
      } else if (k == "protected") {
        auto b = v.value<bool>();
        if (!b) return Status::InvalidInput(Where(path, v) + ": protected must be true or false");
        env.is_protected = *b;
      } else {
        return Status::InvalidInput(Where(path, v) + ": unknown key environments." +
                                    std::string(name.str()) + "." + std::string(k.str()));
      }
    }
    cfg->environments[std::string(name.str())] = env;
  }
  return Status::Ok();
}

Status ReadLint(const std::string& path, const toml::table& lint, Config* cfg) {
  for (const auto& [k, v] : lint) {
    const toml::array* arr = v.as_array();
    if ((k != "disable" && k != "enable") || !arr) {
      return Status::InvalidInput(Where(path, v) +
                                  ": [lint] takes disable = [\"rule\", ...] and enable = [\"rule\", ...]");
    }
    for (const auto& item : *arr) {
      auto s = item.value<std::string>();
      if (!s) return Status::InvalidInput(Where(path, item) + ": rule names are strings");
      (k == "disable" ? cfg->lint_disable : cfg->lint_enable).push_back(*s);
    }
  }
  return Status::Ok();
}

Status ReadDev(const std::string& path, const toml::table& dev, Config* cfg) {
  for (const auto& [k, v] : dev) {
    if (k != "postgres") return Status::InvalidInput(Where(path, v) + ": unknown key dev." + std::string(k.str()) +
                                                     " ([dev] takes postgres = \"17\")");
    std::string text;
    if (auto i = WholeNumber(v)) {
      text = std::to_string(*i);
    } else if (auto s = v.value<std::string>()) {
      text = *s;
    }
    int major = 0;
    if (!text.empty() && text.size() <= 2 && std::all_of(text.begin(), text.end(), ::isdigit)) major = std::stoi(text);
    if (major < kMinPgMajor || major > kMaxPgMajor) {
      return Status::InvalidInput(Where(path, v) + ": [dev] postgres must be a PostgreSQL major version from " +
                                  std::to_string(kMinPgMajor) + " to " + std::to_string(kMaxPgMajor) +
                                  ", such as \"17\"");
    }
    cfg->pg_major = major;
  }
  return Status::Ok();
}

// [schema] sources = [{ drizzle = "drizzle.config.ts" }, { sql = "schema" }, { command = "..." }]
// (or [[schema.sources]] tables): each entry names exactly one source.
Status ReadSchema(const std::string& path, const toml::table& schema, Config* cfg) {
  for (const auto& [k, v] : schema) {
    const toml::array* arr = v.as_array();
    if (k != "sources" || !arr) {
      return Status::InvalidInput(Where(path, v) + ": [schema] takes sources = [{ drizzle = \"drizzle.config.ts\" }, "
                                  "{ sql = \"schema\" }, { command = \"...\" }]");
    }
    for (const auto& item : *arr) {
      const toml::table* t = item.as_table();
      if (!t || t->size() != 1) {
        return Status::InvalidInput(Where(path, item) + ": each schema source is a table with one key: "
                                    "drizzle = \"<drizzle.config.ts>\", sql = \"<folder>\" or command = \"<shell command>\"");
      }
      for (const auto& [kind, value] : *t) {
        SchemaSource src;
        if (kind == "sql") src.kind = SchemaSource::Kind::kSql;
        else if (kind == "drizzle") src.kind = SchemaSource::Kind::kDrizzle;
        else if (kind == "command") src.kind = SchemaSource::Kind::kCommand;
        else return Status::InvalidInput(Where(path, value) + ": unknown schema source '" + std::string(kind.str()) +
                                         "' (sql, drizzle or command)");
        STRATA_RETURN_IF_ERROR(ReadString(path, value, kind.data(), &src.value));
        if (src.value.empty()) return Status::InvalidInput(Where(path, value) + ": " + std::string(kind.str()) + " must not be empty");
        cfg->schema_sources.push_back(src);
      }
    }
  }
  return Status::Ok();
}

// [scope] schemas = [...], kinds = [...], exclude = [...]
Status ReadScope(const std::string& path, const toml::table& scope, Config* cfg) {
  for (const auto& [k, v] : scope) {
    const toml::array* arr = v.as_array();
    std::vector<std::string>* out = k == "schemas" ? &cfg->scope.schemas
                                    : k == "kinds" ? &cfg->scope.kinds
                                    : k == "exclude" ? &cfg->scope.exclude : nullptr;
    if (!out || !arr) {
      return Status::InvalidInput(Where(path, v) + ": [scope] takes schemas = [\"app\"], kinds = [\"table\", ...] and "
                                  "exclude = [\"table:public.events_*\", ...]");
    }
    for (const auto& item : *arr) {
      auto s = item.value<std::string>();
      if (!s || s->empty()) return Status::InvalidInput(Where(path, item) + ": scope." + std::string(k.str()) + " lists non-empty strings");
      out->push_back(*s);
    }
  }
  return Status::Ok();
}

Status ApplyKey(const std::string& path, std::string_view key, const toml::node& v, Config* cfg) {
  std::string s;
  if (key == "migrations_dir") return ReadString(path, v, "migrations_dir", &cfg->migrations_dir);
  if (key == "schema_dir") return ReadString(path, v, "schema_dir", &cfg->schema_dir);
  if (key == "url_env") return ReadString(path, v, "url_env", &cfg->url_env);
  if (key == "lock_timeout") return ReadDuration(path, v, "lock_timeout", &cfg->lock_timeout);
  if (key == "statement_timeout") {
    return ReadDuration(path, v, "statement_timeout", &cfg->statement_timeout);
  }
  if (key == "naming" || key == "history_table") {
    STRATA_RETURN_IF_ERROR(ReadString(path, v, key.data(), &s));
    if (key == "naming") {
      auto n = ParseNaming(s);
      if (!n.ok()) return n.status().Wrap(Where(path, v));
      cfg->naming = *n;
    } else {
      auto q = ParseQualifiedName(s);
      if (!q.ok()) return q.status().Wrap(Where(path, v));
      cfg->history_table = *q;
    }
    return Status::Ok();
  }
  if (key == "lock_retries") {
    auto i = WholeNumber(v);
    if (!i || *i < 0 || *i > kMaxLockRetries) {
      return Status::InvalidInput(Where(path, v) + ": lock_retries must be a whole number from 0 to " +
                                  std::to_string(kMaxLockRetries));
    }
    cfg->lock_retries = static_cast<int>(*i);
    return Status::Ok();
  }
  if (key == "environments" && v.is_table()) return ReadEnvironments(path, *v.as_table(), cfg);
  if (key == "lint" && v.is_table()) return ReadLint(path, *v.as_table(), cfg);
  if (key == "dev" && v.is_table()) return ReadDev(path, *v.as_table(), cfg);
  if (key == "schema" && v.is_table()) return ReadSchema(path, *v.as_table(), cfg);
  if (key == "scope" && v.is_table()) return ReadScope(path, *v.as_table(), cfg);
  return Status::InvalidInput(Where(path, v) + ": unknown key '" + std::string(key) + "'");
}

Status ApplyEnv(const EnvLookup& getenv, Config* cfg) {
  auto str = [&](const char* var, std::string* out) {
    if (const char* v = getenv(var); v && *v) *out = v;
  };
  str("STRATA_MIGRATIONS_DIR", &cfg->migrations_dir);
  str("STRATA_SCHEMA_DIR", &cfg->schema_dir);
  str("STRATA_URL_ENV", &cfg->url_env);
  str("STRATA_LOCK_TIMEOUT", &cfg->lock_timeout);
  str("STRATA_STATEMENT_TIMEOUT", &cfg->statement_timeout);
  for (const auto& [var, value] : {std::pair{"STRATA_LOCK_TIMEOUT", &cfg->lock_timeout},
                                   std::pair{"STRATA_STATEMENT_TIMEOUT", &cfg->statement_timeout}}) {
    if (!value->empty() && !IsValidDuration(*value)) {
      return Status::InvalidInput(std::string(var) + " must be a duration such as 5s or 250ms, not \"" +
                                  value->substr(0, 60) + "\"");
    }
  }
  if (const char* v = getenv("STRATA_NAMING"); v && *v) {
    auto n = ParseNaming(v);
    if (!n.ok()) return n.status().Wrap("STRATA_NAMING");
    cfg->naming = *n;
  }
  if (const char* v = getenv("STRATA_HISTORY_TABLE"); v && *v) {
    auto q = ParseQualifiedName(v);
    if (!q.ok()) return q.status().Wrap("STRATA_HISTORY_TABLE");
    cfg->history_table = *q;
  }
  return Status::Ok();
}

// Offset of the first non-ASCII byte outside strings and comments, if any. TOML allows none
// there, and toml++ 3.3 reaches __builtin_unreachable on some (U+00A1, for one) while it
// checks them for whitespace: such text is refused before the parser sees it.
std::optional<size_t> NonAsciiOutsideStrings(std::string_view t) {
  size_t i = 0, n = t.size();
  while (i < n) {
    char c = t[i];
    if (c == '#') {
      while (i < n && t[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      bool multi = t.substr(i, 3) == std::string(3, c);
      size_t j = i + (multi ? 3 : 1);
      while (j < n) {
        if (c == '"' && t[j] == '\\') {
          j += 2;
        } else if (multi ? t.substr(j, 3) == std::string(3, c) : t[j] == c) {
          j += multi ? 3 : 1;
          // A closing """ may be followed by up to two more quotes that belong to the string.
          while (multi && j < n && t[j] == c) ++j;
          break;
        } else if (!multi && t[j] == '\n') {
          break;  // unterminated: the parser reports it
        } else {
          ++j;
        }
      }
      i = j;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      return i;
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Config> LoadConfig(const std::string& path, const EnvLookup& getenv) {
  if (!FileExists(path)) return ParseConfig(std::nullopt, path, getenv);
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path, getenv);
}

Result<Config> ParseConfig(const std::optional<std::string>& text, const std::string& path,
                           const EnvLookup& getenv) {
  Config cfg;
  if (text) {
    cfg.path = path;
    if (auto at = NonAsciiOutsideStrings(*text)) {
      LineCol lc = OffsetToLineCol(*text, *at);
      return Status::InvalidInput(path + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col) +
                                  ": unexpected non-ASCII character (TOML allows them only inside "
                                  "quoted strings and comments)");
    }
    // The same text with every non-ASCII byte made 'x' must parse first: then the document
    // is well formed, its strings end where the check above assumed, and the real parse
    // meets non-ASCII characters only inside strings and comments.
    std::string ascii = *text;
    for (char& c : ascii) {
      if (static_cast<unsigned char>(c) >= 0x80) c = 'x';
    }
    toml::parse_result parsed = toml::parse(ascii, path);
    if (parsed) parsed = toml::parse(*text, path);
    if (!parsed) {
      const auto& err = parsed.error();
      return Status::InvalidInput(path + ":" + std::to_string(err.source().begin.line) + ":" +
                                  std::to_string(err.source().begin.column) + ": " +
                                  std::string(err.description()));
    }
    for (const auto& [key, node] : parsed.table()) {
      STRATA_RETURN_IF_ERROR(ApplyKey(path, key.str(), node, &cfg));
    }
  }
  STRATA_RETURN_IF_ERROR(ApplyEnv(getenv, &cfg));
  return cfg;
}

}  // namespace strata
