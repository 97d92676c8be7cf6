// SHA-256 (FIPS 180-4). Used for migration checksums and the strata.sum chain.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  std::array<uint8_t, 32> Finish();
  // Lower-case hex digest of `data`.
  static std::string Hex(std::string_view data);

 private:
  void Block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string ToHex(const uint8_t* data, size_t n);

// HMAC-SHA-256 (RFC 2104).
std::array<uint8_t, 32> HmacSha256(std::string_view key, std::string_view data);

// Standard base64 (RFC 4648), with padding.
std::string Base64(std::string_view data);

// A SCRAM-SHA-256 secret as pg_authid stores it (RFC 5802 and 7677):
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>. `password` must already be
// SASLprep-normalized (plain ASCII is).
std::string ScramSha256Secret(std::string_view password, std::string_view salt, int iterations);

}  // namespace strata
