// Reconciliation through the Kafka Admin API.

#include <catch2/catch.hpp>

#include "ingest/admin_api/admin_api_source.h"
#include "sim/mock_kafka.h"
#include "support/recording_sink.h"

using namespace tributary;
using namespace tributary::ingest::admin_api;

TEST_CASE("admin API differences from the previous poll become events") {
  AdminState before;
  before.group_topics = {{"billing", "invoices"}, {"billing", "payments"}};
  before.acls = {{"User:svc", "TOPIC", "payments", "LITERAL", "READ", "ALLOW", "*"}};
  AdminState after;
  after.group_topics = {{"billing", "payments"}, {"fraud", "payments"}};
  after.acls = {{"User:svc", "TOPIC", "pay", "PREFIXED", "READ", "ALLOW", "*"}};

  SECTION("new group topics start consumers and vanished ones stop them") {
    const auto events = DiffAdminState("local", before, after, true, false);
    REQUIRE(events.size() == 2);
    const auto& started = std::get<ConsumerStarted>(events[0]);
    CHECK(started.consumer.str() == "group:local/fraud");
    CHECK(started.via == "admin_api");
    const auto& stopped = std::get<ConsumerStopped>(events[1]);
    CHECK(stopped.consumer.str() == "group:local/billing");
    CHECK(stopped.topic.str() == "topic:local/invoices");
    CHECK(stopped.reason == "unassigned");
  }
  SECTION("new ACLs are granted and vanished ones revoked") {
    const auto events = DiffAdminState("local", before, after, false, true);
    REQUIRE(events.size() == 2);
    CHECK(std::get<AclGranted>(events[0]).acl.pattern_type == "PREFIXED");
    CHECK(std::get<AclRevoked>(events[1]).acl.resource_name == "payments");
    CHECK(std::get<AclRevoked>(events[1]).acl.cluster == "local");
  }
  SECTION("a part that could not be read changes nothing") {
    CHECK(DiffAdminState("local", before, AdminState{}, false, false).empty());
  }
}

TEST_CASE("a broker that does not answer the admin requests is detected once and skipped") {
  auto kafka = std::move(sim::MockKafka::Start(1, {{"__consumer_offsets", 3}})).value();
  AdminApiOptions options;
  options.cluster = "local";
  options.bootstrap_servers = kafka->bootstrap_servers();
  options.request_timeout = std::chrono::seconds(3);
  AdminApiSource source(options);
  REQUIRE(source.Restore({}).ok());
  tributary::testing::RecordingSink sink;
  REQUIRE(source.Poll(FromMillis(1000), sink).ok());
  source.Flush(sink);
  CHECK(sink.events.empty());
  CHECK_FALSE(source.groups_supported());
  CHECK_FALSE(source.acls_supported());
  // Later polls do not ask again: they return at once.
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(source.Poll(FromMillis(2000), sink).ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100));
  CHECK(sink.events.empty());
}
