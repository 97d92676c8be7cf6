// Runs a child process and collects its output. Used to drive PostgreSQL's own
// binaries (initdb, pg_ctl) and, in tests, the strata binary itself.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

struct ProcessOptions {
  std::string cwd;                              // empty: inherit
  std::map<std::string, std::string> set_env;   // added to (or replacing in) the environment
  std::vector<std::string> unset_env;
  std::string stdin_data;                       // written to the child's stdin, then closed
  bool capture = true;                          // false: child inherits stdout/stderr
};

struct ProcessResult {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string out;
  std::string err;
};

// What a failed child said, to quote in an error: its stderr (its stdout when stderr is
// empty), trimmed and cut after `max` bytes.
std::string FailureOutput(const ProcessResult& r, size_t max = 2000);

// REQUIRES: argv non-empty; argv[0] is looked up in PATH when it has no '/'.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const ProcessOptions& opts = {});

// Looks up `name` in PATH; empty when not found.
std::string FindInPath(const std::string& name);

}  // namespace strata
