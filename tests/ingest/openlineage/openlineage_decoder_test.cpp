#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "ingest/openlineage/openlineage_decoder.h"
#include "ingest/openlineage/openlineage_encoder.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::openlineage;
using nlohmann::json;

namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(TRIBUTARY_SOURCE_DIR "/tests/fixtures/openlineage/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ClusterDirectory Clusters() {
  return ClusterDirectory({
      ClusterInfo{
          "prod", "lkc-prod", {"broker-1.kafka.internal:9092", "broker-2.kafka.internal:9092"}},
      ClusterInfo{"local", "", {"localhost:9092"}},
  });
}

json MinimalRun() {
  return json{{"eventType", "START"},
              {"eventTime", "2026-03-02T10:00:00Z"},
              {"run", {{"runId", "r-1"}}},
              {"job", {{"namespace", "flink"}, {"name", "enrich"}}},
              {"producer", "test"},
              {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}};
}

std::string ErrorOf(const json& doc) {
  const auto r = DecodeOpenLineageEvent(doc.dump(), Clusters());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("a Flink RunEvent maps Kafka datasets to topics of the matching cluster") {
  const auto r = DecodeOpenLineageEvent(Fixture("flink_run_start.json"), Clusters());
  REQUIRE(r.ok());
  CHECK(r->kind == LineageEventKind::kRun);
  CHECK(r->event_type == "START");
  CHECK(FormatRfc3339(r->time) == "2026-03-02T10:00:01.523Z");
  CHECK(r->job == NodeId::Job("flink-jobs", "orders-enrichment"));
  CHECK(r->run_id == "0195a1c4-6f3e-7d21-9b4a-2f1e8c7d6a50");
  CHECK(r->inputs == std::vector<NodeId>{NodeId::Topic("prod", "shop.orders.v1"),
                                         NodeId::Topic("prod", "shop.customers")});
  // Host names compare case-insensitively.
  CHECK(r->outputs == std::vector<NodeId>{NodeId::Topic("prod", "shop.orders.enriched")});
  CHECK(r->producer.find("integration/flink") != std::string::npos);
}

TEST_CASE("a Spark RunEvent keeps unmatched Kafka and other datasets as external datasets") {
  const auto r = DecodeOpenLineageEvent(Fixture("spark_run_complete.json"), Clusters());
  REQUIRE(r.ok());
  CHECK(r->event_type == "COMPLETE");
  CHECK(r->inputs == std::vector<NodeId>{
                         NodeId::Dataset("kafka://kafka.prod.example.com:9093", "shop.orders.v1"),
                         NodeId::Dataset("s3://datalake-raw", "customers/2026/03/01")});
  CHECK(r->outputs == std::vector<NodeId>{NodeId::Dataset("s3://warehouse", "revenue/daily")});
}

TEST_CASE("JobEvents have no run, DatasetEvents name one dataset") {
  SECTION("a ksqlDB JobEvent") {
    const auto r = DecodeOpenLineageEvent(Fixture("job_event.json"), Clusters());
    REQUIRE(r.ok());
    CHECK(r->kind == LineageEventKind::kJob);
    CHECK(r->event_type.empty());
    CHECK(r->run_id.empty());
    CHECK(r->job == NodeId::Job("ksqldb", "CSAS_HIGH_VALUE_ORDERS_3"));
    CHECK(r->inputs == std::vector<NodeId>{NodeId::Topic("local", "shop.orders.v1")});
    CHECK(r->outputs == std::vector<NodeId>{NodeId::Topic("local", "HIGH_VALUE_ORDERS")});
  }
  SECTION("a DatasetEvent") {
    const auto r = DecodeOpenLineageEvent(Fixture("dataset_event.json"), Clusters());
    REQUIRE(r.ok());
    CHECK(r->kind == LineageEventKind::kDataset);
    CHECK_FALSE(r->job.has_value());
    CHECK(r->dataset == NodeId::Dataset("postgres://db.example.com:5432", "shop.public.orders"));
  }
}

TEST_CASE("Kafka namespaces match clusters by any bootstrap address") {
  const auto clusters = Clusters();
  CHECK(DatasetNode("kafka://localhost:9092", "t", clusters) == NodeId::Topic("local", "t"));
  CHECK(DatasetNode("kafka://localhost", "t", clusters) == NodeId::Topic("local", "t"));
  CHECK(DatasetNode("KAFKA://other:1, broker-2.kafka.internal:9092", "t", clusters) ==
        NodeId::Topic("prod", "t"));
  CHECK(DatasetNode("kafka://localhost:9092/", "t", clusters) == NodeId::Topic("local", "t"));
  CHECK(DatasetNode("kafka://elsewhere:9092", "t", clusters) ==
        NodeId::Dataset("kafka://elsewhere:9092", "t"));
  CHECK(DatasetNode("kafka://", "t", clusters) == NodeId::Dataset("kafka://", "t"));
  CHECK(DatasetNode("localhost:9092", "t", clusters) == NodeId::Dataset("localhost:9092", "t"));
}

// Regression: URI namespaces ran into the name ("/demo-lake/daily_pnl" for
// s3://demo-lake + daily_pnl), so names shown and ids were wrong.
TEST_CASE("dataset nodes keep the OpenLineage namespace and name apart, the name as given") {
  const auto clusters = Clusters();
  SECTION("kafka:// of a configured cluster is that cluster's topic") {
    const auto node = DatasetNode("kafka://localhost:9092", "orders", clusters);
    CHECK(node.str() == "topic:local/orders");
    CHECK(node.name() == "orders");
  }
  SECTION("kafka:// of an unknown broker is a dataset named by its topic") {
    const auto node = DatasetNode("kafka://kafka-cluster-prod:9092", "orders", clusters);
    CHECK(node.kind() == NodeKind::kDataset);
    CHECK(node.name() == "orders");
    CHECK(node.space() == "kafka://kafka-cluster-prod:9092");
    CHECK(node.str() == "dataset:kafka:%2F%2Fkafka-cluster-prod:9092/orders");
  }
  SECTION("an object store: s3://bucket + path/to/file") {
    const auto node = DatasetNode("s3://bucket", "path/to/file", clusters);
    CHECK(node.name() == "path/to/file");
    CHECK(node.space() == "s3://bucket");
    CHECK(node.str() == "dataset:s3:%2F%2Fbucket/path/to/file");
  }
  SECTION("a local file: file + /data/x") {
    const auto node = DatasetNode("file", "/data/x", clusters);
    CHECK(node.name() == "/data/x");
    CHECK(node.space() == "file");
    CHECK(node.str() == "dataset:file//data/x");
  }
  SECTION("a database table: postgres://host:5432 + db.schema.table") {
    const auto node = DatasetNode("postgres://host:5432", "db.schema.table", clusters);
    CHECK(node.name() == "db.schema.table");
    CHECK(node.space() == "postgres://host:5432");
  }
  SECTION("different namespaces never meet in one id") {
    // s3://a + b/c and s3://a/b + c were one node when the namespace's '/' was kept.
    CHECK(DatasetNode("s3://a", "b/c", clusters) != DatasetNode("s3://a/b", "c", clusters));
    CHECK(DatasetNode("s3://a/b", "c", clusters).space() == "s3://a/b");
    CHECK(DatasetNode("weird%2Fns", "x", clusters).space() == "weird%2Fns");
  }
  SECTION("the ids are valid node ids that parse back to the same node") {
    for (const auto& node : {DatasetNode("s3://bucket", "path/to/file", clusters),
                             DatasetNode("file", "/data/x", clusters),
                             DatasetNode("postgres://host:5432", "db.schema.table", clusters)}) {
      const auto parsed = NodeId::Parse(node.str());
      REQUIRE(parsed.ok());
      CHECK(*parsed == node);
      CHECK(parsed->name() == node.name());
    }
  }
}

// Tributary reads no facet (namespace, name, run id and event time are all it
// needs): facets of any shape, standard or custom, never refuse an event.
TEST_CASE("facets Tributary does not read are ignored, whatever their shape") {
  auto plain = MinimalRun();
  plain["inputs"] =
      json::array({json{{"namespace", "kafka://localhost:9092"}, {"name", "orders"}}});
  const auto expected = DecodeOpenLineageEvent(plain.dump(), Clusters());
  REQUIRE(expected.ok());
  for (const auto& facets :
       {json(nullptr), json(5), json("text"), json::array({1, 2}),
        json{{"schema", {{"fields", "not a list"}}}, {"custom_x", {{"_producer", 7}}}},
        json{{"symlinks", nullptr}, {"ownership", {{"owners", {{"name", 3}}}}}}}) {
    INFO(facets.dump());
    auto doc = plain;
    doc["run"]["facets"] = facets;
    doc["job"]["facets"] = facets;
    doc["inputs"][0]["facets"] = facets;
    doc["inputs"][0]["inputFacets"] = facets;
    const auto r = DecodeOpenLineageEvent(doc.dump(), Clusters());
    REQUIRE(r.ok());
    CHECK(r->job == expected->job);
    CHECK(r->inputs == expected->inputs);
    CHECK(r->run_id == expected->run_id);
  }
}

TEST_CASE("an event without what identifies it is refused with the field named") {
  SECTION("job name and namespace") {
    auto doc = MinimalRun();
    doc["job"].erase("name");
    CHECK(ErrorOf(doc) == "job.name: missing");
    doc = MinimalRun();
    doc["job"]["namespace"] = "";
    CHECK(ErrorOf(doc) == "job.namespace: must not be empty");
    doc = MinimalRun();
    doc.erase("job");
    CHECK(ErrorOf(doc) == "job: missing");
  }
  SECTION("eventTime") {
    auto doc = MinimalRun();
    doc.erase("eventTime");
    CHECK(ErrorOf(doc) == "eventTime: missing");
    doc["eventTime"] = "2026-13-01T00:00:00Z";
    CHECK(ErrorOf(doc).rfind("eventTime: \"2026-13-01T00:00:00Z\" is not an RFC 3339 time", 0) ==
          0);
  }
  SECTION("eventType") {
    auto doc = MinimalRun();
    doc["eventType"] = "FINISHED";
    CHECK(
        ErrorOf(doc) ==
        "eventType: \"FINISHED\" is not one of START | RUNNING | COMPLETE | ABORT | FAIL | OTHER");
    doc["eventType"] = 3;
    CHECK(ErrorOf(doc) == "eventType: expected a string, got an integer");
    doc.erase("eventType");
    const auto r = DecodeOpenLineageEvent(doc.dump(), Clusters());
    REQUIRE(r.ok());
    CHECK(r->event_type == "OTHER");  // optional in the spec
  }
  SECTION("runId") {
    auto doc = MinimalRun();
    doc["run"] = json::object();
    CHECK(ErrorOf(doc) == "run.runId: missing");
    doc["run"] = "r-1";
    CHECK(ErrorOf(doc) == "run: expected an object, got a string");
  }
  SECTION("datasets") {
    auto doc = MinimalRun();
    doc["inputs"] =
        json::array({{{"namespace", "s3://b"}, {"name", "x"}}, {{"namespace", "s3://b"}}});
    CHECK(ErrorOf(doc) == "inputs[1].name: missing");
    doc["inputs"] = json::object();
    CHECK(ErrorOf(doc) == "inputs: expected an array, got an object");
  }
  SECTION("a document that is no event at all") {
    CHECK(ErrorOf(json{{"eventTime", "2026-03-02T10:00:00Z"}}).find("has none of run") !=
          std::string::npos);
  }
}

TEST_CASE("bad OpenLineage input is an error, never a crash") {
  const auto err = [](std::string_view text) {
    const auto r = DecodeOpenLineageEvent(text, Clusters());
    REQUIRE_FALSE(r.ok());
    return r.status().message();
  };
  CHECK(err("{").rfind("OpenLineage event is not valid JSON", 0) == 0);
  CHECK(err("42") == "OpenLineage event: expected an object, got an integer");
  CHECK(err(std::string(1 << 21, ' ')).find("over the limit") != std::string::npos);
  auto doc = MinimalRun();
  doc["job"]["name"] = std::string(
      "a\x01"
      "b");
  CHECK(err(doc.dump()) ==
        "job.name: \"a\x01"
        "b\" contains control characters, bidi controls or invalid UTF-8");
}

TEST_CASE("the idempotency key tells re-sent copies from different events") {
  const auto a = DecodeOpenLineageEvent(MinimalRun().dump(), Clusters());
  REQUIRE(a.ok());
  CHECK(LineageIdempotencyKey(*a) == "run/r-1/START/2026-03-02T10:00:00.000Z/job:flink/enrich");
  auto doc = MinimalRun();
  doc["eventTime"] = "2026-03-02T12:00:00+02:00";  // the same instant written differently
  CHECK(LineageIdempotencyKey(*DecodeOpenLineageEvent(doc.dump(), Clusters())) ==
        LineageIdempotencyKey(*a));
  doc = MinimalRun();
  doc["eventType"] = "COMPLETE";
  CHECK(LineageIdempotencyKey(*DecodeOpenLineageEvent(doc.dump(), Clusters())) !=
        LineageIdempotencyKey(*a));
  const auto job = DecodeOpenLineageEvent(Fixture("job_event.json"), Clusters());
  CHECK(LineageIdempotencyKey(*job) ==
        "job/job:ksqldb/CSAS_HIGH_VALUE_ORDERS_3/2026-03-02T08:00:00.000Z");
}

TEST_CASE("the encoder writes events the decoder reads back") {
  const auto t = FromMillis(1'772'445'600'000);
  SECTION("RunEvent") {
    RunEventSpec spec;
    spec.event_type = "RUNNING";
    spec.time = t;
    spec.run_id = "0195a1c4-0000-7000-8000-000000000001";
    spec.job_namespace = "flink";
    spec.job_name = "enrich";
    spec.inputs = {{"kafka://localhost:9092", "orders"}};
    spec.outputs = {{"s3://lake", "orders/"}};
    const auto text = EncodeRunEvent(spec);
    CHECK(json::parse(text)["schemaURL"] ==
          "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
    const auto r = DecodeOpenLineageEvent(text, Clusters());
    REQUIRE(r.ok());
    CHECK(r->event_type == "RUNNING");
    CHECK(r->time == t);
    CHECK(r->run_id == spec.run_id);
    CHECK(r->inputs == std::vector<NodeId>{NodeId::Topic("local", "orders")});
    CHECK(r->outputs == std::vector<NodeId>{NodeId::Dataset("s3://lake", "orders/")});
  }
  SECTION("JobEvent and DatasetEvent") {
    const auto job = DecodeOpenLineageEvent(
        EncodeJobEvent({t, "ksql", "q1", {{"kafka://localhost:9092", "a"}}, {}}), Clusters());
    REQUIRE(job.ok());
    CHECK(job->kind == LineageEventKind::kJob);
    CHECK(job->job == NodeId::Job("ksql", "q1"));
    const auto ds = DecodeOpenLineageEvent(EncodeDatasetEvent({t, {"s3://b", "k"}}), Clusters());
    REQUIRE(ds.ok());
    CHECK(ds->dataset == NodeId::Dataset("s3://b", "k"));
  }
}
