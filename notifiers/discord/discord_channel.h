#pragma once
// Discord: a channel webhook receiving one embed (title, description, colour
// by severity); mentions are disabled so a rendered name can never ping anyone.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"
#include "notifiers/templates/text_budget.h"

namespace tributary::notifiers {

// Discord's limits (discord.com/developers/docs/resources/message, "Embed
// Limits", and "Create Message"): `content` at most 2000 characters; an
// embed's title 256, description 4096, footer text 2048; the title,
// description, field, footer and author texts of all embeds of a message
// together at most 6000.
struct DiscordLimits {
  static constexpr std::size_t kContentChars = 2000;
  static constexpr std::size_t kEmbedTitleChars = 256;
  static constexpr std::size_t kEmbedDescriptionChars = 4096;
  static constexpr std::size_t kEmbedFooterChars = 2048;
  static constexpr std::size_t kEmbedsTotalChars = 6000;
};
// The rendered body is the embed's description.
inline constexpr BodyBudget kDiscordBodyBudget{DiscordLimits::kEmbedDescriptionChars,
                                               TextUnit::kChars};

struct DiscordConfig {
  std::string name;
  std::string url;  // https://discord.com/api/webhooks/<id>/<token>
};

nlohmann::json DiscordPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeDiscordChannel(DiscordConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
