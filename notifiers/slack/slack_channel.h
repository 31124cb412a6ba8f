#pragma once
// Slack: an incoming webhook receiving a Block Kit message (header, mrkdwn
// section, context line) with `text` as the notification fallback. Slack
// allows about one message per second per webhook.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary::notifiers {

struct SlackConfig {
  std::string name;
  std::string url;  // https://hooks.slack.com/services/...
};

nlohmann::json SlackPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeSlackChannel(SlackConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
