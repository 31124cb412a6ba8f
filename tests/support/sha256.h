#pragma once
// The hex SHA-256 of a text: what [[auth.tokens]] sha256 holds for a token.

#include <openssl/sha.h>

#include <string>
#include <string_view>

#include "core/text_codec.h"

namespace tributary::testing {

inline std::string Sha256Hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace tributary::testing
