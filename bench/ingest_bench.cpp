// Ingestion figures (issue: Kafka ingestion):
//  1. decoding + folding __consumer_offsets offset commits in memory, one core;
//  2. end to end: a backlog of offset commits (50 partitions, 10k groups over 100
//     topics) pre-loaded into librdkafka's mock cluster, then consumed, decoded,
//     folded and durably appended (SQLite, synchronous=FULL) until caught up;
//  3. health on vs off (issue 14): the same backlog consumed with and without
//     consumer health (the commit windows folded and persisted with every
//     batch, end offsets polled), alternately, 5 runs each, same process.
//  4. policies on vs off (issue 15): the same backlog through the whole decision
//     stack of `serve` (schemas, lineage, the tracker, governance) over a
//     catalog of one product per topic (an Avro schema with a PII-tagged field
//     each), with the ten policies of governance_bench vs none, alternately, 5
//     runs each, same process. The offset-commit backlog is the ingest path of
//     an estate; governance_bench measures the worst case, where every event
//     is a governance change.
//   --health on|off           only the end-to-end part, with or without health
//   --policies-only           only part 4
// Usage: ingest_bench [--records N] [--fold-records N] [--dir D] [--value-version V]
//   --preload-only BOOTSTRAP  only produce the backlog into an existing cluster
//                             (its topics must exist) and exit
//   --serve-mock              host a mock cluster like `tributary devbroker` does
//                             (its source topics) plus the backlog's 100 topics with
//                             12 partitions each, pre-load the backlog, print
//                             bootstrap.servers and "ready", serve until SIGINT/SIGTERM
//   --external BOOTSTRAP      only the end-to-end part, against a cluster pre-loaded
//                             by one of the above (nothing produced)
// --serve-mock exists because the mock cluster has no CreateTopics and auto-creates
// topics with 4 partitions, while Burrow (bench/burrow) drops commits for topics and
// partitions the cluster does not report.

#include <sys/resource.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "governance/governance.h"
#include "graph/lineage_projection.h"
#include "health/health_model.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_translator.h"
#include "ingest/end_offsets/end_offsets_source.h"
#include "ingest/pipeline.h"
#include "ingest/source_feed.h"
#include "log/log_writer.h"
#include "log/writer_thread.h"
#include "sim/mock_kafka.h"
#include "store/projection_host.h"
#include "support/kafka_producer.h"
#include "ten_policies.h"
#include "tracking/tracker.h"

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
// Offset-commit value version of the backlog (--value-version): 3 is what brokers
// since Kafka 2.1 write; Burrow 1.2 reads only 0 and 1.
std::int16_t value_version = 3;
constexpr int kTopics = 100;
constexpr int kTopicPartitions = 12;

co::EncodedRecord CommitRecord(std::int64_t i) {
  co::OffsetCommit c;
  c.value_version = value_version;
  const auto group = i % 10000;
  c.group = "svc-" + std::to_string(group) + "-consumer";
  c.topic = "domain.events.v1-" + std::to_string(group % kTopics);
  c.partition = static_cast<std::int32_t>((i / 10000) % kTopicPartitions);
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

void Preload(const std::string& bootstrap, std::int64_t count) {
  const auto start = Stopwatch::now();
  testing::KafkaProducer producer(bootstrap);
  for (std::int64_t i = 0; i < count; ++i) {
    const auto r = CommitRecord(i);
    producer.Produce("__consumer_offsets", static_cast<int>(i % 50), r.key, r.value);
  }
  producer.Flush();
  std::printf(
      "backlog: %lld records (offset-commit values v%d) produced into the cluster in %.1f s\n",
      static_cast<long long>(count), static_cast<int>(value_version),
      std::chrono::duration<double>(Stopwatch::now() - start).count());
}

// The catalog the governed runs start from: one product per backlog topic,
// each with an Avro schema holding a PII-tagged field.
Batch CatalogSeed() {
  Batch b;
  const Timestamp t = FromMillis(kStart);
  for (int i = 0; i < kTopics; ++i) {
    const auto topic = "domain.events.v1-" + std::to_string(i);
    ProductPublished p;
    p.product = "events-" + std::to_string(i);
    p.cluster = "bench";
    p.topic = topic;
    p.domain = "domain-" + std::to_string(i % 10);
    p.owner = "team-" + std::to_string(i % 20);
    p.description = "the events of domain " + std::to_string(i);
    p.quality = "curated";
    p.sla = i % 3 == 0 ? "tier-1" : "tier-2";
    p.allowed_regions = {"eu-west-1"};
    SchemaRegistered s;
    s.subject = topic + "-value";
    s.version = 1;
    s.schema_id = i + 1;
    s.schema = R"({"type":"record","name":"E)" + std::to_string(i) +
               R"(","fields":[{"name":"id","type":"string"},)"
               R"({"name":"email","type":"string","confluent:tags":["PII"]}]})";
    b.events.push_back({p, t, "bench", std::nullopt, std::nullopt});
    b.events.push_back({s, t, "bench", std::nullopt, std::nullopt});
  }
  return b;
}

// The decision stack of `serve` over one log (issue 15's "policies on vs off").
struct Governed {
  Governed(CatalogProjection& catalog, std::shared_ptr<const governance::PolicySet> policies)
      : lineage(graph::Routes{}),
        tracker({}, catalog, schemas, [this] { return lineage.snapshot(); }),
        governance(Options(std::move(policies)), catalog, schemas,
                   [this] { return lineage.snapshot(); }),
        chain({&tracker, &governance}) {}
  static governance::GovernanceOptions Options(std::shared_ptr<const governance::PolicySet> p) {
    governance::GovernanceOptions o;
    o.team = "governance";
    o.regions = {{"bench", "eu-west-1"}};
    o.policies = std::move(p);
    return o;
  }
  SchemaProjection schemas;
  graph::LineageProjection lineage;
  tracking::Tracker tracker;
  governance::Governance governance;
  DeciderSet chain;
};

// Consumes `count` records of __consumer_offsets from `bootstrap`: decoded, folded
// and durably appended; timed from opening the event log (start-up included).
// Returns records per second. With `health`, the commits also feed consumer
// health's model (persisted with every batch) and its end-offsets source polls.
// With `policies`, they go through the decision stack of `serve` (Governed)
// over CatalogSeed(), deciding with those policies.
struct RunFigures {
  double records_per_s = 0;
  double cpu_us_per_record = 0;  // the whole process: consumer, writer, mock cluster
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

RunFigures Consume(const std::string& bootstrap, std::int64_t count,
                   const std::filesystem::path& base, bool health = false,
                   std::shared_ptr<const governance::PolicySet> policies = nullptr) {
  const auto dir = base / "tributary-bench-ingest";
  std::filesystem::remove_all(dir);
  SystemClock clock;
  const auto start = Stopwatch::now();
  const double cpu_start = CpuSeconds();
  auto log = std::move(EventLog::Open(dir, clock)).value();
  CatalogProjection catalog;
  std::optional<Governed> governed;
  std::vector<Projection*> projections = {&catalog};
  if (policies) {
    governed.emplace(catalog, policies);
    projections = {&catalog, &governed->schemas, &governed->lineage, &governed->tracker,
                   &governed->governance};
  }
  ProjectionHost host(*log, projections);
  if (governed) {
    host.SetAfterApply([&] {
      governed->lineage.Publish();
      catalog.Publish();
      governed->governance.Publish();
    });
  }
  if (!host.Recover().ok()) {
    std::exit(1);
  }
  log::LogWriter writer(*log, host);
  if (governed) {
    if (!writer.SetDecider(governed->chain).ok() || !writer.Commit(CatalogSeed()).ok()) {
      std::exit(1);
    }
  }
  ingest::IngestPipeline pipeline(writer, writer);
  co::ConsumerOffsetsOptions co_options{"bench", std::chrono::minutes(15),
                                        std::chrono::minutes(10)};
  health::HealthModel model({"bench", 10, std::chrono::seconds(1), 32});
  if (health) {
    ingest::end_offsets::EndOffsetsOptions eo;
    eo.cluster = "bench";
    eo.bootstrap_servers = bootstrap;
    eo.interval = std::chrono::seconds(30);
    auto source = std::make_unique<ingest::end_offsets::EndOffsetsSource>(eo, model);
    co_options.observer = source.get();
    if (!pipeline.AddPolledSource(std::move(source)).ok()) {
      std::exit(1);
    }
  }
  if (!pipeline
           .AddSource("bench", "__consumer_offsets",
                      std::make_unique<co::ConsumerOffsetsTranslator>(co_options))
           .ok()) {
    std::exit(1);
  }
  ingest::KafkaReaderOptions reader;
  reader.cluster = "bench";
  reader.bootstrap_servers = bootstrap;
  reader.topics = {"__consumer_offsets"};
  reader.properties = {{"fetch.wait.max.ms", "5"}};
  ingest::SourceFeedOptions options;
  options.clusters = {reader};
  ingest::SourceFeed feed(options, pipeline, writer, clock);
  log::WriterThreadOptions thread_options;
  if (governed) {
    thread_options.idle = [&] { governed->governance.Publish(); };
  }
  log::WriterThread thread(thread_options, writer, host, feed, clock, nullptr);
  if (!feed.Start().ok() || !thread.Start().ok()) {
    std::exit(1);
  }
  while (pipeline.counters().records.load() < count) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  thread.Stop();
  feed.Stop();
  std::printf(
      "end to end%s%s (consume + decode + fold + durable append, start-up included): %.0f "
      "records/s, %.2f us of CPU per record, %lld records in %.2f s, %lld batches, %lld events "
      "appended, %lld quarantined\n",
      health ? ", health on" : "",
      !policies ? "" : (policies->size() > 0 ? ", policies on" : ", policies off"),
      static_cast<double>(count) / secs, 1e6 * cpu / static_cast<double>(count),
      static_cast<long long>(count), secs, static_cast<long long>(writer.counters().batches.load()),
      static_cast<long long>(writer.counters().events.load()),
      static_cast<long long>(writer.counters().quarantined.load()));
  std::filesystem::remove_all(dir);
  return {static_cast<double>(count) / secs, 1e6 * cpu / static_cast<double>(count)};
}

// Prints the medians of `off` and `on`: throughput (wall clock, which the
// mock cluster's fetches make vary by about ±20% from run to run) and CPU per
// record (steadier), and the cost of `on` in each.
void PrintOnOff(const char* what, std::vector<RunFigures> off, std::vector<RunFigures> on) {
  const auto median = [](std::vector<RunFigures> runs, auto field) {
    std::vector<double> v;
    for (const auto& r : runs) {
      v.push_back(r.*field);
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double rate_off = median(off, &RunFigures::records_per_s);
  const double rate_on = median(on, &RunFigures::records_per_s);
  const double cpu_off = median(off, &RunFigures::cpu_us_per_record);
  const double cpu_on = median(on, &RunFigures::cpu_us_per_record);
  std::printf(
      "%s off vs on, same backlog, alternating, %zu runs each: median %.0f vs %.0f records/s "
      "(cost %.1f%%), median %.2f vs %.2f us of CPU per record (cost %.1f%%); target <= 10%%\n",
      what, off.size(), rate_off, rate_on, 100.0 * (rate_off - rate_on) / rate_off, cpu_off, cpu_on,
      100.0 * (cpu_on - cpu_off) / cpu_off);
}

std::unique_ptr<sim::MockKafka> BacklogCluster(std::int64_t count) {
  // The backlog's topics exist, as in a real cluster: health fetches their end offsets.
  std::vector<sim::MockTopic> topics = {{"__consumer_offsets", 50}};
  for (int t = 0; t < kTopics; ++t) {
    topics.push_back({"domain.events.v1-" + std::to_string(t), kTopicPartitions});
  }
  auto kafka = std::move(sim::MockKafka::Start(1, topics)).value();
  Preload(kafka->bootstrap_servers(), count);
  return kafka;
}

void PoliciesOnOff(const std::string& bootstrap, std::int64_t count,
                   const std::filesystem::path& base) {
  const auto ten = bench::TenPolicies();
  const auto none = governance::PolicySet::Compile({}, {}).value();
  if (!ten) {
    std::fprintf(stderr, "ingest_bench: the policies do not compile\n");
    std::exit(1);
  }
  // Five runs each: a run is a dozen batches, and consuming from the mock
  // cluster varies by ±20% from run to run on a shared machine.
  std::vector<RunFigures> off;
  std::vector<RunFigures> on;
  for (int run = 0; run < 5; ++run) {
    off.push_back(Consume(bootstrap, count, base, false, none));
    on.push_back(Consume(bootstrap, count, base, false, ten));
  }
  PrintOnOff("policies (the decision stack of serve, 100 products)", off, on);
}

void EndToEnd(std::int64_t count, const std::filesystem::path& base) {
  auto kafka = BacklogCluster(count);
  std::vector<RunFigures> off;
  std::vector<RunFigures> on;
  for (int run = 0; run < 5; ++run) {
    off.push_back(Consume(kafka->bootstrap_servers(), count, base, false));
    on.push_back(Consume(kafka->bootstrap_servers(), count, base, true));
  }
  PrintOnOff("health", off, on);
  PoliciesOnOff(kafka->bootstrap_servers(), count, base);
}

// A mock cluster with devbroker's topics and the backlog's, pre-loaded; serves
// until SIGINT or SIGTERM.
int ServeMock(std::int64_t count) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before librdkafka starts threads
  auto kafka = sim::MockKafka::Start(1, sim::DefaultSourceTopics());
  if (!kafka.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n", kafka.status().message().c_str());
    return 1;
  }
  for (int t = 0; t < kTopics; ++t) {
    if (auto s = (*kafka)->CreateTopic({"domain.events.v1-" + std::to_string(t), kTopicPartitions});
        !s.ok()) {
      std::fprintf(stderr, "ingest_bench: %s\n", s.message().c_str());
      return 1;
    }
  }
  Preload((*kafka)->bootstrap_servers(), count);
  std::printf("topics: __consumer_offsets (50 partitions), %d backlog topics x %d partitions\n",
              kTopics, kTopicPartitions);
  std::printf("bootstrap.servers=%s\nready\n", (*kafka)->bootstrap_servers().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t records = 2000000;
  std::int64_t fold_records = 1000000;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  std::string preload_only;
  std::string external;
  bool serve_mock = false;
  bool health_on = false;
  bool policies_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--serve-mock") {
      serve_mock = true;
      continue;
    }
    if (a == "--policies-only") {
      policies_only = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "ingest_bench: %s needs a value\n", a.c_str());
      return 2;
    }
    const std::string v = argv[++i];
    if (a == "--records") {
      records = std::atoll(v.c_str());
    } else if (a == "--fold-records") {
      fold_records = std::atoll(v.c_str());
    } else if (a == "--dir") {
      base = v;
    } else if (a == "--value-version") {
      value_version = static_cast<std::int16_t>(std::atoi(v.c_str()));
    } else if (a == "--preload-only") {
      preload_only = v;
    } else if (a == "--external") {
      external = v;
    } else if (a == "--health") {
      health_on = v == "on";
    } else {
      std::fprintf(stderr, "ingest_bench: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (value_version < 0 || value_version > 4) {
    std::fprintf(stderr, "ingest_bench: --value-version must be 0-4\n");
    return 2;
  }
  if (serve_mock) {
    return ServeMock(records);
  }
  if (!preload_only.empty()) {
    Preload(preload_only, records);
    return 0;
  }
  if (!external.empty()) {
    Consume(external, records, base, health_on);
    return 0;
  }
  if (policies_only) {
    auto kafka = BacklogCluster(records);
    PoliciesOnOff(kafka->bootstrap_servers(), records, base);
    return 0;
  }
  FoldInMemory(fold_records);
  EndToEnd(records, base);
  return 0;
}
