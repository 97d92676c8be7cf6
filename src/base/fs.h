// File-system helpers. Writes that must survive a crash go through WriteFileAtomic.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

Result<std::string> ReadFile(const std::string& path);
// Writes `data` to a temp file beside `path`, fsyncs it, renames it over `path`, and
// fsyncs the directory (LevelDB SetCurrentFile).
Status WriteFileAtomic(const std::string& path, const std::string& data);
// Creates `path` only if it does not exist yet. Fails with kConflict when it does.
Status WriteNewFile(const std::string& path, const std::string& data);
bool FileExists(const std::string& path);
Status MakeDirs(const std::string& path);
// Names (not paths) of the regular files in `dir`, sorted bytewise.
Result<std::vector<std::string>> ListFiles(const std::string& dir);
// What a directory entry is, for files strata will read and run: symlinks are followed
// only when their target exists and lies inside one of `roots` (canonical paths), so
// that a link to /proc/self/environ or ~/.ssh is never read.
enum class EntryKind { kRegular, kDirectory, kDangling, kOutside, kOther };
EntryKind ClassifyEntry(const std::string& path, const std::vector<std::string>& roots);
// Every name in `dir` (any type), sorted.
Result<std::vector<std::string>> ListEntries(const std::string& dir);
// The canonical form of `path` (symlinks resolved), or `path` made absolute when it
// does not exist.
std::string CanonicalPath(const std::string& path);

std::string JoinPath(const std::string& a, const std::string& b);
// `path` made absolute and normal (no "." or ".." parts); the file need not exist.
std::string AbsolutePath(const std::string& path);

}  // namespace strata
