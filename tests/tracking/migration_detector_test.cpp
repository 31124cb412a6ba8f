// The migration detector as a unit: each consumer's status from what it reads
// of a deprecated product and its replacement (src/tracking/README.md,
// "Migration statuses").

#include <catch2/catch.hpp>

#include "tracking/detector_world.h"
#include "tracking/migration_detector.h"

using namespace tributary;
using namespace tributary::tracking;
using namespace tributary::tracking::testing;

namespace {

// orders deprecated (seq 3) in favour of orders.v2; analytics-dash reads orders.
void Estate(World& w) {
  w.Product("orders", "sales", At(0));
  w.Product("orders.v2", "sales", At(0));
  DeprecationTrack track;
  track.deprecated_seq = EventSeq(3);
  track.deprecated_at = At(1);
  track.sunset = At(1000);
  track.replacement = "orders.v2";
  w.tracking.deprecations["orders"] = track;
  w.Reads("analytics-dash", "orders", "analytics", At(2));
}

Batch Migrations(World& w) {
  return w.Decide([&](DecisionContext& ctx) { DetectMigrations(ctx, At(10)); });
}

ConsumerTrack& Tracked(World& w, const std::string& group) {
  return w.tracking.deprecations["orders"].consumers[Group(group).str()];
}

}  // namespace

TEST_CASE("migration detector: the four statuses") {
  CHECK(std::string(MigrationStatus(true, false)) == kNotStarted);
  CHECK(std::string(MigrationStatus(true, true)) == kDual);
  CHECK(std::string(MigrationStatus(false, true)) == kMigrated);
  CHECK(std::string(MigrationStatus(false, false)) == kStopped);
}

TEST_CASE("migration detector: a consumer's reading of a deprecated product changes") {
  World w;
  Estate(w);

  SECTION("a consumer reading the old product is tracked as not_started, nobody told") {
    const auto out = Migrations(w);
    const auto changes = Decisions<MigrationStatusChanged>(out);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0] == MigrationStatusChanged{"orders", Group("analytics-dash"), "", kNotStarted});
    CHECK(out.events[0].dedup_key == "migration:orders:3:group:local/analytics-dash:0");
    CHECK(out.events[0].event_time == At(10));
    CHECK(out.outbox.empty());
  }

  SECTION("reading both is dual") {
    Tracked(w, "analytics-dash") = {kNotStarted, 1};
    w.Apply(ConsumerStarted{Group("analytics-dash"), Topic("orders.v2"), "observed",
                            "consumer_offsets"},
            At(5));
    const auto out = Migrations(w);
    const auto changes = Decisions<MigrationStatusChanged>(out);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].from == kNotStarted);
    CHECK(changes[0].to == kDual);
    CHECK(out.events[0].dedup_key == "migration:orders:3:group:local/analytics-dash:1");
  }

  SECTION("reading only the replacement is migrated") {
    Tracked(w, "analytics-dash") = {kDual, 2};
    w.Apply(ConsumerStarted{Group("analytics-dash"), Topic("orders.v2"), "observed",
                            "consumer_offsets"},
            At(5));
    w.Apply(ConsumerStopped{Group("analytics-dash"), Topic("orders"), "idle", std::nullopt}, At(6));
    const auto changes = Decisions<MigrationStatusChanged>(Migrations(w));
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].from == kDual);
    CHECK(changes[0].to == kMigrated);
  }

  SECTION("a tracked consumer that reads neither has stopped") {
    Tracked(w, "analytics-dash") = {kNotStarted, 1};
    w.Apply(ConsumerStopped{Group("analytics-dash"), Topic("orders"), "idle", std::nullopt}, At(6));
    const auto changes = Decisions<MigrationStatusChanged>(Migrations(w));
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].to == kStopped);
  }

  SECTION("an unchanged status decides nothing") {
    Tracked(w, "analytics-dash") = {kNotStarted, 1};
    CHECK(Migrations(w).empty());
  }

  SECTION("a retired product's migration is no longer tracked") {
    w.tracking.deprecations["orders"].retired = true;
    CHECK(Migrations(w).empty());
  }

  SECTION("a consumer of the replacement alone is not part of the migration") {
    w.Reads("risk-limits", "orders.v2", "risk", At(5));
    const auto changes = Decisions<MigrationStatusChanged>(Migrations(w));
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].consumer == Group("analytics-dash"));
  }
}
