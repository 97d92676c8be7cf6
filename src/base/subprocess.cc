#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"

extern char** environ;

namespace strata {
namespace {

std::vector<std::string> BuildEnv(const ProcessOptions& opts) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    bool drop = opts.set_env.count(key) > 0;
    for (const auto& u : opts.unset_env) drop = drop || u == key;
    if (!drop) env.push_back(kv);
  }
  for (const auto& [k, v] : opts.set_env) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void Pump(int in_fd, const std::string& input, int out_fd, std::string* out, int err_fd,
          std::string* err) {
  size_t written = 0;
  if (in_fd >= 0 && input.empty()) ::close(in_fd), in_fd = -1;
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = ::write(in_fd, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == input.size()) ::close(in_fd), in_fd = -1;
        continue;
      }
      ssize_t r = ::read(fds[i].fd, buf, sizeof(buf));
      std::string* dst = fds[i].fd == out_fd ? out : err;
      if (r > 0) {
        dst->append(buf, static_cast<size_t>(r));
      } else {
        ::close(fds[i].fd);
        (fds[i].fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
}

}  // namespace

namespace {

// The first executable `name` in the folders of `path` (a PATH value); empty when none.
std::string FindIn(std::string_view path, const std::string& name) {
  for (const auto& dir : Split(path, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  return FindIn(path ? path : "/usr/bin:/bin", name);
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const ProcessOptions& opts) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) ||
      ::pipe2(err_pipe, O_CLOEXEC)) {
    return Status::Io(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> env = BuildEnv(opts);
  auto cargs = CStrings(args);
  auto cenv = CStrings(env);
  // posix_spawn, not fork: glibc's runs the child on this process's memory until it
  // execs (CLONE_VFORK), instead of copying the page tables of a process that may hold a
  // large catalog, and without the fork-in-a-threaded-process hazards (another thread
  // holding the allocator's lock). argv[0] is looked up in the child's PATH, as execvp
  // would after the environment is replaced.
  std::string program = args.empty() ? std::string() : args[0];
  if (!program.empty() && program.find('/') == std::string::npos) {
    std::string_view path = "/usr/bin:/bin";
    for (const std::string& kv : env) {
      if (StartsWith(kv, "PATH=")) path = std::string_view(kv).substr(5);
    }
    program = FindIn(path, program);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  if (opts.capture) {
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  }
  if (!opts.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, opts.cwd.c_str());
  pid_t pid = -1;
  int spawned = program.empty() ? ENOENT
                                : ::posix_spawn(&pid, program.c_str(), &actions, nullptr, cargs.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    // What a shell says: exit 127 and a line on stderr (126 when the directory is missing).
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    ProcessResult res;
    bool no_dir = !opts.cwd.empty() && ::access(opts.cwd.c_str(), X_OK) != 0;
    res.exit_code = no_dir ? 126 : 127;
    std::string cannot = (args.empty() ? std::string("(no program)") : args[0]) + ": cannot execute\n";
    if (opts.capture) {
      res.err = cannot;
    } else {
      ssize_t ignored = ::write(2, cannot.data(), cannot.size());
      (void)ignored;
    }
    return res;
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ProcessResult res;
  Pump(in_pipe[1], opts.stdin_data, out_pipe[0], &res.out, err_pipe[0], &res.err);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  res.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return res;
}

std::string FailureOutput(const ProcessResult& r, size_t max) {
  std::string why(Trim(r.err.empty() ? r.out : r.err));
  if (why.size() > max) why = why.substr(0, max) + "...";
  return why;
}

}  // namespace strata
