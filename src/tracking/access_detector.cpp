#include "tracking/access_detector.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace tributary::tracking {
namespace {

using nlohmann::json;

bool OperationCovers(const std::string& acl_op, std::string_view op) {
  return acl_op == "ALL" || acl_op == op;
}

// The topics, by operation (READ, WRITE), that `principal` (node `v`) actively
// uses, that `acl` covers, and that it may no longer use after `cause`.
std::map<std::string, std::vector<NodeId>> LostTopics(const graph::GraphSnapshot& g,
                                                      std::uint32_t v, const AclBinding& acl,
                                                      const std::string& cause) {
  std::map<std::string, std::vector<NodeId>> lost;
  auto check = [&](std::uint32_t e, std::uint32_t topic, std::string_view op) {
    const auto& edge = g.edge(e);
    const auto evidence = g.EvidenceAt(edge, graph::kNow);
    if ((evidence & graph::kObserved) == 0 || !OperationCovers(acl.operation, op)) {
      return;
    }
    if (cause == "acl_revoked" && (evidence & graph::kPermitted) != 0) {
      return;  // another ALLOW still grants it
    }
    auto id = NodeId::Parse(g.id(topic));
    if (!id.ok() || id->kind() != NodeKind::kTopic) {
      return;
    }
    const std::string_view body = std::string_view(id->str()).substr(6);  // "topic:" ...
    const auto slash = body.find('/');
    if (slash == std::string_view::npos || body.substr(0, slash) != acl.cluster ||
        !AclCoversTopic(acl, body.substr(slash + 1))) {
      return;
    }
    lost[std::string(op)].push_back(*id);
  };
  g.ForEachInNeighbour(v, [&](std::uint32_t e, std::uint32_t from) {
    if (g.edge(e).kind == graph::EdgeKind::kConsumes) {
      check(e, from, "READ");
    }
  });
  g.ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
    if (g.edge(e).kind == graph::EdgeKind::kProduces) {
      check(e, to, "WRITE");
    }
  });
  for (auto& [op, topics] : lost) {
    std::sort(topics.begin(), topics.end());
  }
  return lost;
}

json AclJson(const AclBinding& acl) {
  return {{"cluster", acl.cluster},
          {"resource_type", acl.resource_type},
          {"resource_name", acl.resource_name},
          {"pattern_type", acl.pattern_type},
          {"operation", acl.operation},
          {"permission", acl.permission}};
}

void DetectAccessLoss(DecisionContext& ctx, const EventRecord& record, const AclBinding& acl,
                      const std::string& cause) {
  const auto principal = NodeId::Principal(acl.principal).str();
  const auto v = ctx.graph().Find(principal);
  if (v == graph::kNone) {
    return;
  }
  const std::string team = ctx.TeamOf(v);
  for (auto& [op, topics] : LostTopics(ctx.graph(), v, acl, cause)) {
    const std::string key =
        "access:" + acl.principal + ":" + op + ":" + std::to_string(record.seq.value());
    json topic_list = json::array();
    for (const auto& t : topics) {
      topic_list.push_back(t.str());
    }
    json facts = {{"principal", principal},
                  {"operation", op},
                  {"cause", cause},
                  {"topics", topic_list},
                  {"acl", AclJson(acl)}};
    AccessRevokedDetected fact{key, NodeId::FromTrusted(principal), team, topics, op, cause, acl};
    ctx.Record(std::move(fact), record.event_time, key, NotificationKind::kAccessRevoked,
               "critical", facts, {{team, json::object()}});
  }
}

}  // namespace

bool AclCoversTopic(const AclBinding& acl, std::string_view name) {
  if (acl.resource_type != "TOPIC") {
    return false;
  }
  if (acl.resource_name == "*") {
    return true;
  }
  if (acl.pattern_type == "PREFIXED") {
    return name.substr(0, acl.resource_name.size()) == acl.resource_name;
  }
  return name == acl.resource_name;
}

void DetectAccessRevoked(DecisionContext& ctx, const EventRecord& record,
                         const AclRevoked& revoked) {
  if (revoked.acl.permission == "ALLOW") {
    DetectAccessLoss(ctx, record, revoked.acl, "acl_revoked");
  }
}

void DetectAccessDenied(DecisionContext& ctx, const EventRecord& record,
                        const AclGranted& granted) {
  if (granted.acl.permission == "DENY") {
    DetectAccessLoss(ctx, record, granted.acl, "deny_added");
  }
}

}  // namespace tributary::tracking
