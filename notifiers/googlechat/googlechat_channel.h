#pragma once
// Google Chat: a space's incoming webhook receiving a text message (Chat's
// simple formatting: *bold*, _italic_, lists as lines). Google Chat allows
// about one message per second per space.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary::notifiers {

struct GoogleChatConfig {
  std::string name;
  std::string url;  // https://chat.googleapis.com/v1/spaces/<space>/messages?key=...&token=...
};

nlohmann::json GoogleChatPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeGoogleChatChannel(GoogleChatConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
