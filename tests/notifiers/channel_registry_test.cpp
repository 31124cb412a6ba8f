// The channel registry (notifiers/channel_registry.h): one row per channel
// type, read by the config, the templates and the composition root, so every
// row must build its own adapter and have templates for every kind.

#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "notifiers/channel_registry.h"
#include "support/http_receiver.h"
#include "tributary/notification_kind.h"

using namespace tributary;
using namespace tributary::notifiers;
using nlohmann::json;
using tributary::testing::HttpReceiver;

namespace {

const Timestamp kT0 = *ParseRfc3339("2026-11-25T10:00:00Z");
// whsec_ + base64("tributary-test-signing-key-32byt")
const std::string kSecret = "whsec_dHJpYnV0YXJ5LXRlc3Qtc2lnbmluZy1rZXktMzJieXQ=";

struct Deps {
  EgressGuard http{EgressPolicy{{"127.0.0.1", "localhost"}, {"http", "https"}}};
  EgressGuard smtp{EgressPolicy{{"127.0.0.1", "localhost"}, {"smtp", "smtps"}}};
  FakeClock clock{kT0};
  ChannelDeps deps() const { return {http, smtp, clock}; }
};

ChannelSettings SettingsFor(const ChannelType& type, const std::string& url) {
  ChannelSettings s;
  s.name = "team-" + std::string(type.type);
  s.url = url;
  if (type.shape == ChannelShape::kSignedUrl) {
    s.secret = kSecret;
  }
  if (type.shape == ChannelShape::kEmail) {
    s.email.smtp_url = "smtp://127.0.0.1:2525";
    s.email.from = "tributary@example.com";
    s.email.to = {"team@example.com"};
  }
  return s;
}

OutgoingMessage Message() {
  OutgoingMessage m;
  m.id = "deprecation:orders/analytics/team-x";
  m.kind = "deprecation";
  m.team = "analytics";
  m.severity = "warning";
  m.title = "Deprecated: orders";
  m.body = "orders stops on 2026-06-30.";
  m.created_at = kT0;
  return m;
}

// Facts that every kind's templates can draw a title and a body from.
json Context(std::string_view kind) {
  return {{"kind", kind},
          {"team", "analytics"},
          {"team_display_name", "Analytics"},
          {"severity", "warning"},
          {"event_time", "2026-03-10T11:00:00Z"},
          {"decision_key", "k"},
          {"idempotency_key", "k/analytics/analytics-alerts"},
          {"ui_url", "https://tributary.example.com/ui/products/orders"},
          {"channel", "analytics-alerts"},
          {"product", "orders"},
          {"owner", "checkout"},
          {"topic", "topic:local/shop.orders.v1"},
          {"subject", "shop.orders.v1-value"},
          {"from_version", 1},
          {"to_version", 2},
          {"level", "BACKWARD"},
          {"cause", "incompatible_schema"},
          {"cause_incompatible_schema", true},
          {"reason", "replaced"},
          {"sunset", "2026-06-30T00:00:00Z"},
          {"sunset_date", "2026-06-30"},
          {"days_left", "7 days"},
          {"consumer", "group:local/analytics-daily"},
          {"consumer_count", 1},
          {"consumers", json::array({{{"id", "group:local/analytics-daily"}, {"depth", 1}}})},
          {"principal", "User:svc-analytics"},
          {"operation", "READ"},
          {"cause_acl_revoked", true},
          {"acl",
           {{"cluster", "local"},
            {"principal", "User:svc-analytics"},
            {"resource_type", "TOPIC"},
            {"resource_name", "shop.orders.v1"},
            {"pattern_type", "LITERAL"},
            {"operation", "READ"},
            {"permission", "ALLOW"},
            {"host", "*"}}},
          {"topics", json::array({"topic:local/shop.orders.v1"})}};
}

}  // namespace

TEST_CASE("the registry lists each channel type once") {
  SECTION("the documented types, in the documented order") {
    CHECK(ChannelTypeNames() == std::vector<std::string>{"email", "slack", "teams", "discord",
                                                         "mattermost", "googlechat", "webhook"});
  }
  SECTION("names are unique") {
    const auto names = ChannelTypeNames();
    CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  }
  SECTION("FindChannelType finds each row by its type") {
    for (const auto& type : ChannelTypes()) {
      INFO(type.type);
      const auto* found = FindChannelType(type.type);
      REQUIRE(found != nullptr);
      CHECK(found == &type);
    }
  }
  SECTION("FindChannelType of an unknown name is null, and names are exact") {
    CHECK(FindChannelType("pager") == nullptr);
    CHECK(FindChannelType("") == nullptr);
    CHECK(FindChannelType("Slack") == nullptr);
    CHECK(FindChannelType("slack ") == nullptr);
  }
  SECTION("the shapes: email takes SMTP settings, webhook a signing secret, chat a URL") {
    CHECK(FindChannelType("email")->shape == ChannelShape::kEmail);
    CHECK(FindChannelType("webhook")->shape == ChannelShape::kSignedUrl);
    for (const auto* chat : {"slack", "teams", "discord", "mattermost", "googlechat"}) {
      CHECK(FindChannelType(chat)->shape == ChannelShape::kUrl);
    }
  }
  SECTION("each type's templates are its dialect's, with an HTML part for email only") {
    const auto targets = TemplateTargets();
    REQUIRE(targets.size() == ChannelTypes().size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const auto& row = ChannelTypes()[i];
      INFO(row.type);
      CHECK(targets[i].type == row.type);
      CHECK(targets[i].dialect == row.dialect);
      CHECK(targets[i].escape == row.escape);
      CHECK(targets[i].html_part == (row.type == "email"));
    }
    CHECK(FindChannelType("slack")->escape == TemplateEscape::kSlack);
  }
}

TEST_CASE("every registered type has a factory that builds a channel of that type") {
  Deps deps;
  for (const auto& type : ChannelTypes()) {
    INFO(type.type);
    HttpReceiver receiver;
    const auto made = type.make(SettingsFor(type, receiver.url()), deps.deps());
    REQUIRE(made.ok());
    const auto& channel = **made;
    CHECK(channel.type() == type.type);
    CHECK(channel.name() == "team-" + std::string(type.type));
    CHECK_FALSE(channel.fingerprint().empty());
    if (type.shape != ChannelShape::kEmail) {
      // The URL given is where the adapter sends.
      const auto outcome = (*made)->Send(Message());
      CHECK(outcome.kind == SendOutcome::Kind::kDelivered);
      REQUIRE(receiver.count() == 1);
      CHECK(receiver.requests()[0].method == "POST");
      CHECK(receiver.requests()[0].target == "/hook");
    }
    if (type.shape == ChannelShape::kSignedUrl) {
      CHECK(receiver.requests()[0].headers.count("webhook-signature") == 1);
    }
  }
}

TEST_CASE("a factory refuses settings its adapter cannot use") {
  Deps deps;
  SECTION("a webhook secret that is not whsec_ base64 names the channel") {
    auto settings = SettingsFor(*FindChannelType("webhook"), "http://127.0.0.1:9/hook");
    settings.secret = "not-a-secret";
    const auto made = FindChannelType("webhook")->make(settings, deps.deps());
    REQUIRE_FALSE(made.ok());
    CHECK(made.status().code() == ErrorCode::kInvalidArgument);
    CHECK(made.status().message().find("team-webhook") != std::string::npos);
  }
  SECTION("a webhook without a secret is built unsigned") {
    HttpReceiver receiver;
    auto settings = SettingsFor(*FindChannelType("webhook"), receiver.url());
    settings.secret.clear();
    const auto made = FindChannelType("webhook")->make(settings, deps.deps());
    REQUIRE(made.ok());
    (*made)->Send(Message());
    REQUIRE(receiver.count() == 1);
    CHECK(receiver.requests()[0].headers.count("webhook-signature") == 0);
  }
  SECTION("two addresses of one type have different fingerprints") {
    const auto* slack = FindChannelType("slack");
    const auto a = slack->make(SettingsFor(*slack, "https://hooks.example.com/a"), deps.deps());
    const auto b = slack->make(SettingsFor(*slack, "https://hooks.example.com/b"), deps.deps());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK((*a)->fingerprint() != (*b)->fingerprint());
  }
}

TEST_CASE("the default templates render every kind for every registered type") {
  const auto templates = LoadTemplates("");
  REQUIRE(templates.ok());
  CHECK(templates->overridden().empty());
  REQUIRE(templates->channels().size() == ChannelTypes().size());
  CHECK(TemplateSet::Kinds().size() == kNotificationKinds.size());
  for (const auto kind : kNotificationKinds) {
    for (const auto& type : ChannelTypes()) {
      INFO(ToString(kind) << " / " << type.type);
      const auto m = templates->Render(ToString(kind), type.type, Context(ToString(kind)));
      REQUIRE(m.ok());
      CHECK_FALSE(m->title.empty());
      CHECK_FALSE(m->body.empty());
      CHECK(m->html.empty() == (type.type != "email"));
    }
  }
}
