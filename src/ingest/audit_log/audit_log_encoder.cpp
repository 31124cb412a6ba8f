#include "ingest/audit_log/audit_log_encoder.h"

#include <nlohmann/json.hpp>

namespace tributary::ingest::audit_log {
namespace {

using ordered = nlohmann::ordered_json;

// The CRN path segment of a resource type ("Topic" -> "topic").
std::string CrnKey(const std::string& resource_type) {
  if (resource_type == "Group") {
    return "group";
  }
  if (resource_type == "TransactionalId") {
    return "transactional-id";
  }
  return "topic";
}

}  // namespace

std::string EncodeAuditLogEvent(const AuditLogSpec& spec) {
  const std::string cluster_crn = "crn:///kafka=" + spec.cluster_id;
  const bool cluster_resource = spec.resource_type == "Cluster";
  const std::string resource_crn =
      cluster_resource ? cluster_crn
                       : cluster_crn + "/" + CrnKey(spec.resource_type) + "=" + spec.resource_name;
  ordered authz;
  authz["granted"] = spec.granted;
  authz["operation"] = spec.operation;
  authz["resourceType"] = spec.resource_type;
  authz["resourceName"] = cluster_resource ? std::string("kafka-cluster") : spec.resource_name;
  authz["patternType"] = "LITERAL";
  authz["aclAuthorization"] =
      ordered{{"permissionType", spec.granted ? "ALLOW" : "DENY"}, {"host", "*"}};
  ordered request;
  request["correlation_id"] = "1042";
  request["client_id"] = spec.client_id;
  if (!spec.acl_creations.empty()) {
    auto creations = ordered::array();
    for (const auto& acl : spec.acl_creations) {
      creations.push_back(ordered{{"resourceType", acl.resource_type},
                                  {"resourceName", acl.resource_name},
                                  {"patternType", acl.pattern_type},
                                  {"principal", acl.principal},
                                  {"host", acl.host},
                                  {"operation", acl.operation},
                                  {"permissionType", acl.permission}});
    }
    request["data"] = ordered{{"creations", std::move(creations)}};
  }
  ordered data;
  data["serviceName"] = cluster_crn;
  data["methodName"] = spec.method;
  data["resourceName"] = resource_crn;
  data["authenticationInfo"] = ordered{{"principal", spec.principal}};
  data["authorizationInfo"] = std::move(authz);
  data["request"] = std::move(request);
  data["requestMetadata"] = ordered{{"client_address", spec.client_address}};

  ordered root;
  root["data"] = std::move(data);
  root["id"] = spec.id;
  root["source"] = cluster_crn;
  root["specversion"] = "1.0";
  root["type"] = "io.confluent.kafka.server/authorization";
  root["time"] = FormatRfc3339(spec.time);
  root["datacontenttype"] = "application/json";
  root["subject"] = resource_crn;
  root["confluentRouting"] = ordered{{"route", "confluent-audit-log-events"}};
  return root.dump();
}

}  // namespace tributary::ingest::audit_log
