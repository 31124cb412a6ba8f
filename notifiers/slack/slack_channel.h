#pragma once
// Slack: an incoming webhook receiving a Block Kit message (header, mrkdwn
// section, context line) with `text` as the notification fallback. Slack
// allows about one message per second per webhook.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"
#include "notifiers/templates/text_budget.h"

namespace tributary::notifiers {

// Slack's Block Kit limits, as its reference states them
// (docs.slack.dev/reference/block-kit/blocks/header-block, .../section-block,
// .../reference/block-kit/blocks): a header's text at most 150 characters, a
// section's text at most 3000, at most 50 blocks in a message. Slack cuts a
// message's top-level `text` at 40,000 characters.
struct SlackLimits {
  static constexpr std::size_t kHeaderChars = 150;
  static constexpr std::size_t kSectionChars = 3000;
  static constexpr std::size_t kBlocks = 50;
  static constexpr std::size_t kTextChars = 40000;
};
// The rendered body is one section.
inline constexpr BodyBudget kSlackBodyBudget{SlackLimits::kSectionChars, TextUnit::kChars};

struct SlackConfig {
  std::string name;
  std::string url;  // https://hooks.slack.com/services/...
};

nlohmann::json SlackPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeSlackChannel(SlackConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
