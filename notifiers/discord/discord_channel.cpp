#include "notifiers/discord/discord_channel.h"

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
  // Embed limits: title 256, description 4096; content 2000.
  return {{"username", "Tributary"},
          {"content", Truncate(m.title, 2000)},
          {"embeds",
           {{{"title", Truncate(m.title, 256)},
             {"description", Truncate(m.body, 4096)},
             {"color", color},
             {"footer", {{"text", m.kind + " · " + m.team}}}}}},
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
