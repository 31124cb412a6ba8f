#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <future>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/catalog_projection.h"
#include "store/projection_host.h"
#include "support/temp_dir.h"

using namespace tributary;
using tributary::testing::TempDir;

namespace {

// A reproducible stream of catalog events over a handful of products and teams.
std::vector<DomainEvent> RandomCatalogEvents(std::uint32_t seed, int count) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::vector<DomainEvent> out;
  for (int i = 0; i < count; ++i) {
    const auto product = "p" + std::to_string(pick(20));
    const auto team = "team" + std::to_string(pick(8));
    switch (pick(7)) {
      case 0: {
        ProductPublished p;
        p.product = product;
        p.cluster = "local";
        p.topic = product;
        p.owner = team;
        p.tags = {"t" + std::to_string(pick(3))};
        out.emplace_back(p);
        break;
      }
      case 1:
        out.emplace_back(ProductUpdated{product, {{"description", "d" + std::to_string(i)}}});
        break;
      case 2:
        out.emplace_back(ProductDeprecated{product, "r", FromMillis(i), std::nullopt, team});
        break;
      case 3:
        out.emplace_back(ProductUndeprecated{product, team});
        break;
      case 4:
        out.emplace_back(ProductRetired{product, team});
        break;
      case 5:
        out.emplace_back(TeamUpserted{team, "T", {"c" + std::to_string(pick(4))}});
        break;
      default:
        out.emplace_back(
            OwnershipAssigned{NodeId::Group("local", "g" + std::to_string(pick(30))), team});
    }
  }
  return out;
}

void AppendAll(EventLog& log, ProjectionHost* live, const std::vector<DomainEvent>& events,
               std::size_t batch_size, std::int64_t snapshot_every) {
  for (std::size_t i = 0; i < events.size(); i += batch_size) {
    Batch b;
    for (std::size_t j = i; j < std::min(events.size(), i + batch_size); ++j) {
      b.events.push_back(NewEvent{events[j], FromMillis(static_cast<std::int64_t>(j)), "catalog",
                                  std::nullopt, std::nullopt});
    }
    auto r = log.Append(b);
    REQUIRE(r.ok());
    if (live != nullptr) {
      live->Apply(EventLog::AppendedRecords(b, *r));
      const auto snapshots = live->MaybeWriteSnapshots(snapshot_every);
      INFO(snapshots.ToString());
      REQUIRE(snapshots.ok());
    }
  }
  if (live != nullptr) {
    REQUIRE(live->FinishSnapshots().ok());
  }
}

// Counts the events applied. Its snapshot job runs only once the test opens
// the gate (giving up after 10 s), and says on which thread it ran; `fail`
// makes the job throw.
class GatedProjection final : public Projection {
 public:
  struct Shared {
    std::promise<void> open;
    std::shared_future<void> gate = open.get_future().share();
    std::atomic<bool> fail{false};
    std::mutex mu;
    std::vector<std::thread::id> job_threads;
  };
  explicit GatedProjection(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::string_view name() const override { return "gated"; }
  int snapshot_version() const override { return 1; }
  void Apply(const EventRecord&) override { ++count_; }
  std::string Digest() const override { return std::to_string(count_); }
  std::string Snapshot() const override { return std::to_string(count_); }
  SnapshotJob CaptureSnapshot() const override {
    return [n = count_, shared = shared_] {
      {
        std::lock_guard lock(shared->mu);
        shared->job_threads.push_back(std::this_thread::get_id());
      }
      if (shared->fail) {
        throw std::runtime_error("the gated projection fails on purpose");
      }
      const bool opened =
          shared->gate.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
      const auto text = opened ? std::to_string(n) : std::string("the gate never opened");
      return SnapshotImage{text, text};
    };
  }
  Status Restore(std::string_view snapshot) override {
    count_ = std::stoll(std::string(snapshot));
    return Status::Ok();
  }
  void Reset() override { count_ = 0; }

 private:
  std::shared_ptr<Shared> shared_;
  std::int64_t count_ = 0;
};

}  // namespace

TEST_CASE("replay from zero yields the same projection digests as the live state") {
  TempDir dir;
  FakeClock clock;
  auto log = std::move(EventLog::Open(dir.path(), clock)).value();
  CatalogProjection catalog;
  EventCountsProjection counts;
  ProjectionHost live(*log, {&catalog, &counts});
  REQUIRE(live.Recover().ok());
  AppendAll(*log, &live, RandomCatalogEvents(7, 5000), 64, 700);
  const auto live_digests = live.Digests();

  CatalogProjection replay_catalog;
  EventCountsProjection replay_counts;
  ProjectionHost replayed(*log, {&replay_catalog, &replay_counts});
  REQUIRE(replayed.Replay().ok());
  CHECK(replayed.Digests() == live_digests);
  CHECK(replay_catalog.state() == catalog.state());
  CHECK(replayed.applied_seq() == EventSeq(5000));

  SECTION("recovery from the latest snapshot plus the tail is the same state") {
    CatalogProjection recovered_catalog;
    EventCountsProjection recovered_counts;
    ProjectionHost recovered(*log, {&recovered_catalog, &recovered_counts});
    REQUIRE(recovered.Recover().ok());
    CHECK(recovered.Digests() == live_digests);
    // The snapshot really was used: it is behind the log's end.
    const auto snap = *log->LoadSnapshot("catalog");
    REQUIRE(snap.has_value());
    CHECK(snap->seq > EventSeq(0));
    CHECK(snap->seq < EventSeq(5000));
  }
  SECTION("a snapshot of another format version is ignored and rebuilt from the log") {
    log->database().exec("UPDATE snapshots SET format_version = 999, state = x'00'");
    CatalogProjection c2;
    EventCountsProjection n2;
    ProjectionHost host(*log, {&c2, &n2});
    REQUIRE(host.Recover().ok());
    CHECK(host.Digests() == live_digests);
  }
  SECTION("an unreadable snapshot only costs a rebuild") {
    log->database().exec("UPDATE snapshots SET state = x'c1c1c1'");
    CatalogProjection c2;
    EventCountsProjection n2;
    ProjectionHost host(*log, {&c2, &n2});
    REQUIRE(host.Recover().ok());
    CHECK(host.Digests() == live_digests);
  }
  SECTION("events appended by another writer are picked up by CatchUp") {
    auto other = std::move(EventLog::Open(dir.path(), clock)).value();
    AppendAll(*other, nullptr, RandomCatalogEvents(8, 100), 10, 0);
    REQUIRE(live.CatchUp().ok());
    CHECK(live.applied_seq() == EventSeq(5100));
    CatalogProjection c3;
    EventCountsProjection n3;
    ProjectionHost host(*log, {&c3, &n3});
    REQUIRE(host.Replay().ok());
    CHECK(host.Digests() == live.Digests());
  }
}

TEST_CASE("different event streams give different digests") {
  TempDir a_dir;
  TempDir b_dir;
  FakeClock clock;
  auto a = std::move(EventLog::Open(a_dir.path(), clock)).value();
  auto b = std::move(EventLog::Open(b_dir.path(), clock)).value();
  AppendAll(*a, nullptr, RandomCatalogEvents(1, 300), 50, 0);
  AppendAll(*b, nullptr, RandomCatalogEvents(2, 300), 50, 0);
  CatalogProjection ca, cb;
  ProjectionHost ha(*a, {&ca});
  ProjectionHost hb(*b, {&cb});
  REQUIRE(ha.Replay().ok());
  REQUIRE(hb.Replay().ok());
  CHECK(ha.Digests() != hb.Digests());
}

TEST_CASE("snapshots are written every N events, or after an interval when fewer arrived") {
  TempDir dir;
  SystemClock clock;
  auto log = std::move(EventLog::Open(dir.path(), clock)).value();
  CatalogProjection catalog;
  ProjectionHost host(*log, {&catalog});
  REQUIRE(host.Recover().ok());
  const auto events = RandomCatalogEvents(7, 10);
  AppendAll(*log, &host, events, 10, 1000);  // 10 < 1,000 events: no snapshot yet
  CHECK_FALSE(log->LoadSnapshot("catalog").value().has_value());
  // Within the interval, fewer than N new events write nothing either.
  REQUIRE(host.MaybeWriteSnapshots(1000, std::chrono::hours(1)).ok());
  CHECK_FALSE(log->LoadSnapshot("catalog").value().has_value());
  REQUIRE(host.MaybeWriteSnapshots(1000, std::chrono::milliseconds(0)).ok());
  REQUIRE(host.FinishSnapshots().ok());
  const auto written = log->LoadSnapshot("catalog").value();
  REQUIRE(written.has_value());
  CHECK(written->seq == host.applied_seq());
  // Nothing applied since: no rewrite even with the interval passed.
  REQUIRE(host.MaybeWriteSnapshots(1000, std::chrono::milliseconds(0)).ok());
  REQUIRE(host.FinishSnapshots().ok());
  CHECK(log->LoadSnapshot("catalog").value()->seq == written->seq);
}

TEST_CASE("snapshots are serialized and stored in the background, as they were captured") {
  TempDir dir;
  SystemClock clock;
  auto log = std::move(EventLog::Open(dir.path(), clock)).value();
  auto shared = std::make_shared<GatedProjection::Shared>();
  CatalogProjection catalog;
  GatedProjection gated(shared);
  ProjectionHost host(*log, {&catalog, &gated});
  REQUIRE(host.Recover().ok());
  const auto events = RandomCatalogEvents(11, 300);
  const std::vector<DomainEvent> first(events.begin(), events.begin() + 100);
  const std::vector<DomainEvent> rest(events.begin() + 100, events.end());
  AppendAll(*log, &host, first, 100, 1'000'000);  // no snapshot due yet

  // Due now: the call captures and returns while the job waits at the gate
  // (were it run on this thread, it would wait 10 s and store "the gate
  // never opened").
  REQUIRE(host.MaybeWriteSnapshots(50).ok());
  // The writer goes on; the job still holds the state as captured.
  for (std::size_t i = 0; i < rest.size(); i += 50) {
    Batch b;
    for (std::size_t j = i; j < i + 50; ++j) {
      b.events.push_back(NewEvent{rest[j], FromMillis(1000 + static_cast<std::int64_t>(j)),
                                  "catalog", std::nullopt, std::nullopt});
    }
    auto r = log->Append(b);
    REQUIRE(r.ok());
    host.Apply(EventLog::AppendedRecords(b, *r));
    REQUIRE(host.MaybeWriteSnapshots(50).ok());  // one in flight: none started
  }
  CHECK_FALSE(log->LoadSnapshot("gated").value().has_value());
  shared->open.set_value();
  REQUIRE(host.FinishSnapshots().ok());

  const auto gated_snap = log->LoadSnapshot("gated").value();
  REQUIRE(gated_snap.has_value());
  CHECK(gated_snap->state == "100");
  CHECK(gated_snap->seq == EventSeq(100));
  const auto catalog_snap = log->LoadSnapshot("catalog").value();
  REQUIRE(catalog_snap.has_value());
  CHECK(catalog_snap->seq == EventSeq(100));
  REQUIRE(host.last_snapshot().has_value());
  CHECK(host.last_snapshot()->seq == EventSeq(100));
  CHECK(host.last_snapshot()->bytes == catalog_snap->state.size() + 3);
  {
    std::lock_guard lock(shared->mu);
    REQUIRE(shared->job_threads.size() == 1);
    CHECK(shared->job_threads.front() != std::this_thread::get_id());
  }

  // Restart: the snapshot taken at event 100 plus the tail is the live state.
  auto recovered_shared = std::make_shared<GatedProjection::Shared>();
  CatalogProjection recovered_catalog;
  GatedProjection recovered_gated(recovered_shared);
  ProjectionHost recovered(*log, {&recovered_catalog, &recovered_gated});
  REQUIRE(recovered.Recover().ok());
  CHECK(recovered.Digests() == host.Digests());
  CHECK(recovered_gated.Digest() == "300");
  CHECK(recovered_catalog.state() == catalog.state());

  SECTION("the next one starts once that one is stored") {
    REQUIRE(host.MaybeWriteSnapshots(50).ok());
    REQUIRE(host.FinishSnapshots().ok());
    CHECK(log->LoadSnapshot("gated").value()->state == "300");
    CHECK(log->LoadSnapshot("catalog").value()->seq == EventSeq(300));
  }
  SECTION("a failed one is reported, the stored one stands, and it is retried after a pause") {
    shared->fail = true;
    REQUIRE(host.MaybeWriteSnapshots(50, std::chrono::milliseconds(300)).ok());
    CHECK(host.FinishSnapshots().message().find("fails on purpose") != std::string::npos);
    CHECK(log->LoadSnapshot("gated").value()->state == "100");
    shared->fail = false;
    REQUIRE(host.MaybeWriteSnapshots(50, std::chrono::milliseconds(300)).ok());  // pauses
    REQUIRE(host.FinishSnapshots().ok());
    CHECK(log->LoadSnapshot("gated").value()->state == "100");
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    REQUIRE(host.MaybeWriteSnapshots(50, std::chrono::milliseconds(300)).ok());
    REQUIRE(host.FinishSnapshots().ok());
    CHECK(log->LoadSnapshot("gated").value()->state == "300");
  }
}
