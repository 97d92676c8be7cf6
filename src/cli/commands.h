// The command table. Each command lives in cmd_<name>.cc and gets argv with its own
// name first (argv[0] == "migrate").
#pragma once

namespace strata::cli {

using CommandFn = int (*)(int argc, char** argv);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

int RunCheck(int argc, char** argv);
int RunCreate(int argc, char** argv);
int RunDev(int argc, char** argv);
int RunDiff(int argc, char** argv);
int RunGenerate(int argc, char** argv);
int RunPush(int argc, char** argv);
int RunFake(int argc, char** argv);
int RunHash(int argc, char** argv);
int RunInit(int argc, char** argv);
int RunInspect(int argc, char** argv);
int RunLint(int argc, char** argv);
int RunMigrate(int argc, char** argv);
int RunRollback(int argc, char** argv);
int RunAdopt(int argc, char** argv);
int RunStatus(int argc, char** argv);
int RunTrace(int argc, char** argv);

}  // namespace strata::cli
