#pragma once
// AuditLogEncoder: writes Confluent audit-log records (CloudEvents 1.0, type
// io.confluent.kafka.server/authorization) in the shape Confluent Platform's
// audit logger documents, for tests and the demo simulator. The inverse of
// DecodeAuditLogEvent. Pure; thread-safe.

#include <string>
#include <vector>

#include "tributary/clock.h"
#include "tributary/events.h"

namespace tributary::ingest::audit_log {

struct AuditLogSpec {
  std::string id;  // a UUID
  Timestamp time;
  std::string cluster_id;               // Kafka cluster id: the CRNs read crn:///kafka=<id>/...
  std::string principal;                // e.g. User:svc-orders
  std::string method;                   // e.g. kafka.Produce, kafka.FetchConsumer, kafka.CreateAcls
  std::string resource_type = "Topic";  // Topic | Group | Cluster | TransactionalId
  std::string resource_name;            // topic or group name; ignored for Cluster
  std::string operation;                // e.g. Write, Read, Alter
  bool granted = true;
  std::vector<AclBinding> acl_creations;  // written as request.data.creations (CreateAcls)
  std::string client_id = "rdkafka";
  std::string client_address = "/10.0.0.15";
};

std::string EncodeAuditLogEvent(const AuditLogSpec& spec);

}  // namespace tributary::ingest::audit_log
