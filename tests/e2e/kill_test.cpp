// The service killed with SIGKILL in the middle of ingesting, then restarted:
// every source record is reflected in the event log exactly once, the fold state
// is intact and the database file is sound.

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <regex>

#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "support/http_client.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using tributary::testing::ChildProcess;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::int64_t CountEvents(const std::filesystem::path& db, const std::string& where = "1") {
  try {
    SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
    return d.execAndGet("SELECT count(*) FROM events_readable WHERE " + where).getInt64();
  } catch (const std::exception&) {
    return 0;  // not created yet
  }
}

}  // namespace

TEST_CASE("the service killed with SIGKILL mid-ingest and restarted loses and duplicates nothing") {
  TempDir dir;
  ChildProcess broker({"devbroker"}, dir / "broker.out");
  REQUIRE(broker.WaitForOutput("partitions=50", 10s));
  std::smatch m;
  const auto out = broker.Output();
  REQUIRE(std::regex_search(out, m, std::regex("bootstrap.servers=(\\S+)")));
  const std::string bootstrap = m[1];

  // 50 partitions x 1,600 records; each commit is of a new (group, topic), so
  // each record must become exactly one consumer_started event.
  constexpr int kRecords = 80000;
  {
    tributary::testing::KafkaProducer producer(bootstrap);
    for (int i = 0; i < kRecords; ++i) {
      ingest::consumer_offsets::OffsetCommit c;
      c.group = "group-" + std::to_string(i);
      c.topic = "topic-" + std::to_string(i % 100);
      c.offset = i;
      c.commit_timestamp_ms = 1764080206000 + i;
      const auto rec = ingest::consumer_offsets::Encode(c);
      producer.Produce("__consumer_offsets", i % 50, rec.key, rec.value);
    }
    producer.Flush();
  }

  const int port = FreePort();
  const auto config = dir / "tributary.toml";
  // Snapshots every 5,000 events: the kills also land while one is being
  // written in the background.
  std::ofstream(config) << "[service]\ndata_dir = \"" << (dir / "data").string() << "\"\n"
                        << "http_listen = \"127.0.0.1:" << port << "\"\nsnapshot_every = 5000\n"
                        << "[[clusters]]\nname = \"local\"\nbootstrap_servers = \"" << bootstrap
                        << "\"\n[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n";
  const auto db = dir / "data" / "tributary.db";

  // The newest snapshot's event, 0 when there is none.
  const auto snapshot_seq = [&]() -> std::int64_t {
    try {
      SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
      return d.execAndGet("SELECT coalesce(max(seq), 0) FROM snapshots").getInt64();
    } catch (const std::exception&) {
      return 0;
    }
  };
  for (const int kill_at : {kRecords / 5, kRecords / 2}) {
    ChildProcess serve({"serve", "--config", config.string()}, dir / "serve.out");
    // The first run is killed once it has written a snapshot (in the
    // background); the second may have nothing new to snapshot, so only waits
    // for the events.
    const bool first = kill_at == kRecords / 5;
    REQUIRE(WaitUntil([&] { return CountEvents(db) >= kill_at && (!first || snapshot_seq() > 0); },
                      60s));
    serve.Signal(SIGKILL);
    CHECK(serve.Wait() == 128 + SIGKILL);
    INFO("killed after " << CountEvents(db) << " events");
  }

  ChildProcess serve({"serve", "--config", config.string()}, dir / "serve.out");
  REQUIRE(WaitUntil(
      [&] {
        try {
          return tributary::testing::HttpGet(static_cast<std::uint16_t>(port), "/readyz").status ==
                 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      60s));
  serve.Signal(SIGTERM);
  CHECK(serve.Wait() == 0);

  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  CHECK(d.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(CountEvents(db, "type = 'consumer_started'") == kRecords);
  CHECK(d.execAndGet("SELECT count(DISTINCT src_partition || '/' || src_offset) FROM events")
            .getInt64() == kRecords);
  CHECK(d.execAndGet("SELECT sum(next_offset) FROM source_offsets").getInt64() == kRecords);
  CHECK(d.execAndGet("SELECT count(*) FROM fold_state WHERE key LIKE 'co/local/t/%'").getInt64() ==
        kRecords);
  // The snapshots left by the kills and the restarts, plus the log after
  // them, give the state a replay from zero gives.
  ChildProcess verify({"replay", "--config", config.string(), "--verify"}, dir / "verify.out");
  const int verified = verify.Wait();
  INFO(verify.Output());
  CHECK(verified == 0);
  CHECK(verify.Output().find("MISMATCH") == std::string::npos);
}
