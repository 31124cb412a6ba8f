// The health tracker's decisions (src/health/health_tracker.h): each made once
// by its dedup key and the decided state the log holds; consumer_unhealthy
// after alert_after in ERR; data-loss risk against a declared retention, once
// per breach.

#include <catch2/catch.hpp>

#include "core/catalog_projection.h"
#include "health/health_tracker.h"

using namespace tributary;
using namespace tributary::health;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kT0 = 1'764'000'000'000;

struct World {
  HealthModel model{HealthModelOptions{"local", 4, std::chrono::seconds(1), 32}};
  CatalogProjection catalog;
  HealthTracker tracker{HealthOptions{30s, 10min, 0.8}, {&model}, catalog, nullptr};
  std::int64_t seq = 0;

  // Applies the decisions to the tracker's projection, as the log writer does.
  void Apply(const Batch& out) {
    for (const auto& e : out.events) {
      tracker.Apply(EventRecord{EventSeq(++seq), e.event_time, e.event_time, e.source, e.event});
    }
  }
  Batch Tick(std::int64_t at) {
    Batch out;
    tracker.Tick(FromMillis(at), out);
    Apply(out);
    return out;
  }
  template <typename T>
  static std::size_t Count(const Batch& b) {
    std::size_t n = 0;
    for (const auto& e : b.events) {
      n += std::holds_alternative<T>(e.event) ? 1 : 0;
    }
    return n;
  }
};

}  // namespace

TEST_CASE("a stalled group: status change once, consumer_unhealthy after alert_after, once") {
  World w;
  for (int i = 0; i < 4; ++i) {
    const EndOffset e{"orders", 0, 100 + i * 10};
    w.model.ObserveEndOffsets(std::span(&e, 1), kT0 + i * 10'000);
    w.model.OnCommit("payments", "orders", 0, 50, kT0 + i * 10'000 + 1);
  }
  auto out = w.Tick(kT0 + 31'000);
  REQUIRE(World::Count<ConsumerStatusChanged>(out) == 1);
  const auto& changed = std::get<ConsumerStatusChanged>(out.events[0].event);
  CHECK(changed.group.str() == "group:local/payments");
  CHECK(changed.from.empty());
  CHECK(changed.to == "ERR");
  CHECK(changed.partitions.at(0).status == "STALLED");
  CHECK(changed.total_lag == 80);
  CHECK(out.events[0].dedup_key == "consumer_status/group:local/payments/1");

  // The same state evaluated again (the same end offsets re-observed): nothing new.
  const EndOffset same{"orders", 0, 130};
  w.model.ObserveEndOffsets(std::span(&same, 1), kT0 + 32'000);
  CHECK(w.Tick(kT0 + 32'000).events.empty());

  // ERR for alert_after: one consumer_unhealthy, with an intent.
  w.model.OnCommit("payments", "orders", 0, 50, kT0 + 40'000);  // still committing, still stuck
  CHECK(World::Count<ConsumerUnhealthyDetected>(w.Tick(kT0 + 31'000 + 9 * 60'000)) == 0);
  out = w.Tick(kT0 + 31'000 + 10 * 60'000);
  REQUIRE(World::Count<ConsumerUnhealthyDetected>(out) == 1);
  REQUIRE(out.outbox.size() == 1);
  CHECK(out.outbox[0].kind == "consumer_unhealthy");
  CHECK(out.outbox[0].idempotency_key == "consumer_unhealthy/group:local/payments/1/");
  CHECK(World::Count<ConsumerUnhealthyDetected>(w.Tick(kT0 + 31'000 + 20 * 60'000)) == 0);

  SECTION("the projection's snapshot restores the decided state") {
    HealthModel other{HealthModelOptions{"local", 4, std::chrono::seconds(1), 32}};
    CatalogProjection catalog;
    HealthTracker restored{HealthOptions{30s, 10min, 0.8}, {&other}, catalog, nullptr};
    REQUIRE(restored.Restore(w.tracker.Snapshot()).ok());
    CHECK(restored.state() == w.tracker.state());
    CHECK(restored.Digest() == w.tracker.Digest());
  }
}

TEST_CASE("data-loss risk against a declared 1-hour retention: once per breach") {
  World w;
  ProductPublished product;
  product.product = "trades";
  product.cluster = "local";
  product.topic = "trades";
  product.retention_ms = 3'600'000;
  w.catalog.Apply(EventRecord{EventSeq(1), FromMillis(kT0), FromMillis(kT0), "catalog", product});

  const EndOffset end{"trades", 0, 1000};
  w.model.ObserveEndOffsets(std::span(&end, 1), kT0);
  w.model.OnCommit("risk", "trades", 0, 100, kT0);
  // The record at 100 is 50 minutes old: past 0.8 x 60 minutes.
  const RecordTime old{"trades", 0, 100, kT0 - 50 * 60'000};
  w.model.ObserveRecordTimes(std::span(&old, 1));
  auto out = w.Tick(kT0 + 1'000);
  REQUIRE(World::Count<DataLossRiskDetected>(out) == 1);
  const DataLossRiskDetected* risk = nullptr;
  for (const auto& e : out.events) {
    if (const auto* r = std::get_if<DataLossRiskDetected>(&e.event)) {
      risk = r;
    }
  }
  REQUIRE(risk != nullptr);
  CHECK(risk->lag == 900);
  CHECK(risk->lag_seconds == Approx(3001.0));
  CHECK(risk->retention_ms == 3'600'000);
  CHECK(risk->retention_source == "declared");
  CHECK(risk->seconds_left == Approx(599.0));
  REQUIRE(out.outbox.size() == 1);
  CHECK(out.outbox[0].kind == "data_loss_risk");
  CHECK(out.outbox[0].facts["time_left_human"] == "9m");
  CHECK(out.outbox[0].facts["retention_human"] == "1h 0m");

  // Still in breach: no second one.
  w.model.ObserveEndOffsets(std::span(&end, 1), kT0 + 31'000);
  CHECK(World::Count<DataLossRiskDetected>(w.Tick(kT0 + 31'000)) == 0);

  // Recovery, then a new breach: a new risk.
  w.model.OnCommit("risk", "trades", 0, 990, kT0 + 40'000);
  const RecordTime recent{"trades", 0, 990, kT0 + 30'000};
  w.model.ObserveRecordTimes(std::span(&recent, 1));
  w.model.ObserveEndOffsets(std::span(&end, 1), kT0 + 41'000);
  CHECK(World::Count<DataLossRiskResolved>(w.Tick(kT0 + 41'000)) == 1);
  w.model.OnCommit("risk", "trades", 0, 100, kT0 + 50'000);
  w.model.ObserveRecordTimes(std::span(&old, 1));
  w.model.ObserveEndOffsets(std::span(&end, 1), kT0 + 51'000);
  out = w.Tick(kT0 + 51'000);
  REQUIRE(World::Count<DataLossRiskDetected>(out) == 1);
  CHECK(out.events.back().dedup_key.value_or("").find("/2") != std::string::npos);
}

TEST_CASE("no risk for compacted or infinite retention (time-based only)") {
  World w;
  ProductPublished product;
  product.product = "accounts";
  product.cluster = "local";
  product.topic = "accounts";
  product.history = "compacted";
  product.retention_ms = 3'600'000;
  w.catalog.Apply(EventRecord{EventSeq(1), FromMillis(kT0), FromMillis(kT0), "catalog", product});
  const EndOffset end{"accounts", 0, 1000};
  w.model.ObserveEndOffsets(std::span(&end, 1), kT0);
  w.model.OnCommit("reader", "accounts", 0, 100, kT0);
  const RecordTime old{"accounts", 0, 100, kT0 - 50 * 60'000};
  w.model.ObserveRecordTimes(std::span(&old, 1));
  CHECK(World::Count<DataLossRiskDetected>(w.Tick(kT0 + 1'000)) == 0);
}
