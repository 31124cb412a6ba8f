#pragma once
// Mattermost: an incoming webhook receiving Markdown `text` (title as a
// heading) posted as "Tributary".

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"
#include "notifiers/templates/text_budget.h"

namespace tributary::notifiers {

// Mattermost's limit: a post's message is at most 16383 characters (runes)
// since server 5.0 (before: 4000). The title, a heading, is cut at 256.
struct MattermostLimits {
  static constexpr std::size_t kMessageChars = 16383;
  static constexpr std::size_t kTitleChars = 256;
};
// The rendered body is the message after "#### <title>\n\n".
inline constexpr BodyBudget kMattermostBodyBudget{
    MattermostLimits::kMessageChars - MattermostLimits::kTitleChars - 7, TextUnit::kChars};

struct MattermostConfig {
  std::string name;
  std::string url;  // https://<host>/hooks/<key>
};

nlohmann::json MattermostPayload(const OutgoingMessage& message);
std::unique_ptr<Channel> MakeMattermostChannel(MattermostConfig config, const EgressGuard& guard);

}  // namespace tributary::notifiers
