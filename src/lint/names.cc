#include "lint/names.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "migrate/template.h"

namespace strata {

std::vector<Diagnostic> LintNames(const NameLintInput& in) {
  const MigrationDir& dir = *in.dir;
  std::vector<Diagnostic> out;
  auto path = [&](const std::string& name) { return JoinPath(dir.path, name); };
  for (const auto& p : dir.problems) {
    Diagnostic d{p.rule, Severity::kError, path(p.file), 1, 1, p.message, ""};
    if (p.rule == "naming-scheme") {
      d.fix = dir.naming == Naming::kTimestamp
                  ? "rename it YYYYMMDDHHMMSSmmm_slug.sql (strata create does), or set naming = \"sequence\""
                  : "rename it NNNN_slug.sql (strata create does), or set naming = \"timestamp\"";
    } else if (p.rule == "duplicate-version") {
      d.fix = "give one of them a new version number";
    } else if (p.rule == "unsafe-file" || p.rule == "unrecordable-name") {
      d.fix = p.rule == "unsafe-file" ? "make it a regular file inside the project folder, or remove it"
                                      : "rename it without spaces or control characters";
    } else if (p.rule == "not-in-journal") {
      d.severity = Severity::kWarning;
      d.fix = "delete it, or list it in meta/_journal.json if it is a migration (strata create and generate list theirs)";
    } else {
      d.severity = Severity::kWarning;
      d.fix = "rename or delete it";
    }
    out.push_back(d);
  }
  for (const auto& e : in.directive_errors) {
    // The loaded text (a byte order mark stripped), not the file read again.
    const MigrationFile* f = nullptr;
    for (const auto& file : dir.files) {
      if (file.path == e.file) f = &file;
    }
    LineCol lc = f ? OffsetToLineCol(f->content, e.offset) : LineCol{};
    out.push_back({"directive", Severity::kError, e.file, lc.line, lc.col, e.message, ""});
  }
  if (in.sum == nullptr) {
    if (!dir.files.empty()) {
      out.push_back({"sum-missing", Severity::kWarning, path(kSumFileName), 1, 1,
                     "no strata.sum: edits to migrations cannot be detected before they run",
                     "run `strata hash` and commit strata.sum"});
    }
  } else {
    for (const auto& p : CheckSum(dir, *in.sum)) {
      out.push_back({"sum-mismatch", Severity::kError, path(p.file), 1, 1, p.message,
                     "restore the file; if the change is deliberate and unapplied, run `strata hash`"});
    }
  }
  // Two migrations written on top of the same one: two branches each generated (or
  // created) a migration, and both were merged. Their order is arbitrary and the later
  // one was never checked against the earlier.
  std::map<std::string, std::string> child;
  for (const auto& f : dir.files) {
    std::string parent = ParentOf(f.content);
    if (parent.empty()) continue;
    auto [it, fresh] = child.emplace(parent, f.name);
    if (!fresh) {
      out.push_back({"branch-conflict", Severity::kError, path(f.name), 1, 1,
                     "written on top of " + parent + ", like " + it->second +
                         ": two branches each added a migration after it",
                     "if " + f.name + " is not applied anywhere: delete it (and its _rollback.sql), run "
                     "`strata hash`, then `strata generate` again on top of " + it->second});
    }
  }
  if (in.applied != nullptr && !in.applied->empty()) {
    std::set<std::string> applied;
    std::string last;
    for (const auto& a : *in.applied) {
      applied.insert(a.name);
      last = std::max(last, a.name);
    }
    std::map<std::string, std::string> applied_sum;
    for (const auto& a : *in.applied) applied_sum[a.name] = a.checksum;
    for (const auto& f : dir.files) {
      auto it = applied_sum.find(f.name);
      if (it != applied_sum.end() && !it->second.empty() && it->second != f.checksum) {
        out.push_back({"applied-migration-edited", Severity::kError, path(f.name), 1, 1,
                       "this migration was applied to the database and has been edited since "
                       "(checksum " + it->second.substr(0, 12) + " applied, " + f.checksum.substr(0, 12) +
                           " on disk)",
                       "restore the applied text (git checkout) and write the change as a new migration"});
      }
    }
    for (const auto& f : dir.files) {
      if (!applied.count(f.name) && f.name < last && !in.allow_out_of_order) {
        out.push_back({"out-of-order", Severity::kError, path(f.name), 1, 1,
                       "pending, but sorts before " + last + ", which is already applied",
                       "give it a newer name, or pass --allow-out-of-order"});
      }
    }
  }
  return out;
}

}  // namespace strata
