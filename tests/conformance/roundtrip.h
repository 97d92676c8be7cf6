// Round trips through a real server, shared by the conformance tests.
#pragma once

#include <string>
#include <vector>

namespace strata::testing {

enum class Outcome { kPass, kUnsupported, kNotLoadable, kFail };
const char* OutcomeName(Outcome o);

struct RoundTripResult {
  Outcome outcome = Outcome::kFail;
  std::string detail;  // why, for everything but kPass
};

// Applies `scripts` to an empty database, inspects it, applies the printed SQL to a second
// empty database, inspects that, and compares the two JSON snapshots. Owns its two
// databases and empties them between runs (much faster than CREATE DATABASE); one per thread.
class RoundTripper {
 public:
  RoundTripper();
  ~RoundTripper();
  RoundTripResult Run(const std::vector<std::string>& scripts);

 private:
  std::string a_, b_;
};

// Drops every user schema, extension, event trigger and user cast, then recreates the
// public schema as initdb makes it. Returns the error, if any.
std::string ResetDatabase(const std::string& url);

// Runs each statement of `sql` on `url` (split with PostgreSQL's parser so that
// statements that refuse transaction blocks still run). Returns the first error.
std::string ApplyScript(const std::string& url, const std::string& sql);

// Creates the roles (cluster-wide) unless they exist.
void EnsureRoles(const std::vector<std::string>& roles);

void DropDatabase(const std::string& url);

}  // namespace strata::testing
