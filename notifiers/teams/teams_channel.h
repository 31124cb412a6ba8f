#pragma once
// Microsoft Teams: a Workflows ("When a Teams webhook request is received")
// webhook receiving a message with one Adaptive Card attachment (schema 1.4).

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"
#include "notifiers/templates/text_budget.h"

namespace tributary::notifiers {

// Teams' limit: a message posted by a webhook or a Workflows "post message"
// action is about 28 KB, the card's JSON included; above it the request fails
// with "Request Entity too large" (learn.microsoft.com: Microsoft Teams
// connector, "Known issues and limitations"; "Create Incoming Webhooks").
// Counted here as 28,000 bytes of the request body. The card around the body
// (title, facts, envelope) is kept under 4,000 bytes: the title is cut at 1,000
// bytes of JSON, each fact at 200.
struct TeamsLimits {
  static constexpr std::size_t kPayloadBytes = 28000;
  static constexpr std::size_t kTitleJsonBytes = 1000;
  static constexpr std::size_t kFactJsonBytes = 200;
  static constexpr std::size_t kBodyJsonBytes = 24000;
};
// The rendered body is the card's second TextBlock, counted as JSON bytes.
inline constexpr BodyBudget kTeamsBodyBudget{TeamsLimits::kBodyJsonBytes, TextUnit::kJsonBytes};

struct TeamsConfig {
  std::string name;
  std::string url;  // the Workflows trigger URL
};

nlohmann::json TeamsPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeTeamsChannel(TeamsConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
