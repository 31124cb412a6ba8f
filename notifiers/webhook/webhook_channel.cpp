#include "notifiers/webhook/webhook_channel.h"

#include "notifiers/core/webhook_channel_base.h"
#include "notifiers/signing/standard_webhooks.h"

namespace tributary::notifiers {

std::string WebhookMessageId(const std::string& idempotency_key) {
  return "msg_" + Fingerprint(idempotency_key) + Fingerprint("#" + idempotency_key);
}

nlohmann::json WebhookPayload(const OutgoingMessage& m) {
  return {{"type", "tributary." + m.kind},
          {"timestamp", FormatRfc3339(m.created_at)},
          {"data",
           {{"id", m.id},
            {"kind", m.kind},
            {"team", m.team},
            {"severity", m.severity},
            {"title", m.title},
            {"text", m.body},
            {"facts", m.facts}}}};
}

Result<std::unique_ptr<Channel>> MakeWebhookChannel(WebhookConfig config, const EgressGuard& guard,
                                                    const Clock& clock) {
  std::string key;
  if (!config.secret.empty()) {
    auto decoded = DecodeWebhookSecret(config.secret);
    if (!decoded.ok()) {
      return InvalidArgument("channel " + config.name + ": " + decoded.status().message());
    }
    key = std::move(decoded).value();
  }
  auto encode = [key, &clock](const OutgoingMessage& m) {
    const std::string body = WebhookPayload(m).dump();
    const std::string id = WebhookMessageId(m.id);
    const std::int64_t ts = ToMillis(clock.Now()) / 1000;
    JsonWebhookChannel::Headers headers{{"webhook-id", id},
                                        {"webhook-timestamp", std::to_string(ts)}};
    if (!key.empty()) {
      headers.emplace_back("webhook-signature", SignWebhook(key, id, ts, body));
    }
    return std::pair{body, headers};
  };
  return std::unique_ptr<Channel>(std::make_unique<JsonWebhookChannel>(
      std::move(config.name), "webhook", std::move(config.url), guard, encode, Duration(0)));
}

}  // namespace tributary::notifiers
