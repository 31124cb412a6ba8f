#pragma once
// The hex SHA-256 of a text: what [[auth.tokens]] sha256 holds for a token.

#include <openssl/sha.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace tributary::testing {

inline std::string Sha256Hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char two[3];
  for (unsigned char b : digest) {
    std::snprintf(two, sizeof two, "%02x", b);
    hex += two;
  }
  return hex;
}

}  // namespace tributary::testing
