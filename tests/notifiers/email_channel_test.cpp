// The email channel's message as a mail client reads it (Python's email
// package, strict policy): a Subject of any length and script comes back
// exactly, folded into lines of at most 78 characters (RFC 5322 §2.1.1) and,
// when not ASCII, written as encoded-words of at most 75 characters that each
// hold whole characters (RFC 2047 §2, §5); the HTML part is HTML5.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "notifiers/channel_registry.h"
#include "notifiers/email/email_channel.h"
#include "support/email_check.h"
#include "support/temp_dir.h"

namespace tributary::notifiers {
namespace {

using nlohmann::json;

EmailConfig Config() {
  EmailConfig config;
  config.name = "a-email";
  config.smtp_url = "smtp://127.0.0.1:25";
  config.from = "tributary@example.com";
  config.to = {"analytics@example.com"};
  return config;
}

OutgoingMessage Message(std::string title, std::string html = "") {
  OutgoingMessage m;
  m.id = "deprecation:orders:1877/analytics/a-email";
  m.kind = "deprecation";
  m.team = "analytics";
  m.severity = "warning";
  m.title = std::move(title);
  m.body = "Orders is deprecated.";
  m.html = std::move(html);
  return m;
}

std::string Compose(const OutgoingMessage& m) {
  return ComposeEmail(Config(), m, *ParseRfc3339("2026-11-25T10:00:00Z"));
}

// A context every kind's templates render a full message from.
json BroadContext(const std::string& kind) {
  return {{"kind", kind},
          {"team", "commerce"},
          {"team_display_name", "Commerce"},
          {"severity", "high"},
          {"event_time", "2026-05-01T10:00:00Z"},
          {"decision_key", kind + ":orders:1"},
          {"idempotency_key", kind + ":orders:1/commerce/a-email"},
          {"ui_url", "https://tributary.example.com/deprecations/orders"},
          {"channel", "a-email"},
          {"product", "orders"},
          {"owner", "commerce"},
          {"topic", "topic:prod/orders"},
          {"subject", "orders-value"},
          {"from_version", 1},
          {"to_version", 2},
          {"level", "BACKWARD"},
          {"mode", "READWRITE"},
          {"cause", "incompatible_schema"},
          {"incompatibilities",
           {{{"type", "TYPE_CHANGED"}, {"path", "/amount"}, {"message", "int to string"}}}},
          {"reason", "Moving to the ledger; 注文 größer."},
          {"sunset", "2026-06-30T00:00:00Z"},
          {"replacement", "orders-v2"},
          {"actor", "alice"},
          {"role", "owner_and_consumer"},
          {"before", "7d"},
          {"days_to_sunset", 7},
          {"consumer", "group:prod/new-reader"},
          {"consumer_team", "analytics"},
          {"consumer_count", 2},
          {"consumers", {{{"id", "group:prod/reader"}, {"depth", 1}}}},
          {"consumers_by_team",
           {{{"id", "group:prod/reader"}, {"team", "commerce"}, {"depth", 1}},
            {{"id", "group:prod/other"}, {"team", ""}, {"depth", 2}}}},
          {"principal", "principal:User:svc-orders"},
          {"operation", "READ"},
          {"topics", {"topic:prod/orders"}},
          {"acl",
           {{"cluster", "prod"},
            {"resource_type", "TOPIC"},
            {"resource_name", "orders"},
            {"pattern_type", "LITERAL"},
            {"operation", "READ"},
            {"permission", "ALLOW"}}}};
}

}  // namespace

TEST_CASE(
    "a Subject of any length and script reaches the reader exactly, folded per RFC 5322 "
    "and RFC 2047") {
  const std::vector<std::string> subjects = {
      // Long ASCII: folded at whitespace.
      "[Tributary] Deprecated: customer-orders-events-eu-west-1-production-stream, sunset "
      "2026-06-30, replaced by customer-orders-events-eu-west-1-production-stream-v2",
      // Long Japanese: several encoded-words, none splitting a character.
      "[Tributary] 非推奨: 顧客注文イベントストリーム本番環境欧州西部第一リージョン、"
      "2026-06-30 に終了、顧客注文イベントストリーム第二版に置き換え",
      // Long accented Latin.
      "[Tributary] Dépréciée : « Événements de commandes clientèle, région Europe de l'Ouest », "
      "arrêt le 2026-06-30, remplacée par « Événements de commandes clientèle v2 »",
      // Mixed: ASCII, Japanese, accented Latin and an emoji.
      "[Tributary] Deprecated: orders-注文イベント-größer-🚚-customer-events-eu-west, sunset "
      "2026-06-30, replaced by Bestellungen-Ereignisse-v2 (注文 v2)",
      // A 509-character name, as in the report.
      "[Tributary] Deprecated: " +
          [] {
            std::string s;
            while (s.size() < 509) {
              s += "Événements-注文-";
            }
            return s;
          }(),
      // Short ASCII: one line, as is.
      "[Tributary] Deprecated: orders",
  };
  testing::TempDir dir;
  std::vector<std::string> mails;
  for (const auto& s : subjects) {
    mails.push_back(Compose(Message(s)));
  }
  const auto checks = testing::CheckEmails(dir.path(), mails);
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    INFO(subjects[i]);
    const auto& c = checks[i];
    INFO(c.error);
    CHECK(c.ok);
    CHECK(c.subject == subjects[i]);
    for (const auto& line : c.header_lines) {
      INFO(line);
      CHECK(line.size() <= 78);
    }
    for (const auto& word : c.encoded_words) {
      INFO(word);
      CHECK(word.size() <= 75);
    }
  }
  // ASCII is not encoded; text that is not is.
  CHECK(checks[0].encoded_words.empty());
  CHECK(checks[5].encoded_words.empty());
  CHECK(checks[1].encoded_words.size() > 1);
  CHECK(checks[3].encoded_words.size() > 1);
  // The short one is one line.
  CHECK(std::count_if(checks[5].header_lines.begin(), checks[5].header_lines.end(),
                      [](const std::string& l) { return l.starts_with("Subject: "); }) == 1);
  CHECK(mails[5].find("\r\nSubject: [Tributary] Deprecated: orders\r\nMessage-ID:") !=
        std::string::npos);
}

TEST_CASE("the HTML part of every kind is HTML5") {
  auto templates = LoadTemplates("");
  REQUIRE(templates.ok());
  testing::TempDir dir;
  std::vector<std::string> mails;
  for (const auto& kind : TemplateSet::Kinds()) {
    auto rendered = templates->Render(kind, "email", BroadContext(kind));
    REQUIRE(rendered.ok());
    mails.push_back(Compose(Message(rendered->title, rendered->html)));
  }
  // A body without an HTML template is sent as a whole document too.
  mails.push_back(Compose(Message("[Tributary] plain")));
  const auto checks = testing::CheckEmails(dir.path(), mails);
  const bool have_tidy = std::system("command -v tidy >/dev/null 2>&1") == 0;
  if (!have_tidy) {
    WARN("tidy is not installed: the HTML parts are checked for obsolete attributes only");
  }
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const auto& html = checks[i].html;
    INFO(html);
    REQUIRE(checks[i].ok);
    CHECK(html.starts_with("<!DOCTYPE html>"));
    // Presentational attributes HTML5 made obsolete: CSS instead.
    for (const char* attribute : {" align=", " valign=", " bgcolor=", " border=", " width=",
                                  " cellpadding=", " cellspacing="}) {
      CHECK(html.find(attribute) == std::string::npos);
    }
    if (have_tidy) {
      const auto file = dir.path() / ("part-" + std::to_string(i) + ".html");
      std::ofstream(file, std::ios::binary) << html;
      // tidy exits 0 with neither warnings nor errors.
      CHECK(std::system(("tidy -q -e -utf8 '" + file.string() + "' 2>&1").c_str()) == 0);
    }
  }
}

}  // namespace tributary::notifiers
