#include "notifiers/slack/slack_channel.h"

#include "notifiers/core/webhook_channel_base.h"

namespace tributary::notifiers {

nlohmann::json SlackPayload(const OutgoingMessage& m) {
  // Three blocks (of at most SlackLimits::kBlocks). The body was rendered to fit
  // its section (kSlackBodyBudget); one that does not (a digest, a re-routed
  // message) is cut before its last paragraph, the link.
  using L = SlackLimits;
  return {
      {"text", CutText(m.title, L::kTextChars)},
      {"blocks",
       {{{"type", "header"},
         {"text",
          {{"type", "plain_text"}, {"text", CutText(m.title, L::kHeaderChars)}, {"emoji", true}}}},
        {{"type", "section"},
         {"text", {{"type", "mrkdwn"}, {"text", CutKeepingEnd(m.body, L::kSectionChars)}}}},
        {{"type", "context"},
         {"elements",
          {{{"type", "mrkdwn"},
            {"text",
             CutText("Tributary · " + m.kind + " · severity " + m.severity + " · team " + m.team,
                     L::kSectionChars)}}}}}}}};
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
