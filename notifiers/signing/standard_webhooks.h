#pragma once
// Standard Webhooks signing (https://www.standardwebhooks.com, spec 1.0.0,
// symmetric scheme), for the `webhook` channel's `secret_env`.
//
// A signed request carries three headers:
//   webhook-id         the message id; the same on every retry (idempotency key)
//   webhook-timestamp  the attempt time, integer Unix seconds
//   webhook-signature  space-separated "v1,<base64(HMAC-SHA256(key, id.timestamp.body))>"
// The secret is configured as "whsec_<base64 of the key bytes>"; the key is the
// decoded bytes, not the text. The id must not contain '.' (the signed content
// is '.'-delimited); ours are generated, never user-controlled.
//
// VerifyWebhook() checks the signature only: a receiver must also refuse a
// timestamp outside its tolerance (the reference libraries use 5 minutes) and
// a webhook-id it has already processed.
//
// Key bytes are secrets: nothing here logs them or puts them in a message.
// Pure functions; safe to call from many threads at once.

#include <cstdint>
#include <string>
#include <string_view>

#include "tributary/result.h"

namespace tributary::notifiers {

inline constexpr std::string_view kWebhookIdHeader = "webhook-id";
inline constexpr std::string_view kWebhookTimestampHeader = "webhook-timestamp";
inline constexpr std::string_view kWebhookSignatureHeader = "webhook-signature";

// The key bytes of a "whsec_<base64>" secret (surrounding whitespace, such as
// the newline of a secret file, is ignored). InvalidArgument when the prefix
// is missing, the base64 is malformed (standard alphabet, padded) or the key
// is empty; the message never contains the secret.
Result<std::string> DecodeWebhookSecret(std::string_view whsec);

// "v1,<base64>": the webhook-signature value for one key.
// REQUIRES: !key_bytes.empty().
std::string SignWebhook(const std::string& key_bytes, std::string_view id, std::int64_t timestamp,
                        std::string_view body);

// Whether any "v1,..." entry of a webhook-signature header is the signature
// of (id, timestamp, body) under `key_bytes`; entries of other versions
// ("v1a,...") are skipped. Compared in constant time.
bool VerifyWebhook(const std::string& key_bytes, std::string_view id, std::int64_t timestamp,
                   std::string_view body, std::string_view signature_header);

}  // namespace tributary::notifiers
