#include "notifiers/googlechat/googlechat_channel.h"

#include "notifiers/core/webhook_channel_base.h"

namespace tributary::notifiers {

nlohmann::json GoogleChatPayload(const OutgoingMessage& m) {
  using L = GoogleChatLimits;
  const std::string head = "*" + CutText(m.title, L::kTitleChars) + "*\n\n";
  return {{"text", head + CutKeepingEnd(m.body, L::kTextChars - Measure(head))}};
}

std::unique_ptr<Channel> MakeGoogleChatChannel(GoogleChatConfig config, const EgressGuard& guard) {
  return std::make_unique<JsonWebhookChannel>(
      std::move(config.name), "googlechat", std::move(config.url), guard,
      [](const OutgoingMessage& m) {
        return std::pair{GoogleChatPayload(m).dump(), JsonWebhookChannel::Headers{}};
      },
      std::chrono::seconds(1));
}

}  // namespace tributary::notifiers
