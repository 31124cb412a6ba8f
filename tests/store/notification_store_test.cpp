// NotificationStore: what the dispatcher and the API read of the notification
// tables, over a real SQLite event log written through EventLog::Append.

#include <catch2/catch.hpp>

#include "store/event_log.h"
#include "store/notification_store.h"
#include "support/temp_dir.h"

using namespace tributary;
using tributary::testing::TempDir;
using namespace std::chrono_literals;

namespace {

const Timestamp kT0 = *ParseRfc3339("2026-11-25T10:00:00Z");

OutboxIntent Intent(std::string key, std::string team = "analytics",
                    std::string kind = "breaking_change") {
  OutboxIntent i;
  i.idempotency_key = std::move(key);
  i.kind = std::move(kind);
  i.team = std::move(team);
  i.severity = "critical";
  i.facts = {{"subject", "stocktrades-value"}, {"to_version", 2}, {"key", i.idempotency_key}};
  return i;
}

DeliveryRecord Delivery(std::string key, std::int64_t intent_id, Timestamp due,
                        std::string status = "queued", std::string team = "analytics",
                        std::string kind = "breaking_change") {
  DeliveryRecord d;
  d.idempotency_key = std::move(key);
  d.intent_id = intent_id;
  d.kind = std::move(kind);
  d.team = std::move(team);
  d.channel = "analytics-slack";
  d.severity = "critical";
  d.status = std::move(status);
  d.subject = "Breaking change on stocktrades-value";
  d.body = "field `price` changed from double to string";
  d.next_attempt_at = due;
  return d;
}

// A log in a temporary directory, written through Append, read by a store.
class Log {
 public:
  Log() : clock_(kT0) {
    auto log = EventLog::Open(dir_.path(), clock_);
    REQUIRE(log.ok());
    log_ = std::move(log).value();
  }
  AppendResult Append(const Batch& batch) {
    auto r = log_->Append(batch);
    REQUIRE(r.ok());
    clock_.Advance(1s);  // each batch recorded a second after the previous
    return *r;
  }
  void AddIntent(OutboxIntent intent) {
    Batch b;
    b.outbox.push_back(std::move(intent));
    Append(b);
  }
  void AddDeliveries(std::vector<DeliveryRecord> deliveries) {
    Batch b;
    b.new_deliveries = std::move(deliveries);
    Append(b);
  }
  NotificationStore store() { return NotificationStore(*log_); }
  Timestamp now() const { return clock_.Now(); }

 private:
  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventLog> log_;
};

std::vector<std::string> Keys(const std::vector<StoredDelivery>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) {
    out.push_back(d.record.idempotency_key);
  }
  return out;
}

}  // namespace

TEST_CASE("queued intents are the unrouted ones, oldest first") {
  Log log;
  log.AddIntent(Intent("i1"));
  log.AddIntent(Intent("i2"));
  log.AddIntent(Intent("i3"));

  SECTION("every unrouted intent, in the order it was queued, as it was written") {
    const auto intents = log.store().QueuedIntents(100);
    REQUIRE(intents.ok());
    REQUIRE(intents->size() == 3);
    CHECK((*intents)[0].intent.idempotency_key == "i1");
    CHECK((*intents)[2].intent.idempotency_key == "i3");
    CHECK((*intents)[0].id < (*intents)[1].id);
    const auto& first = (*intents)[0];
    CHECK(first.intent.kind == "breaking_change");
    CHECK(first.intent.team == "analytics");
    CHECK(first.intent.severity == "critical");
    CHECK(first.intent.facts == Intent("i1").facts);
    CHECK(first.created_at == kT0);
    CHECK_FALSE(first.caused_by.has_value());
  }
  SECTION("a routed intent is no longer queued") {
    const auto before = log.store().QueuedIntents(100);
    REQUIRE(before.ok());
    Batch routed;
    routed.routed_intents = {(*before)[1].id};
    log.Append(routed);
    const auto after = log.store().QueuedIntents(100);
    REQUIRE(after.ok());
    REQUIRE(after->size() == 2);
    CHECK((*after)[0].intent.idempotency_key == "i1");
    CHECK((*after)[1].intent.idempotency_key == "i3");
  }
  SECTION("the limit takes the oldest") {
    const auto intents = log.store().QueuedIntents(2);
    REQUIRE(intents.ok());
    REQUIRE(intents->size() == 2);
    CHECK((*intents)[1].intent.idempotency_key == "i2");
  }
  SECTION("an intent caused by an event in its batch names the event's sequence number") {
    Batch b;
    b.events.push_back(NewEvent{ProductRetired{"stocktrades", "api:admin"}, kT0, "api",
                                std::nullopt, "retire/stocktrades"});
    auto intent = Intent("i4", "analytics", "retired_with_consumers");
    intent.caused_by_event = 0;
    b.outbox.push_back(intent);
    const auto appended = log.Append(b);
    const auto intents = log.store().QueuedIntents(100);
    REQUIRE(intents.ok());
    REQUIRE(intents->size() == 4);
    CHECK((*intents)[3].caused_by == appended.seqs[0]);
  }
  SECTION("an intent queued again under its key is not queued twice") {
    log.AddIntent(Intent("i1"));
    const auto intents = log.store().QueuedIntents(100);
    REQUIRE(intents.ok());
    CHECK(intents->size() == 3);
  }
}

TEST_CASE("due deliveries are the queued and retrying ones due now, with their facts") {
  Log log;
  log.AddIntent(Intent("i1"));
  log.AddIntent(Intent("i2"));
  const auto intents = log.store().QueuedIntents(10);
  REQUIRE(intents.ok());
  const auto i1 = (*intents)[0].id;
  const auto i2 = (*intents)[1].id;
  log.AddDeliveries({Delivery("i1/slack", i1, kT0 + 1min), Delivery("i2/slack", i2, kT0),
                     Delivery("i2/email", i2, kT0, "dead"), Delivery("i1/teams", i1, kT0 + 5min),
                     Delivery("lost/slack", 0, kT0)});

  SECTION("due at now: queued deliveries whose next attempt has come, earliest first") {
    const auto due = log.store().DueDeliveries(kT0 + 1min, 100);
    REQUIRE(due.ok());
    CHECK(Keys(*due) == std::vector<std::string>{"i2/slack", "lost/slack", "i1/slack"});
  }
  SECTION("each carries its intent's facts; a delivery without an intent carries none") {
    const auto due = log.store().DueDeliveries(kT0 + 1min, 100);
    REQUIRE(due.ok());
    REQUIRE(due->size() == 3);
    CHECK((*due)[0].facts == Intent("i2").facts);
    CHECK((*due)[2].facts == Intent("i1").facts);
    CHECK((*due)[1].facts == nlohmann::json::object());
  }
  SECTION("a delivery not due yet is left for later") {
    const auto due = log.store().DueDeliveries(kT0, 100);
    REQUIRE(due.ok());
    CHECK(Keys(*due) == std::vector<std::string>{"i2/slack", "lost/slack"});
  }
  SECTION("retrying deliveries are due again; delivered and dead ones never") {
    Batch b;
    b.delivery_updates.push_back({"i1/slack", "retrying", 1, kT0 + 2min, std::nullopt, "HTTP 500"});
    b.delivery_updates.push_back({"i2/slack", "delivered", 1, kT0, kT0 + 10s, ""});
    log.Append(b);
    CHECK(Keys(*log.store().DueDeliveries(kT0 + 1min, 100)) ==
          std::vector<std::string>{"lost/slack"});
    const auto later = log.store().DueDeliveries(kT0 + 1h, 100);
    REQUIRE(later.ok());
    CHECK(Keys(*later) == std::vector<std::string>{"lost/slack", "i1/slack", "i1/teams"});
    CHECK((*later)[1].record.status == "retrying");
    CHECK((*later)[1].attempts == 1);
    CHECK((*later)[1].record.last_error == "HTTP 500");
  }
  SECTION("the limit takes the earliest due") {
    CHECK(Keys(*log.store().DueDeliveries(kT0 + 1h, 1)) == std::vector<std::string>{"i2/slack"});
  }
}

TEST_CASE("NextDue is when the next queued or retrying delivery is due") {
  Log log;
  SECTION("nothing queued: no next due time") {
    const auto next = log.store().NextDue();
    REQUIRE(next.ok());
    CHECK_FALSE(next->has_value());
  }
  SECTION("the earliest next attempt among queued and retrying deliveries") {
    log.AddDeliveries({Delivery("a", 0, kT0 + 3min), Delivery("b", 0, kT0 + 1min),
                       Delivery("c", 0, kT0, "dead")});
    CHECK(*log.store().NextDue() == kT0 + 1min);
    Batch b;
    b.delivery_updates.push_back({"b", "delivered", 1, kT0 + 1min, kT0 + 1min, ""});
    b.delivery_updates.push_back({"a", "retrying", 1, kT0 + 2min, std::nullopt, "timeout"});
    log.Append(b);
    CHECK(*log.store().NextDue() == kT0 + 2min);
  }
  SECTION("once every delivery is delivered or dead there is none") {
    log.AddDeliveries({Delivery("a", 0, kT0)});
    Batch b;
    b.delivery_updates.push_back({"a", "dead", 8, kT0, std::nullopt, "HTTP 404"});
    log.Append(b);
    CHECK_FALSE(log.store().NextDue()->has_value());
  }
}

TEST_CASE("List filters deliveries and pages newest first, Find reads one") {
  Log log;
  log.AddDeliveries({Delivery("d1", 0, kT0, "queued", "analytics", "breaking_change"),
                     Delivery("d2", 0, kT0, "dead", "analytics", "deprecation"),
                     Delivery("d3", 0, kT0, "queued", "payments", "breaking_change"),
                     Delivery("d4", 0, kT0, "queued", "analytics", "deprecation"),
                     Delivery("d5", 0, kT0, "queued", "analytics", "breaking_change")});

  SECTION("without a filter: every delivery, newest first") {
    const auto all = log.store().List({});
    REQUIRE(all.ok());
    CHECK(Keys(*all) == std::vector<std::string>{"d5", "d4", "d3", "d2", "d1"});
  }
  SECTION("status, team and kind filter, and combine") {
    DeliveryFilter f;
    f.status = "dead";
    CHECK(Keys(*log.store().List(f)) == std::vector<std::string>{"d2"});
    f = {};
    f.team = "payments";
    CHECK(Keys(*log.store().List(f)) == std::vector<std::string>{"d3"});
    f = {};
    f.team = "analytics";
    f.kind = "deprecation";
    CHECK(Keys(*log.store().List(f)) == std::vector<std::string>{"d4", "d2"});
    f.status = "queued";
    CHECK(Keys(*log.store().List(f)) == std::vector<std::string>{"d4"});
  }
  SECTION("pages: limit, then before_id of the last row continues") {
    DeliveryFilter f;
    f.limit = 2;
    const auto page1 = log.store().List(f);
    REQUIRE(page1.ok());
    CHECK(Keys(*page1) == std::vector<std::string>{"d5", "d4"});
    f.before_id = page1->back().id;
    const auto page2 = log.store().List(f);
    CHECK(Keys(*page2) == std::vector<std::string>{"d3", "d2"});
    f.before_id = page2->back().id;
    CHECK(Keys(*log.store().List(f)) == std::vector<std::string>{"d1"});
  }
  SECTION("Find reads a delivery with everything recorded about it") {
    Batch b;
    b.delivery_updates.push_back({"d3", "delivered", 2, kT0, kT0 + 30s, ""});
    log.Append(b);
    const auto listed = log.store().List({});
    REQUIRE(listed.ok());
    const auto id = (*listed)[2].id;  // d3
    const auto found = log.store().Find(id);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    const auto& d = **found;
    CHECK(d.id == id);
    CHECK(d.record.idempotency_key == "d3");
    CHECK(d.record.team == "payments");
    CHECK(d.record.channel == "analytics-slack");
    CHECK(d.record.status == "delivered");
    CHECK(d.record.subject == "Breaking change on stocktrades-value");
    CHECK(d.record.body == "field `price` changed from double to string");
    CHECK(d.attempts == 2);
    CHECK(d.delivered_at == kT0 + 30s);
    CHECK(d.created_at == kT0);
  }
  SECTION("Find of an unknown id is empty, not an error") {
    const auto found = log.store().Find(999);
    REQUIRE(found.ok());
    CHECK_FALSE(found->has_value());
  }
}

TEST_CASE("disabled channels map each name to the fingerprint of the address that said 410") {
  Log log;
  SECTION("none disabled: an empty map") {
    const auto disabled = log.store().DisabledChannels();
    REQUIRE(disabled.ok());
    CHECK(disabled->empty());
  }
  SECTION("each disabled channel with its fingerprint; disabling again replaces it") {
    Batch b;
    b.disabled_channels.push_back({"analytics-slack", "fp-1", "HTTP 410"});
    b.disabled_channels.push_back({"payments-teams", "fp-2", "HTTP 410"});
    log.Append(b);
    CHECK(*log.store().DisabledChannels() ==
          std::map<std::string, std::string>{{"analytics-slack", "fp-1"},
                                             {"payments-teams", "fp-2"}});
    Batch again;
    again.disabled_channels.push_back({"analytics-slack", "fp-3", "HTTP 410"});
    log.Append(again);
    CHECK(log.store().DisabledChannels()->at("analytics-slack") == "fp-3");
  }
}
