// Ingestion figures (issue: Kafka ingestion):
//  1. decoding + folding __consumer_offsets offset commits in memory, one core;
//  2. end to end: a backlog of offset commits (50 partitions, 10k groups over 100
//     topics) pre-loaded into librdkafka's mock cluster, then consumed, decoded,
//     folded and durably appended (SQLite, synchronous=FULL) until caught up.
// Usage: ingest_bench [--records N] [--fold-records N] [--dir D]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/catalog_projection.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_translator.h"
#include "ingest/ingest_runner.h"
#include "ingest/pipeline.h"
#include "sim/mock_kafka.h"
#include "store/projection_host.h"
#include "support/kafka_producer.h"

using namespace tributary;
namespace co = tributary::ingest::consumer_offsets;
using Stopwatch = std::chrono::steady_clock;

namespace {

// Offset commit i: 10k groups over 100 topics, 12 partitions each, commits
// advancing through time like a live estate.
// Commits are stamped from the moment the benchmark starts, as a live estate's
// would be (older stamps would make the consumers idle as soon as the service
// has caught up).
const std::int64_t kStart = ToMillis(SystemClock().Now());

co::EncodedRecord CommitRecord(std::int64_t i) {
  co::OffsetCommit c;
  const auto group = i % 10000;
  c.group = "svc-" + std::to_string(group) + "-consumer";
  c.topic = "domain.events.v1-" + std::to_string(group % 100);
  c.partition = static_cast<std::int32_t>((i / 10000) % 12);
  c.offset = 1000000 + i;
  c.commit_timestamp_ms = kStart + i / 10;
  return co::Encode(c);
}

class CountingSink final : public ingest::TranslationSink {
 public:
  void Emit(DomainEvent, Timestamp) override { ++events; }
  void EmitDecision(DomainEvent, Timestamp, std::string) override { ++events; }
  void Quarantine(std::string) override { ++quarantined; }
  void WriteFold(std::string key, std::optional<std::string> value) override {
    bytes += key.size() + (value ? value->size() : 0);
  }
  std::int64_t events = 0;
  std::int64_t quarantined = 0;
  std::int64_t bytes = 0;
};

void FoldInMemory(std::int64_t count) {
  std::vector<co::EncodedRecord> records;
  records.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    records.push_back(CommitRecord(i));
  }
  std::vector<double> rates;
  for (int run = 0; run < 5; ++run) {
    co::ConsumerOffsetsTranslator translator(
        {"bench", std::chrono::minutes(15), std::chrono::minutes(10)});
    CountingSink sink;
    const auto start = Stopwatch::now();
    constexpr std::size_t kBatch = 20000;
    for (std::size_t i = 0; i < records.size(); ++i) {
      ingest::RawRecord raw;
      raw.topic = "__consumer_offsets";
      raw.offset = static_cast<std::int64_t>(i);
      raw.timestamp_ms = 1764080206000;
      raw.key = records[i].key;
      raw.value = *records[i].value;
      translator.Translate(raw, sink);
      if ((i + 1) % kBatch == 0) {
        translator.Flush(sink);  // once per poll batch, as the pipeline does
      }
    }
    translator.Flush(sink);
    const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
    rates.push_back(static_cast<double>(count) / secs);
  }
  std::sort(rates.begin(), rates.end());
  std::printf(
      "decode + fold in memory (fold state serialised per batch of 20k): median %.0f "
      "records/s over %lld records, 5 runs\n",
      rates[2], static_cast<long long>(count));
}

void EndToEnd(std::int64_t count, const std::filesystem::path& base) {
  auto kafka = std::move(sim::MockKafka::Start(1, {{"__consumer_offsets", 50}})).value();
  {
    const auto start = Stopwatch::now();
    testing::KafkaProducer producer(kafka->bootstrap_servers());
    for (std::int64_t i = 0; i < count; ++i) {
      const auto r = CommitRecord(i);
      producer.Produce("__consumer_offsets", static_cast<int>(i % 50), r.key, r.value);
    }
    producer.Flush();
    std::printf("backlog: %lld records produced into the mock cluster in %.1f s\n",
                static_cast<long long>(count),
                std::chrono::duration<double>(Stopwatch::now() - start).count());
  }
  const auto dir = base / "tributary-bench-ingest";
  std::filesystem::remove_all(dir);
  SystemClock clock;
  const auto start = Stopwatch::now();
  auto log = std::move(EventLog::Open(dir, clock)).value();
  CatalogProjection catalog;
  ProjectionHost host(*log, {&catalog});
  if (!host.Recover().ok()) {
    std::exit(1);
  }
  ingest::IngestPipeline pipeline(*log, host, clock);
  if (!pipeline
           .AddSource("bench", "__consumer_offsets",
                      std::make_unique<co::ConsumerOffsetsTranslator>(co::ConsumerOffsetsOptions{
                          "bench", std::chrono::minutes(15), std::chrono::minutes(10)}))
           .ok()) {
    std::exit(1);
  }
  ingest::KafkaReaderOptions reader;
  reader.cluster = "bench";
  reader.bootstrap_servers = kafka->bootstrap_servers();
  reader.topics = {"__consumer_offsets"};
  reader.properties = {{"fetch.wait.max.ms", "5"}};
  ingest::IngestRunnerOptions options;
  options.clusters = {reader};
  ingest::IngestRunner runner(options, pipeline, host, clock, nullptr);
  if (!runner.Start().ok()) {
    std::exit(1);
  }
  while (pipeline.counters().records.load() < count) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
  runner.Stop();
  std::printf(
      "end to end (consume + decode + fold + durable append, start-up included): %.0f "
      "records/s, %lld records in %.2f s, %lld batches, %lld events appended\n",
      static_cast<double>(count) / secs, static_cast<long long>(count), secs,
      static_cast<long long>(pipeline.counters().batches.load()),
      static_cast<long long>(pipeline.counters().events.load()));
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t records = 2000000;
  std::int64_t fold_records = 1000000;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records") {
      records = std::atoll(argv[i + 1]);
    } else if (a == "--fold-records") {
      fold_records = std::atoll(argv[i + 1]);
    } else if (a == "--dir") {
      base = argv[i + 1];
    }
  }
  FoldInMemory(fold_records);
  EndToEnd(records, base);
  return 0;
}
