#pragma once
// Generic webhook, signed per Standard Webhooks: a JSON body
// {"type":"tributary.<kind>","timestamp","data":{...}} with the headers
// `webhook-id` (stable per notification: a retry or a re-send after a crash
// carries the same id, so the receiver can deduplicate), `webhook-timestamp`
// (Unix seconds of the attempt) and, when a `whsec_` secret is configured,
// `webhook-signature` = "v1,<base64 HMAC-SHA256 over id.timestamp.body>".

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"
#include "tributary/result.h"

namespace tributary::notifiers {

struct WebhookConfig {
  std::string name;
  std::string url;
  std::string secret;  // whsec_<base64>; empty: unsigned
};

// The webhook-id of a notification: "msg_" and 32 hex digits derived from its key.
std::string WebhookMessageId(const std::string& idempotency_key);
nlohmann::json WebhookPayload(const OutgoingMessage& message);
// InvalidArgument when the secret is not a valid whsec_ secret.
Result<std::unique_ptr<Channel>> MakeWebhookChannel(WebhookConfig config, const EgressGuard& guard,
                                                    const Clock& clock);

}  // namespace tributary::notifiers
