// What Confluent audit-log records become (AuditLogTranslator): observed edges
// folded into first-sight and idle facts, ACL changes, and the quarantine.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ingest/audit_log/audit_log_encoder.h"
#include "ingest/audit_log/audit_log_translator.h"
#include "support/binary_cloudevent.h"
#include "support/recording_sink.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::audit_log;
using tributary::testing::BinaryCloudEvent;
using tributary::testing::RecordingSink;

namespace {

const Timestamp kT0 = FromMillis(1'767'225'600'000);  // 2026-01-01T00:00:00Z

AuditLogSpec Spec(std::string method, std::string topic, Timestamp at,
                  std::string principal = "User:svc-orders") {
  AuditLogSpec s;
  s.id = "evt-" + std::to_string(ToMillis(at));
  s.time = at;
  s.cluster_id = "lkc-prod1";
  s.principal = std::move(principal);
  s.method = std::move(method);
  s.resource_type = "Topic";
  s.resource_name = std::move(topic);
  s.operation = s.method == "kafka.Produce" ? "Write" : "Read";
  return s;
}

AclBinding Binding(std::string principal, std::string topic, std::string operation) {
  AclBinding b;
  b.cluster = "prod";
  b.principal = std::move(principal);
  b.resource_type = "TOPIC";
  b.resource_name = std::move(topic);
  b.pattern_type = "LITERAL";
  b.operation = std::move(operation);
  b.permission = "ALLOW";
  b.host = "*";
  return b;
}

AuditLogSpec AclSpec(std::string method, std::vector<AclBinding> creations, Timestamp at) {
  AuditLogSpec s;
  s.id = "acl-" + std::to_string(ToMillis(at));
  s.time = at;
  s.cluster_id = "lkc-prod1";
  s.principal = "User:platform-admin";
  s.method = std::move(method);
  s.resource_type = "Cluster";
  s.operation = "Alter";
  s.acl_creations = std::move(creations);
  return s;
}

// A DeleteAcls record naming its bindings as request.data.filters, which the
// encoder does not write: the encoder's record with the filters added.
std::string DeleteAclsRecord(const std::vector<AclBinding>& bindings, Timestamp at) {
  auto doc = nlohmann::json::parse(EncodeAuditLogEvent(AclSpec("kafka.DeleteAcls", {}, at)));
  auto filters = nlohmann::json::array();
  for (const auto& b : bindings) {
    filters.push_back({{"resourceType", b.resource_type},
                       {"resourceName", b.resource_name},
                       {"patternType", b.pattern_type},
                       {"principal", b.principal},
                       {"host", b.host},
                       {"operation", b.operation},
                       {"permissionType", b.permission}});
  }
  doc["data"]["request"]["data"] = {{"filters", filters}};
  return doc.dump();
}

AuditLogOptions Options(std::vector<std::string>* reconciles = nullptr) {
  AuditLogOptions o;
  o.cluster = "local";
  o.clusters = ClusterDirectory(std::vector<ClusterInfo>{{"prod", "lkc-prod1", {}}});
  o.idle_after = std::chrono::minutes(15);
  if (reconciles != nullptr) {
    o.request_acl_reconcile = [reconciles](const std::string& c) { reconciles->push_back(c); };
  }
  return o;
}

class Harness {
 public:
  explicit Harness(std::vector<std::string>* reconciles = nullptr)
      : reconciles_(reconciles), translator_(Options(reconciles)) {}

  void Feed(const std::string& value, std::span<const RecordHeader> headers = {}) {
    RawRecord raw;
    raw.topic = "confluent-audit-log-events";
    raw.offset = next_offset_++;
    raw.value = value;
    raw.headers = headers;
    translator_.Translate(raw, sink);
    translator_.Flush(sink);
  }
  void Feed(const AuditLogSpec& spec) { Feed(EncodeAuditLogEvent(spec)); }
  // The event of `spec` in binary content mode: attributes in ce_* headers.
  void FeedBinary(const BinaryCloudEvent& binary) {
    const auto headers = binary.View();
    Feed(binary.value, headers);
  }
  void FeedNull() {
    RawRecord raw;
    raw.topic = "confluent-audit-log-events";
    raw.key = "k";
    translator_.Translate(raw, sink);
    translator_.Flush(sink);
  }
  void Tick(Timestamp now) {
    translator_.Tick(now, sink);
    translator_.Flush(sink);
  }
  // A translator restarted from what Flush wrote.
  void Restart() {
    translator_ = AuditLogTranslator(Options(reconciles_));
    REQUIRE(translator_.Restore(sink.FoldEntries()).ok());
  }
  AuditLogTranslator& translator() { return translator_; }

  RecordingSink sink;

 private:
  std::vector<std::string>* reconciles_;
  AuditLogTranslator translator_;
  std::int64_t next_offset_ = 0;
};

}  // namespace

TEST_CASE("granted produce and consume authorizations become observed edges") {
  Harness h;
  const auto orders = NodeId::Topic("prod", "orders");
  const auto svc = NodeId::Principal("User:svc-orders");

  SECTION("a granted kafka.Produce is a producer_observed of the principal on the topic") {
    h.Feed(Spec("kafka.Produce", "orders", kT0));
    const auto observed = h.sink.Of<ProducerObserved>();
    REQUIRE(observed.size() == 1);
    CHECK(observed[0] == ProducerObserved{svc, orders, "audit_log"});
    CHECK(h.sink.events[0].time == kT0);
    CHECK_FALSE(h.sink.events[0].dedup_key.has_value());
  }
  SECTION("a binary-mode record (attributes in ce_* headers) is the same producer_observed") {
    h.FeedBinary(BinaryCloudEvent(
        nlohmann::json::parse(EncodeAuditLogEvent(Spec("kafka.Produce", "orders", kT0)))));
    CHECK(h.sink.quarantined.empty());
    const auto observed = h.sink.Of<ProducerObserved>();
    REQUIRE(observed.size() == 1);
    CHECK(observed[0] == ProducerObserved{svc, orders, "audit_log"});
    CHECK(h.sink.events[0].time == kT0);
  }
  SECTION("a granted consumer fetch is a consumer_started with evidence observed") {
    h.Feed(Spec("kafka.FetchConsumer", "orders", kT0, "User:svc-billing"));
    const auto started = h.sink.Of<ConsumerStarted>();
    REQUIRE(started.size() == 1);
    CHECK(started[0] ==
          ConsumerStarted{NodeId::Principal("User:svc-billing"), orders, "observed", "audit_log"});
  }
  SECTION("an offset commit on a topic counts as consuming it") {
    h.Feed(Spec("kafka.OffsetCommit", "orders", kT0, "User:svc-billing"));
    CHECK(h.sink.Of<ConsumerStarted>().size() == 1);
  }
  SECTION("repeated sightings of one edge are folded into the first") {
    for (int i = 0; i < 20; ++i) {
      h.Feed(Spec("kafka.Produce", "orders", kT0 + std::chrono::seconds(30 * i)));
    }
    CHECK(h.sink.events.size() == 1);
  }
  SECTION("producing and consuming the same topic are two edges") {
    h.Feed(Spec("kafka.Produce", "orders", kT0));
    h.Feed(Spec("kafka.FetchConsumer", "orders", kT0));
    CHECK(h.sink.Of<ProducerObserved>().size() == 1);
    CHECK(h.sink.Of<ConsumerStarted>().size() == 1);
  }
  SECTION("a cluster id no cluster is configured for falls back to the source's cluster") {
    auto spec = Spec("kafka.Produce", "orders", kT0);
    spec.cluster_id = "lkc-unknown";
    h.Feed(spec);
    const auto observed = h.sink.Of<ProducerObserved>();
    REQUIRE(observed.size() == 1);
    CHECK(observed[0].topic == NodeId::Topic("local", "orders"));
  }
}

TEST_CASE("denied requests and other methods never make edges") {
  Harness h;
  SECTION("a denied produce is neither an edge nor a quarantined record") {
    auto spec = Spec("kafka.Produce", "orders", kT0);
    spec.granted = false;
    h.Feed(spec);
    CHECK(h.sink.events.empty());
    CHECK(h.sink.quarantined.empty());
  }
  SECTION("a denied fetch is no consumer") {
    auto spec = Spec("kafka.FetchConsumer", "orders", kT0);
    spec.granted = false;
    h.Feed(spec);
    CHECK(h.sink.events.empty());
  }
  SECTION("a granted request of another method (DescribeConfigs) is ignored") {
    auto spec = Spec("kafka.DescribeConfigs", "orders", kT0);
    spec.operation = "DescribeConfigs";
    h.Feed(spec);
    CHECK(h.sink.events.empty());
    CHECK(h.sink.quarantined.empty());
  }
  SECTION("an offset commit authorized on the group names no topic and makes no edge") {
    auto spec = Spec("kafka.OffsetCommit", "billing", kT0);
    spec.resource_type = "Group";
    h.Feed(spec);
    CHECK(h.sink.events.empty());
    CHECK(h.sink.quarantined.empty());
  }
}

TEST_CASE("ACL changes become acl events and ask for a reconcile") {
  std::vector<std::string> reconciles;
  Harness h(&reconciles);
  const auto read = Binding("User:svc-billing", "orders", "READ");
  const auto write = Binding("User:svc-orders", "orders", "WRITE");

  SECTION("kafka.CreateAcls: one acl_granted per created binding, by the caller") {
    h.Feed(AclSpec("kafka.CreateAcls", {read, write}, kT0));
    const auto granted = h.sink.Of<AclGranted>();
    REQUIRE(granted.size() == 2);
    CHECK(granted[0] == AclGranted{read, "audit_log:User:platform-admin"});
    CHECK(granted[1] == AclGranted{write, "audit_log:User:platform-admin"});
    CHECK(h.sink.events[0].time == kT0);
    CHECK(reconciles == std::vector<std::string>{"prod"});
  }
  SECTION("kafka.DeleteAcls: one acl_revoked per binding its filters name") {
    h.Feed(DeleteAclsRecord({read}, kT0));
    const auto revoked = h.sink.Of<AclRevoked>();
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0] == AclRevoked{read, "audit_log:User:platform-admin"});
    CHECK(h.sink.Of<AclGranted>().empty());
    CHECK(reconciles == std::vector<std::string>{"prod"});
  }
  SECTION("an ACL change that names no bindings still asks for a reconcile") {
    h.Feed(AclSpec("kafka.DeleteAcls", {}, kT0));
    CHECK(h.sink.events.empty());
    CHECK(reconciles == std::vector<std::string>{"prod"});
  }
  SECTION("a denied ACL change changes nothing and asks for nothing") {
    auto spec = AclSpec("kafka.CreateAcls", {read}, kT0);
    spec.granted = false;
    h.Feed(spec);
    CHECK(h.sink.events.empty());
    CHECK(reconciles.empty());
  }
  SECTION("without a reconcile hook the acl events are still emitted") {
    Harness plain;
    plain.Feed(AclSpec("kafka.CreateAcls", {read}, kT0));
    CHECK(plain.sink.Of<AclGranted>().size() == 1);
  }
}

TEST_CASE("topic config changes ask for the topic facts to be read again") {
  std::vector<std::pair<std::string, std::string>> asked;  // (cluster, topic)
  auto options = Options();
  options.request_topic_facts = [&](const std::string& cluster, const std::string& topic) {
    asked.emplace_back(cluster, topic);
  };
  AuditLogTranslator translator(options);
  RecordingSink sink;
  auto feed = [&](const AuditLogSpec& spec) {
    RawRecord raw;
    raw.topic = "confluent-audit-log-events";
    const auto value = EncodeAuditLogEvent(spec);
    raw.value = value;
    translator.Translate(raw, sink);
    translator.Flush(sink);
  };
  auto config_change = [](std::string method, std::string resource_type, std::string name) {
    auto spec = Spec(std::move(method), std::move(name), kT0, "User:platform-admin");
    spec.resource_type = std::move(resource_type);
    spec.operation = "AlterConfigs";
    return spec;
  };

  SECTION("kafka.IncrementalAlterConfigs on a topic names the topic and its cluster") {
    feed(config_change("kafka.IncrementalAlterConfigs", "Topic", "orders"));
    CHECK(asked == std::vector<std::pair<std::string, std::string>>{{"prod", "orders"}});
    CHECK(sink.events.empty());
    CHECK(sink.quarantined.empty());
  }
  SECTION("kafka.AlterConfigs (the older request) does the same") {
    feed(config_change("kafka.AlterConfigs", "Topic", "payments"));
    CHECK(asked == std::vector<std::pair<std::string, std::string>>{{"prod", "payments"}});
  }
  SECTION("a broker's configs (resource Cluster) ask for every topic: no topic named") {
    feed(config_change("kafka.IncrementalAlterConfigs", "Cluster", ""));
    CHECK(asked == std::vector<std::pair<std::string, std::string>>{{"prod", ""}});
  }
  SECTION("a denied config change asks for nothing") {
    auto spec = config_change("kafka.IncrementalAlterConfigs", "Topic", "orders");
    spec.granted = false;
    feed(spec);
    CHECK(asked.empty());
  }
  SECTION("reading configs (DescribeConfigs) is no change") {
    feed(config_change("kafka.DescribeConfigs", "Topic", "orders"));
    CHECK(asked.empty());
  }
}

TEST_CASE("records that cannot be read are quarantined, tombstones skipped") {
  Harness h;
  SECTION("a value that is not JSON is quarantined with a reason") {
    h.Feed("this is not an audit log event");
    REQUIRE(h.sink.quarantined.size() == 1);
    CHECK_FALSE(h.sink.quarantined[0].empty());
    CHECK(h.sink.events.empty());
  }
  SECTION("a granted produce without a principal is quarantined naming the field") {
    auto doc = nlohmann::json::parse(EncodeAuditLogEvent(Spec("kafka.Produce", "orders", kT0)));
    doc["data"].erase("authenticationInfo");
    h.Feed(doc.dump());
    REQUIRE(h.sink.quarantined.size() == 1);
    CHECK(h.sink.quarantined[0].find("principal") != std::string::npos);
    CHECK(h.sink.events.empty());
  }
  SECTION("a binary-mode record without ce_id is quarantined naming binary mode") {
    BinaryCloudEvent binary(
        nlohmann::json::parse(EncodeAuditLogEvent(Spec("kafka.Produce", "orders", kT0))));
    h.FeedBinary(binary.Without("ce_id"));
    REQUIRE(h.sink.quarantined.size() == 1);
    CHECK(h.sink.quarantined[0] == "binary-mode CloudEvent: ce_id: missing");
    CHECK(h.sink.events.empty());
  }
  SECTION("a null value (a tombstone) is neither an event nor quarantined") {
    h.FeedNull();
    CHECK(h.sink.events.empty());
    CHECK(h.sink.quarantined.empty());
  }
  SECTION("a bad record does not disturb the edges around it") {
    h.Feed(Spec("kafka.Produce", "orders", kT0));
    h.Feed("{");
    h.Feed(Spec("kafka.Produce", "orders", kT0 + std::chrono::seconds(5)));
    CHECK(h.sink.events.size() == 1);
    CHECK(h.sink.quarantined.size() == 1);
  }
}

TEST_CASE("the audit-log fold: idle edges stop, and the state survives a restart") {
  Harness h;
  const auto orders = NodeId::Topic("prod", "orders");
  const auto svc = NodeId::Principal("User:svc-orders");
  h.Feed(Spec("kafka.Produce", "orders", kT0));
  h.sink.ClearEvents();

  SECTION("the fold state lives under al/<cluster>/") {
    REQUIRE_FALSE(h.sink.fold.empty());
    CHECK(h.translator().fold_prefix() == "al/local/");
    for (const auto& [key, value] : h.sink.fold) {
      CHECK(key.rfind("al/local/", 0) == 0);
    }
  }
  SECTION("an edge not seen for idle_after stops, decided once, with the last sighting") {
    h.Feed(Spec("kafka.Produce", "orders", kT0 + std::chrono::minutes(5)));
    h.Tick(kT0 + std::chrono::minutes(19));  // 14 minutes after the last sighting
    CHECK(h.sink.events.empty());
    h.Tick(kT0 + std::chrono::minutes(20));
    const auto stopped = h.sink.Of<ProducerStopped>();
    REQUIRE(stopped.size() == 1);
    CHECK(stopped[0] == ProducerStopped{svc, orders, "idle", kT0 + std::chrono::minutes(5)});
    REQUIRE(h.sink.events[0].dedup_key.has_value());
    CHECK(h.sink.events[0].time == kT0 + std::chrono::minutes(20));
    h.Tick(kT0 + std::chrono::minutes(40));
    CHECK(h.sink.events.size() == 1);
  }
  SECTION("an idle consumer stops with consumer_stopped") {
    h.Feed(Spec("kafka.FetchConsumer", "orders", kT0, "User:svc-billing"));
    h.sink.ClearEvents();
    h.Tick(kT0 + std::chrono::minutes(15));
    const auto stopped = h.sink.Of<ConsumerStopped>();
    REQUIRE(stopped.size() == 1);
    CHECK(stopped[0].consumer == NodeId::Principal("User:svc-billing"));
    CHECK(stopped[0].reason == "idle");
  }
  SECTION("an edge seen again after it stopped is observed again") {
    h.Tick(kT0 + std::chrono::minutes(15));
    h.Feed(Spec("kafka.Produce", "orders", kT0 + std::chrono::minutes(30)));
    CHECK(h.sink.Of<ProducerStopped>().size() == 1);
    CHECK(h.sink.Of<ProducerObserved>().size() == 1);
  }
  SECTION("after a restart from the fold state a known edge is not observed again") {
    h.Restart();
    h.Feed(Spec("kafka.Produce", "orders", kT0 + std::chrono::minutes(1)));
    CHECK(h.sink.events.empty());
  }
  SECTION("after a restart the idle timer still fires from the persisted last sighting") {
    h.Feed(Spec("kafka.Produce", "orders", kT0 + std::chrono::minutes(3)));
    h.Restart();
    h.Tick(kT0 + std::chrono::minutes(17));
    CHECK(h.sink.events.empty());
    h.Tick(kT0 + std::chrono::minutes(18));
    const auto stopped = h.sink.Of<ProducerStopped>();
    REQUIRE(stopped.size() == 1);
    CHECK(stopped[0].last_seen == kT0 + std::chrono::minutes(3));
  }
  SECTION("a stopped edge stays stopped across a restart") {
    h.Tick(kT0 + std::chrono::minutes(15));
    h.Restart();
    h.sink.ClearEvents();
    h.Tick(kT0 + std::chrono::minutes(60));
    CHECK(h.sink.events.empty());
    h.Feed(Spec("kafka.Produce", "orders", kT0 + std::chrono::minutes(61)));
    CHECK(h.sink.Of<ProducerObserved>().size() == 1);
  }
  SECTION("unreadable fold state is refused as corruption") {
    AuditLogTranslator fresh(Options());
    const auto s = fresh.Restore({{"al/local/0\nprincipal:x\ntopic:y", "not msgpack"}});
    CHECK(s.code() == ErrorCode::kCorruption);
  }
}
