#include "base/subprocess.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(RunProcess, CapturesOutputExitCodeAndStdin) {
  auto r = RunProcess({"sh", "-c", "read line; echo \"out:$line\"; echo err >&2; exit 3"}, {.stdin_data = "hello\n"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out:hello\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunProcess, RunsInTheFolderWithTheEnvironmentGiven) {
  ProcessOptions o;
  o.cwd = "/tmp";
  o.set_env["STRATA_SUBPROCESS_TEST"] = "set";
  o.unset_env.push_back("HOME");
  auto r = RunProcess({"sh", "-c", "pwd; echo \"$STRATA_SUBPROCESS_TEST:${HOME-unset}\""}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "/tmp\nset:unset\n");
}

TEST(RunProcess, LooksTheProgramUpInTheChildsPath) {
  ProcessOptions o;
  o.set_env["PATH"] = "/nonexistent";
  auto r = RunProcess({"sh", "-c", "true"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_EQ(r->err, "sh: cannot execute\n");
}

TEST(RunProcess, MissingProgramOrFolderIsAnExitCodeAsInAShell) {
  auto missing = RunProcess({"strata-no-such-program"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 127);
  EXPECT_EQ(missing->err, "strata-no-such-program: cannot execute\n");
  auto absolute = RunProcess({"/nonexistent/bin/x"});
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->exit_code, 127);
  ProcessOptions o;
  o.cwd = "/nonexistent-folder";
  auto no_dir = RunProcess({"sh", "-c", "true"}, o);
  ASSERT_TRUE(no_dir.ok());
  EXPECT_EQ(no_dir->exit_code, 126);
}

TEST(RunProcess, ASignalIs128PlusItsNumber) {
  auto r = RunProcess({"sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 137);
}

}  // namespace
}  // namespace strata
