// The Google Chat channel's own payload, as a real receiver gets it: a text
// message in Chat's simple formatting (*bold* title), within Chat's message
// limit, at most one message a second per space.

#include <algorithm>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "notifiers/googlechat/googlechat_channel.h"
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

OutgoingMessage Message(std::string body = "Version 2 of stocktrades-value is incompatible.") {
  OutgoingMessage m;
  m.id = "schema:stocktrades-value:2:7/analytics/a-chat";
  m.kind = "breaking_change";
  m.team = "analytics";
  m.severity = "critical";
  m.title = "Breaking change on stocktrades";
  m.body = std::move(body);
  m.created_at = *ParseRfc3339("2026-11-25T10:00:00Z");
  return m;
}

}  // namespace

TEST_CASE("Google Chat receives a text message with a bold title") {
  const auto guard = LocalGuard();
  HttpReceiver receiver;
  auto channel = MakeGoogleChatChannel(
      {"a-chat", receiver.url("/v1/spaces/AAAA/messages?key=k&token=t")}, guard);
  CHECK(channel->type() == "googlechat");
  CHECK(channel->name() == "a-chat");

  SECTION("one JSON POST to the space's webhook, query string kept") {
    CHECK(channel->Send(Message()).kind == SendOutcome::Kind::kDelivered);
    REQUIRE(receiver.count() == 1);
    const auto r = receiver.requests()[0];
    CHECK(r.method == "POST");
    CHECK(r.target == "/v1/spaces/AAAA/messages?key=k&token=t");
    CHECK(r.headers.at("content-type") == "application/json");
  }
  SECTION("the payload is only text: the title in *bold*, a blank line, then the body") {
    channel->Send(Message());
    const auto p = json::parse(receiver.requests()[0].body);
    CHECK(p == json{{"text",
                     "*Breaking change on stocktrades*\n\nVersion 2 of stocktrades-value is "
                     "incompatible."}});
  }
  SECTION("a long body is cut under Chat's 4096-character limit, marked with an ellipsis") {
    std::string body;
    for (int i = 0; i < 5000; ++i) {
      body += "\xC3\xA9";  // é: two bytes each
    }
    channel->Send(Message(body));
    REQUIRE(receiver.count() == 1);
    const auto text = json::parse(receiver.requests()[0].body)["text"].get<std::string>();
    // Characters (code points), not bytes: é is two bytes and one character.
    const auto chars = std::count_if(text.begin(), text.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    });
    CHECK(chars <= 4096);
    CHECK(chars > 4000);
    CHECK(text.substr(text.size() - 3) == "\xE2\x80\xA6");
  }
  SECTION("at most one message a second per space") {
    CHECK(channel->min_interval() == std::chrono::seconds(1));
  }
}

TEST_CASE("Google Chat answers decide what happens to the notification") {
  const auto guard = LocalGuard();
  SECTION("a 429 is retried after Retry-After") {
    HttpReceiver receiver([](std::size_t) {
      return ScriptedResponse{429, {{"Retry-After", "30"}}, "slow down"};
    });
    auto channel = MakeGoogleChatChannel({"a-chat", receiver.url()}, guard);
    const auto outcome = channel->Send(Message());
    CHECK(outcome.kind == SendOutcome::Kind::kRetry);
    REQUIRE(outcome.retry_after.has_value());
    CHECK(*outcome.retry_after == std::chrono::seconds(30));
  }
  SECTION("a 400 (a message Chat refuses) will never succeed") {
    HttpReceiver receiver([](std::size_t) { return ScriptedResponse{400, {}, "bad"}; });
    auto channel = MakeGoogleChatChannel({"a-chat", receiver.url()}, guard);
    CHECK(channel->Send(Message()).kind == SendOutcome::Kind::kPermanent);
  }
}
