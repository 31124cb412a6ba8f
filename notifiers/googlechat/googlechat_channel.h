#pragma once
// Google Chat: a space's incoming webhook receiving a text message (Chat's
// simple formatting: *bold*, _italic_, lists as lines). Google Chat allows
// about one message per second per space.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"
#include "notifiers/templates/text_budget.h"

namespace tributary::notifiers {

// Google Chat's limits: a message's text at most 4096 characters (the API
// answers 400 "Maximum length of the field is 4096"), a whole message at most
// 32,000 bytes (developers.google.com/workspace/chat/create-messages). 4096
// characters are at most 16 KB of UTF-8, so the text limit is the one that
// binds. The title, bold, is cut at 200.
struct GoogleChatLimits {
  static constexpr std::size_t kTextChars = 4096;
  static constexpr std::size_t kMessageBytes = 32000;
  static constexpr std::size_t kTitleChars = 200;
};
// The rendered body is the text after "*<title>*\n\n".
inline constexpr BodyBudget kGoogleChatBodyBudget{
    GoogleChatLimits::kTextChars - GoogleChatLimits::kTitleChars - 4, TextUnit::kChars};

struct GoogleChatConfig {
  std::string name;
  std::string url;  // https://chat.googleapis.com/v1/spaces/<space>/messages?key=...&token=...
};

nlohmann::json GoogleChatPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeGoogleChatChannel(GoogleChatConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
