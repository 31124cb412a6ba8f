#include "notifiers/discord/discord_channel.h"

#include <algorithm>

#include "notifiers/core/webhook_channel_base.h"

namespace tributary::notifiers {

nlohmann::json DiscordPayload(const OutgoingMessage& m) {
  int color = 0x2F80ED;  // info
  if (m.severity == "critical") {
    color = 0xD0021B;
  } else if (m.severity == "high") {
    color = 0xF5A623;
  } else if (m.severity == "warning") {
    color = 0xF8E71C;
  }
  // The embed's title, footer and description together stay within the
  // message's total; the description gets what the other two leave.
  using L = DiscordLimits;
  const std::string title = CutText(m.title, L::kEmbedTitleChars);
  const std::string footer = CutText(m.kind + " · " + m.team, 256);
  const std::size_t description_max =
      std::min(L::kEmbedDescriptionChars, L::kEmbedsTotalChars - Measure(title) - Measure(footer));
  return {{"username", "Tributary"},
          {"content", CutText(m.title, L::kContentChars)},
          {"embeds",
           {{{"title", title},
             {"description", CutKeepingEnd(m.body, description_max)},
             {"color", color},
             {"footer", {{"text", footer}}}}}},
          {"allowed_mentions", {{"parse", nlohmann::json::array()}}}};
}

std::unique_ptr<Channel> MakeDiscordChannel(DiscordConfig config, const EgressGuard& guard) {
  return std::make_unique<JsonWebhookChannel>(
      std::move(config.name), "discord", std::move(config.url), guard,
      [](const OutgoingMessage& m) {
        return std::pair{DiscordPayload(m).dump(), JsonWebhookChannel::Headers{}};
      },
      std::chrono::milliseconds(500));
}

}  // namespace tributary::notifiers
