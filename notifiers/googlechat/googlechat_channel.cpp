#include "notifiers/googlechat/googlechat_channel.h"

#include "notifiers/core/webhook_channel_base.h"

namespace tributary::notifiers {

nlohmann::json GoogleChatPayload(const OutgoingMessage& m) {
  // A message's text is limited to 4096 characters.
  return {{"text", Truncate("*" + m.title + "*\n\n" + m.body, 4000)}};
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
