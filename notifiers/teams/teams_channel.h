#pragma once
// Microsoft Teams: a Workflows ("When a Teams webhook request is received")
// webhook receiving a message with one Adaptive Card attachment (schema 1.4).

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary::notifiers {

struct TeamsConfig {
  std::string name;
  std::string url;  // the Workflows trigger URL
};

nlohmann::json TeamsPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeTeamsChannel(TeamsConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
