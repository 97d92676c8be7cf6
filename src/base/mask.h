// Hiding secrets in anything strata prints. One linear pass; safe on any bytes and any
// length (it is fuzzed: tests/fuzz/fuzz_mask.cc).
#pragma once

#include <string>
#include <string_view>

namespace strata {

// Replaces passwords with "****":
//  - URL user info, in any scheme spelling (postgres://, POSTGRESQL://, jdbc:postgresql://),
//    percent-encoded or containing spaces: everything between the first ':' after "//" and
//    the last '@' before the path;
//  - keyword/value and query parameters: password=..., password = '...', ?password=...,
//    PGPASSWORD=... (any case);
//  - every secret registered with RegisterSecret (e.g. $PGPASSWORD's value).
std::string MaskPassword(std::string_view text);

// Adds a literal secret to mask wherever it appears (shorter than 4 bytes: ignored, as
// masking it would garble ordinary text). Thread-safe.
void RegisterSecret(std::string_view secret);

// The password in a URL or keyword conninfo (percent-decoded), or "" when none.
std::string PasswordOf(std::string_view conninfo);

}  // namespace strata
