// Chat messages fit each platform's limits by design: whatever the number of
// consumers and the length of the reason, the message a team reads has its
// title, what to do and the link to the board; lists are summarised ("… and N
// more") and long free text is cut at a character boundary. Checked for every
// chat platform against its documented limits, per field and in total.

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "notifiers/channel_registry.h"
#include "notifiers/discord/discord_channel.h"
#include "notifiers/googlechat/googlechat_channel.h"
#include "notifiers/mattermost/mattermost_channel.h"
#include "notifiers/slack/slack_channel.h"
#include "notifiers/teams/teams_channel.h"

namespace tributary::notifiers {
namespace {

using nlohmann::json;

const std::string kBoard = "https://tributary.example.com/deprecations/orders";
const std::string kTitle = "Deprecated: orders, sunset 2026-06-30, replaced by orders-v2";

// Characters as the platforms count them (UTF-16 code units), counted here
// independently of the code under test.
std::size_t Chars(const std::string& s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) {
      n += b >= 0xF0 ? 2 : 1;
    }
  }
  return n;
}

std::string ConsumerId(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "group:prod/läser-%05d", i);
  return buf;
}

// About 10 KB of reason in Latin, Japanese, accented Latin and an emoji.
std::string LongReason() {
  const std::string piece =
      "Orders moves to the event-sourced ledger; 注文イベントは新しい台帳へ移行します — "
      "größere Änderungen 🚚. ";
  std::string reason;
  while (reason.size() < 10 * 1024) {
    reason += piece;
  }
  return reason;
}

json Context(const std::string& role, int consumers, const std::string& reason) {
  json c = {{"kind", "deprecation"},
            {"team", role == "owner" ? "commerce" : "analytics"},
            {"team_display_name", role == "owner" ? "Commerce" : "Analytics"},
            {"severity", "warning"},
            {"event_time", "2026-05-01T10:00:00Z"},
            {"decision_key", "deprecation:orders:1877"},
            {"idempotency_key", "deprecation:orders:1877/analytics/chat"},
            {"ui_url", kBoard},
            {"channel", "chat"},
            {"product", "orders"},
            {"owner", "commerce"},
            {"topic", "topic:prod/orders"},
            {"reason", reason},
            {"sunset", "2026-06-30T00:00:00Z"},
            {"replacement", "orders-v2"},
            {"actor", "alice"},
            {"role", role}};
  const char* list = role == "owner" ? "consumers_by_team" : "consumers";
  c[list] = json::array();
  for (int i = 0; i < consumers; ++i) {
    json entry = {{"id", ConsumerId(i)}, {"depth", 1 + i % 2}};
    if (role == "owner") {
      entry["team"] = "team-" + std::to_string(i % 7);
    }
    c[list].push_back(entry);
  }
  return c;
}

// What a platform's payload shows, and the limits it breaks.
struct Seen {
  std::string title;  // the field the title is shown in
  std::string body;   // the text the body is shown in
  std::vector<std::string> over;
};

void Limit(Seen& seen, const std::string& what, std::size_t size, std::size_t max) {
  if (size > max) {
    seen.over.push_back(what + " is " + std::to_string(size) + ", more than " +
                        std::to_string(max));
  }
}

// Slack Block Kit: header text 150 characters, section text 3000, at most 50
// blocks; the top-level text is cut by Slack at 40,000.
Seen SlackSeen(const json& p) {
  Seen s;
  Limit(s, "blocks", p["blocks"].size(), 50);
  Limit(s, "text", Chars(p["text"]), 40000);
  for (const auto& b : p["blocks"]) {
    if (b["type"] == "header") {
      s.title = b["text"]["text"];
      Limit(s, "header text", Chars(s.title), 150);
    } else if (b["type"] == "section") {
      const std::string text = b["text"]["text"];
      Limit(s, "section text", Chars(text), 3000);
      s.body += text + "\n";
    }
  }
  return s;
}

// Discord: content 2000 characters; embed title 256, description 4096, footer
// 2048, and all embeds' text together 6000; at most 10 embeds.
Seen DiscordSeen(const json& p) {
  Seen s;
  Limit(s, "content", Chars(p["content"]), 2000);
  Limit(s, "embeds", p["embeds"].size(), 10);
  std::size_t total = 0;
  for (const auto& e : p["embeds"]) {
    const std::string title = e["title"], description = e["description"];
    const std::string footer = e["footer"]["text"];
    Limit(s, "embed title", Chars(title), 256);
    Limit(s, "embed description", Chars(description), 4096);
    Limit(s, "embed footer", Chars(footer), 2048);
    total += Chars(title) + Chars(description) + Chars(footer);
    s.title += title;
    s.body += description;
  }
  Limit(s, "embeds in total", total, 6000);
  return s;
}

// Mattermost: a post's message is at most 16383 characters.
Seen MattermostSeen(const json& p) {
  Seen s;
  s.title = s.body = p["text"];
  Limit(s, "text", Chars(s.body), 16383);
  return s;
}

// Google Chat: text 4096 characters, the whole message 32,000 bytes.
Seen GoogleChatSeen(const json& p) {
  Seen s;
  s.title = s.body = p["text"];
  Limit(s, "text", Chars(s.body), 4096);
  Limit(s, "message bytes", p.dump().size(), 32000);
  return s;
}

// Teams (Workflows webhook): the request is at most 28 KB.
Seen TeamsSeen(const json& p) {
  Seen s;
  Limit(s, "payload bytes", p.dump().size(), 28000);
  const auto& body = p["attachments"][0]["content"]["body"];
  for (const auto& element : body) {
    if (element["type"] != "TextBlock") {
      continue;
    }
    if (s.title.empty()) {
      s.title = element["text"];
    } else {
      s.body += element["text"].get<std::string>() + "\n";
    }
  }
  return s;
}

struct Platform {
  std::string type;
  json (*payload)(const OutgoingMessage&);
  Seen (*seen)(const json&);
};

const std::vector<Platform>& Platforms() {
  static const std::vector<Platform> all = {
      {"slack", SlackPayload, SlackSeen},
      {"teams", TeamsPayload, TeamsSeen},
      {"discord", DiscordPayload, DiscordSeen},
      {"mattermost", MattermostPayload, MattermostSeen},
      {"googlechat", GoogleChatPayload, GoogleChatSeen},
  };
  return all;
}

// The consumer numbers listed in `text`, and the N of "… and N more" (-1: none).
std::pair<std::set<int>, long> Listed(const std::string& text) {
  std::set<int> ids;
  static const std::regex id("läser-([0-9]{5})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), id); it != std::sregex_iterator();
       ++it) {
    ids.insert(std::stoi((*it)[1]));
  }
  static const std::regex more("… and ([0-9]+) more");
  std::smatch m;
  return {ids, std::regex_search(text, m, more) ? std::stol(m[1]) : -1};
}

}  // namespace

TEST_CASE("chat messages fit each platform's limits with their title, action and link") {
  auto templates = LoadTemplates("");
  REQUIRE(templates.ok());
  const std::string long_reason = LongReason();
  for (const auto& platform : Platforms()) {
    for (const std::string role : {"consumer", "owner"}) {
      for (const int n : {1, 50, 500, 5000}) {
        for (const bool long_text : {false, true}) {
          const std::string reason =
              long_text ? long_reason : "Orders moves to the event-sourced ledger.";
          DYNAMIC_SECTION(platform.type << ", " << role << ", " << n << " consumers, "
                                        << (long_text ? "10 KB reason" : "short reason")) {
            auto rendered =
                templates->Render("deprecation", platform.type, Context(role, n, reason));
            REQUIRE(rendered.ok());
            OutgoingMessage m;
            m.id = "deprecation:orders:1877/analytics/chat";
            m.kind = "deprecation";
            m.team = "analytics";
            m.severity = "warning";
            m.title = rendered->title;
            m.body = rendered->body;
            const json payload = platform.payload(m);
            // Valid JSON: it serialises (every string is whole UTF-8) and parses back.
            std::string dumped;
            REQUIRE_NOTHROW(dumped = payload.dump());
            REQUIRE(json::parse(dumped) == payload);

            const Seen seen = platform.seen(payload);
            INFO("limits broken: " << json(seen.over).dump());
            CHECK(seen.over.empty());
            CHECK(seen.title.find(kTitle) != std::string::npos);
            CHECK(seen.body.find("What to do") != std::string::npos);
            CHECK(seen.body.find(kBoard) != std::string::npos);
            CHECK(seen.body.find("Orders moves to the event-sourced ledger") != std::string::npos);

            const auto [ids, more] = Listed(seen.body);
            CHECK(!ids.empty());
            if (more < 0) {
              CHECK(ids.size() == static_cast<std::size_t>(n));
            } else {
              CHECK(ids.size() + static_cast<std::size_t>(more) == static_cast<std::size_t>(n));
              // The first ones are listed, in order, none twice.
              CHECK(*ids.rbegin() == static_cast<int>(ids.size()) - 1);
              // As many as fit: one more consumer line would not fit the budget.
              const auto budget = FindChannelType(platform.type)->budget;
              std::size_t line = 0;
              for (std::size_t pos = 0; pos < rendered->body.size();) {
                const auto end = std::min(rendered->body.find('\n', pos), rendered->body.size());
                const auto text = rendered->body.substr(pos, end - pos);
                if (text.find("läser-") != std::string::npos) {
                  line = std::max(line, Measure(text + "\n", budget.unit));
                }
                pos = end + 1;
              }
              CHECK(Measure(rendered->body, budget.unit) + line > budget.max);
            }
          }
        }
      }
    }
  }
}

}  // namespace tributary::notifiers
