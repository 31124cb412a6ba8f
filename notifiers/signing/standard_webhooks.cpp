#include "notifiers/signing/standard_webhooks.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/text_codec.h"

namespace tributary::notifiers {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersion = "v1,";

std::string_view TrimAsciiSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")).
std::string SignatureBase64(const std::string& key_bytes, std::string_view id,
                            std::int64_t timestamp, std::string_view body) {
  std::string content;
  const std::string ts = std::to_string(timestamp);
  content.reserve(id.size() + ts.size() + body.size() + 2);
  content.append(id).append(".").append(ts).append(".").append(body);

  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key_bytes.data(), static_cast<int>(key_bytes.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac,
           &mac_size) == nullptr) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

}  // namespace

Result<std::string> DecodeWebhookSecret(std::string_view whsec) {
  const std::string_view text = TrimAsciiSpace(whsec);
  if (text.substr(0, kSecretPrefix.size()) != kSecretPrefix) {
    return InvalidArgument("webhook secret does not start with \"whsec_\"");
  }
  const std::string_view encoded = text.substr(kSecretPrefix.size());
  if (encoded.empty()) {
    return InvalidArgument("webhook secret has an empty key after \"whsec_\"");
  }
  auto key = Base64Decode(encoded);
  if (!key) {
    return InvalidArgument("webhook secret is not \"whsec_\" followed by padded base64");
  }
  return std::move(*key);
}

std::string SignWebhook(const std::string& key_bytes, std::string_view id, std::int64_t timestamp,
                        std::string_view body) {
  return std::string(kVersion) + SignatureBase64(key_bytes, id, timestamp, body);
}

bool VerifyWebhook(const std::string& key_bytes, std::string_view id, std::int64_t timestamp,
                   std::string_view body, std::string_view signature_header) {
  const std::string expected = SignatureBase64(key_bytes, id, timestamp, body);
  bool matched = false;
  std::size_t pos = 0;
  while (pos < signature_header.size()) {
    std::size_t end = signature_header.find(' ', pos);
    if (end == std::string_view::npos) {
      end = signature_header.size();
    }
    const std::string_view entry = signature_header.substr(pos, end - pos);
    pos = end + 1;
    if (entry.substr(0, kVersion.size()) != kVersion) {
      continue;
    }
    const std::string_view candidate = entry.substr(kVersion.size());
    // The length of a signature is public; its bytes are compared in constant time.
    if (candidate.size() == expected.size() &&
        CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
      matched = true;
    }
  }
  return matched;
}

}  // namespace tributary::notifiers
