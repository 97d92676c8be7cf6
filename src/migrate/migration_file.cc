#include "migrate/migration_file.h"

#include <cctype>
#include <map>
#include <memory>
#include <mutex>

#include "base/parse.h"
#include "base/strings.h"

namespace strata {
namespace {
// Past this many, more errors about one file help nobody (and would make reporting
// them quadratic in the file's size).
constexpr size_t kMaxErrorsPerFile = 20;
}  // namespace

std::string FileError::Format(std::string_view text) const {
  return PointAt(file, text, offset, message);
}

namespace {

// If `line` is a "-- strata:<name> <args>" comment, fills name (lower-cased) and args.
bool MatchDirective(std::string_view line, std::string* name, std::string* args) {
  std::string_view t = Trim(line);
  if (!StartsWith(t, "--")) return false;
  t = Trim(t.substr(2));
  if (t.size() < 7 || ToLower(t.substr(0, 7)) != "strata:") return false;
  t = Trim(t.substr(7));
  size_t sp = 0;
  while (sp < t.size() && !std::isspace(static_cast<unsigned char>(t[sp]))) ++sp;
  *name = ToLower(t.substr(0, sp));
  *args = std::string(Trim(t.substr(sp)));
  return true;
}

// Long user text cut for an error message (the message must stay readable).
std::string Abbreviate(std::string_view s) {
  return s.size() <= 60 ? std::string(s) : std::string(s.substr(0, 57)) + "...";
}

bool IsCodeLine(std::string_view line) {
  std::string_view t = Trim(line);
  return !t.empty() && !StartsWith(t, "--");
}

Status ApplyDirective(const std::string& name, const std::string& args, Directives* d,
                      int line_no, std::string* problem) {
  if (name == "no-transaction") {
    d->no_transaction = true;
  } else if (name == "lock-timeout" || name == "statement-timeout") {
    if (!IsValidDuration(args)) {
      *problem = "strata:" + name + " needs a duration such as 5s, 250ms or 30min (at most 24 days), not '" +
                 Abbreviate(args) + "'";
      return Status::InvalidInput(*problem);
    }
    (name == "lock-timeout" ? d->lock_timeout : d->statement_timeout) = args;
  } else if (name == "allow") {
    size_t sp = args.find_first_of(" \t");
    std::string rule = args.substr(0, sp);
    std::string reason = sp == std::string::npos ? "" : std::string(Trim(args.substr(sp)));
    if (rule.empty() || reason.empty()) {
      *problem = "strata:allow needs a rule and a reason: -- strata:allow <rule> <why it is safe>";
      return Status::InvalidInput(*problem);
    }
    d->allows.push_back({rule, reason, line_no});
  } else {
    *problem = "unknown directive 'strata:" + Abbreviate(name) +
               "' (known: no-transaction, lock-timeout, statement-timeout, allow, verify)";
    return Status::InvalidInput(*problem);
  }
  return Status::Ok();
}

// node-pg-migrate's marker: a comment line "-- Down Migration" (any case, any dashes and
// spaces after the "--").
bool IsDownMarker(std::string_view line) {
  std::string_view t = Trim(line);
  if (!StartsWith(t, "--")) return false;
  size_t i = 2;
  while (i < t.size() && (t[i] == '-' || t[i] == ' ' || t[i] == '\t')) ++i;
  auto word = [&](std::string_view w) {
    if (t.size() - i < w.size()) return false;
    for (size_t k = 0; k < w.size(); ++k) {
      if (std::tolower(static_cast<unsigned char>(t[i + k])) != w[k]) return false;
    }
    i += w.size();
    return true;
  };
  if (!word("down")) return false;
  size_t before = i;
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  return i > before && word("migration");
}

}  // namespace

Status ParseDirectives(MigrationFile* file, std::vector<FileError>* errors) {
  const std::string& text = file->content;
  bool in_header = true;
  size_t pos = 0;
  int line_no = 0;
  size_t first_error = errors->size();
  bool second_verify_reported = false;
  while (pos <= text.size()) {
    if (errors->size() - first_error >= kMaxErrorsPerFile) break;
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    std::string_view line(text.data() + pos, end - pos);
    ++line_no;
    std::string name, args, problem;
    if (MatchDirective(line, &name, &args)) {
      size_t col = pos + line.find('-');
      if (name == "verify") {
        if (file->verify_offset != std::string::npos) {
          if (!second_verify_reported) {
            errors->push_back({file->path, col, "a second strata:verify line; one section per file"});
            second_verify_reported = true;
          }
        } else {
          file->verify_offset = nl == std::string::npos ? text.size() : nl + 1;
        }
      } else if (!in_header && name != "allow") {
        errors->push_back({file->path, col,
                           "strata:" + name + " must be in the comments at the top of the file, "
                           "before the first statement"});
      } else if (!ApplyDirective(name, args, &file->directives, line_no, &problem).ok()) {
        errors->push_back({file->path, col, problem});
      } else if (name == "allow") {
        file->directives.allows.back().whole_file = in_header;
      }
    } else if (file->down_offset == std::string::npos && IsDownMarker(line)) {
      file->down_offset = pos;
      break;
    } else if (IsCodeLine(line)) {
      in_header = false;
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  if (errors->size() > first_error) return Status::InvalidInput((*errors)[first_error].message);
  return Status::Ok();
}

namespace {

Status ParseSection(const MigrationFile& file, size_t begin, size_t end,
                    std::vector<Statement>* out, std::vector<FileError>* errors) {
  std::string_view section = std::string_view(file.content).substr(begin, end - begin);
  auto stmts = ParseStatements(section);
  if (!stmts.ok()) {
    errors->push_back({file.path, begin, stmts.status().message()});
    return stmts.status();
  }
  for (Statement st : *stmts) {
    st.offset += begin;
    st.end += begin;
    st.error_offset += begin;
    out->push_back(st);
  }
  return Status::Ok();
}

}  // namespace

std::vector<const Statement*> ParsedMigration::Unparsed() const {
  std::vector<const Statement*> out;
  for (const auto* list : {&body, &verify}) {
    for (const Statement& st : *list) {
      if (!st.parsed) out.push_back(&st);
    }
  }
  return out;
}

namespace {

Result<ParsedMigration> ParseUncached(const MigrationFile& file, std::vector<FileError>* errors) {
  ParsedMigration pm;
  size_t body_end = std::min(file.verify_offset, file.up_end());
  size_t before = errors->size();
  if (ParseSection(file, 0, body_end, &pm.body, errors).ok() && body_end < file.up_end()) {
    ParseSection(file, body_end, file.up_end(), &pm.verify, errors);
  }
  for (const Statement& st : pm.verify) {
    if (st.transaction_control) {
      errors->push_back({file.path, st.offset,
                         "transaction control is not allowed in the verify section: verify "
                         "queries run inside the migration's transaction, before strata records "
                         "it, and a COMMIT there would commit the migration unrecorded"});
    }
  }
  for (const Statement& st : pm.body) {
    if (st.transaction_control) {
      errors->push_back({file.path, st.offset,
                         "transaction control is not allowed in a migration: strata runs each "
                         "file in its own transaction (use -- strata:no-transaction to run "
                         "statements one by one)"});
    } else if (st.needs_no_transaction && !file.directives.no_transaction) {
      errors->push_back({file.path, st.offset,
                         "this statement cannot run inside a transaction; put it in a file of "
                         "its own that starts with -- strata:no-transaction"});
    }
  }
  // A no-transaction file may verify too: its statements cannot be rolled back, but a
  // failed check leaves it unrecorded (partial), so the problem is seen and re-checked.
  if (errors->size() > before) return Status::InvalidInput((*errors)[before].message);
  return pm;
}

// Parsing is most of what a replay spends before its first statement reaches the server,
// so the replay parses ahead while it waits for its database. One process parses a file
// (path and content) once.
struct Memo {
  Result<ParsedMigration> result;
  std::vector<FileError> errors;
};
std::mutex g_memo_mu;
std::map<std::string, std::shared_ptr<const Memo>> g_memo;

}  // namespace

Result<ParsedMigration> ParseMigration(const MigrationFile& file, std::vector<FileError>* errors) {
  if (file.checksum.empty()) return ParseUncached(file, errors);
  std::string key = file.path + "\n" + file.checksum;
  std::shared_ptr<const Memo> memo;
  {
    std::lock_guard<std::mutex> lock(g_memo_mu);
    auto it = g_memo.find(key);
    if (it != g_memo.end()) memo = it->second;
  }
  if (!memo) {
    auto made = std::make_shared<Memo>(Memo{ParsedMigration{}, {}});
    made->result = ParseUncached(file, &made->errors);
    std::lock_guard<std::mutex> lock(g_memo_mu);
    memo = g_memo.emplace(key, std::move(made)).first->second;
  }
  errors->insert(errors->end(), memo->errors.begin(), memo->errors.end());
  return memo->result;
}

}  // namespace strata
