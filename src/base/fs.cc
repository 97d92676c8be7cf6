#include "base/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace strata {
namespace fs = std::filesystem;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {
Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Io(path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}
}  // namespace

Status WriteFileAtomic(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Io(tmp + ": " + std::strerror(errno));
  Status st = WriteAll(fd, data, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = Status::Io(tmp + ": fsync: " + std::strerror(errno));
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::Io(path + ": rename: " + std::strerror(errno));
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  std::string dir = fs::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status WriteNewFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Conflict(path + " already exists");
    return Status::Io(path + ": " + std::strerror(errno));
  }
  Status st = WriteAll(fd, data, path);
  ::close(fd);
  return st;
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Status::Io(path + ": " + ec.message());
  return Status::Ok();
}

Result<std::vector<std::string>> ListFiles(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::NotFound(dir + ": " + ec.message());
  for (const auto& entry : it) {
    if (entry.is_regular_file(ec)) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> ListEntries(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::NotFound(dir + ": " + ec.message());
  for (const auto& entry : it) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  auto p = fs::canonical(path, ec);
  if (!ec) return p.string();
  return AbsolutePath(path);
}

EntryKind ClassifyEntry(const std::string& path, const std::vector<std::string>& roots) {
  std::error_code ec;
  auto link = fs::symlink_status(path, ec);
  if (ec) return EntryKind::kDangling;
  if (fs::is_symlink(link)) {
    auto target = fs::canonical(path, ec);
    if (ec) return EntryKind::kDangling;
    std::string t = target.string();
    bool inside = false;
    for (const std::string& r : roots) {
      if (t == r || (t.size() > r.size() && t.compare(0, r.size(), r) == 0 &&
                     (r.back() == '/' || t[r.size()] == '/'))) {
        inside = true;
      }
    }
    if (!inside) return EntryKind::kOutside;
  }
  auto st = fs::status(path, ec);
  if (ec) return EntryKind::kDangling;
  if (fs::is_regular_file(st)) return EntryKind::kRegular;
  if (fs::is_directory(st)) return EntryKind::kDirectory;
  return EntryKind::kOther;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty() || a == ".") return b;
  if (!b.empty() && b[0] == '/') return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

}  // namespace strata
