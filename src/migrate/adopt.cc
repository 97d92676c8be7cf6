#include "migrate/adopt.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/fs.h"
#include "base/strings.h"

namespace strata {
namespace {

Result<QueryResult> ReadTable(Session* s, const QualifiedName& table, const std::string& columns,
                              const std::string& order) {
  auto exists = s->ExecParams("SELECT to_regclass($1) IS NOT NULL", {table.Quoted()});
  if (!exists.ok()) return exists.status();
  if (exists->Get(0, 0) != "t") return Status::NotFound("history table " + table.Display() + " not found");
  auto r = s->Exec("SELECT " + columns + " FROM " + table.Quoted() + " ORDER BY " + order);
  if (!r.ok()) return r.status().Wrap("reading " + table.Display());
  return r;
}

void Finish(const MigrationDir& dir, const std::vector<AppliedMigration>& ours, AdoptPlan* plan) {
  std::set<std::string> recorded;
  for (const auto& a : ours) recorded.insert(a.name);
  std::vector<AdoptRow> kept;
  std::set<std::string> seen;
  for (auto& row : plan->matched) {
    seen.insert(row.file);
    if (recorded.count(row.file)) plan->already.push_back(row.file);
    else kept.push_back(row);
  }
  plan->matched = kept;
  for (const auto& f : dir.files) {
    if (!seen.count(f.name) && !recorded.count(f.name)) plan->not_recorded.push_back(f.name);
  }
}

}  // namespace

Result<AdoptPlan> PlanAdoptNodePgMigrate(Session* s, const MigrationDir& dir,
                                         const std::vector<AppliedMigration>& ours,
                                         const QualifiedName& table) {
  auto rows = ReadTable(s, table, "name, run_on::text", "id");
  if (!rows.ok()) return rows.status();
  std::map<std::string, const MigrationFile*> by_stem;
  for (const auto& f : dir.files) by_stem[f.stem()] = &f;
  AdoptPlan plan;
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    std::string name = rows->Get(i, 0);
    AdoptRow row{name, "", QuoteLiteral(rows->Get(i, 1)) + "::timestamptz", ""};
    std::string stem = EndsWith(name, ".sql") ? name.substr(0, name.size() - 4) : name;
    auto it = by_stem.find(stem);
    if (it == by_stem.end()) {
      row.reason = "no file " + stem + ".sql in " + dir.path;
      plan.unmatched.push_back(row);
      continue;
    }
    row.file = it->second->name;
    plan.matched.push_back(row);
  }
  Finish(dir, ours, &plan);
  return plan;
}

Result<AdoptPlan> PlanAdoptDrizzle(Session* s, const MigrationDir& dir,
                                   const std::vector<AppliedMigration>& ours,
                                   const QualifiedName& table, const std::string& journal_path) {
  std::map<std::string, std::string> tag_by_when;  // journal: when -> tag
  if (FileExists(journal_path)) {
    auto text = ReadFile(journal_path);
    if (!text.ok()) return text.status();
    auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("entries") || !j["entries"].is_array()) {
      return Status::InvalidInput(journal_path + ": not a drizzle journal (no \"entries\" array)");
    }
    for (const auto& e : j["entries"]) {
      if (e.contains("when") && e.contains("tag")) {
        tag_by_when[std::to_string(e["when"].get<int64_t>())] = e["tag"].get<std::string>();
      }
    }
  }
  auto rows = ReadTable(s, table, "hash, created_at::text", "created_at, id");
  if (!rows.ok()) return rows.status();
  std::map<std::string, const MigrationFile*> by_hash;
  for (const auto& f : dir.files) by_hash[f.checksum] = &f;
  AdoptPlan plan;
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    std::string hash = rows->Get(i, 0), when = rows->Get(i, 1);
    AdoptRow row{hash.substr(0, 12), "", "to_timestamp(" + when + " / 1000.0)", ""};
    auto tag = tag_by_when.find(when);
    if (tag != tag_by_when.end()) row.source = tag->second;
    auto it = by_hash.find(hash);
    if (it == by_hash.end()) {
      row.reason = tag != tag_by_when.end()
                       ? tag->second + ".sql differs from what drizzle applied (or is missing)"
                       : "no file with this sha256 in " + dir.path;
      plan.unmatched.push_back(row);
      continue;
    }
    if (tag != tag_by_when.end() && it->second->stem() != tag->second) {
      row.reason = "the journal names " + tag->second + " but the content is " + it->second->name;
      plan.unmatched.push_back(row);
      continue;
    }
    row.file = it->second->name;
    plan.matched.push_back(row);
  }
  Finish(dir, ours, &plan);
  return plan;
}

Status ApplyAdoptPlan(Session* s, const History& history, const MigrationDir& dir,
                      const AdoptPlan& plan) {
  if (plan.matched.empty()) return Status::Ok();
  std::string sql = "BEGIN;\n";
  for (const auto& row : plan.matched) {
    sql += history.AdoptSql(row.file, dir.Find(row.file)->checksum, row.applied_at) + ";\n";
  }
  auto r = s->Exec(sql + "COMMIT");
  if (!r.ok()) {
    s->Exec("ROLLBACK");
    return r.status().Wrap("recording adopted migrations");
  }
  return Status::Ok();
}

Result<AdoptPlan> Adopt(Session* s, const MigrationDir& dir, const AdoptRequest& r,
                        const std::function<void(const std::string&)>& on_wait, bool* recorded) {
  *recorded = false;
  auto lock = MigrationLock::Acquire(s, r.history, on_wait);
  if (!lock.ok()) return lock.status();
  History history(s, r.history);
  auto ours = history.Load();
  if (!ours.ok()) return ours.status();
  auto plan = r.tool == "drizzle" ? PlanAdoptDrizzle(s, dir, *ours, r.source, r.journal)
                                  : PlanAdoptNodePgMigrate(s, dir, *ours, r.source);
  if (!plan.ok()) return plan.status();
  if (!r.record || (!plan->unmatched.empty() && !r.allow_unmatched)) return plan;
  STRATA_RETURN_IF_ERROR(history.Ensure());
  STRATA_RETURN_IF_ERROR(ApplyAdoptPlan(s, history, dir, *plan));
  *recorded = true;
  return plan;
}

}  // namespace strata
