// The deprecation detector as a unit: announcements, reminders, sunset
// escalations, new consumers on deprecated products and retirements over a
// hand-built estate and tracking state (src/tracking/README.md, the rules on
// products).

#include <catch2/catch.hpp>

#include "tracking/deprecation_detector.h"
#include "tracking/detector_world.h"

using namespace tributary;
using namespace tributary::tracking;
using namespace tributary::tracking::testing;
using namespace std::chrono_literals;

namespace {

const Timestamp kSunset = At(0) + std::chrono::days(30);

// orders (owned by sales) read by analytics-dash (analytics, observed) and
// permitted to svc-risk (risk, a READ ACL); billing subscribed to it.
void Estate(World& w) {
  w.options.reminders_before_sunset = {std::chrono::days(14), std::chrono::days(7)};
  w.Product("orders", "sales", At(-2));
  w.Product("orders.v2", "sales", At(-2));
  w.Reads("analytics-dash", "orders", "analytics", At(-1));
  w.Apply(OwnershipAssigned{User("svc-risk"), "risk"}, At(-1));
  w.Apply(AclGranted{AclBinding{"local", "User:svc-risk", "TOPIC", "orders", "LITERAL", "READ",
                                "ALLOW", "*"},
                     "catalog"},
          At(-1));
  w.Apply(TeamSubscriptionsSet{"billing", {"orders"}, "token:billing"}, At(-1));
}

// Deprecates orders at At(0) and tracks it as the tracker would have.
EventRecord Deprecate(World& w) {
  const auto record = w.Apply(
      ProductDeprecated{"orders", "replaced by orders.v2", kSunset, "orders.v2", "token:sales"},
      At(0));
  DeprecationTrack track;
  track.deprecated_seq = record.seq;
  track.deprecated_at = At(0);
  track.sunset = kSunset;
  track.reason = "replaced by orders.v2";
  track.replacement = "orders.v2";
  w.tracking.deprecations["orders"] = track;
  return record;
}

Batch Tick(World& w, Timestamp now) {
  return w.Decide([&](DecisionContext& ctx) { DetectReminders(ctx, now); });
}

}  // namespace

TEST_CASE("deprecation detector: a product deprecated") {
  World w;
  Estate(w);
  const auto record = Deprecate(w);
  auto announce = [&] {
    return w.Decide([&](DecisionContext& ctx) {
      DetectDeprecation(ctx, record, std::get<ProductDeprecated>(record.event));
    });
  };

  SECTION("every team of an observed or permitted consumer, the subscribers and the owner hear") {
    const auto out = announce();
    const auto announced = Decisions<DeprecationAnnounced>(out);
    REQUIRE(announced.size() == 1);
    const auto& a = announced[0];
    CHECK(a.decision_key == "deprecation:orders:" + std::to_string(record.seq.value()));
    CHECK(a.consumers == std::vector<AffectedConsumer>{{Group("analytics-dash"), "analytics", 1},
                                                       {User("svc-risk"), "risk", 1}});
    CHECK(a.teams == std::vector<std::string>{"analytics", "billing", "risk", "sales"});
    CHECK(a.reminders_skipped.empty());
    CHECK(TeamsTold(out) == a.teams);
    for (const auto& intent : out.outbox) {
      CHECK(intent.kind == "deprecation");
      CHECK(intent.severity == "warning");
      CHECK(intent.facts["replacement"] == "orders.v2");
      CHECK(intent.facts["topic"] == "topic:local/orders");
    }
    CHECK(IntentFor(out, "analytics").facts["role"] == "consumer");
    CHECK(IntentFor(out, "billing").facts["role"] == "subscriber");
    const auto& owner = IntentFor(out, "sales");
    CHECK(owner.facts["role"] == "owner");
    CHECK(owner.facts["consumers_by_team"].size() == 2);
  }

  SECTION("reminders already past when the deprecation is recorded are listed, never sent") {
    w.options.reminders_before_sunset = {std::chrono::days(45), std::chrono::days(14)};
    const auto announced = Decisions<DeprecationAnnounced>(announce());
    REQUIRE(announced.size() == 1);
    CHECK(announced[0].reminders_skipped == std::vector<std::string>{"45d"});
  }

  SECTION("a deprecation superseded within the batch is not announced") {
    w.tracking.deprecations["orders"].deprecated_seq = EventSeq(record.seq.value() + 1);
    CHECK(announce().empty());
  }
}

TEST_CASE("deprecation detector: reminders before the sunset") {
  World w;
  Estate(w);
  const auto seq = std::to_string(Deprecate(w).seq.value());

  SECTION("sunset - d reached: the teams whose consumers still read are reminded") {
    const auto out = Tick(w, kSunset - std::chrono::days(14) + 1h);
    const auto due = Decisions<ReminderDue>(out);
    REQUIRE(due.size() == 1);
    CHECK(due[0] == ReminderDue{"reminder:orders:" + seq + ":14d", "orders", kSunset, "14d"});
    // Only observed readers: the permitted-only principal is not reminded.
    CHECK(TeamsTold(out) == std::vector<std::string>{"analytics"});
    const auto& intent = out.outbox[0];
    CHECK(intent.kind == "reminder");
    CHECK(intent.severity == "warning");
    CHECK(intent.idempotency_key == "reminder:orders:" + seq + ":14d/analytics");
    CHECK(intent.facts["before"] == "14d");
    CHECK(intent.facts["days_to_sunset"] == 13);
  }

  SECTION("nothing before the first reminder is due") {
    CHECK(Tick(w, kSunset - std::chrono::days(15)).empty());
  }

  SECTION("several due at once (downtime): all recorded, only the nearest the sunset sent") {
    const auto out = Tick(w, kSunset - std::chrono::days(7) + 1h);
    const auto due = Decisions<ReminderDue>(out);
    REQUIRE(due.size() == 2);
    CHECK(due[0].before == "14d");
    CHECK(due[1].before == "7d");
    REQUIRE(out.outbox.size() == 1);
    CHECK(out.outbox[0].idempotency_key == "reminder:orders:" + seq + ":7d/analytics");
  }

  SECTION("a reminder already recorded is not decided again") {
    w.tracking.deprecations["orders"].reminders_done = {"14d"};
    CHECK(Tick(w, kSunset - std::chrono::days(14) + 1h).empty());
  }

  SECTION("a reminder whose time was before the deprecation is never due") {
    w.tracking.deprecations["orders"].deprecated_at = kSunset - std::chrono::days(10);
    const auto due = Decisions<ReminderDue>(Tick(w, kSunset - std::chrono::days(7) + 1h));
    REQUIRE(due.size() == 1);
    CHECK(due[0].before == "7d");
  }

  SECTION("a retired product gets no reminders") {
    w.tracking.deprecations["orders"].retired = true;
    CHECK(Tick(w, kSunset - std::chrono::days(7) + 1h).empty());
  }
}

TEST_CASE("deprecation detector: the sunset reached") {
  World w;
  Estate(w);
  const auto seq = std::to_string(Deprecate(w).seq.value());

  SECTION("consumers still reading: their teams and the owner get an escalation, high") {
    const auto out = Tick(w, kSunset + 1h);
    const auto due = Decisions<ReminderDue>(out);
    REQUIRE(due.size() == 1);
    CHECK(due[0] == ReminderDue{"reminder:orders:" + seq + ":after", "orders", kSunset, "after"});
    CHECK(TeamsTold(out) == std::vector<std::string>{"analytics", "sales"});
    for (const auto& intent : out.outbox) {
      CHECK(intent.kind == "sunset_escalation");
      CHECK(intent.severity == "high");
      CHECK(intent.facts["consumer_count"] == 1);
    }
    CHECK(IntentFor(out, "sales").facts["role"] == "owner");
    CHECK(IntentFor(out, "analytics").facts["role"] == "consumer");
  }

  SECTION("nobody reading: the timer is recorded, nobody told") {
    w.Apply(ConsumerStopped{Group("analytics-dash"), Topic("orders"), "idle", std::nullopt},
            kSunset);
    const auto out = Tick(w, kSunset + 1h);
    CHECK(Decisions<ReminderDue>(out).size() == 1);
    CHECK(out.outbox.empty());
  }

  SECTION("the escalation is decided once") {
    w.tracking.deprecations["orders"].reminders_done = {"after"};
    CHECK(Tick(w, kSunset + 1h).empty());
  }
}

TEST_CASE("deprecation detector: a new consumer on a deprecated product") {
  World w;
  Estate(w);
  Deprecate(w);
  auto start = [&](const std::string& group, const std::string& team) {
    w.Apply(OwnershipAssigned{Group(group), team}, At(1));
    const auto record = w.Apply(
        ConsumerStarted{Group(group), Topic("orders"), "observed", "consumer_offsets"}, At(1));
    return w.Decide([&](DecisionContext& ctx) {
      DetectNewConsumerOnDeprecated(ctx, record, std::get<ConsumerStarted>(record.event));
    });
  };

  SECTION("its team and the owner are told") {
    const auto out = start("marketing-ads", "marketing");
    const auto fact = Decisions<ConsumerOnDeprecated>(out);
    REQUIRE(fact.size() == 1);
    CHECK(fact[0].consumer == Group("marketing-ads"));
    CHECK(fact[0].team == "marketing");
    CHECK_THAT(fact[0].decision_key,
               Catch::StartsWith("new-consumer:orders:group:local/marketing-ads:"));
    CHECK(TeamsTold(out) == std::vector<std::string>{"marketing", "sales"});
    CHECK(IntentFor(out, "marketing").kind == "new_consumer_on_deprecated");
    CHECK(IntentFor(out, "marketing").facts["role"] == "consumer");
    CHECK(IntentFor(out, "sales").facts["role"] == "owner");
    CHECK(IntentFor(out, "sales").facts["consumer_team"] == "marketing");
  }

  SECTION("the owner's own new consumer is told once, as owner and consumer") {
    const auto out = start("sales-report", "sales");
    CHECK(TeamsTold(out) == std::vector<std::string>{"sales"});
    CHECK(IntentFor(out, "sales").facts["role"] == "owner_and_consumer");
  }

  SECTION("a consumer the migration already tracks is not new") {
    w.tracking.deprecations["orders"].consumers[Group("marketing-ads").str()] = {kStopped, 2};
    CHECK(start("marketing-ads", "marketing").empty());
  }

  SECTION("a retired product has no new consumers to tell of") {
    w.tracking.deprecations["orders"].retired = true;
    CHECK(start("marketing-ads", "marketing").empty());
  }
}

TEST_CASE("deprecation detector: a product retired") {
  World w;
  Estate(w);
  auto retire = [&] {
    const auto record = w.Apply(ProductRetired{"orders", "token:sales"}, At(2));
    return w.Decide([&](DecisionContext& ctx) {
      DetectRetirement(ctx, record, std::get<ProductRetired>(record.event));
    });
  };

  SECTION("observed consumers left: their teams and the owner are told, critical") {
    const auto out = retire();
    const auto fact = Decisions<RetiredWithConsumers>(out);
    REQUIRE(fact.size() == 1);
    CHECK(fact[0].consumers ==
          std::vector<AffectedConsumer>{{Group("analytics-dash"), "analytics", 1}});
    CHECK(TeamsTold(out) == std::vector<std::string>{"analytics", "sales"});
    CHECK(IntentFor(out, "analytics").kind == "retired_with_consumers");
    CHECK(IntentFor(out, "analytics").severity == "critical");
    CHECK(IntentFor(out, "sales").facts["consumers_by_team"].size() == 1);
    CHECK(IntentFor(out, "sales").facts["consumer_count"] == 1);
  }

  SECTION("nobody reading: nothing to decide") {
    w.Apply(ConsumerStopped{Group("analytics-dash"), Topic("orders"), "idle", std::nullopt}, At(1));
    CHECK(retire().empty());
  }
}
