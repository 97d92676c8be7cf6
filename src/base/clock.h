// Wall-clock helpers, always UTC.
#pragma once

#include <cstdint>
#include <string>

namespace strata {

// 17-digit migration timestamp YYYYMMDDHHMMSSmmm for now (UTC).
std::string MigrationTimestampNow();
// YYYY-MM-DD for now (UTC).
std::string DateNow();
// Milliseconds since the Unix epoch.
int64_t WallClockMillis();
// Monotonic milliseconds, for durations.
int64_t MonotonicMillis();
double MonotonicSeconds();

}  // namespace strata
