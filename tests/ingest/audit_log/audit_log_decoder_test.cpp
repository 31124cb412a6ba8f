#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "ingest/audit_log/audit_log_decoder.h"
#include "ingest/audit_log/audit_log_encoder.h"
#include "support/binary_cloudevent.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::audit_log;
using nlohmann::json;
using tributary::testing::BinaryCloudEvent;

namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(TRIBUTARY_SOURCE_DIR "/tests/fixtures/audit_log/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ClusterDirectory Clusters() {
  return ClusterDirectory({ClusterInfo{"onprem", "8caBa-0_Tu-2k3rKSxY64Q", {"kafka-1:9092"}},
                           ClusterInfo{"cloud", "lkc-abc123", {"pkc-1.confluent.cloud:9092"}}});
}

Result<AuditLogEvent> Decode(const std::string& text) {
  return DecodeAuditLogEvent(text, Clusters(), "fallback");
}

json FixtureJson(const std::string& name) { return json::parse(Fixture(name)); }

std::string ErrorOf(const json& doc) {
  const auto r = Decode(doc.dump());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("a granted produce is an observed producer on the CRN's cluster") {
  const auto r = Decode(Fixture("platform_produce.json"));
  REQUIRE(r.ok());
  CHECK(r->action == AuditAction::kProduce);
  CHECK(r->granted);
  CHECK(r->cluster == "onprem");
  CHECK(r->cluster_id == "8caBa-0_Tu-2k3rKSxY64Q");
  CHECK(r->principal == "User:svc-checkout");
  CHECK(r->method == "kafka.Produce");
  CHECK(r->operation == "Write");
  CHECK(r->resource_type == "Topic");
  CHECK(r->topic == NodeId::Topic("onprem", "shop.orders.v1"));
  CHECK(FormatRfc3339(r->time) == "2026-03-02T10:15:48.355Z");
  CHECK(r->id == "889bdcd9-a378-4bfe-8860-180ef8efd208");
}

TEST_CASE("a granted fetch on Confluent Cloud is an observed consumer") {
  const auto r = Decode(Fixture("cloud_fetch_consumer.json"));
  REQUIRE(r.ok());
  CHECK(r->action == AuditAction::kConsume);
  CHECK(r->cluster == "cloud");
  CHECK(r->principal == "User:sa-trending");
  CHECK(r->topic == NodeId::Topic("cloud", "shop.orders.v1"));
}

TEST_CASE("denied requests never yield observed edges") {
  for (const auto* name :
       {"platform_produce.json", "cloud_fetch_consumer.json", "create_acls.json"}) {
    auto doc = FixtureJson(name);
    doc["data"]["authorizationInfo"]["granted"] = false;
    const auto r = Decode(doc.dump());
    REQUIRE(r.ok());
    CHECK_FALSE(r->granted);
    CHECK(r->action == AuditAction::kOther);
    CHECK_FALSE(r->topic.has_value());
  }
}

TEST_CASE("the cluster comes from the CRN's kafka id, else the source's cluster") {
  auto doc = FixtureJson("platform_produce.json");
  const std::string unknown = "crn:///kafka=unknown-id/topic=shop.orders.v1";
  doc["data"]["resourceName"] = unknown;
  doc["subject"] = unknown;
  doc["source"] = "crn:///kafka=unknown-id";
  auto r = Decode(doc.dump());
  REQUIRE(r.ok());
  CHECK(r->cluster == "fallback");
  CHECK(r->cluster_id == "unknown-id");
  CHECK(r->topic == NodeId::Topic("fallback", "shop.orders.v1"));
  SECTION("with no CRN at all") {
    doc["data"].erase("resourceName");
    doc.erase("subject");
    doc["source"] = "kafka-broker-1";
    r = Decode(doc.dump());
    REQUIRE(r.ok());
    CHECK(r->cluster == "fallback");
    CHECK(r->cluster_id.empty());
    CHECK(r->topic == NodeId::Topic("fallback", "shop.orders.v1"));  // from authorizationInfo
  }
}

TEST_CASE("consumer methods are told apart from replication and group requests") {
  auto doc = FixtureJson("cloud_fetch_consumer.json");
  SECTION("Fetch, OffsetCommit and TxnOffsetCommit on a topic are consumption") {
    for (const char* m : {"kafka.Fetch", "kafka.OffsetCommit", "kafka.TxnOffsetCommit"}) {
      doc["data"]["methodName"] = m;
      CHECK(Decode(doc.dump())->action == AuditAction::kConsume);
    }
  }
  SECTION("FetchFollower is replication, JoinGroup is on a group") {
    doc["data"]["methodName"] = "kafka.FetchFollower";
    CHECK(Decode(doc.dump())->action == AuditAction::kOther);
    doc["data"]["methodName"] = "kafka.JoinGroup";
    doc["data"]["authorizationInfo"]["resourceType"] = "Group";
    doc["data"]["authorizationInfo"]["resourceName"] = "trending";
    CHECK(Decode(doc.dump())->action == AuditAction::kOther);
  }
  SECTION("an OffsetCommit authorized on the group names no topic") {
    doc["data"]["methodName"] = "kafka.OffsetCommit";
    doc["data"]["authorizationInfo"]["resourceType"] = "Group";
    doc["data"]["authorizationInfo"]["resourceName"] = "trending";
    doc["data"]["resourceName"] = "crn://confluent.cloud/kafka=lkc-abc123/group=trending";
    const auto r = Decode(doc.dump());
    REQUIRE(r.ok());
    CHECK(r->action == AuditAction::kOther);
    CHECK(r->resource_name == "trending");
  }
}

TEST_CASE("ACL changes trigger a reconcile and carry the bindings the request names") {
  const auto r = Decode(Fixture("create_acls.json"));
  REQUIRE(r.ok());
  CHECK(r->action == AuditAction::kAclChange);
  CHECK(r->resource_type == "Cluster");
  REQUIRE(r->acl_bindings.size() == 2);
  CHECK(r->acl_bindings[0] == AclBinding{"onprem", "User:svc-trending", "TOPIC", "shop.orders.",
                                         "PREFIXED", "READ", "ALLOW", "*"});
  // Kafka's wire codes: GROUP=3, LITERAL=3, READ=3, ALLOW=3.
  CHECK(r->acl_bindings[1] == AclBinding{"onprem", "User:svc-trending", "GROUP", "trending",
                                         "LITERAL", "READ", "ALLOW", "*"});
  SECTION("a DeleteAcls whose filters are patterns names no binding but still reconciles") {
    auto doc = FixtureJson("create_acls.json");
    doc["data"]["methodName"] = "kafka.DeleteAcls";
    doc["data"]["request"]["data"] = {{"filters",
                                       {{{"resourceType", "ANY"},
                                         {"resourceName", nullptr},
                                         {"operation", "ANY"},
                                         {"permissionType", "ANY"},
                                         {"principal", "User:x"}}}}};
    const auto del = Decode(doc.dump());
    REQUIRE(del.ok());
    CHECK(del->action == AuditAction::kAclChange);
    CHECK(del->acl_bindings.empty());
  }
  SECTION("a request without data still reconciles") {
    auto doc = FixtureJson("create_acls.json");
    doc["data"]["request"] = {{"correlation_id", "5"}};
    const auto bare = Decode(doc.dump());
    REQUIRE(bare.ok());
    CHECK(bare->action == AuditAction::kAclChange);
    CHECK(bare->acl_bindings.empty());
  }
}

TEST_CASE("other event types decode as other, malformed records are named") {
  SECTION("an authentication event is kept as other") {
    auto doc = FixtureJson("platform_produce.json");
    doc["type"] = "io.confluent.kafka.server/authentication";
    doc["data"].erase("methodName");
    const auto r = Decode(doc.dump());
    REQUIRE(r.ok());
    CHECK(r->action == AuditAction::kOther);
  }
  SECTION("envelope and data fields") {
    auto doc = FixtureJson("platform_produce.json");
    doc["specversion"] = "0.3";
    CHECK(ErrorOf(doc) ==
          "structured-mode CloudEvent: specversion: \"0.3\" is not a supported CloudEvents "
          "version (1.0)");
    doc = FixtureJson("platform_produce.json");
    doc.erase("id");
    CHECK(ErrorOf(doc) == "structured-mode CloudEvent: id: missing");
    doc = FixtureJson("platform_produce.json");
    doc["time"] = "now";
    CHECK(ErrorOf(doc).rfind("structured-mode CloudEvent: time: \"now\" is not an RFC 3339 time",
                             0) == 0);
    doc = FixtureJson("platform_produce.json");
    doc["data"].erase("methodName");
    CHECK(ErrorOf(doc) == "data.methodName: missing");
    doc = FixtureJson("platform_produce.json");
    doc["data"]["authorizationInfo"]["granted"] = "yes";
    CHECK(ErrorOf(doc) == "data.authorizationInfo.granted: expected a boolean, got a string");
    doc = FixtureJson("platform_produce.json");
    doc["data"]["authenticationInfo"].erase("principal");
    CHECK(ErrorOf(doc) == "data.authenticationInfo.principal: missing");
    doc = FixtureJson("platform_produce.json");
    doc["data"] = "x";
    CHECK(ErrorOf(doc) == "structured-mode CloudEvent: data: expected an object, got a string");
  }
  SECTION("not JSON, too big") {
    CHECK(Decode("{oops").status().message().rfind("audit log event is not valid JSON", 0) == 0);
    CHECK(Decode(std::string(1 << 21, '1')).status().message().find("over the limit") !=
          std::string::npos);
  }
}

// Regression: binary-mode audit events were quarantined as "specversion: missing".
TEST_CASE(
    "a binary-mode audit event (attributes in ce_* headers) decodes like the structured one") {
  const auto structured = FixtureJson("platform_produce.json");
  const auto expected = Decode(structured.dump());
  REQUIRE(expected.ok());
  const auto decode = [](const BinaryCloudEvent& binary) {
    const auto headers = binary.View();
    return DecodeAuditLogEvent(binary.value, Clusters(), "fallback", headers);
  };
  SECTION("the same facts, the cluster from the ce_subject and ce_source CRNs") {
    const auto r = decode(BinaryCloudEvent(structured));
    INFO((r.ok() ? std::string() : r.status().message()));
    REQUIRE(r.ok());
    CHECK(r->id == expected->id);
    CHECK(r->type == expected->type);
    CHECK(r->time == expected->time);
    CHECK(r->cluster == "onprem");
    CHECK(r->cluster_id == expected->cluster_id);
    CHECK(r->principal == "User:svc-checkout");
    CHECK(r->method == "kafka.Produce");
    CHECK(r->action == AuditAction::kProduce);
    CHECK(r->topic == expected->topic);
  }
  SECTION("the cluster comes from ce_subject when data names no resource CRN") {
    auto doc = structured;
    doc["data"].erase("resourceName");
    doc["source"] = "crn:///audit";
    const auto r = decode(BinaryCloudEvent(doc));
    REQUIRE(r.ok());
    CHECK(r->cluster == "onprem");
  }
  SECTION("a missing required attribute header is named with binary mode") {
    const auto r = decode(BinaryCloudEvent(structured).Without("ce_time"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "binary-mode CloudEvent: ce_time: missing");
  }
}

TEST_CASE("the encoder writes audit events the decoder reads back") {
  AuditLogSpec spec;
  spec.id = "e-1";
  spec.time = FromMillis(1'772'445'600'000);
  spec.cluster_id = "lkc-abc123";
  spec.principal = "User:svc-a";
  spec.method = "kafka.Produce";
  spec.resource_name = "orders";
  spec.operation = "Write";
  auto r = Decode(EncodeAuditLogEvent(spec));
  REQUIRE(r.ok());
  CHECK(r->action == AuditAction::kProduce);
  CHECK(r->topic == NodeId::Topic("cloud", "orders"));
  CHECK(r->time == spec.time);

  spec.method = "kafka.CreateAcls";
  spec.resource_type = "Cluster";
  spec.operation = "Alter";
  spec.acl_creations = {
      AclBinding{"cloud", "User:b", "TOPIC", "orders", "LITERAL", "READ", "ALLOW", "*"}};
  r = Decode(EncodeAuditLogEvent(spec));
  REQUIRE(r.ok());
  CHECK(r->action == AuditAction::kAclChange);
  CHECK(r->acl_bindings == spec.acl_creations);

  spec.method = "kafka.FetchConsumer";
  spec.resource_type = "Topic";
  spec.operation = "Read";
  spec.granted = false;
  r = Decode(EncodeAuditLogEvent(spec));
  REQUIRE(r.ok());
  CHECK(r->action == AuditAction::kOther);
}
