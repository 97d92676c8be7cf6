#include "migrate/migration_dir.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "base/clock.h"
#include "migrate/drizzle_journal.h"
#include "base/fs.h"
#include "base/parse.h"
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

std::string IncrementDigits(const std::string& digits) {
  std::string out = digits;
  for (size_t i = out.size(); i-- > 0;) {
    if (out[i] < '9') {
      ++out[i];
      return out;
    }
    out[i] = '0';
  }
  return "1" + out;
}

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

bool RecordableName(const std::string& name) {
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return !name.empty();
}

Status ParseMigrationName(const std::string& name, Naming naming, std::string* version,
                          std::string* slug) {
  if (!EndsWith(name, ".sql")) return Status::InvalidInput("not a .sql file");
  if (!RecordableName(name)) {
    return Status::InvalidInput("the name contains a space or a control character, which "
                                "strata.sum and the history table cannot record; rename the file");
  }
  std::string stem = name.substr(0, name.size() - 4);
  size_t us = stem.find('_');
  std::string v = stem.substr(0, us);
  std::string s = us == std::string::npos ? "" : stem.substr(us + 1);
  if (naming == Naming::kTimestamp && v.size() == 13 && AllDigits(v)) {
    // node-pg-migrate's default names (Unix milliseconds) in a folder taken over from it:
    // they sort before every 17-digit name, and strata writes 17-digit names after them.
  } else if (naming == Naming::kTimestamp) {
    if (v.size() != 17 || !AllDigits(v)) {
      return Status::InvalidInput("name must start with a 17-digit UTC timestamp "
                                  "(YYYYMMDDHHMMSSmmm_slug.sql)");
    }
    auto two = [&](size_t at) { return (v[at] - '0') * 10 + (v[at + 1] - '0'); };
    int month = two(4), day = two(6), hour = two(8), minute = two(10), sec = two(12);
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

Status ReadMigrationFile(MigrationFile* f, const std::vector<std::string>& roots,
                         std::vector<FileError>* errors, std::vector<std::string>* notes) {
  switch (ClassifyEntry(f->path, roots)) {
    case EntryKind::kRegular:
      break;
    case EntryKind::kDirectory:
      return Status::InvalidInput("a directory named like a migration; rename or remove it");
    case EntryKind::kDangling:
      return Status::InvalidInput("a symbolic link whose target does not exist");
    case EntryKind::kOutside:
      return Status::InvalidInput("a symbolic link to a file outside the project folder; strata "
                                  "does not read it (copy the migration into the folder)");
    case EntryKind::kOther:
      return Status::InvalidInput("not a regular file");
  }
  auto content = ReadFile(f->path);
  if (!content.ok()) return content.status();
  f->checksum = Sha256::Hex(*content);  // of the bytes on disk, BOM included
  f->content = std::move(*content);
  if (StartsWith(f->content, kUtf8Bom)) {
    f->content.erase(0, kUtf8Bom.size());
    if (notes) notes->push_back(f->path + ": note: ignoring the UTF-8 byte order mark at the start of the file");
  }
  if (auto problem = CheckSqlText(f->content)) {
    errors->push_back({f->path, problem->offset, problem->message});
  }
  ParseDirectives(f, errors);
  return Status::Ok();
}

Result<MigrationDir> MigrationDir::Load(const std::string& path, Naming naming,
                                        std::vector<FileError>* errors, const std::string& root) {
  auto names = ListEntries(path);
  if (!names.ok()) {
    return Status::NotFound("migrations folder " + path + " not found (create it, or set "
                            "migrations_dir in strata.toml)");
  }
  MigrationDir dir;
  dir.path = path;
  dir.naming = naming;
  std::vector<std::string> roots = {CanonicalPath(path)};
  if (!root.empty()) roots.push_back(CanonicalPath(root));
  std::map<std::string, std::string> rollbacks;  // stem -> rollback file name
  std::map<std::string, std::string> versions;   // version -> first file
  const std::optional<std::set<std::string>> journal = DrizzleJournalTags(path);
  for (const std::string& name : *names) {
    std::string full = JoinPath(path, name);
    if (name == kSumFileName) {
      EntryKind kind = ClassifyEntry(full, roots);
      if (kind == EntryKind::kRegular) {
        dir.has_sum_file = true;
      } else {
        dir.problems.push_back({name, "unsafe-file", "strata.sum is not a regular file inside the project"});
      }
      continue;
    }
    if (!EndsWith(name, ".sql")) continue;
    if (!RecordableName(name)) {
      dir.problems.push_back({name, "unrecordable-name",
                              "the name contains a space or a control character, which strata.sum "
                              "and the history table cannot record; rename the file"});
      continue;
    }
    EntryKind kind = ClassifyEntry(full, roots);
    if (EndsWith(name, kRollbackSuffix)) {
      if (kind != EntryKind::kRegular) {
        dir.problems.push_back({name, "unsafe-file", "not a regular file inside the project; strata does not read it"});
        continue;
      }
      rollbacks[name.substr(0, name.size() - std::string(kRollbackSuffix).size())] = name;
      continue;
    }
    MigrationFile f;
    f.name = name;
    f.path = full;
    Status st = ParseMigrationName(name, naming, &f.version, &f.slug);
    if (!st.ok()) {
      dir.problems.push_back({name, "naming-scheme", st.message()});
      continue;
    }
    if (journal && !journal->count(f.stem())) {
      // drizzle-kit runs exactly what its journal lists. A file it does not list among the
      // listed ones (a leftover of a deleted branch, say) is not a migration to it, nor to
      // strata; one after the last listed is new, written by hand: strata runs it, and
      // `strata hash` lists it.
      if (!journal->empty() && f.stem() < *journal->rbegin()) {
        dir.problems.push_back({name, "not-in-journal",
                                "not listed in meta/_journal.json: drizzle-kit never runs it, and neither does strata", false});
        continue;
      }
      dir.problems.push_back({name, "not-in-journal",
                              "not listed in meta/_journal.json yet: strata runs it, drizzle-kit would not (`strata hash` "
                              "lists it)", false});
    }
    if (auto [it, fresh] = versions.emplace(f.version, name); !fresh) {
      dir.problems.push_back({name, "duplicate-version",
                              "version " + f.version + " is also used by " + it->second});
    }
    if (Status read = ReadMigrationFile(&f, roots, errors, &dir.notes); !read.ok()) {
      dir.problems.push_back({name, "unsafe-file", read.message()});
      continue;
    }
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
      if (f.version >= v) v = IncrementDigits(f.version);
    }
    return v;
  }
  // Digit strings of any length: a sequence number past 2^64 must not crash.
  std::string next = "0000";
  for (const auto& f : dir.files) {
    std::string v = IncrementDigits(f.version);
    size_t width = std::max(next.size(), v.size());
    std::string a = std::string(width - next.size(), '0') + next;
    std::string b = std::string(width - v.size(), '0') + v;
    next = std::max(a, b);
  }
  return next;
}


Status FileErrorsStatus(const MigrationDir& dir, const std::vector<FileError>& errs) {
  if (errs.empty()) return Status::Ok();
  std::string msg;
  for (const auto& e : errs) {
    const MigrationFile* f = nullptr;
    for (const auto& file : dir.files) {
      if (file.path == e.file) f = &file;
    }
    msg += (msg.empty() ? "" : "\n") + (f ? e.Format(f->content) : e.file + ": " + e.message);
  }
  return Status::InvalidInput(msg);
}

}  // namespace strata
