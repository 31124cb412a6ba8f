#include "notifiers/teams/teams_channel.h"

#include "notifiers/core/webhook_channel_base.h"

namespace tributary::notifiers {

nlohmann::json TeamsPayload(const OutgoingMessage& m) {
  using L = TeamsLimits;
  const bool urgent = m.severity == "critical" || m.severity == "high";
  nlohmann::json card = {
      {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
      {"type", "AdaptiveCard"},
      {"version", "1.4"},
      {"body",
       {{{"type", "TextBlock"},
         {"text", CutText(m.title, L::kTitleJsonBytes, TextUnit::kJsonBytes)},
         {"weight", "Bolder"},
         {"size", "Medium"},
         {"color", urgent ? "Attention" : "Default"},
         {"wrap", true}},
        {{"type", "TextBlock"},
         {"text", CutKeepingEnd(m.body, L::kBodyJsonBytes, TextUnit::kJsonBytes)},
         {"wrap", true}},
        {{"type", "FactSet"},
         {"facts",
          {{{"title", "Kind"}, {"value", CutText(m.kind, L::kFactJsonBytes, TextUnit::kJsonBytes)}},
           {{"title", "Severity"},
            {"value", CutText(m.severity, L::kFactJsonBytes, TextUnit::kJsonBytes)}},
           {{"title", "Team"},
            {"value", CutText(m.team, L::kFactJsonBytes, TextUnit::kJsonBytes)}}}}}}}};
  return {{"type", "message"},
          {"attachments",
           {{{"contentType", "application/vnd.microsoft.card.adaptive"},
             {"contentUrl", nullptr},
             {"content", card}}}}};
}

std::unique_ptr<Channel> MakeTeamsChannel(TeamsConfig config, const EgressGuard& guard) {
  return std::make_unique<JsonWebhookChannel>(
      std::move(config.name), "teams", std::move(config.url), guard,
      [](const OutgoingMessage& m) {
        return std::pair{TeamsPayload(m).dump(), JsonWebhookChannel::Headers{}};
      },
      std::chrono::milliseconds(250));
}

}  // namespace tributary::notifiers
