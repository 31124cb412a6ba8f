#include "notifiers/slack/slack_channel.h"

#include "notifiers/core/webhook_channel_base.h"

namespace tributary::notifiers {

nlohmann::json SlackPayload(const OutgoingMessage& m) {
  // Block Kit limits: header text 150 characters, section text 3000.
  return {{"text", Truncate(m.title, 3000)},
          {"blocks",
           {{{"type", "header"},
             {"text", {{"type", "plain_text"}, {"text", Truncate(m.title, 150)}, {"emoji", true}}}},
            {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", Truncate(m.body, 3000)}}}},
            {{"type", "context"},
             {"elements",
              {{{"type", "mrkdwn"},
                {"text", "Tributary · " + m.kind + " · severity " + m.severity + " · team " +
                             m.team}}}}}}}};
}

std::unique_ptr<Channel> MakeSlackChannel(SlackConfig config, const EgressGuard& guard) {
  return std::make_unique<JsonWebhookChannel>(
      std::move(config.name), "slack", std::move(config.url), guard,
      [](const OutgoingMessage& m) {
        return std::pair{SlackPayload(m).dump(), JsonWebhookChannel::Headers{}};
      },
      std::chrono::seconds(1));
}

}  // namespace tributary::notifiers
