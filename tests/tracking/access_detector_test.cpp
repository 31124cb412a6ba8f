// The access detector as a unit: ACL events over a hand-built estate
// (src/tracking/README.md, the rule on ACLs).

#include <catch2/catch.hpp>

#include "tracking/access_detector.h"
#include "tracking/detector_world.h"

using namespace tributary;
using namespace tributary::tracking;
using namespace tributary::tracking::testing;

namespace {

AclBinding Acl(const std::string& principal, const std::string& name, const std::string& pattern,
               const std::string& operation, const std::string& permission = "ALLOW") {
  return AclBinding{"local", "User:" + principal, "TOPIC",    name,
                    pattern, operation,           permission, "*"};
}

// svc-risk (team risk) reads pay.cards and pay.sepa and writes pay.alerts, all
// observed; its READ on pay.* and WRITE on pay.alerts are granted by ACLs.
void Estate(World& w) {
  w.Apply(OwnershipAssigned{User("svc-risk"), "risk"}, At(0));
  w.Apply(AclGranted{Acl("svc-risk", "pay.", "PREFIXED", "READ"), "catalog"}, At(0));
  w.Apply(AclGranted{Acl("svc-risk", "pay.alerts", "LITERAL", "WRITE"), "catalog"}, At(0));
  for (const char* topic : {"pay.cards", "pay.sepa"}) {
    w.Apply(ConsumerStarted{User("svc-risk"), Topic(topic), "observed", "audit_log"}, At(1));
  }
  w.Apply(ProducerObserved{User("svc-risk"), Topic("pay.alerts"), "audit_log"}, At(1));
}

Batch Revoke(World& w, const AclBinding& acl, Timestamp time) {
  const auto record = w.Apply(AclRevoked{acl, "audit_log"}, time);
  return w.Decide([&](DecisionContext& ctx) {
    DetectAccessRevoked(ctx, record, std::get<AclRevoked>(record.event));
  });
}

Batch Grant(World& w, const AclBinding& acl, Timestamp time) {
  const auto record = w.Apply(AclGranted{acl, "audit_log"}, time);
  return w.Decide([&](DecisionContext& ctx) {
    DetectAccessDenied(ctx, record, std::get<AclGranted>(record.event));
  });
}

}  // namespace

TEST_CASE("access detector: an ALLOW revoked from an active reader or writer") {
  World w;
  Estate(w);

  SECTION("revoking the READ a principal actively uses tells its team, critical") {
    const auto out = Revoke(w, Acl("svc-risk", "pay.", "PREFIXED", "READ"), At(2));
    const auto revoked = Decisions<AccessRevokedDetected>(out);
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0].decision_key == "access:User:svc-risk:READ:7");
    CHECK(revoked[0].principal == User("svc-risk"));
    CHECK(revoked[0].team == "risk");
    CHECK(revoked[0].operation == "READ");
    CHECK(revoked[0].cause == "acl_revoked");
    CHECK(revoked[0].topics == std::vector<NodeId>{Topic("pay.cards"), Topic("pay.sepa")});
    REQUIRE(out.outbox.size() == 1);
    const auto& intent = out.outbox[0];
    CHECK(intent.kind == "access_revoked");
    CHECK(intent.team == "risk");
    CHECK(intent.severity == "critical");
    CHECK(intent.idempotency_key == "access:User:svc-risk:READ:7/risk");
    CHECK(intent.facts["topics"] ==
          nlohmann::json::array({"topic:local/pay.cards", "topic:local/pay.sepa"}));
    CHECK(intent.facts["acl"]["resource_name"] == "pay.");
    CHECK(intent.facts["cause"] == "acl_revoked");
  }

  SECTION("revoking a WRITE a principal actively uses is decided per operation") {
    const auto out = Revoke(w, Acl("svc-risk", "pay.alerts", "LITERAL", "WRITE"), At(2));
    const auto revoked = Decisions<AccessRevokedDetected>(out);
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0].operation == "WRITE");
    CHECK(revoked[0].topics == std::vector<NodeId>{Topic("pay.alerts")});
  }

  SECTION("no decision while another ALLOW still grants the access") {
    w.Apply(AclGranted{Acl("svc-risk", "pay.cards", "LITERAL", "READ"), "catalog"}, At(1));
    const auto out = Revoke(w, Acl("svc-risk", "pay.", "PREFIXED", "READ"), At(2));
    const auto revoked = Decisions<AccessRevokedDetected>(out);
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0].topics == std::vector<NodeId>{Topic("pay.sepa")});
  }

  SECTION("no decision for a principal the graph does not know") {
    CHECK(Revoke(w, Acl("svc-nobody", "pay.", "PREFIXED", "READ"), At(2)).empty());
  }

  SECTION("no decision for a revoked DENY") {
    CHECK(Revoke(w, Acl("svc-risk", "pay.", "PREFIXED", "READ", "DENY"), At(2)).empty());
  }
}

TEST_CASE("access detector: a DENY added over an active use") {
  World w;
  Estate(w);

  SECTION("a DENY covering a topic the principal reads is decided, cause deny_added") {
    const auto out = Grant(w, Acl("svc-risk", "pay.cards", "LITERAL", "ALL", "DENY"), At(2));
    const auto revoked = Decisions<AccessRevokedDetected>(out);
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0].cause == "deny_added");
    CHECK(revoked[0].topics == std::vector<NodeId>{Topic("pay.cards")});
    CHECK(TeamsTold(out) == std::vector<std::string>{"risk"});
  }

  SECTION("an ALLOW granted decides nothing") {
    CHECK(Grant(w, Acl("svc-risk", "pay.", "PREFIXED", "READ"), At(2)).empty());
  }

  SECTION("a DENY for an operation the principal does not use decides nothing") {
    CHECK(Grant(w, Acl("svc-risk", "pay.", "PREFIXED", "DESCRIBE", "DENY"), At(2)).empty());
  }
}

TEST_CASE("access detector: which topics a binding covers") {
  SECTION("a literal name covers that topic only") {
    CHECK(AclCoversTopic(Acl("a", "orders", "LITERAL", "READ"), "orders"));
    CHECK_FALSE(AclCoversTopic(Acl("a", "orders", "LITERAL", "READ"), "orders.v2"));
  }
  SECTION("a prefix covers every topic that starts with it") {
    CHECK(AclCoversTopic(Acl("a", "pay.", "PREFIXED", "READ"), "pay.cards"));
    CHECK_FALSE(AclCoversTopic(Acl("a", "pay.", "PREFIXED", "READ"), "payments"));
  }
  SECTION("a wildcard covers every topic, and only topics") {
    CHECK(AclCoversTopic(Acl("a", "*", "LITERAL", "READ"), "anything"));
    auto group_acl = Acl("a", "*", "LITERAL", "READ");
    group_acl.resource_type = "GROUP";
    CHECK_FALSE(AclCoversTopic(group_acl, "anything"));
  }
}
