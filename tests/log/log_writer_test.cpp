// The log module: the commit/decide loop (LogWriter) and the single writer
// thread (WriterThread), over a real SQLite file.

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <thread>

#include "core/catalog_projection.h"
#include "core/published.h"
#include "log/log_writer.h"
#include "log/writer_thread.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using tributary::testing::TempDir;

namespace {

constexpr auto kT0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25};

NewEvent PublishedEvent(const std::string& product) {
  ProductPublished p;
  p.product = product;
  p.cluster = "local";
  p.topic = product;
  p.owner = "team";
  return NewEvent{p, kT0, "test", std::nullopt, "publish:" + product};
}

Batch Events(std::vector<NewEvent> events) {
  Batch b;
  b.events = std::move(events);
  return b;
}

// Decides one product_retired per product_published it sees (a decision with a
// dedup key and an intent), and counts its ticks.
class RetireEverything final : public Decider {
 public:
  std::string cursor_key() const override { return "test/cursor"; }
  void Decide(const std::vector<EventRecord>& records, Batch& out) override {
    for (const auto& r : records) {
      seen.push_back(r.seq);
      if (const auto* p = std::get_if<ProductPublished>(&r.event)) {
        out.events.push_back(NewEvent{ProductRetired{p->product, "decider"}, r.event_time,
                                      "test-decider", std::nullopt, "retire:" + p->product});
        out.outbox.push_back(OutboxIntent{"retire:" + p->product,
                                          "retired_with_consumers",
                                          "team",
                                          "",
                                          "info",
                                          {},
                                          out.events.size() - 1});
      }
    }
  }
  void Tick(Timestamp, Batch&) override { ++ticks; }
  std::vector<EventSeq> seen;
  int ticks = 0;
};

// The sources, scripted: each Pump commits what the test queued.
class ScriptedFeed final : public Feed {
 public:
  explicit ScriptedFeed(Writer& writer) : writer_(writer) {}
  Status Pump() override {
    std::this_thread::sleep_for(busy ? 400ms : 1ms);
    if (reentrant != nullptr && !reentrant_result) {
      reentrant_result = reentrant->Commit(Events({PublishedEvent("inner")})).status();
    }
    if (fail_with) {
      return *fail_with;
    }
    return Status::Ok();
  }
  std::atomic<bool> busy{false};  // each Pump takes 400 ms (a slow source)
  Writer* reentrant = nullptr;    // committed through once from Pump, when set
  std::optional<Status> reentrant_result;
  Result<Timestamp> Tick(Timestamp now) override {
    ++ticks;
    return now;
  }
  std::optional<Status> fail_with;
  std::atomic<int> ticks{0};

 private:
  [[maybe_unused]] Writer& writer_;
};

struct Log {
  explicit Log(const TempDir& dir) {
    log = std::move(EventLog::Open(dir.path(), clock)).value();
    host = std::make_unique<ProjectionHost>(*log, std::vector<Projection*>{&catalog});
    REQUIRE(host->Recover().ok());
    writer = std::make_unique<log::LogWriter>(*log, *host);
  }
  FakeClock clock{kT0};
  std::unique_ptr<EventLog> log;
  CatalogProjection catalog;
  std::unique_ptr<ProjectionHost> host;
  std::unique_ptr<log::LogWriter> writer;
};

}  // namespace

TEST_CASE("LogWriter commits, applies and has the decider decide once") {
  TempDir dir;
  SECTION("a commit is applied to the projections and its decisions follow in the log") {
    Log l(dir);
    RetireEverything decider;
    REQUIRE(l.writer->SetDecider(decider).ok());
    auto r = l.writer->Commit(Events({PublishedEvent("a"), PublishedEvent("b")}));
    REQUIRE(r.ok());
    CHECK(r->appended == 2);
    CHECK(l.catalog.state().products.at("a").status == "retired");
    CHECK(l.log->CountEvents().value() == 4);  // two facts, two decisions
    auto intents = l.log->database().execAndGet("SELECT count(*) FROM outbox").getInt64();
    CHECK(intents == 2);
  }
  SECTION("an empty batch commits nothing") {
    Log l(dir);
    auto r = l.writer->Commit(Batch{});
    REQUIRE(r.ok());
    CHECK(l.log->CountEvents().value() == 0);
  }
  SECTION("after a restart nothing is decided twice") {
    {
      Log l(dir);
      RetireEverything decider;
      REQUIRE(l.writer->SetDecider(decider).ok());
      REQUIRE(l.writer->Commit(Events({PublishedEvent("a")})).ok());
    }
    Log l(dir);
    RetireEverything decider;
    REQUIRE(l.writer->SetDecider(decider).ok());
    // It may see events after its stored cursor again (here its own decision);
    // the product it decided about is not among them.
    for (const auto seq : decider.seen) {
      CHECK(seq.value() > 1);
    }
    CHECK(l.log->CountEvents().value() == 2);
    REQUIRE(l.writer->Commit(Events({PublishedEvent("b")})).ok());
    CHECK(l.log->CountEvents().value() == 4);
    // The same fact again is a duplicate: nothing appended, nothing decided twice.
    auto again = l.writer->Commit(Events({PublishedEvent("b")}));
    REQUIRE(again.ok());
    CHECK(again->duplicates == 1);
    CHECK(l.log->CountEvents().value() == 4);
  }
  SECTION("a log written before deciding existed is decided from its end") {
    {
      Log l(dir);
      REQUIRE(l.writer->Commit(Events({PublishedEvent("old")})).ok());
    }
    Log l(dir);
    RetireEverything decider;
    REQUIRE(l.writer->SetDecider(decider).ok());
    CHECK(decider.seen.empty());
    CHECK(l.catalog.state().products.at("old").status != "retired");
  }
}

TEST_CASE("WriterThread runs other threads' commits between the feed's batches") {
  TempDir dir;
  Log l(dir);
  ScriptedFeed feed(*l.writer);
  std::atomic<int> fatal_calls{0};
  log::WriterThread thread({.tick_interval = 10ms}, *l.writer, *l.host, feed, l.clock,
                           [&](const Status&) { ++fatal_calls; });
  log::WriterClient client(thread, 5s);

  SECTION("before Start a commit is refused, not left waiting") {
    auto r = client.Commit(Events({PublishedEvent("a")}));
    CHECK(r.status().code() == ErrorCode::kUnavailable);
  }
  SECTION("commits from many threads all land, each once") {
    REQUIRE(thread.Start().ok());
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          if (client.Commit(Events({PublishedEvent("p" + std::to_string(t * 100 + i))})).ok()) {
            ++ok;
          }
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    CHECK(ok == 100);
    thread.Stop();
    CHECK(l.catalog.state().products.size() == 100);
    CHECK(client.Commit(Events({PublishedEvent("late")})).status().code() ==
          ErrorCode::kUnavailable);
    CHECK(feed.ticks > 0);
  }
  SECTION("a commit through the thread's client from the writer thread is refused, not a hang") {
    feed.reentrant = &client;
    REQUIRE(thread.Start().ok());
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
      if (client.Commit(Events({PublishedEvent("outer")})).ok()) {
        break;
      }
    }
    thread.Stop();
    REQUIRE(feed.reentrant_result);
    CHECK(feed.reentrant_result->code() == ErrorCode::kInternal);
  }
  SECTION("a commit that times out before it ran is taken back: nothing of it is stored") {
    feed.busy = true;
    REQUIRE(thread.Start().ok());
    std::this_thread::sleep_for(50ms);  // the thread is inside a slow Pump
    const auto r = thread.Commit(Events({PublishedEvent("late")}), 100ms);
    CHECK(r.status().code() == ErrorCode::kUnavailable);
    std::this_thread::sleep_for(900ms);  // the thread has run its commits since
    thread.Stop();
    CHECK_FALSE(l.catalog.state().products.contains("late"));
    CHECK(l.log->CountEvents().value() == 0);
  }
  SECTION("commits run while the feed backs off a broker that is down") {
    feed.fail_with = Unavailable("the broker is down");
    REQUIRE(thread.Start().ok());
    std::this_thread::sleep_for(1600ms);  // the backoff has grown past 1 s
    const auto began = std::chrono::steady_clock::now();
    REQUIRE(client.Commit(Events({PublishedEvent("during")})).ok());
    CHECK(std::chrono::steady_clock::now() - began < 500ms);
    thread.Stop();
    CHECK(l.catalog.state().products.contains("during"));
  }
  SECTION("a fatal feed error stops the thread once and fails the commits after it") {
    feed.fail_with = Corruption("the source is broken");
    REQUIRE(thread.Start().ok());
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (thread.fatal().ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    CHECK(thread.fatal().code() == ErrorCode::kCorruption);
    CHECK(fatal_calls == 1);
    auto r = client.Commit(Events({PublishedEvent("a")}));
    CHECK(r.status().code() == ErrorCode::kUnavailable);
    CHECK_THAT(r.status().message(), Catch::Contains("the source is broken"));
  }
}

namespace {

// Commits one batch per Pump until `remaining` is spent, then idles.
class BacklogFeed final : public Feed {
 public:
  BacklogFeed(Writer& writer, int batches) : remaining(batches), writer_(writer) {}
  Status Pump() override {
    if (remaining == 0) {
      std::this_thread::sleep_for(5ms);
      return Status::Ok();
    }
    const auto name = "p" + std::to_string(remaining.load());
    auto r = writer_.Commit(Events({PublishedEvent(name)}));
    --remaining;
    return r.ok() ? Status::Ok() : r.status();
  }
  Result<Timestamp> Tick(Timestamp now) override { return now; }
  std::atomic<int> remaining;

 private:
  Writer& writer_;
};

}  // namespace

TEST_CASE(
    "a throttled publication skips copies while a backlog is applied, and what it skipped "
    "reaches readers once the writer is idle") {
  TempDir dir;
  Log l(dir);
  constexpr int kBatches = 200;
  // A state whose copy takes 10 ms (a large estate's), published like
  // Governance::Publish: after every batch, and from the writer's idle hook.
  PublishThrottle throttle;
  bool changed = false;
  std::atomic<std::size_t> published{0};
  std::atomic<int> copies{0};
  std::atomic<std::int64_t> copying_us{0};  // measured, not assumed
  const auto publish = [&] {
    if (changed && throttle.Due()) {
      const auto start = std::chrono::steady_clock::now();
      throttle.Run([&] {
        std::this_thread::sleep_for(10ms);
        published = l.catalog.state().products.size();
        ++copies;
      });
      copying_us += std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      changed = false;
    }
  };
  l.host->SetAfterApply([&] {
    changed = true;
    publish();
  });
  BacklogFeed feed(*l.writer, kBatches);
  log::WriterThreadOptions options;
  options.idle = publish;
  log::WriterThread thread(options, *l.writer, *l.host, feed, l.clock, nullptr);
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(thread.Start().ok());
  const auto deadline = started + 60s;
  while (published.load() < static_cast<std::size_t>(kBatches) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  const auto elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
  thread.Stop();
  CHECK(feed.remaining == 0);
  CHECK(published.load() == static_cast<std::size_t>(kBatches));  // nothing left unpublished
  INFO("copies: " << copies.load() << ", copying " << copying_us.load() << " us of " << elapsed_us);
  // Copying takes about a tenth of the writer's time, however slow the machine
  // (without the throttle: one 10 ms copy per batch, most of the time).
  CHECK(copying_us.load() * 4 < elapsed_us);
  CHECK(copies.load() < kBatches);
}
