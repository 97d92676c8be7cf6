#include "migrate/sum_file.h"

#include <map>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"

namespace strata {

std::vector<SumEntry> ComputeSum(const MigrationDir& dir) {
  std::vector<SumEntry> out;
  std::string chain;
  for (const auto& f : dir.files) {
    chain = Sha256::Hex(chain + f.name + "\n" + f.checksum);
    out.push_back({f.name, chain});
  }
  return out;
}

std::string SerializeSum(const std::vector<SumEntry>& entries) {
  std::string out = std::string(kSumHeader) + "\n";
  for (const auto& e : entries) out += e.name + " " + e.hash + "\n";
  return out;
}

Result<std::vector<SumEntry>> ParseSum(const std::string& text, const std::string& path) {
  auto lines = Split(text, '\n');
  if (lines.empty() || Trim(lines[0]) != kSumHeader) {
    return Status::InvalidInput(path + ":1:1: not a strata.sum file (expected first line '" +
                                std::string(kSumHeader) + "'); run `strata hash` to rewrite it");
  }
  std::vector<SumEntry> out;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = Trim(lines[i]);
    if (line.empty()) continue;
    size_t sp = line.rfind(' ');
    if (sp == std::string_view::npos || line.size() - sp - 1 != 64) {
      return Status::InvalidInput(path + ":" + std::to_string(i + 1) +
                                  ":1: malformed line (expected '<file> <sha256>'); run `strata hash`");
    }
    out.push_back({std::string(line.substr(0, sp)), std::string(line.substr(sp + 1))});
  }
  return out;
}

std::vector<SumProblem> CheckSum(const MigrationDir& dir, const std::vector<SumEntry>& recorded) {
  std::vector<SumProblem> problems;
  std::map<std::string, const SumEntry*> by_name;
  for (const auto& e : recorded) by_name[e.name] = &e;
  std::vector<SumEntry> now = ComputeSum(dir);
  bool chain_broken = false;
  for (size_t i = 0; i < now.size(); ++i) {
    auto it = by_name.find(now[i].name);
    if (it == by_name.end()) {
      problems.push_back({now[i].name, "not in strata.sum (added without `strata create`, or "
                                       "the sum file was not committed)"});
      chain_broken = true;
      continue;
    }
    if (it->second->hash != now[i].hash && !chain_broken) {
      bool position_changed = i >= recorded.size() || recorded[i].name != now[i].name;
      problems.push_back({now[i].name, position_changed
                                           ? "order differs from strata.sum (a file was added, "
                                             "removed or renamed before it)"
                                           : "edited since strata.sum was written"});
      chain_broken = true;
    }
    by_name.erase(it);
  }
  for (const auto& [name, entry] : by_name) {
    problems.push_back({name, "listed in strata.sum but the file is missing"});
  }
  return problems;
}

Status WriteSum(const MigrationDir& dir) {
  return WriteFileAtomic(JoinPath(dir.path, kSumFileName), SerializeSum(ComputeSum(dir)));
}

}  // namespace strata
