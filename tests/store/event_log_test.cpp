#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>

#include "store/event_log.h"
#include "support/sample_events.h"
#include "support/temp_dir.h"

using namespace tributary;
using tributary::testing::TempDir;

namespace {

NewEvent FromSource(std::int32_t partition, std::int64_t offset,
                    std::string source = "local/__consumer_offsets") {
  NewEvent e;
  e.event = ConsumerStarted{NodeId::Group("local", "g"), NodeId::Topic("local", "t"), "observed",
                            "consumer_offsets"};
  e.event_time = FromMillis(1000 + offset);
  e.source = std::move(source);
  e.source_key = SourceKey{partition, offset, 0};
  return e;
}

std::unique_ptr<EventLog> OpenLog(const TempDir& dir, const Clock& clock) {
  auto log = EventLog::Open(dir.path(), clock);
  REQUIRE(log.ok());
  return std::move(log).value();
}

}  // namespace

TEST_CASE("the event log appends batches and reads them back in order") {
  TempDir dir;
  FakeClock clock(FromMillis(50000));
  auto log = OpenLog(dir, clock);
  CHECK(log->path() == dir.path() / "tributary.db");

  Batch batch;
  for (const auto& e : testing::OneOfEachEventType()) {
    batch.events.push_back(NewEvent{e, FromMillis(42), "test", std::nullopt, std::nullopt});
  }
  auto result = log->Append(batch);
  REQUIRE(result.ok());
  CHECK(result->appended == batch.events.size());
  CHECK(result->seqs.front() == EventSeq(1));
  CHECK(result->seqs.back() == EventSeq(static_cast<std::int64_t>(batch.events.size())));

  auto read = log->Read(EventSeq(0), 0);
  REQUIRE(read.ok());
  REQUIRE(read->size() == batch.events.size());
  const auto records = EventLog::AppendedRecords(batch, *result);
  for (std::size_t i = 0; i < read->size(); ++i) {
    CHECK((*read)[i].seq == EventSeq(static_cast<std::int64_t>(i + 1)));
    if (const auto* marker = std::get_if<LogCompacted>(&batch.events[i].event)) {
      // The store completes a compaction marker with the totals before it.
      const auto& stored = std::get<LogCompacted>((*read)[i].event);
      CHECK(stored.cutoff == marker->cutoff);
      REQUIRE(stored.totals.size() == 2);
      CHECK(stored.totals[0].type == "consumer_progress");
      CHECK(stored.totals[0].total == 1);
      CHECK(stored.totals[1].type == "notification_failed");
      CHECK(stored.totals[1].total == 1);
      CHECK(records[i].event == (*read)[i].event);  // what the projections are handed
      continue;
    }
    CHECK((*read)[i].event == batch.events[i].event);
    CHECK((*read)[i].event_time == FromMillis(42));
    CHECK((*read)[i].recorded_at == FromMillis(50000));
    CHECK((*read)[i].source == "test");
  }

  SECTION("reading after a sequence number is exclusive and limited") {
    auto page = log->Read(EventSeq(3), 2);
    REQUIRE(page.ok());
    REQUIRE(page->size() == 2);
    CHECK((*page)[0].seq == EventSeq(4));
  }
  SECTION("reading by type returns only that type") {
    auto only = log->Read(EventSeq(0), 0, "team_upserted");
    REQUIRE(only.ok());
    REQUIRE(only->size() == 1);
    CHECK(std::holds_alternative<TeamUpserted>(only->front().event));
  }
  SECTION("the log is append-only") {
    CHECK_THROWS(log->database().exec("UPDATE events SET type = 'x' WHERE seq = 1"));
    CHECK_THROWS(log->database().exec("DELETE FROM events WHERE seq = 1"));
  }
}

TEST_CASE("appending the same source key twice stores one event") {
  TempDir dir;
  FakeClock clock;
  auto log = OpenLog(dir, clock);

  Batch first;
  first.events = {FromSource(0, 10), FromSource(0, 11)};
  REQUIRE(log->Append(first)->appended == 2);

  SECTION("a re-delivered batch is skipped whole") {
    auto again = log->Append(first);
    REQUIRE(again.ok());
    CHECK(again->appended == 0);
    CHECK(again->duplicates == 2);
    CHECK(again->seqs == std::vector<EventSeq>{EventSeq(0), EventSeq(0)});
    CHECK(*log->CountEvents() == 2);
  }
  SECTION("an overlapping batch stores only the new records") {
    Batch overlap;
    overlap.events = {FromSource(0, 11), FromSource(0, 12), FromSource(1, 11)};
    auto r = log->Append(overlap);
    REQUIRE(r.ok());
    CHECK(r->appended == 2);
    CHECK(r->duplicates == 1);
    CHECK(EventLog::AppendedRecords(overlap, *r).size() == 2);
    CHECK(*log->CountEvents() == 4);
  }
  SECTION("decisions are idempotent by their dedup key") {
    NewEvent decision{ReminderDue{"rem:x:7d", "x", FromMillis(1), "7d"}, FromMillis(1), "tracking",
                      std::nullopt, std::string("rem:x:7d")};
    Batch b;
    b.events = {decision};
    CHECK(log->Append(b)->appended == 1);
    CHECK(log->Append(b)->duplicates == 1);
  }
  SECTION("the same coordinates in another source are another record") {
    Batch other;
    other.events = {FromSource(0, 10, "local/_schemas")};
    CHECK(log->Append(other)->appended == 1);
    auto read = log->Read(EventSeq(2), 0);
    REQUIRE(read->size() == 1);
    CHECK(read->front().source == "local/_schemas");
  }
}

TEST_CASE("a batch lands whole with its offsets or not at all") {
  TempDir dir;
  FakeClock clock;
  auto log = OpenLog(dir, clock);

  Batch ok_batch;
  for (int i = 0; i < 10; ++i) {
    ok_batch.events.push_back(FromSource(0, i, "s"));
  }
  ok_batch.offsets = {{"s", 0, 10}};
  ok_batch.fold_state = {{"fold/g/t", std::string("state-1")}};
  REQUIRE(log->Append(ok_batch).ok());

  // Inject a failure in the middle of the next batch: the 6th insert aborts.
  log->database().exec(
      "CREATE TEMP TRIGGER inject_failure BEFORE INSERT ON events WHEN NEW.src_offset = 15 "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  Batch failing;
  for (int i = 10; i < 20; ++i) {
    failing.events.push_back(FromSource(0, i, "s"));
  }
  failing.offsets = {{"s", 0, 20}};
  failing.fold_state = {{"fold/g/t", std::string("state-2")}, {"fold/g/u", std::string("new")}};
  failing.quarantine = {{"s", "t", 0, 13, "k", "v", "bad record"}};
  failing.outbox = {{"intent-1", "deprecation", "team", "chan", "info", {{"a", 1}}, 0}};
  auto result = log->Append(failing);
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.status().message(), Catch::Contains("injected failure"));

  CHECK(*log->CountEvents() == 10);
  const auto offsets = *log->Offsets("s");
  REQUIRE(offsets.size() == 1);
  CHECK(offsets[0].next_offset == 10);
  const auto fold = *log->FoldState("fold/");
  REQUIRE(fold.size() == 1);
  CHECK(fold[0].second == "state-1");
  CHECK(log->Quarantine(0, 10)->empty());
  CHECK(log->database().execAndGet("SELECT count(*) FROM outbox").getInt() == 0);

  SECTION("after the fault clears, the same batch lands whole") {
    log->database().exec("DROP TRIGGER inject_failure");
    auto retry = log->Append(failing);
    REQUIRE(retry.ok());
    CHECK(retry->appended == 10);
    CHECK(retry->quarantined == 1);
    CHECK(retry->intents == 1);
    CHECK((*log->Offsets("s"))[0].next_offset == 20);
    CHECK((*log->FoldState("fold/")).size() == 2);
    const auto q = *log->Quarantine(0, 10);
    REQUIRE(q.size() == 1);
    CHECK(q[0].record.reason == "bad record");
    CHECK(q[0].record.offset == 13);
    // The intent points at the event that caused it.
    CHECK(log->database().execAndGet("SELECT caused_by_seq FROM outbox").getInt64() == 11);
  }
}

TEST_CASE("folding state entries are replaced and erased with their batch") {
  TempDir dir;
  FakeClock clock;
  auto log = OpenLog(dir, clock);
  Batch b1;
  b1.fold_state = {{"a", std::string("1")}, {"b", std::string("2")}};
  REQUIRE(log->Append(b1).ok());
  Batch b2;
  b2.fold_state = {{"a", std::string("3")}, {"b", std::nullopt}};
  REQUIRE(log->Append(b2).ok());
  const auto all = *log->FoldState("");
  REQUIRE(all.size() == 1);
  CHECK(all[0] == std::pair<std::string, std::string>{"a", "3"});
}

TEST_CASE("a re-delivered quarantined record is kept once") {
  TempDir dir;
  FakeClock clock;
  auto log = OpenLog(dir, clock);
  Batch b;
  b.quarantine = {{"s", "t", 2, 7, std::string("\x00\x01", 2), "", "truncated key"}};
  CHECK(log->Append(b)->quarantined == 1);
  CHECK(log->Append(b)->quarantined == 0);
  const auto q = *log->Quarantine(0, 10);
  REQUIRE(q.size() == 1);
  CHECK(q[0].record.key == std::string("\x00\x01", 2));
}

TEST_CASE("the log survives a reopen and records its schema version") {
  TempDir dir;
  FakeClock clock;
  {
    auto log = OpenLog(dir, clock);
    Batch b;
    b.events = {FromSource(0, 1, "s")};
    b.offsets = {{"s", 0, 2}};
    REQUIRE(log->Append(b).ok());
  }
  auto log = OpenLog(dir, clock);
  CHECK(*log->CountEvents() == 1);
  CHECK((*log->Offsets("s"))[0].next_offset == 2);
  CHECK(*log->SchemaVersion() == EventLog::LatestSchemaVersion());
  CHECK(log->database().execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(log->database().execAndGet("PRAGMA synchronous").getInt() == 2);  // FULL
  CHECK(log->database().execAndGet("SELECT count(*) FROM schema_migrations").getInt() ==
        EventLog::LatestSchemaVersion());
}

TEST_CASE("a foreign or corrupt database file is refused, never recreated") {
  TempDir dir;
  FakeClock clock;
  const auto file = dir.path() / "tributary.db";

  SECTION("a text file") {
    std::ofstream(file) << "this is not a database, and it is long enough to have a header";
    auto log = EventLog::Open(dir.path(), clock);
    REQUIRE_FALSE(log.ok());
    CHECK(log.status().code() == ErrorCode::kCorruption);
    CHECK_THAT(log.status().message(), Catch::Contains(file.string()));
    CHECK_THAT(log.status().message(), Catch::Contains("not a SQLite database"));
  }
  SECTION("another application's SQLite database") {
    {
      SQLite::Database other(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      other.exec("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)");
    }
    auto log = EventLog::Open(dir.path(), clock);
    REQUIRE_FALSE(log.ok());
    CHECK_THAT(log.status().message(), Catch::Contains(file.string()));
    CHECK_THAT(log.status().message(), Catch::Contains("another application"));
    SQLite::Database check(file.string());
    CHECK(check.tableExists("customers"));
    CHECK_FALSE(check.tableExists("events"));
  }
  SECTION("a log written by a newer Tributary") {
    {
      auto log = OpenLog(dir, clock);
      log->database().exec("PRAGMA user_version=999");
    }
    auto log = EventLog::Open(dir.path(), clock);
    REQUIRE_FALSE(log.ok());
    CHECK_THAT(log.status().message(), Catch::Contains("newer Tributary"));
  }
  SECTION("a damaged page") {
    {
      auto log = OpenLog(dir, clock);
      Batch b;
      for (int i = 0; i < 2000; ++i) {
        b.events.push_back(FromSource(0, i));
      }
      REQUIRE(log->Append(b).ok());
      log->database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    {
      // Overwrite page 3 onwards with garbage, keeping the header intact.
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(4096 * 2);
      const std::string junk(4096 * 4, '\x5a');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto log = EventLog::Open(dir.path(), clock);
    if (log.ok()) {
      // The damage may sit in pages the open does not touch: reading must fail
      // with an error naming the file, and the integrity check must say so.
      auto read = (*log)->Read(EventSeq(0), 0);
      auto verdict = (*log)->IntegrityCheck();
      CHECK((!read.ok() || !verdict.ok() || *verdict != "ok"));
      if (!read.ok()) {
        CHECK_THAT(read.status().message(), Catch::Contains(file.string()));
      }
    } else {
      CHECK_THAT(log.status().message(), Catch::Contains(file.string()));
    }
  }
}

TEST_CASE("a read-only log refuses appends and needs an existing file") {
  TempDir dir;
  FakeClock clock;
  auto missing = EventLog::Open(dir.path(), clock, {.read_only = true});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  OpenLog(dir, clock);
  auto reader = EventLog::Open(dir.path(), clock, {.read_only = true});
  REQUIRE(reader.ok());
  CHECK_FALSE((*reader)->Append(Batch{}).ok());
}
