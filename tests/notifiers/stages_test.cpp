// The dispatcher's stages as units (notifiers/core/stages.h): route, render,
// digest grouping, backoff and outcome -> update, without a log, a clock or a
// socket.

#include <catch2/catch.hpp>

#include "notifiers/channel_registry.h"
#include "notifiers/core/stages.h"

using namespace tributary;
using namespace tributary::notifiers;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr Timestamp kT0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25};

StoredIntent Intent(const std::string& team, const std::string& kind = "deprecation",
                    const std::string& severity = "warning") {
  StoredIntent s;
  s.id = 7;
  s.intent.idempotency_key = "deprecation:orders/" + team;
  s.intent.kind = kind;
  s.intent.team = team;
  s.intent.severity = severity;
  s.intent.facts = {{"product", "orders"},
                    {"owner", "sales"},
                    {"sunset_date", "2026-06-30"},
                    {"reason", "replaced"},
                    {"consumers", json::array()}};
  s.created_at = kT0;
  return s;
}

StoredDelivery Due(std::int64_t id, const std::string& team, const std::string& channel,
                   int attempts = 0) {
  StoredDelivery d;
  d.id = id;
  d.record.idempotency_key = "k" + std::to_string(id) + "/" + channel;
  d.record.kind = "deprecation";
  d.record.team = team;
  d.record.channel = channel;
  d.record.severity = "warning";
  d.record.subject = "subject " + std::to_string(id);
  d.record.body = "body " + std::to_string(id);
  d.attempts = attempts;
  d.created_at = kT0;
  return d;
}

}  // namespace

TEST_CASE("route: preferences, contacts, disabled channels and the fallback") {
  SECTION("a team is sent only the kinds and severities it asked for") {
    TeamPreferences p;
    p.kinds = {"breaking_change"};
    CHECK_FALSE(Wanted(Intent("a").intent, &p));
    CHECK(Wanted(Intent("a", "breaking_change", "critical").intent, &p));
    p.kinds.clear();
    p.min_severity = "high";
    CHECK_FALSE(Wanted(Intent("a", "deprecation", "warning").intent, &p));
    CHECK(Wanted(Intent("a", "deprecation", "critical").intent, &p));
    CHECK(Wanted(Intent("a").intent, nullptr));
  }
  SECTION("contacts come from the catalog then the config, once each, usable only") {
    CatalogState catalog;
    catalog.teams["a"] = TeamState{"Team A", {"slack", "mail", "gone"}};
    const std::map<std::string, std::vector<std::string>> config{{"a", {"mail", "hook"}}};
    auto usable = [](const std::string& c) { return c != "gone"; };
    CHECK(TeamContacts(catalog, config, "a", usable) ==
          std::vector<std::string>{"slack", "mail", "hook"});
    CHECK(TeamContacts(catalog, config, "a", usable, "mail") ==
          std::vector<std::string>{"slack", "hook"});
    CHECK(TeamContacts(catalog, config, "nobody", usable).empty());
  }
  SECTION("no contact: the fallback channel when there is one, else nowhere") {
    const auto own = RouteIntent({"slack"}, "ops", true);
    CHECK(own.channels == std::vector<std::string>{"slack"});
    CHECK_FALSE(own.fallback);
    const auto fallback = RouteIntent({}, "ops", true);
    CHECK(fallback.channels == std::vector<std::string>{"ops"});
    CHECK(fallback.fallback);
    CHECK(RouteIntent({}, "ops", false).channels.empty());
    CHECK(RouteIntent({}, "", true).channels.empty());
  }
  SECTION("an intent nobody can be told about is a dead delivery that says why") {
    NewEvent event;
    const auto dead = DeadForNoContact(Intent("lonely"), kT0, event);
    CHECK(dead.status == "dead");
    CHECK(dead.idempotency_key == "deprecation:orders/lonely/-");
    CHECK(dead.last_error.find("team \"lonely\" has no reachable contact") != std::string::npos);
    CHECK(std::holds_alternative<NotificationDeadLettered>(event.event));
  }
}

TEST_CASE("render: the context, the message and what a failed template leaves") {
  auto templates = LoadTemplates("");
  REQUIRE(templates.ok());
  CatalogState catalog;
  catalog.teams["a"] = TeamState{"Team A", {"slack"}};
  UiLinkBuilder link = [](const OutboxIntent& i, const json&) {
    return "https://ui.example/" + i.kind;
  };
  SECTION("the context carries the facts and what the dispatcher adds") {
    const auto ctx = RenderContext(Intent("a").intent, catalog, "slack", link);
    CHECK(ctx["product"] == "orders");
    CHECK(ctx["team_display_name"] == "Team A");
    CHECK(ctx["idempotency_key"] == "deprecation:orders/a/slack");
    CHECK(ctx["ui_url"] == "https://ui.example/deprecation");
    CHECK_FALSE(RenderContext(Intent("a").intent, catalog, "slack", nullptr).contains("ui_url"));
  }
  SECTION("a delivery is rendered for its channel type, due after the digest window") {
    NewEvent event;
    const auto stored = Intent("a");
    const auto d = RenderDelivery(stored, "team-a-chat", "slack", *templates,
                                  RenderContext(stored.intent, catalog, "team-a-chat", link), false,
                                  kT0, kT0 + 5min, event);
    CHECK(d.status == "queued");
    CHECK(d.idempotency_key == "deprecation:orders/a/team-a-chat");
    CHECK(d.subject.find("orders") != std::string::npos);
    CHECK(d.next_attempt_at == kT0 + 5min);
    CHECK(std::get<NotificationQueued>(event.event).channel == "team-a-chat");
  }
  SECTION("on the fallback channel the title says whom it was for") {
    NewEvent event;
    const auto stored = Intent("a");
    const auto d =
        RenderDelivery(stored, "ops", "slack", *templates,
                       RenderContext(stored.intent, catalog, "ops", link), true, kT0, kT0, event);
    CHECK(d.subject.rfind("[for team a] ", 0) == 0);
  }
  SECTION("a kind without templates is a dead delivery naming the reason") {
    NewEvent event;
    const auto stored = Intent("a", "no_such_kind");
    const auto d =
        RenderDelivery(stored, "c", "slack", *templates, json::object(), false, kT0, kT0, event);
    CHECK(d.status == "dead");
    CHECK(d.last_error.rfind("cannot render: ", 0) == 0);
  }
}

TEST_CASE("digest: deliveries of a team with a window go as one message per channel") {
  auto window = [](const std::string& team) { return team == "batched" ? Duration(1h) : 0s; };
  auto groups = GroupForSending({Due(1, "batched", "slack"), Due(2, "alone", "slack"),
                                 Due(3, "batched", "slack"), Due(4, "batched", "mail")},
                                window);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].size() == 1);  // alone: as it comes
  CHECK(groups[0][0].id == 2);
  std::vector<std::size_t> sizes;
  for (const auto& g : groups) {
    sizes.push_back(g.size());
  }
  CHECK(std::count(sizes.begin(), sizes.end(), 2) == 1);
  const auto& digest =
      groups[0].size() == 2 ? groups[0] : (groups[1].size() == 2 ? groups[1] : groups[2]);
  const auto message = ComposeMessage(digest);
  CHECK(message.kind == "digest");
  CHECK(message.title == "2 notifications for team batched");
  CHECK(message.body == "subject 1\n\nbody 1\n\n---\n\nsubject 3\n\nbody 3");
  CHECK(message.facts["notifications"].size() == 2);
  const auto single = ComposeMessage({Due(9, "x", "slack")});
  CHECK(single.id == "k9/slack");
  CHECK(single.title == "subject 9");
}

TEST_CASE("backoff doubles from the base up to the cap, scaled by the jitter") {
  CHECK(Backoff(1, 2s, 1h, 1.0) == Duration(2s));
  CHECK(Backoff(2, 2s, 1h, 1.0) == Duration(4s));
  CHECK(Backoff(5, 2s, 1h, 1.0) == Duration(32s));
  CHECK(Backoff(30, 2s, 1h, 1.0) == Duration(1h));
  CHECK(Backoff(3, 2s, 1h, 0.8) == Duration(6400ms));
  CHECK(Backoff(3, 2s, 1h, 1.2) == Duration(9600ms));
}

TEST_CASE("record: each outcome of an attempt becomes the delivery's next state") {
  SECTION("delivered") {
    auto r = RecordAttempt(Due(1, "a", "slack"), "slack", SendOutcome::Delivered(), kT0, 8, 2s);
    CHECK(r.update.status == "delivered");
    CHECK(r.update.attempts == 1);
    CHECK(r.update.delivered_at == kT0);
    CHECK(r.delivered);
    REQUIRE(r.events.size() == 1);
    CHECK(std::holds_alternative<NotificationDelivered>(r.events[0].event));
  }
  SECTION("a transient failure is retried after the backoff, or Retry-After when longer") {
    auto r = RecordAttempt(Due(1, "a", "slack"), "slack", SendOutcome::Retry("503"), kT0, 8, 2s);
    CHECK(r.update.status == "retrying");
    CHECK(r.update.next_attempt_at == kT0 + 2s);
    CHECK(r.failed);
    CHECK_FALSE(r.dead);
    auto later =
        RecordAttempt(Due(1, "a", "slack"), "slack", SendOutcome::Retry("429", 30s), kT0, 8, 2s);
    CHECK(later.update.next_attempt_at == kT0 + 30s);
    CHECK(std::get<NotificationFailed>(later.events[0].event).retry_at == kT0 + 30s);
  }
  SECTION("the last allowed attempt failing ends dead") {
    auto r = RecordAttempt(Due(1, "a", "slack", 7), "slack", SendOutcome::Retry("503"), kT0, 8, 2s);
    CHECK(r.update.status == "dead");
    CHECK(r.update.attempts == 8);
    CHECK(r.dead);
    CHECK(r.events.size() == 2);  // failed, then dead-lettered
  }
  SECTION("a permanent failure is dead at once; 410 also disables the channel") {
    auto permanent =
        RecordAttempt(Due(1, "a", "slack"), "slack", SendOutcome::Permanent("403"), kT0, 8, 2s);
    CHECK(permanent.dead);
    CHECK_FALSE(permanent.gone);
    auto gone = RecordAttempt(Due(1, "a", "slack"), "slack", SendOutcome::Gone("410"), kT0, 8, 2s);
    CHECK(gone.dead);
    CHECK(gone.gone);
  }
  SECTION("after a 410 the notification goes to another contact with a note") {
    NewEvent event;
    const auto r = Reroute(Due(1, "a", "slack"), "slack", "mail", kT0, event);
    CHECK(r.channel == "mail");
    CHECK(r.status == "queued");
    CHECK(r.idempotency_key == "k1/slack/rerouted/mail");
    CHECK(r.subject == "[slack disabled] subject 1");
    CHECK(r.body.rfind("Channel \"slack\" answered 410 Gone", 0) == 0);
  }
}

TEST_CASE("a digest's and a re-routed email's HTML part is one HTML5 document") {
  const auto email = [](std::int64_t id) {
    auto d = Due(id, "batched", "mail");
    d.record.html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>t" +
                    std::to_string(id) +
                    "</title></head>\n<body style=\"color: #1f2328;\">\n<p>part " +
                    std::to_string(id) + "</p>\n</body>\n</html>";
    return d;
  };
  const auto one_document = [](const std::string& html) {
    INFO(html);
    CHECK(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.find("<!DOCTYPE", 1) == std::string::npos);
    CHECK(html.find("<html", html.find("<html") + 1) == std::string::npos);
    CHECK(html.find("<body", html.find("<body") + 1) == std::string::npos);
    CHECK(html.ends_with("</html>"));
  };
  SECTION("a digest holds each part's content, separated by rules") {
    const auto message = ComposeMessage({email(1), email(3)});
    one_document(message.html);
    CHECK(message.html.find("<p>part 1</p>") < message.html.find("<hr>"));
    CHECK(message.html.find("<hr>") < message.html.find("<p>part 3</p>"));
    CHECK(message.html.find("<title>2 notifications for team batched</title>") !=
          std::string::npos);
  }
  SECTION("a re-routed email has its note at the start of the body") {
    NewEvent event;
    const auto r = Reroute(email(1), "mail", "mail-2", kT0, event);
    one_document(r.html);
    CHECK(r.html.find("answered 410 Gone") > r.html.find("<body"));
    CHECK(r.html.find("answered 410 Gone") < r.html.find("<p>part 1</p>"));
  }
  SECTION("a chat delivery re-routed leaves the HTML to the email channel") {
    NewEvent event;
    CHECK(Reroute(Due(1, "a", "slack"), "slack", "mail", kT0, event).html.empty());
  }
}
