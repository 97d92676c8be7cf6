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
std::string JoinPath(const std::string& a, const std::string& b);
// `path` made absolute and normal (no "." or ".." parts); the file need not exist.
std::string AbsolutePath(const std::string& path);

}  // namespace strata
