#pragma once
// Discord: a channel webhook receiving one embed (title, description, colour
// by severity); mentions are disabled so a rendered name can never ping anyone.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary::notifiers {

struct DiscordConfig {
  std::string name;
  std::string url;  // https://discord.com/api/webhooks/<id>/<token>
};

nlohmann::json DiscordPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeDiscordChannel(DiscordConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
