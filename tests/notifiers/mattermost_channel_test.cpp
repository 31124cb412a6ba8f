// The Mattermost channel's own payload, as a real receiver gets it: Markdown
// `text` with the title as a heading, posted as "Tributary", within
// Mattermost's post limit.

#include <algorithm>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "notifiers/mattermost/mattermost_channel.h"
#include "support/http_receiver.h"

using namespace tributary;
using namespace tributary::notifiers;
using nlohmann::json;
using tributary::testing::HttpReceiver;
using tributary::testing::ScriptedResponse;

namespace {

EgressGuard LocalGuard() {
  return EgressGuard(EgressPolicy{{"127.0.0.1", "localhost"}, {"http", "https"}});
}

OutgoingMessage Message(std::string body = "Version 2 of `stocktrades-value` is incompatible.") {
  OutgoingMessage m;
  m.id = "schema:stocktrades-value:2:7/analytics/a-mm";
  m.kind = "breaking_change";
  m.team = "analytics";
  m.severity = "critical";
  m.title = "Breaking change on stocktrades";
  m.body = std::move(body);
  m.created_at = *ParseRfc3339("2026-11-25T10:00:00Z");
  return m;
}

}  // namespace

TEST_CASE("Mattermost receives Markdown text with the title as a heading") {
  const auto guard = LocalGuard();
  HttpReceiver receiver;
  auto channel = MakeMattermostChannel({"a-mm", receiver.url("/hooks/abc123")}, guard);
  CHECK(channel->type() == "mattermost");
  CHECK(channel->name() == "a-mm");

  SECTION("one JSON POST to the incoming webhook") {
    CHECK(channel->Send(Message()).kind == SendOutcome::Kind::kDelivered);
    REQUIRE(receiver.count() == 1);
    const auto r = receiver.requests()[0];
    CHECK(r.method == "POST");
    CHECK(r.target == "/hooks/abc123");
    CHECK(r.headers.at("content-type") == "application/json");
  }
  SECTION("text is a level-4 heading, a blank line, then the body") {
    channel->Send(Message());
    const auto p = json::parse(receiver.requests()[0].body);
    CHECK(
        p["text"] ==
        "#### Breaking change on stocktrades\n\nVersion 2 of `stocktrades-value` is incompatible.");
  }
  SECTION("posted as Tributary, with the kind and notification id as props") {
    channel->Send(Message());
    const auto p = json::parse(receiver.requests()[0].body);
    CHECK(p["username"] == "Tributary");
    CHECK(p["props"]["tributary_kind"] == "breaking_change");
    CHECK(p["props"]["tributary_id"] == "schema:stocktrades-value:2:7/analytics/a-mm");
  }
  SECTION(
      "a long body is cut under Mattermost's 16383-character limit at a character boundary, "
      "marked with an ellipsis") {
    std::string body;
    for (int i = 0; i < 17000; ++i) {
      body += "\xC3\xA9";  // é: two bytes each
    }
    channel->Send(Message(body));
    REQUIRE(receiver.count() == 1);
    const auto text = json::parse(receiver.requests()[0].body)["text"].get<std::string>();
    // Characters (code points), not bytes: é is two bytes and one character.
    const auto chars = std::count_if(text.begin(), text.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    });
    CHECK(chars <= 16383);
    CHECK(chars > 16000);
    CHECK(text.substr(text.size() - 3) == "\xE2\x80\xA6");
  }
  SECTION("Mattermost has no rate limit of its own") {
    CHECK(channel->min_interval() == Duration(0));
  }
}

TEST_CASE("Mattermost answers decide what happens to the notification") {
  const auto guard = LocalGuard();
  SECTION("a 500 is retried later") {
    HttpReceiver receiver([](std::size_t) { return ScriptedResponse{500, {}, "boom"}; });
    auto channel = MakeMattermostChannel({"a-mm", receiver.url()}, guard);
    CHECK(channel->Send(Message()).kind == SendOutcome::Kind::kRetry);
  }
  SECTION("a 410 means the hook was removed") {
    HttpReceiver receiver([](std::size_t) { return ScriptedResponse{410, {}, "gone"}; });
    auto channel = MakeMattermostChannel({"a-mm", receiver.url()}, guard);
    CHECK(channel->Send(Message()).kind == SendOutcome::Kind::kGone);
  }
}
