#include "migrate/drizzle_journal.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"
#include "migrate/migration_dir.h"

namespace strata {

std::string DrizzleJournalPath(const std::string& migrations_dir) { return JoinPath(migrations_dir, "meta/_journal.json"); }

bool HasDrizzleJournal(const std::string& migrations_dir) { return FileExists(DrizzleJournalPath(migrations_dir)); }

std::optional<std::set<std::string>> DrizzleJournalTags(const std::string& migrations_dir) {
  auto text = ReadFile(DrizzleJournalPath(migrations_dir));
  if (!text.ok()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("entries") || !j["entries"].is_array()) return std::nullopt;
  std::set<std::string> tags;
  for (const auto& e : j["entries"]) {
    if (e.is_object() && e.contains("tag") && e["tag"].is_string()) tags.insert(e["tag"].get<std::string>());
  }
  return tags;
}

Status AppendDrizzleJournal(const std::string& migrations_dir, const std::vector<std::string>& file_names, int64_t now_ms) {
  std::string path = DrizzleJournalPath(migrations_dir);
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("entries") || !j["entries"].is_array()) {
    return Status::InvalidInput(path + ": not a drizzle-kit journal (an object with an \"entries\" list); "
                                "the new migration files were written, the journal was not updated");
  }
  nlohmann::ordered_json& entries = j["entries"];
  int64_t when = now_ms;
  int64_t idx = 0;
  std::string version = j.value("version", std::string("7"));
  for (const auto& e : entries) {
    if (e.contains("when") && e["when"].is_number_integer()) when = std::max(when, e["when"].get<int64_t>() + 1);
    if (e.contains("idx") && e["idx"].is_number_integer()) idx = std::max(idx, e["idx"].get<int64_t>() + 1);
  }
  for (const auto& name : file_names) {
    if (!EndsWith(name, ".sql") || EndsWith(name, kRollbackSuffix)) continue;
    std::string tag = name.substr(0, name.size() - 4);
    bool listed = false;
    for (const auto& e : entries) listed = listed || e.value("tag", std::string()) == tag;
    if (listed) continue;
    entries.push_back({{"idx", idx++}, {"version", version}, {"when", when++}, {"tag", tag}, {"breakpoints", true}});
  }
  return WriteFileAtomic(path, j.dump(2));
}

}  // namespace strata
