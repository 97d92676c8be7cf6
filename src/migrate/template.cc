#include "migrate/template.h"

#include <algorithm>
#include <cstdlib>
#include <future>

#include "base/clock.h"
#include "base/strings.h"
#include "base/subprocess.h"

namespace strata {
namespace {

std::string GitConfig(const std::string& key) {
  auto r = RunProcess({"git", "config", "--get", key});
  if (!r.ok() || r->exit_code != 0) return "";
  return std::string(Trim(r->out));
}

constexpr char kRule[] =
    "-- ============================================================================\n";

}  // namespace

namespace {

std::string ComputeAuthor() {
  std::string name = GitConfig("user.name"), email = GitConfig("user.email");
  if (name.empty()) {
    const char* user = std::getenv("USER");
    name = user ? user : "unknown";
  }
  return email.empty() ? name : name + " <" + email + ">";
}

// Two runs of git: started early (PrefetchMigrationAuthor), they cost a command nothing.
std::shared_future<std::string>& Author() {
  static std::shared_future<std::string> author = std::async(std::launch::async, ComputeAuthor).share();
  return author;
}

}  // namespace

void PrefetchMigrationAuthor() { Author(); }

std::string MigrationAuthor() { return Author().get(); }

std::string SlugTitle(const std::string& slug) {
  std::string t = slug;
  std::replace(t.begin(), t.end(), '_', ' ');
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

std::string RenderMigration(const MigrationText& m) {
  std::string out;
  for (const auto& d : m.directives) out += "-- strata:" + d + "\n";
  out += "-- Migration: " + SlugTitle(m.slug) + "\n-- Date: " + DateNow() + "\n-- Author: " + MigrationAuthor() +
         "\n-- Source: " + (m.source.empty() ? "(ticket, audit or discussion)" : m.source) + "\n" +
         (m.parent.empty() ? "" : "-- Parent: " + m.parent + "\n") + "--\n-- Implements:\n";
  if (m.implements.empty()) out += "-- - (what this migration changes)\n";
  for (const auto& i : m.implements) out += "-- - " + i + "\n";
  out += "--\n-- Rollback: " + (m.rollback ? "See " + m.stem + "_rollback.sql" : std::string("none")) + "\n\n";
  out += std::string(kRule) + "-- PART 1: " + SlugTitle(m.slug) + "\n" + kRule + "\n";
  out += m.body.empty() ? "\n\n" : m.body + "\n";
  out += std::string(kRule) + "-- VERIFICATION QUERIES\n" + "-- Each query must return one row whose first column is true.\n" +
         kRule + "-- strata:verify\n";
  for (const auto& q : m.verify) out += q + ";\n";
  return out;
}

std::string ParentOf(const std::string& content) {
  size_t at = 0;
  for (int line = 0; line < 40 && at < content.size(); ++line) {
    size_t nl = content.find('\n', at);
    std::string_view l = std::string_view(content).substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (StartsWith(l, "-- Parent: ")) return std::string(Trim(l.substr(11)));
    if (!StartsWith(l, "--") && !Trim(l).empty()) break;  // the header is over
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return "";
}

std::string RenderRollback(const std::string& stem, const std::string& body) {
  return "-- Rollback: " + stem + "\n-- Run by hand only: strata rollback (never automated).\n\n" + body;
}

}  // namespace strata
