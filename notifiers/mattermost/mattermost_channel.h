#pragma once
// Mattermost: an incoming webhook receiving Markdown `text` (title as a
// heading) posted as "Tributary".

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary::notifiers {

struct MattermostConfig {
  std::string name;
  std::string url;  // https://<host>/hooks/<key>
};

nlohmann::json MattermostPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeMattermostChannel(MattermostConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
