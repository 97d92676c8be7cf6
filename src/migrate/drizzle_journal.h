// meta/_journal.json of a drizzle-kit `out` folder. drizzle-kit migrate applies exactly the
// files its entries list, in order of their "when"; strata keeps it listing every
// migration it writes there, so drizzle tooling still reads the folder.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

std::string DrizzleJournalPath(const std::string& migrations_dir);
bool HasDrizzleJournal(const std::string& migrations_dir);

// The tags (file names without .sql) the journal lists; nullopt when the folder has no
// journal or it cannot be read as one.
std::optional<std::set<std::string>> DrizzleJournalTags(const std::string& migrations_dir);

// Appends one entry per migration file name (".sql" dropped; rollback files are skipped),
// with "when" strictly after the last entry's and at least `now_ms`. Written atomically.
// A journal that is not drizzle's format is an error naming the file.
Status AppendDrizzleJournal(const std::string& migrations_dir, const std::vector<std::string>& file_names, int64_t now_ms);

}  // namespace strata
