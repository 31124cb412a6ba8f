#include "notifiers/channel_registry.h"

#include "notifiers/discord/discord_channel.h"
#include "notifiers/googlechat/googlechat_channel.h"
#include "notifiers/mattermost/mattermost_channel.h"
#include "notifiers/slack/slack_channel.h"
#include "notifiers/teams/teams_channel.h"
#include "notifiers/webhook/webhook_channel.h"

namespace tributary::notifiers {
namespace {

using Made = Result<std::unique_ptr<Channel>>;

// clang-format off
constexpr ChannelType kChannelTypes[] = {
  {"email", ChannelShape::kEmail, "email", TemplateEscape::kNone, {},
   [](ChannelSettings s, const ChannelDeps& d) -> Made { s.email.name = s.name; return MakeEmailChannel(std::move(s.email), d.smtp, d.clock); }},
  {"slack", ChannelShape::kUrl, "mrkdwn", TemplateEscape::kSlack, kSlackBodyBudget,
   [](ChannelSettings s, const ChannelDeps& d) -> Made { return MakeSlackChannel({s.name, s.url}, d.http); }},
  {"teams", ChannelShape::kUrl, "teams", TemplateEscape::kChat, kTeamsBodyBudget,
   [](ChannelSettings s, const ChannelDeps& d) -> Made { return MakeTeamsChannel({s.name, s.url}, d.http); }},
  {"discord", ChannelShape::kUrl, "markdown", TemplateEscape::kChat, kDiscordBodyBudget,
   [](ChannelSettings s, const ChannelDeps& d) -> Made { return MakeDiscordChannel({s.name, s.url}, d.http); }},
  {"mattermost", ChannelShape::kUrl, "markdown", TemplateEscape::kChat, kMattermostBodyBudget,
   [](ChannelSettings s, const ChannelDeps& d) -> Made { return MakeMattermostChannel({s.name, s.url}, d.http); }},
  {"googlechat", ChannelShape::kUrl, "mrkdwn", TemplateEscape::kChat, kGoogleChatBodyBudget,
   [](ChannelSettings s, const ChannelDeps& d) -> Made { return MakeGoogleChatChannel({s.name, s.url}, d.http); }},
  {"webhook", ChannelShape::kSignedUrl, "webhook", TemplateEscape::kNone, {},
   [](ChannelSettings s, const ChannelDeps& d) -> Made { return MakeWebhookChannel({s.name, s.url, s.secret}, d.http, d.clock); }},
};
// clang-format on

}  // namespace

std::span<const ChannelType> ChannelTypes() { return kChannelTypes; }

const ChannelType* FindChannelType(std::string_view type) {
  for (const auto& t : kChannelTypes) {
    if (t.type == type) {
      return &t;
    }
  }
  return nullptr;
}

std::vector<std::string> ChannelTypeNames() {
  std::vector<std::string> out;
  for (const auto& t : kChannelTypes) {
    out.emplace_back(t.type);
  }
  return out;
}

std::vector<ChannelTemplates> TemplateTargets() {
  std::vector<ChannelTemplates> out;
  for (const auto& t : kChannelTypes) {
    out.push_back({std::string(t.type), std::string(t.dialect), t.escape,
                   t.shape == ChannelShape::kEmail, t.budget});
  }
  return out;
}

Result<TemplateSet> LoadTemplates(const std::filesystem::path& override_dir) {
  return TemplateSet::Load(override_dir, TemplateTargets());
}

}  // namespace tributary::notifiers
