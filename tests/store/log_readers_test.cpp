// LogReaders: the event log read from other threads than the writer's, each
// on its own read-only connection, always seeing what has been committed.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <latch>
#include <thread>

#include "store/event_log.h"
#include "store/log_readers.h"
#include "support/temp_dir.h"

using namespace tributary;
using tributary::testing::TempDir;
using namespace std::chrono_literals;

namespace {

const Timestamp kT0 = *ParseRfc3339("2026-11-25T10:00:00Z");

Batch Events(int from, int count) {
  Batch b;
  for (int i = from; i < from + count; ++i) {
    b.events.push_back(NewEvent{ProductRetired{"product-" + std::to_string(i), "api:admin"}, kT0,
                                "api", std::nullopt, "retire/" + std::to_string(i)});
  }
  return b;
}

Batch Deliveries(std::vector<std::string> keys) {
  Batch b;
  for (auto& key : keys) {
    DeliveryRecord d;
    d.idempotency_key = std::move(key);
    d.kind = "deprecation";
    d.team = "analytics";
    d.channel = "analytics-slack";
    d.severity = "info";
    d.subject = "s";
    d.next_attempt_at = kT0;
    b.new_deliveries.push_back(std::move(d));
  }
  return b;
}

// What one reader thread saw.
struct Seen {
  std::int64_t last_seq = -1;
  std::size_t events = 0;
  std::size_t deliveries = 0;
  std::size_t due = 0;
  bool ok = true;
};

Seen ReadAll(LogReaders& readers, Timestamp now) {
  Seen s;
  auto last = readers.LastSeq();
  s.ok = s.ok && last.ok();
  if (last.ok()) {
    s.last_seq = last->value();
  }
  s.ok = s.ok &&
         readers
             .ForEach(
                 EventSeq(), [&](const EventRecord&) { return ++s.events, true; }, 0, std::nullopt)
             .ok();
  auto listed = readers.List({});
  s.ok = s.ok && listed.ok();
  if (listed.ok()) {
    s.deliveries = listed->size();
  }
  auto due = readers.DueDeliveries(now, 100);
  s.ok = s.ok && due.ok();
  if (due.ok()) {
    s.due = due->size();
  }
  return s;
}

bool NamesSqliteInternals(std::string message) {
  std::transform(message.begin(), message.end(), message.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* internal : {"sqlite_", "sqlite3", "unable to open database", "sqlitecpp",
                               "no such table", "database is locked"}) {
    if (message.find(internal) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("readers on several threads each see the committed state") {
  TempDir dir;
  FakeClock clock(kT0);
  auto writer = EventLog::Open(dir.path(), clock);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->Append(Events(0, 5)).ok());
  REQUIRE((*writer)->Append(Deliveries({"d1", "d2"})).ok());
  LogReaders readers(dir.path(), clock);

  constexpr int kThreads = 4;
  std::vector<Seen> first(kThreads), second(kThreads);
  std::latch first_read(kThreads);
  std::latch more_committed(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      first[static_cast<std::size_t>(t)] = ReadAll(readers, kT0);
      first_read.count_down();
      more_committed.wait();
      // The same thread again, on the connection it kept: the new commit shows.
      second[static_cast<std::size_t>(t)] = ReadAll(readers, kT0);
    });
  }
  first_read.wait();
  REQUIRE((*writer)->Append(Events(5, 3)).ok());
  REQUIRE((*writer)->Append(Deliveries({"d3"})).ok());
  more_committed.count_down();
  for (auto& t : threads) {
    t.join();
  }

  SECTION("every thread reads what was committed before it read") {
    for (const auto& s : first) {
      CHECK(s.ok);
      CHECK(s.last_seq == 5);
      CHECK(s.events == 5);
      CHECK(s.deliveries == 2);
      CHECK(s.due == 2);
    }
  }
  SECTION("a thread's kept connection sees later commits on its next read") {
    for (const auto& s : second) {
      CHECK(s.ok);
      CHECK(s.last_seq == 8);
      CHECK(s.events == 8);
      CHECK(s.deliveries == 3);
      CHECK(s.due == 3);
    }
  }
}

TEST_CASE("the writer appends while readers hold their connections") {
  TempDir dir;
  FakeClock clock(kT0);
  auto writer = EventLog::Open(dir.path(), clock);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->Append(Events(0, 2)).ok());
  LogReaders readers(dir.path(), clock);
  REQUIRE(readers.LastSeq().ok());
  // The writer still appends while a reader's connection is open.
  REQUIRE((*writer)->Append(Events(2, 1)).ok());
  CHECK(readers.LastSeq()->value() == 3);
  CHECK(readers.Quarantine(0, 10)->empty());
}

TEST_CASE("a missing log is an Internal error that does not name SQLite internals") {
  TempDir dir;
  FakeClock clock(kT0);
  LogReaders readers(dir.path() / "nowhere", clock);

  SECTION("every read fails with Internal and a message for people") {
    const auto last = readers.LastSeq();
    REQUIRE_FALSE(last.ok());
    CHECK(last.status().code() == ErrorCode::kInternal);
    CHECK(last.status().message().find("cannot read the event log") != std::string::npos);
    CHECK_FALSE(NamesSqliteInternals(last.status().message()));
    const auto listed = readers.List({});
    REQUIRE_FALSE(listed.ok());
    CHECK(listed.status().code() == ErrorCode::kInternal);
    CHECK_FALSE(NamesSqliteInternals(listed.status().message()));
    CHECK(readers.NextDue().status().code() == ErrorCode::kInternal);
    CHECK(readers.DisabledChannels().status().code() == ErrorCode::kInternal);
    CHECK(readers.Find(1).status().code() == ErrorCode::kInternal);
    CHECK(readers.QueuedIntents(10).status().code() == ErrorCode::kInternal);
    CHECK(readers
              .ForEach(
                  EventSeq(), [](const EventRecord&) { return true; }, 0, std::nullopt)
              .code() == ErrorCode::kInternal);
  }
  SECTION("a log created after a failed read is read on the next call") {
    REQUIRE_FALSE(readers.LastSeq().ok());
    auto writer = EventLog::Open(dir.path() / "nowhere", clock);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Append(Events(0, 1)).ok());
    const auto last = readers.LastSeq();
    REQUIRE(last.ok());
    CHECK(last->value() == 1);
  }
}
