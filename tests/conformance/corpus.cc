#include "conformance/corpus.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"

namespace strata::testing {
namespace fs = std::filesystem;

std::string CorpusDir() {
  if (const char* env = std::getenv("STRATA_CORPUS_DIR"); env && *env) return env;
  return STRATA_CORPUS_DIR;
}

std::string YamlCase::Get(const std::string& key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return "";
}

std::vector<std::string> YamlCase::List(const std::string& key) const {
  for (const auto& [k, v] : lists) {
    if (k == key) return v;
  }
  return {};
}

namespace {

int Indent(const std::string& line) {
  int n = 0;
  while (n < static_cast<int>(line.size()) && line[n] == ' ') ++n;
  return n;
}

std::string Unquote(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    return std::string(v.substr(1, v.size() - 2));
  }
  return std::string(v);
}

}  // namespace

std::vector<YamlCase> ParseSqldefYaml(const std::string& text) {
  std::vector<YamlCase> out;
  std::vector<std::string> lines = Split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::string_view t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    int indent = Indent(line);
    if (indent == 0 && EndsWith(t, ":")) {
      out.push_back({std::string(t.substr(0, t.size() - 1)), {}, {}});
      continue;
    }
    if (out.empty() || indent != 2) continue;
    size_t colon = t.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key(t.substr(0, colon));
    std::string value(Trim(t.substr(colon + 1)));
    if (value == "|" || value == "|-" || value == "|+") {
      std::string block;
      int block_indent = -1;
      while (i + 1 < lines.size()) {
        const std::string& next = lines[i + 1];
        if (!Trim(next).empty() && Indent(next) <= 2) break;
        ++i;
        if (Trim(next).empty()) {
          block += "\n";
          continue;
        }
        if (block_indent < 0) block_indent = Indent(next);
        block += next.substr(std::min<size_t>(block_indent, next.size())) + "\n";
      }
      while (EndsWith(block, "\n\n")) block.pop_back();  // YAML "clip": one final newline
      out.back().fields.push_back({key, block});
    } else if (value.empty()) {
      std::vector<std::string> items;
      while (i + 1 < lines.size() && StartsWith(Trim(lines[i + 1]), "- ") && Indent(lines[i + 1]) > 2) {
        ++i;
        items.push_back(Unquote(Trim(lines[i]).substr(2)));
      }
      out.back().lists.push_back({key, items});
    } else {
      out.back().fields.push_back({key, Unquote(value)});
    }
  }
  return out;
}

std::vector<CorpusCase> SqldefCases() {
  std::vector<CorpusCase> out;
  std::string dir = CorpusDir() + "/sqldef/cmd/psqldef";
  auto files = ListFiles(dir);
  if (!files.ok()) return out;
  for (const auto& file : *files) {
    if (!EndsWith(file, ".yml")) continue;
    auto text = ReadFile(dir + "/" + file);
    for (const YamlCase& y : ParseSqldefYaml(*text)) {
      CorpusCase c;
      c.suite = "sqldef";
      c.name = file + "/" + y.name;
      if (!y.Get("current").empty()) c.current.push_back(y.Get("current"));
      if (!y.Get("desired").empty()) c.desired.push_back(y.Get("desired"));
      c.roles = y.List("managed_roles");
      if (!y.Get("user").empty()) c.roles.push_back(y.Get("user"));
      std::string minv = y.Get("min_version"), maxv = y.Get("max_version");
      if (!y.Get("flavor").empty()) c.skip = "flavor " + y.Get("flavor");
      else if (y.Get("offline") == "true") c.skip = "offline (Aurora DSQL) case";
      else if (!minv.empty() && std::stod(minv) > 15) c.skip = "needs PostgreSQL " + minv;
      else if (!maxv.empty() && std::stod(maxv) < 15) c.skip = "PostgreSQL up to " + maxv;
      else if (!y.Get("error").empty()) c.skip = "expects an error from sqldef";
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<CorpusCase> MigraCases() {
  std::vector<CorpusCase> out;
  std::string dir = CorpusDir() + "/migra/tests/FIXTURES";
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    CorpusCase c;
    c.suite = "migra";
    c.name = n;
    auto a = ReadFile(dir + "/" + n + "/a.sql");
    auto b = ReadFile(dir + "/" + n + "/b.sql");
    if (a.ok() && !Trim(*a).empty()) c.current.push_back(*a);
    if (b.ok() && !Trim(*b).empty()) c.desired.push_back(*b);
    c.roles = {"schemainspect_test_role"};
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CorpusCase> PgSchemaDiffCases() {
  std::vector<CorpusCase> out;
  auto text = ReadFile(CorpusDir() + "/pg-schema-diff/acceptance_cases.json");
  if (!text.ok()) return out;
  auto j = nlohmann::json::parse(*text);
  for (const auto& k : j["cases"]) {
    CorpusCase c;
    c.suite = "pg-schema-diff";
    c.name = k["source_file"].get<std::string>() + "/" + k["name"].get<std::string>();
    for (const auto& s : k["old_schema_ddl"]) c.current.push_back(s.get<std::string>());
    for (const auto& s : k["new_schema_ddl"]) c.desired.push_back(s.get<std::string>());
    for (const auto& r : k["roles"]) c.roles.push_back(r.get<std::string>());
    if (!k["plan_factory"].is_null()) c.skip = "custom plan factory";
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace strata::testing
