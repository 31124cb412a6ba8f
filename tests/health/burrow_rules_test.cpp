// Burrow's evaluation rules (DESIGN.md §10, src/health/README.md) from scripted
// commit and end-offset histories: every status, in the order the rules apply,
// and the transitions between them as commits and end offsets arrive.

#include <catch2/catch.hpp>

#include <vector>

#include "core/msgpack.h"
#include "health/burrow_rules.h"
#include "health/health_model.h"

using namespace tributary;
using namespace tributary::health;

namespace {

// Commits every 10 s from t=0 at the given offsets, each with its lag.
std::vector<CommitSample> Window(std::vector<std::pair<std::int64_t, std::int64_t>> offset_lag) {
  std::vector<CommitSample> w;
  std::int64_t t = 0;
  for (const auto& [offset, lag] : offset_lag) {
    w.push_back({offset, t, lag});
    t += 10'000;
  }
  return w;
}

constexpr std::size_t kFull = 5;

}  // namespace

TEST_CASE("partition statuses follow Burrow's rules in their order") {
  SECTION("no end offset yet: OK (nothing to judge against)") {
    const auto w = Window({{10, kUnknownLag}, {10, kUnknownLag}, {10, kUnknownLag}});
    CHECK(EvaluatePartition(w, 3, std::nullopt, 1'000'000) == PartitionStatus::kOk);
  }
  SECTION("any lag of 0 in the window: OK, even when it stopped since") {
    const auto w = Window({{10, 0}, {12, 3}, {14, 5}, {16, 7}, {18, 9}});
    CHECK(EvaluatePartition(w, kFull, 40, 40'000) == PartitionStatus::kOk);
    CHECK(EvaluatePartition(w, kFull, 40, 10'000'000) == PartitionStatus::kOk);
  }
  SECTION("the newest commit at the end offset: OK") {
    const auto w = Window({{10, 5}, {10, 5}, {10, 5}, {10, 5}, {15, 5}});
    CHECK(EvaluatePartition(w, kFull, 15, 10'000'000) == PartitionStatus::kOk);
  }
  SECTION("an offset that went backwards: REWIND, before STOPPED and STALLED") {
    const auto w = Window({{100, 5}, {110, 5}, {50, 70}, {60, 65}, {70, 60}});
    CHECK(EvaluatePartition(w, kFull, 130, 45'000) == PartitionStatus::kRewind);
    CHECK(EvaluatePartition(w, kFull, 130, 10'000'000) == PartitionStatus::kRewind);
  }
  SECTION("no commit for longer than the window spans, with lag: STOPPED") {
    const auto w = Window({{10, 5}, {12, 5}, {14, 5}});  // spans 20 s
    CHECK(EvaluatePartition(w, kFull, 30, 20'000 + 20'000) == PartitionStatus::kWarning);
    CHECK(EvaluatePartition(w, kFull, 30, 20'000 + 20'001) == PartitionStatus::kStopped);
  }
  SECTION("the same offset over a full window with lag: STALLED") {
    const auto w = Window({{10, 5}, {10, 6}, {10, 7}, {10, 8}, {10, 9}});
    CHECK(EvaluatePartition(w, kFull, 20, 41'000) == PartitionStatus::kStalled);
  }
  SECTION("the same offset over a window not yet full: not STALLED") {
    const auto w = Window({{10, 5}, {10, 6}, {10, 7}});
    CHECK(EvaluatePartition(w, kFull, 20, 21'000) == PartitionStatus::kOk);
  }
  SECTION("offsets advance but lag never decreases: WARNING") {
    const auto w = Window({{10, 5}, {12, 5}, {14, 6}, {16, 8}, {18, 9}});
    CHECK(EvaluatePartition(w, kFull, 30, 41'000) == PartitionStatus::kWarning);
  }
  SECTION("offsets advance and lag decreases once: OK") {
    const auto w = Window({{10, 5}, {12, 6}, {20, 2}, {22, 3}, {24, 4}});
    CHECK(EvaluatePartition(w, kFull, 30, 41'000) == PartitionStatus::kOk);
  }
  SECTION("commits whose lag is still unknown are skipped by the lag rules") {
    const auto w = Window({{10, kUnknownLag}, {12, 5}, {14, 6}});
    CHECK(EvaluatePartition(w, kFull, 30, 21'000) == PartitionStatus::kWarning);
  }
  SECTION("an empty window is OK") {
    CHECK(EvaluatePartition({}, kFull, 30, 0) == PartitionStatus::kOk);
  }
}

TEST_CASE("a group is OK, WARN or ERR by its worst partition") {
  using P = PartitionStatus;
  CHECK(GroupStatusOf(std::vector<P>{}) == GroupStatus::kOk);
  CHECK(GroupStatusOf(std::vector<P>{P::kOk, P::kOk}) == GroupStatus::kOk);
  CHECK(GroupStatusOf(std::vector<P>{P::kOk, P::kWarning}) == GroupStatus::kWarn);
  for (auto bad : {P::kStalled, P::kStopped, P::kRewind}) {
    CHECK(GroupStatusOf(std::vector<P>{P::kWarning, bad, P::kOk}) == GroupStatus::kErr);
  }
  CHECK(ToString(GroupStatus::kWarn) == "WARN");
  CHECK(ToString(PartitionStatus::kStalled) == "STALLED");
  CHECK(ParsePartitionStatus("REWIND") == PartitionStatus::kRewind);
  CHECK(ParseGroupStatus("ERR") == GroupStatus::kErr);
}

// The model: scripted commits and end offsets through time, as the poller and
// the consumer_offsets source would feed them.
namespace {

struct Script {
  HealthModel model{HealthModelOptions{"local", 5, std::chrono::seconds(1), 32}};
  PartitionStatus Status(std::int64_t now, const std::string& group = "g") {
    const auto ev = model.Evaluate(now);
    for (const auto& g : ev.groups) {
      if (g.group == group) {
        REQUIRE(g.partitions.size() == 1);
        return g.partitions[0].status;
      }
    }
    FAIL("no group " << group);
    return PartitionStatus::kOk;
  }
  void Commit(std::int64_t offset, std::int64_t t, const std::string& group = "g") {
    model.OnCommit(group, "orders", 0, offset, t);
  }
  void End(std::int64_t end, std::int64_t t) {
    const EndOffset e{"orders", 0, end};
    model.ObserveEndOffsets(std::span(&e, 1), t);
  }
};

}  // namespace

TEST_CASE("statuses change as scripted commits and end offsets arrive") {
  Script s;
  // A healthy consumer: commits at the end offset.
  std::int64_t t = 0;
  for (int i = 0; i < 5; ++i, t += 10'000) {
    s.End(100 + i * 10, t);
    s.Commit(100 + i * 10, t + 1);
  }
  CHECK(s.Status(t) == PartitionStatus::kOk);

  SECTION("OK -> WARNING: it keeps moving but falls further behind") {
    for (int i = 0; i < 5; ++i, t += 10'000) {
      s.End(200 + i * 100, t);
      s.Commit(150 + i * 20, t + 1);
    }
    CHECK(s.Status(t) == PartitionStatus::kWarning);
    SECTION("WARNING -> OK: it catches up") {
      s.End(400, t);
      s.Commit(400, t + 1);
      CHECK(s.Status(t + 2) == PartitionStatus::kOk);
    }
    SECTION("WARNING -> STOPPED: it stops committing") {
      CHECK(s.Status(t + 10'000 * 5) == PartitionStatus::kStopped);
    }
  }
  SECTION("OK -> STALLED: it commits the same offset while the end moves") {
    for (int i = 0; i < 5; ++i, t += 10'000) {
      s.End(200 + i * 10, t);
      s.Commit(150, t + 1);
    }
    CHECK(s.Status(t) == PartitionStatus::kStalled);
  }
  SECTION("a rewind hides behind a lag of 0 still in the window (rule 1 comes first)") {
    s.End(200, t);
    s.Commit(20, t + 1);
    CHECK(s.Status(t + 2) == PartitionStatus::kOk);
  }
}

TEST_CASE("a lagging consumer reset to an earlier offset is REWIND") {
  Script s;
  std::int64_t t = 0;
  for (int i = 0; i < 4; ++i, t += 10'000) {
    s.End(200 + i * 10, t);
    s.Commit(150 + i * 12, t + 1);  // behind, gaining a little
  }
  CHECK(s.Status(t) == PartitionStatus::kOk);
  s.End(250, t);
  s.Commit(20, t + 1);
  CHECK(s.Status(t + 2) == PartitionStatus::kRewind);
  SECTION("REWIND -> OK once it caught up") {
    s.End(260, t + 10'000);
    s.Commit(260, t + 10'001);
    CHECK(s.Status(t + 10'002) == PartitionStatus::kOk);
  }
}

TEST_CASE(
    "a commit seen before its end offset is kept and evaluated once the end offset is known") {
  Script s;
  for (int i = 0; i < 5; ++i) {
    s.Commit(50, i * 10'000);
  }
  CHECK(s.model.TakeUnfetched() == std::vector<TopicPartition>{{"orders", 0}});
  CHECK(s.model.TakeUnfetched().empty());
  CHECK(s.Status(45'000) == PartitionStatus::kOk);  // no end offset: nothing to judge
  s.End(80, 45'000);
  CHECK(s.Status(45'000) == PartitionStatus::kStalled);
  const auto ev = s.model.Evaluate(45'000);
  REQUIRE(ev.groups.size() == 1);
  CHECK(ev.groups[0].total_lag == 30);
  CHECK(ev.groups[0].status == GroupStatus::kErr);
  CHECK(*ev.groups[0].partitions[0].lag == 30);
}

TEST_CASE("commits closer than min_distance move the newest instead of filling the window") {
  Script s;
  s.End(1000, 0);
  for (int i = 0; i < 20; ++i) {
    s.Commit(100, 10'000 + i * 100);  // 2 s of commits at 10 per second
  }
  // Only two samples (the first and the moving newest): not a full window.
  CHECK(s.Status(12'000) == PartitionStatus::kOk);
}

TEST_CASE("lag in seconds comes from the record timestamp, else from the end-offset history") {
  Script s;
  // 10 messages per second for 100 s.
  for (int i = 0; i <= 10; ++i) {
    s.End(i * 100, i * 10'000);
  }
  s.Commit(500, 100'000);  // produced at t = 50 s
  auto ev = s.model.Evaluate(100'000);
  auto p = ev.groups.at(0).partitions.at(0);
  CHECK(p.lag == 500);
  CHECK(p.lag_seconds_source == "interpolated");
  CHECK(*p.lag_seconds == Approx(50.0));
  REQUIRE(s.model.RecordTimesWanted().size() == 1);
  CHECK(s.model.RecordTimesWanted()[0].offset == 500);
  const RecordTime rt{"orders", 0, 500, 48'000};
  s.model.ObserveRecordTimes(std::span(&rt, 1));
  CHECK(s.model.RecordTimesWanted().empty());
  ev = s.model.Evaluate(100'000);
  p = ev.groups.at(0).partitions.at(0);
  CHECK(p.lag_seconds_source == "record_timestamp");
  CHECK(*p.lag_seconds == Approx(52.0));
  // The stream facts of the topic.
  REQUIRE(ev.topics.size() == 1);
  CHECK(*ev.topics[0].messages_per_second == Approx(10.0));
  CHECK(*ev.topics[0].last_produced_ms == 100'000);
}

TEST_CASE("interpolation before the history extrapolates at its rate") {
  const std::vector<EndSample> h = {{100'000, 1000}, {110'000, 1100}};  // 10/s
  CHECK(*InterpolateLagSeconds(h, 900, 110'000) == Approx(20.0));
  CHECK(*InterpolateLagSeconds(h, 1100, 110'000) == 0.0);
  CHECK_FALSE(InterpolateLagSeconds({}, 5, 0));
}

TEST_CASE("the model's fold state restores the same evaluation") {
  Script s;
  for (int i = 0; i < 5; ++i) {
    s.End(200 + i * 10, i * 10'000);
    s.Commit(150, i * 10'000 + 1);
  }
  s.Commit(7, 3, "other");
  std::vector<std::pair<std::string, std::string>> entries;
  std::map<std::string, std::string> stored;
  s.model.Flush([&](std::string k, std::optional<std::string> v) {
    if (v) {
      stored[k] = *v;
    } else {
      stored.erase(k);
    }
  });
  for (const auto& e : stored) {
    entries.push_back(e);
  }
  HealthModel restored{HealthModelOptions{"local", 5, std::chrono::seconds(1), 32}};
  REQUIRE(restored.Restore(entries).ok());
  const auto a = s.model.Evaluate(50'000);
  const auto b = restored.Evaluate(50'000);
  REQUIRE(a.groups.size() == b.groups.size());
  for (std::size_t i = 0; i < a.groups.size(); ++i) {
    CHECK(a.groups[i].group == b.groups[i].group);
    CHECK(a.groups[i].status == b.groups[i].status);
    CHECK(a.groups[i].total_lag == b.groups[i].total_lag);
  }
  CHECK(b.groups[0].status == GroupStatus::kErr);  // "g" stalled
}

TEST_CASE("a topic deleted and re-created: the old incarnation's offsets count for nothing") {
  Script s;
  // The old topic: 100 messages per second for 100 s, the group at its end.
  for (int i = 0; i <= 10; ++i) {
    s.End(10'000 + i * 1000, i * 10'000);
  }
  s.Commit(20'000, 100'000);
  // Kafka deletes the group's offsets of a deleted topic (an offset tombstone).
  s.model.OnOffsetDeleted("g", "orders", 0);
  // The new topic of the same name: its end starts again, 1 message per second.
  s.End(10, 110'000);
  s.End(20, 120'000);
  s.Commit(5, 120'000);
  const auto ev = s.model.Evaluate(120'000);
  REQUIRE(ev.groups.size() == 1);
  const auto& p = ev.groups[0].partitions.at(0);
  CHECK(p.lag == 15);
  CHECK(p.status == PartitionStatus::kOk);  // not REWIND against the old offsets
  // Lag seconds and the rate come from the new incarnation's history only.
  CHECK(*p.lag_seconds == Approx(15.0));
  REQUIRE(ev.topics.size() == 1);
  CHECK(*ev.topics[0].messages_per_second == Approx(1.0));
  const auto history = s.model.History("orders", 0);
  REQUIRE(history.size() == 2);
  CHECK(history.front().end_offset == 10);
}

TEST_CASE("the journal and its checkpoints restore every window exactly, at any flush") {
  // Small checkpoints, so that the run crosses many of them.
  HealthModelOptions options{"local", 5, std::chrono::seconds(1), 32};
  options.checkpoint_bytes = 3000;
  HealthModel live(options);
  std::map<std::string, std::string> stored;
  const auto flush = [&] {
    live.Flush([&](std::string k, std::optional<std::string> v) {
      if (v) {
        stored[k] = *v;
      } else {
        stored.erase(k);
      }
    });
  };
  const auto summary = [](HealthModel& m, std::int64_t now) {
    std::string out;
    for (const auto& g : m.Evaluate(now).groups) {
      out += g.group + ":" + std::to_string(static_cast<int>(g.status)) + "[";
      for (const auto& p : g.partitions) {
        out += p.topic + "/" + std::to_string(p.partition) + "@" + std::to_string(p.offset) + "," +
               std::to_string(p.last_commit_ms) + "," + std::to_string(p.lag.value_or(-1)) + "," +
               std::to_string(static_cast<int>(p.status)) + ";";
      }
      out += "]";
    }
    return out;
  };
  std::uint32_t seed = 7;
  const auto next = [&](std::uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
  };
  std::int64_t t = 0;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> ends;
  int checkpoints = 0;
  std::size_t last_entries = 0;
  for (int step = 0; step < 3000; ++step) {
    t += 100 + next(900);
    const auto group = "g" + std::to_string(next(6));
    const auto topic = "t" + std::to_string(next(3));
    const auto partition = static_cast<std::int32_t>(next(4));
    const auto roll = next(100);
    auto& end = ends[{topic, partition}];
    if (roll < 70) {
      live.OnCommit(group, topic, partition, std::max<std::int64_t>(0, end - next(50)), t);
    } else if (roll < 85) {
      end += next(100);
      const EndOffset e{topic, partition, end};
      live.ObserveEndOffsets(std::span(&e, 1), t);
    } else if (roll < 90) {
      live.OnOffsetDeleted(group, topic, partition);
    } else if (roll < 92) {
      live.OnGroupDeleted(group);
    } else if (roll < 96) {
      std::vector<RecordTime> times;
      for (const auto& w : live.RecordTimesWanted()) {
        times.push_back({w.topic, w.partition, w.offset, t - 5000});
      }
      live.ObserveRecordTimes(times);
    } else {
      live.Evaluate(t);  // fills in lags that were waiting for an end offset
    }
    if (next(10) == 0) {
      flush();
      if (live.journal_entries() < last_entries) {
        ++checkpoints;
      }
      last_entries = live.journal_entries();
      if (next(5) == 0) {
        HealthModel restored(options);
        std::vector<std::pair<std::string, std::string>> entries(stored.begin(), stored.end());
        REQUIRE(restored.Restore(entries).ok());
        INFO("step " << step);
        REQUIRE(summary(restored, t + 60'000) == summary(live, t + 60'000));
        flush();  // the lags Evaluate filled in
      }
    }
  }
  CHECK(checkpoints >= 3);
  // Journal entries and checkpointed windows are both in the fold state.
  bool journal = false;
  bool windows = false;
  for (const auto& [k, v] : stored) {
    journal = journal || k.starts_with("health/local/j/");
    windows = windows || k.starts_with("health/local/w/");
  }
  CHECK(windows);
  (void)journal;
}

TEST_CASE("a corrupt journal entry is a clear error naming it") {
  HealthModel model{HealthModelOptions{"local", 5, std::chrono::seconds(1), 32}};
  std::string entry;
  msgpack::Writer w(entry);
  w.Int(1);  // a commit
  w.Int(3);  // of an id never named
  w.Int(0);
  const std::vector<std::pair<std::string, std::string>> entries = {
      {"health/local/j/00000000000000000004", entry}};
  const auto s = model.Restore(entries);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("health journal health/local/j/00000000000000000004"));
}
