#include "notifiers/mattermost/mattermost_channel.h"

#include "notifiers/core/webhook_channel_base.h"

namespace tributary::notifiers {

nlohmann::json MattermostPayload(const OutgoingMessage& m) {
  using L = MattermostLimits;
  const std::string head = "#### " + CutText(m.title, L::kTitleChars) + "\n\n";
  return {{"username", "Tributary"},
          {"text", head + CutKeepingEnd(m.body, L::kMessageChars - Measure(head))},
          {"props", {{"tributary_kind", m.kind}, {"tributary_id", m.id}}}};
}

std::unique_ptr<Channel> MakeMattermostChannel(MattermostConfig config, const EgressGuard& guard) {
  return std::make_unique<JsonWebhookChannel>(
      std::move(config.name), "mattermost", std::move(config.url), guard,
      [](const OutgoingMessage& m) {
        return std::pair{MattermostPayload(m).dump(), JsonWebhookChannel::Headers{}};
      },
      Duration(0));
}

}  // namespace tributary::notifiers
