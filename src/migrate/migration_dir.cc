#include "migrate/migration_dir.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "base/clock.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"

namespace strata {

namespace {
bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}
}  // namespace

bool IsValidSlug(const std::string& slug) {
  if (slug.empty() || slug.size() > 100) return false;
  for (char c : slug) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

std::string NormalizeSlug(const std::string& text) {
  std::string out = ToLower(Trim(text));
  for (char& c : out) {
    if (c == ' ' || c == '-') c = '_';
  }
  return out;
}

Status ParseMigrationName(const std::string& name, Naming naming, std::string* version,
                          std::string* slug) {
  if (!EndsWith(name, ".sql")) return Status::InvalidInput("not a .sql file");
  std::string stem = name.substr(0, name.size() - 4);
  size_t us = stem.find('_');
  std::string v = stem.substr(0, us);
  std::string s = us == std::string::npos ? "" : stem.substr(us + 1);
  if (naming == Naming::kTimestamp) {
    if (v.size() != 17 || !AllDigits(v)) {
      return Status::InvalidInput("name must start with a 17-digit UTC timestamp "
                                  "(YYYYMMDDHHMMSSmmm_slug.sql)");
    }
    int month = std::stoi(v.substr(4, 2)), day = std::stoi(v.substr(6, 2));
    int hour = std::stoi(v.substr(8, 2)), minute = std::stoi(v.substr(10, 2));
    int sec = std::stoi(v.substr(12, 2));
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60) {
      return Status::InvalidInput("'" + v + "' is not a valid YYYYMMDDHHMMSSmmm timestamp");
    }
  } else if (v.size() < 4 || !AllDigits(v)) {
    return Status::InvalidInput("name must start with a sequence number of at least 4 digits "
                                "(0007_slug.sql)");
  }
  if (s.empty()) return Status::InvalidInput("name needs a slug after the number: " + v + "_slug.sql");
  *version = v;
  *slug = s;
  return Status::Ok();
}

Result<MigrationDir> MigrationDir::Load(const std::string& path, Naming naming,
                                        std::vector<FileError>* errors) {
  auto names = ListFiles(path);
  if (!names.ok()) {
    return Status::NotFound("migrations folder " + path + " not found (create it, or set "
                            "migrations_dir in strata.toml)");
  }
  MigrationDir dir;
  dir.path = path;
  dir.naming = naming;
  std::map<std::string, std::string> rollbacks;  // stem -> rollback file name
  std::map<std::string, std::string> versions;   // version -> first file
  for (const std::string& name : *names) {
    if (name == kSumFileName) {
      dir.has_sum_file = true;
      continue;
    }
    if (!EndsWith(name, ".sql")) continue;
    if (EndsWith(name, kRollbackSuffix)) {
      rollbacks[name.substr(0, name.size() - std::string(kRollbackSuffix).size())] = name;
      continue;
    }
    MigrationFile f;
    f.name = name;
    f.path = JoinPath(path, name);
    Status st = ParseMigrationName(name, naming, &f.version, &f.slug);
    if (!st.ok()) {
      dir.problems.push_back({name, "naming-scheme", st.message()});
      continue;
    }
    if (auto [it, fresh] = versions.emplace(f.version, name); !fresh) {
      dir.problems.push_back({name, "duplicate-version",
                              "version " + f.version + " is also used by " + it->second});
    }
    auto content = ReadFile(f.path);
    if (!content.ok()) return content.status();
    f.content = std::move(*content);
    f.checksum = Sha256::Hex(f.content);
    ParseDirectives(&f, errors);
    dir.files.push_back(std::move(f));
  }
  for (auto& f : dir.files) f.has_rollback = rollbacks.erase(f.stem()) > 0;
  for (const auto& [stem, name] : rollbacks) {
    dir.problems.push_back({name, "orphan-rollback", "rollback file has no migration " + stem + ".sql"});
  }
  return dir;
}

const MigrationFile* MigrationDir::Find(const std::string& name) const {
  for (const auto& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string NextVersion(const MigrationDir& dir) {
  if (dir.naming == Naming::kTimestamp) {
    std::string v = MigrationTimestampNow();
    // Two creates in the same millisecond (scripts) must still get distinct, ordered names.
    for (const auto& f : dir.files) {
      if (f.version >= v) v = std::to_string(std::stoull(f.version) + 1);
    }
    return v;
  }
  size_t width = 4;
  unsigned long long next = 0;
  for (const auto& f : dir.files) {
    width = std::max(width, f.version.size());
    next = std::max(next, std::stoull(f.version) + 1);
  }
  std::string v = std::to_string(next);
  return std::string(width > v.size() ? width - v.size() : 0, '0') + v;
}


}  // namespace strata
