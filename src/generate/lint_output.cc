#include "generate/lint_output.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "base/strings.h"
#include "lint/sql_lint.h"
#include "migrate/migration_file.h"
#include "sql/tree.h"

namespace strata {
namespace {

// Why a step's statement may carry the finding: its hazard codes or the user's hint, read
// from the comment lines just above its first line. Empty when there is none.
std::string Reason(const std::vector<std::string>& lines, int first_line) {
  std::vector<std::string> hazards;
  for (int i = first_line - 2; i >= 0; --i) {
    std::string_view l = Trim(lines[i]);
    if (!StartsWith(l, "--")) break;
    if (StartsWith(l, "-- hinted with --rename")) return "renamed as asked with --rename";
    if (StartsWith(l, "--   hazard ")) {
      std::string_view code = l.substr(12);
      hazards.insert(hazards.begin(), std::string(code.substr(0, code.find(':'))));
    }
  }
  if (hazards.empty()) return "";
  std::string out = "planned by strata generate, which reported";
  for (size_t i = 0; i < hazards.size(); ++i) out += (i ? ", " : " ") + hazards[i];
  return out;
}

}  // namespace

Status AnnotateLintFindings(std::vector<GeneratedFile>* files) {
  std::vector<MigrationFile> migrations(files->size());
  std::vector<LintSource> sources;
  for (size_t i = 0; i < files->size(); ++i) {
    MigrationFile& mf = migrations[i];
    mf.name = mf.path = (*files)[i].name;
    mf.content = (*files)[i].content;
    std::vector<FileError> errs;
    ParseDirectives(&mf, &errs);
    sources.push_back(LintSourceOf(mf));
  }
  // As `strata lint` without --db sees the folder: what an earlier file created counts as
  // existing (the stricter view). Findings that vanish when the files are linted as one
  // run are about objects an earlier file of this generate creates (new, so empty): safe,
  // and said so in the allow.
  std::map<std::string, std::vector<Diagnostic>> found;  // by file
  // The files are parsed on both cores (the proof meanwhile mostly waits for the server).
  for (auto& d : LintFiles(LintOptions{}, nullptr, sources, /*one_run=*/false, 2)) found[d.file].push_back(std::move(d));
  std::optional<std::set<std::string>> in_run;  // "file:line:rule"; linted only when a finding has no hazard
  auto found_in_run = [&](const std::string& key) {
    if (!in_run) {
      in_run.emplace();
      for (const auto& d : LintFiles(LintOptions{}, nullptr, sources, /*one_run=*/true, 2)) {
        in_run->insert(d.file + ":" + std::to_string(d.line) + ":" + d.rule);
      }
    }
    return in_run->count(key) > 0;
  };
  std::string unexplained;
  for (size_t f = 0; f < files->size(); ++f) {
    GeneratedFile& gf = (*files)[f];
    const MigrationFile& mf = migrations[f];
    const std::vector<Diagnostic>& mine = found[gf.name];
    if (std::none_of(mine.begin(), mine.end(), [](const Diagnostic& d) { return d.severity == Severity::kError; })) {
      continue;  // nothing to allow: the file stays as written
    }
    auto parsed = ParseSql(mf.content);
    if (!parsed.ok()) return parsed.status();
    std::vector<std::string> lines = Split(mf.content, '\n');
    LineIndex index(mf.content);
    std::map<int, std::set<std::string>> allows;  // statement's first line -> "rule reason"
    for (const Diagnostic& d : found[gf.name]) {
      if (d.severity != Severity::kError) continue;
      int first = d.line;
      for (const auto& ps : parsed->statements()) {
        int a = index.At(ps.info.offset).line;
        int b = index.At(ps.info.end).line;
        if (a <= d.line && d.line <= b) {
          first = a;
          break;
        }
      }
      std::string reason = Reason(lines, first);
      if (reason.empty() && !found_in_run(gf.name + ":" + std::to_string(d.line) + ":" + d.rule)) {
        reason = "its table is created by an earlier file of the same strata generate (still empty)";
      }
      if (reason.empty()) {
        unexplained += "\n  " + gf.name + ":" + std::to_string(d.line) + ": [" + d.rule + "] " + d.message;
        continue;
      }
      allows[first].insert(d.rule + " " + reason);
    }
    for (auto it = allows.rbegin(); it != allows.rend(); ++it) {
      std::vector<std::string> add;
      for (const auto& a : it->second) add.push_back("-- strata:allow " + a);
      lines.insert(lines.begin() + (it->first - 1), add.begin(), add.end());
    }
    if (!allows.empty()) {
      std::string text;
      for (size_t i = 0; i < lines.size(); ++i) text += lines[i] + (i + 1 < lines.size() ? "\n" : "");
      gf.content = std::move(text);
    }
  }
  if (!unexplained.empty()) {
    return Status::InvalidInput("strata generate wrote SQL that strata lint rejects, without a reported "
                                "hazard (a bug; nothing was written):" + unexplained);
  }
  return Status::Ok();
}

bool OnlyAllowsAdded(const std::string& original, const std::string& annotated) {
  std::vector<std::string> a = Split(original, '\n');
  size_t i = 0;
  for (const std::string& line : Split(annotated, '\n')) {
    if (i < a.size() && line == a[i]) {
      ++i;
    } else if (!StartsWith(line, "-- strata:allow ")) {
      return false;
    }
  }
  return i == a.size();
}

}  // namespace strata
