// End to end against a Kafka protocol peer (librdkafka's mock cluster over TCP):
// records of every source, produced with a Kafka client, become domain events
// in the SQLite log exactly once — also across broker faults.

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <set>
#include <sstream>
#include <thread>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "app/config.h"
#include "app/sources.h"
#include "core/catalog_projection.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/kafka_reader.h"
#include "ingest/source_feed.h"
#include "log/log_writer.h"
#include "log/writer_thread.h"
#include "sim/mock_kafka.h"
#include "store/projection_host.h"
#include "support/kafka_producer.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using tributary::testing::KafkaProducer;
using tributary::testing::TempDir;

namespace {

namespace co = ingest::consumer_offsets;

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

void ProduceCommit(KafkaProducer& p, const std::string& group, const std::string& topic,
                   int partition, std::int64_t offset, int kafka_partition = 0) {
  co::OffsetCommit c;
  c.group = group;
  c.topic = topic;
  c.partition = partition;
  c.offset = offset;
  c.commit_timestamp_ms = 1764080206000 + offset;
  const auto rec = co::Encode(c);
  p.Produce("__consumer_offsets", kafka_partition, rec.key, rec.value);
}

// The service's ingestion, in-process: log, projections, writer, pipeline, the
// sources as the writer thread's feed.
class Ingestion {
 public:
  Ingestion(const std::filesystem::path& dir, Config config) : config_(std::move(config)) {
    log_ = std::move(EventLog::Open(dir, clock_)).value();
    host_ = std::make_unique<ProjectionHost>(*log_, std::vector<Projection*>{&catalog_});
    REQUIRE(host_->Recover().ok());
    writer_ = std::make_unique<log::LogWriter>(*log_, *host_);
    pipeline_ = std::make_unique<ingest::IngestPipeline>(*writer_, *writer_);
    auto readers = WireSources(config_, *pipeline_);
    REQUIRE(readers.ok());
    ingest::SourceFeedOptions options;
    options.clusters = std::move(readers->readers);
    for (auto& c : options.clusters) {
      c.metadata_refresh = 300ms;
    }
    feed_ = std::make_unique<ingest::SourceFeed>(std::move(options), *pipeline_, *writer_, clock_);
    const auto opened = feed_->Start();
    INFO(opened.ToString());
    REQUIRE(opened.ok());
    thread_ = std::make_unique<log::WriterThread>(log::WriterThreadOptions{.tick_interval = 100ms},
                                                  *writer_, *host_, *feed_, clock_, nullptr);
    REQUIRE(thread_->Start().ok());
  }
  ~Ingestion() {
    thread_->Stop();
    feed_->Stop();
  }

  ingest::SourceFeed& feed() { return *feed_; }
  log::WriterThread& writer_thread() { return *thread_; }
  const ingest::IngestCounters& counters() const { return pipeline_->counters(); }
  const log::LogCounters& log_counters() const { return writer_->counters(); }

 private:
  Config config_;
  SystemClock clock_;
  std::unique_ptr<EventLog> log_;
  CatalogProjection catalog_;
  std::unique_ptr<ProjectionHost> host_;
  std::unique_ptr<log::LogWriter> writer_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  std::unique_ptr<ingest::SourceFeed> feed_;
  std::unique_ptr<log::WriterThread> thread_;
};

Config ConfigFor(const std::string& bootstrap) {
  Config c;
  c.clusters.push_back({"local", "lkc-test01", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  c.sources.schemas = SchemaSourceConfig{"_schemas", "", "", std::chrono::seconds(30), "local"};
  c.sources.audit_log = TopicSourceConfig{"confluent-audit-log-events", "local"};
  c.sources.catalog = TopicSourceConfig{"tributary.catalog", "local"};
  c.sources.openlineage = TopicSourceConfig{"openlineage.events", "local"};
  return c;
}

// Events of the log, read on the test's own connection.
std::vector<EventRecord> Events(const std::filesystem::path& dir) {
  SystemClock clock;
  auto log = EventLog::Open(dir, clock, {.read_only = true});
  REQUIRE(log.ok());
  return std::move((*log)->Read(EventSeq(0), 0)).value();
}

template <typename T>
std::vector<T> EventsOf(const std::vector<EventRecord>& records) {
  std::vector<T> out;
  for (const auto& r : records) {
    if (const auto* e = std::get_if<T>(&r.event)) {
      out.push_back(*e);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("records of every source become domain events through a real Kafka protocol peer") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  TempDir dir;
  KafkaProducer producer(kafka->bootstrap_servers());
  const auto bootstrap = kafka->bootstrap_servers();

  ProduceCommit(producer, "trending", "stocktrades", 0, 42);
  producer.Produce(
      "_schemas", 0, R"({"keytype":"SCHEMA","subject":"stocktrades-value","version":1,"magic":1})",
      R"({"subject":"stocktrades-value","version":1,"id":7,"schema":"\"string\"","deleted":false})");
  producer.Produce("_schemas", 0, R"({"keytype":"CONFIG","subject":null,"magic":0})",
                   R"({"compatibilityLevel":"FULL"})");
  producer.Produce("confluent-audit-log-events", 0, std::nullopt, R"({
    "specversion":"1.0","id":"a-1","source":"crn:///kafka=lkc-test01",
    "type":"io.confluent.kafka.server/authorization","time":"2026-11-25T10:00:00Z",
    "subject":"crn:///kafka=lkc-test01/topic=stocktrades",
    "datacontenttype":"application/json",
    "data":{"serviceName":"crn:///kafka=lkc-test01","methodName":"kafka.Produce",
            "resourceName":"crn:///kafka=lkc-test01/topic=stocktrades",
            "authenticationInfo":{"principal":"User:svc-trades"},
            "authorizationInfo":{"granted":true,"operation":"Write","resourceType":"Topic",
                                 "resourceName":"stocktrades","patternType":"LITERAL"}}})");
  producer.Produce("tributary.catalog", 0, std::nullopt, R"({
    "specversion":"1.0","id":"c-1","source":"catalog-ui","type":"tributary.product.published",
    "time":"2026-11-25T09:00:00Z",
    "data":{"product":"stocktrades","cluster":"local","topic":"stocktrades","domain":"execution",
            "owner":"execution","description":"Every trade","quality":"authoritative",
            "sla":"tier-1","tags":["finance"]}})");
  producer.Produce("openlineage.events", 0, std::nullopt, R"({
    "eventType":"COMPLETE","eventTime":"2026-11-25T10:05:00Z",
    "run":{"runId":"0192f6a4-1c9e-7b2a-9d3e-4f5a6b7c8d9e"},
    "job":{"namespace":"flink","name":"trending-stocks"},
    "inputs":[{"namespace":"kafka://)" + bootstrap + R"(","name":"stocktrades"}],
    "outputs":[{"namespace":"kafka://)" + bootstrap + R"(","name":"trending_stocks"}],
    "producer":"https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/flink",
    "schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"})");
  producer.Produce("tributary.catalog", 0, std::nullopt, "{not json");
  producer.Flush();

  Ingestion ingestion(dir.path(), ConfigFor(bootstrap));
  REQUIRE(WaitFor([&] { return ingestion.counters().records.load() >= 7; }));
  REQUIRE(WaitFor([&] { return ingestion.feed().caught_up(); }));

  const auto events = Events(dir.path());
  const auto started = EventsOf<ConsumerStarted>(events);
  REQUIRE(started.size() == 1);
  CHECK(started[0].consumer.str() == "group:local/trending");
  CHECK(started[0].topic.str() == "topic:local/stocktrades");
  const auto schemas = EventsOf<SchemaRegistered>(events);
  REQUIRE(schemas.size() == 1);
  CHECK(schemas[0].subject == "stocktrades-value");
  CHECK(schemas[0].schema_type == "AVRO");
  const auto levels = EventsOf<CompatibilityLevelChanged>(events);
  REQUIRE(levels.size() == 1);
  CHECK_FALSE(levels[0].subject.has_value());
  CHECK(levels[0].level == "FULL");
  const auto producers = EventsOf<ProducerObserved>(events);
  REQUIRE(producers.size() == 1);
  CHECK(producers[0].producer.str() == "principal:User:svc-trades");
  CHECK(producers[0].topic.str() == "topic:local/stocktrades");
  const auto products = EventsOf<ProductPublished>(events);
  REQUIRE(products.size() == 1);
  CHECK(products[0].owner == "execution");
  const auto jobs = EventsOf<JobObserved>(events);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].job.str() == "job:flink/trending-stocks");
  REQUIRE(jobs[0].inputs.size() == 1);
  CHECK(jobs[0].inputs[0].str() == "topic:local/stocktrades");
  CHECK(jobs[0].outputs[0].str() == "topic:local/trending_stocks");

  SystemClock clock;
  auto log = std::move(EventLog::Open(dir.path(), clock, {.read_only = true})).value();
  const auto quarantine = *log->Quarantine(0, 10);
  REQUIRE(quarantine.size() == 1);
  CHECK(quarantine[0].record.topic == "tributary.catalog");
  CHECK(quarantine[0].record.offset == 1);
  CHECK(quarantine[0].record.value == "{not json");
  CHECK_FALSE(quarantine[0].record.reason.empty());
}

// Regression: the reader dropped Kafka headers, so binary-mode CloudEvents
// (attributes in ce_* headers, DESIGN.md §3) were quarantined as "specversion: missing".
TEST_CASE("binary-mode CloudEvents in Kafka headers become the same events as structured ones") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  TempDir dir;
  KafkaProducer producer(kafka->bootstrap_servers());

  const std::string product_data =
      R"({"product":"stocktrades","cluster":"local","topic":"stocktrades","domain":"execution",
          "owner":"execution","description":"Every trade","quality":"authoritative",
          "sla":"tier-1","tags":["finance"]})";
  // The catalog event in both modes: structured, then binary.
  producer.Produce("tributary.catalog", 0, std::nullopt,
                   R"({"specversion":"1.0","id":"c-1","source":"catalog-ui",
                       "type":"tributary.product.published","time":"2026-11-25T09:00:00Z",
                       "datacontenttype":"application/json","data":)" +
                       product_data + "}",
                   0, {{"content-type", "application/cloudevents+json; charset=UTF-8"}});
  producer.Produce("tributary.catalog", 0, "stocktrades", product_data, 0,
                   {{"ce_specversion", "1.0"},
                    {"ce_id", "c-2"},
                    {"ce_source", "catalog-ui"},
                    {"ce_type", "tributary.product.published"},
                    {"ce_time", "2026-11-25T09:00:00Z"},
                    {"content-type", "application/json"}});
  // An audit-log authorization in binary mode; the cluster comes from the CRNs in headers.
  const std::string audit_data =
      R"({"serviceName":"crn:///kafka=lkc-test01","methodName":"kafka.Produce",
          "resourceName":"crn:///kafka=lkc-test01/topic=stocktrades",
          "authenticationInfo":{"principal":"User:svc-trades"},
          "authorizationInfo":{"granted":true,"operation":"Write","resourceType":"Topic",
                               "resourceName":"stocktrades","patternType":"LITERAL"}})";
  const KafkaProducer::Headers audit_headers{
      {"ce_specversion", "1.0"},
      {"ce_id", "a-1"},
      {"ce_source", "crn:///kafka=lkc-test01"},
      {"ce_type", "io.confluent.kafka.server/authorization"},
      {"ce_time", "2026-11-25T10:00:00Z"},
      {"ce_subject", "crn:///kafka=lkc-test01/topic=stocktrades"},
      {"content-type", "application/json"}};
  producer.Produce("confluent-audit-log-events", 2, std::nullopt, audit_data, 0, audit_headers);
  // The same event without its type: quarantined, the reason naming binary mode.
  auto untyped = audit_headers;
  std::erase_if(untyped, [](const auto& h) { return h.first == "ce_type"; });
  producer.Produce("confluent-audit-log-events", 3, std::nullopt, audit_data, 0, untyped);
  producer.Flush();

  Ingestion ingestion(dir.path(), ConfigFor(kafka->bootstrap_servers()));
  REQUIRE(WaitFor([&] { return ingestion.counters().records.load() >= 4; }));
  REQUIRE(WaitFor([&] { return ingestion.feed().caught_up(); }));

  const auto events = Events(dir.path());
  const auto products = EventsOf<ProductPublished>(events);
  REQUIRE(products.size() == 2);
  CHECK(products[0].product == "stocktrades");
  CHECK(products[1] == products[0]);
  const auto producers = EventsOf<ProducerObserved>(events);
  REQUIRE(producers.size() == 1);
  CHECK(producers[0].producer.str() == "principal:User:svc-trades");
  CHECK(producers[0].topic.str() == "topic:local/stocktrades");

  SystemClock clock;
  auto log = std::move(EventLog::Open(dir.path(), clock, {.read_only = true})).value();
  const auto quarantine = *log->Quarantine(0, 10);
  REQUIRE(quarantine.size() == 1);
  CHECK(quarantine[0].record.topic == "confluent-audit-log-events");
  CHECK(quarantine[0].record.partition == 3);
  CHECK(quarantine[0].record.offset == 0);
  CHECK(quarantine[0].record.value == audit_data);
  CHECK(quarantine[0].record.reason == "binary-mode CloudEvent: ce_type: missing");
}

// Regression: the mock cluster (tributary devbroker) makes librdkafka warn
// "allow.auto.create.topics=false not supported by broker" at every metadata
// refresh, every 10 s for as long as the service runs.
TEST_CASE(
    "a broker that cannot honour allow.auto.create.topics=false is reported once per client") {
  // Three brokers: librdkafka reports it for each broker it asks for metadata.
  auto kafka = std::move(sim::MockKafka::Start(3, sim::DefaultSourceTopics())).value();
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10000);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_pattern("%l %v");
  logger->set_level(spdlog::level::debug);
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  struct Counts {
    int warnings = 0;
    int infos = 0;
    int debugs = 0;
  };
  const auto count = [&] {
    Counts c;
    for (const auto& line : sink->last_formatted()) {
      if (line.find("allow.auto.create.topics") == std::string::npos) {
        continue;
      }
      c.warnings += line.rfind("warning ", 0) == 0 || line.rfind("error ", 0) == 0 ? 1 : 0;
      c.infos += line.rfind("info ", 0) == 0 ? 1 : 0;
      c.debugs += line.rfind("debug ", 0) == 0 ? 1 : 0;
    }
    return c;
  };
  Counts seen;
  {
    ingest::KafkaReaderOptions options;
    options.cluster = "local";
    options.bootstrap_servers = kafka->bootstrap_servers();
    // A topic that does not exist yet keeps the reader asking for metadata.
    options.topics = {"tributary.catalog", "openlineage.events", "not-created-yet"};
    options.metadata_refresh = 50ms;
    auto reader = ingest::KafkaReader::Open(options);
    REQUIRE(reader.ok());
    // Until librdkafka has said it at least twice (or 10 s passed).
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      REQUIRE((*reader)->Poll(50ms, [](auto) { return Status::Ok(); }).ok());
      seen = count();
      if (seen.warnings + seen.infos + seen.debugs >= 2) {
        break;
      }
    }
  }
  spdlog::set_default_logger(previous);
  seen = count();
  std::string captured;
  for (const auto& line : sink->last_formatted()) {
    captured += line;
  }
  INFO(captured);
  REQUIRE(seen.warnings + seen.infos + seen.debugs >= 2);  // librdkafka did repeat it
  CHECK(seen.warnings == 0);
  CHECK(seen.infos == 1);  // said once, for this consumer
}

namespace {

// Produces `count` commits, each of a new (group, topic), spread over 10 partitions:
// each record must become exactly one consumer_started event.
void ProduceDistinctCommits(KafkaProducer& p, int from, int count) {
  for (int i = from; i < from + count; ++i) {
    ProduceCommit(p, "group-" + std::to_string(i), "topic-" + std::to_string(i % 7), 0, i, i % 10);
  }
  p.Flush();
}

void CheckExactlyOnce(const std::filesystem::path& dir, int expected) {
  const auto started = EventsOf<ConsumerStarted>(Events(dir));
  std::set<std::string> consumers;
  for (const auto& s : started) {
    consumers.insert(s.consumer.str());
  }
  CHECK(started.size() == static_cast<std::size_t>(expected));
  CHECK(consumers.size() == static_cast<std::size_t>(expected));
}

Config OffsetsOnly(const std::string& bootstrap) {
  Config c;
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  return c;
}

}  // namespace

TEST_CASE("ingestion survives broker faults and reflects each record exactly once") {
  auto kafka = std::move(sim::MockKafka::Start(1, {{"__consumer_offsets", 10}})).value();
  TempDir dir;
  KafkaProducer producer(kafka->bootstrap_servers());
  ProduceDistinctCommits(producer, 0, 2000);
  Ingestion ingestion(dir.path(), OffsetsOnly(kafka->bootstrap_servers()));
  REQUIRE(WaitFor([&] { return ingestion.counters().records.load() >= 2000; }));

  SECTION("a broker set down and back up") {
    rd_kafka_mock_broker_set_down(kafka->cluster(), 1);
    std::this_thread::sleep_for(1500ms);
    rd_kafka_mock_broker_set_up(kafka->cluster(), 1);
    ProduceDistinctCommits(producer, 2000, 2000);
    REQUIRE(WaitFor([&] { return ingestion.counters().records.load() >= 4000; }, 60s));
    CheckExactlyOnce(dir.path(), 4000);
  }
  SECTION("request errors injected on Fetch") {
    rd_kafka_mock_push_request_errors(
        kafka->cluster(), 1 /* Fetch */, 6, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    ProduceDistinctCommits(producer, 2000, 2000);
    REQUIRE(WaitFor([&] { return ingestion.counters().records.load() >= 4000; }, 60s));
    CheckExactlyOnce(dir.path(), 4000);
  }
  SECTION("high round-trip time") {
    rd_kafka_mock_broker_set_rtt(kafka->cluster(), 1, 300);
    ProduceDistinctCommits(producer, 2000, 1000);
    REQUIRE(WaitFor([&] { return ingestion.counters().records.load() >= 3000; }, 60s));
    rd_kafka_mock_broker_set_rtt(kafka->cluster(), 1, 0);
    CheckExactlyOnce(dir.path(), 3000);
  }
  CHECK(ingestion.writer_thread().fatal().ok());
}

TEST_CASE(
    "a source topic created after start counts as caught up until it appears and is then read") {
  auto kafka = std::move(sim::MockKafka::Start(1, {{"__consumer_offsets", 3}})).value();
  TempDir dir;
  auto config = OffsetsOnly(kafka->bootstrap_servers());
  config.sources.catalog = TopicSourceConfig{"tributary.catalog", "local"};
  Ingestion ingestion(dir.path(), config);
  REQUIRE(WaitFor([&] { return ingestion.feed().caught_up(); }));

  const auto created = kafka->CreateTopic({"tributary.catalog", 2});
  INFO(created.ToString());
  REQUIRE(created.ok());
  KafkaProducer producer(kafka->bootstrap_servers());
  producer.Produce("tributary.catalog", 1, std::nullopt, R"({
    "specversion":"1.0","id":"t-1","source":"catalog","type":"tributary.team.upserted",
    "time":"2026-11-25T09:00:00Z",
    "data":{"team":"payments","display_name":"Payments","contacts":["payments-slack"]}})");
  producer.Flush();
  REQUIRE(WaitFor([&] { return !EventsOf<TeamUpserted>(Events(dir.path())).empty(); }));
  CHECK(EventsOf<TeamUpserted>(Events(dir.path()))[0].team == "payments");
}

TEST_CASE("a restarted ingestion resumes at the stored offsets with its fold state") {
  auto kafka = std::move(sim::MockKafka::Start(1, {{"__consumer_offsets", 10}})).value();
  TempDir dir;
  KafkaProducer producer(kafka->bootstrap_servers());
  ProduceDistinctCommits(producer, 0, 500);
  // The same groups commit again: no new facts, they already read these topics.
  for (int i = 0; i < 500; ++i) {
    ProduceCommit(producer, "group-" + std::to_string(i), "topic-" + std::to_string(i % 7), 0,
                  10000 + i, i % 10);
  }
  producer.Flush();
  {
    Ingestion first(dir.path(), OffsetsOnly(kafka->bootstrap_servers()));
    REQUIRE(WaitFor([&] { return first.counters().records.load() >= 1000; }));
  }
  ProduceDistinctCommits(producer, 500, 100);
  Ingestion second(dir.path(), OffsetsOnly(kafka->bootstrap_servers()));
  REQUIRE(WaitFor([&] { return second.counters().records.load() >= 100; }));
  std::this_thread::sleep_for(300ms);
  CHECK(second.counters().records.load() == 100);  // nothing read twice
  CheckExactlyOnce(dir.path(), 600);
}
