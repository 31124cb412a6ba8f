#pragma once
// AuditLogDecoder: Confluent audit-log records (CloudEvents 1.0 on
// `confluent-audit-log-events`, structured JSON or binary content mode with the
// attributes in ce_* headers, ingest/cloudevents/cloudevents_envelope.h) into
// typed audit facts.
//
// The event types read are `io.confluent.kafka.server/authorization` (Confluent
// Platform and Cloud authorization checks) and `io.confluent.kafka.server/request`
// (Confluent Cloud request events, e.g. kafka.Fetch and kafka.Produce); other
// types decode with action kOther. From `data`: methodName, resourceName (a CRN
// such as crn://confluent.cloud/.../kafka=lkc-abc123/topic=orders or
// crn:///kafka=<id>/topic=orders), authenticationInfo.principal and
// authorizationInfo {granted, operation, resourceType, resourceName, patternType}.
//
// Classification:
//   kAclChange  kafka.CreateAcls / kafka.DeleteAcls, granted: the caller triggers an
//               ACL reconcile; `acl_bindings` holds the bindings the request names
//               when it carries them (request[.data].creations / .filters).
//   kProduce    kafka.Produce on a topic, granted
//   kConsume    kafka.FetchConsumer, kafka.Fetch, kafka.OffsetCommit,
//               kafka.TxnOffsetCommit on a topic, granted
//   kTopicCreated / kTopicDeleted  kafka.CreateTopics / kafka.DeleteTopics, granted
//   kConfigChange  kafka.AlterConfigs / kafka.IncrementalAlterConfigs, granted:
//               `topic` is set when the resource is a topic (absent for a
//               broker's configs); the caller re-reads the topic facts
//   kOther      everything else, including every denied request: a denied
//               request never yields an observed edge.
//
// Errors are InvalidArgument naming the field; the caller quarantines the
// record. Pure functions; thread-safe.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/cluster_directory.h"
#include "ingest/raw_record.h"
#include "tributary/clock.h"
#include "tributary/events.h"
#include "tributary/ids.h"
#include "tributary/result.h"

namespace tributary::ingest::audit_log {

enum class AuditAction {
  kAclChange,
  kProduce,
  kConsume,
  kTopicCreated,
  kTopicDeleted,
  kConfigChange,
  kOther
};
// "acl_change" | "produce" | "consume" | "topic_created" | "topic_deleted" |
// "config_change" | "other"
std::string_view ToString(AuditAction action);

struct AuditLogEvent {
  std::string id;    // CloudEvent id
  std::string type;  // CloudEvent type
  Timestamp time;
  std::string cluster;     // the configured cluster: CRN kafka=<id> by id, else the default
  std::string cluster_id;  // the CRN's kafka=<id>, empty when it names none
  std::string
      principal;  // authenticationInfo.principal, e.g. User:svc-orders (may be empty for kOther)
  std::string method;         // data.methodName, e.g. kafka.Produce
  std::string resource_type;  // authorizationInfo.resourceType (e.g. Topic), else from the CRN
  std::string resource_name;  // authorizationInfo.resourceName, else from the CRN
  std::string operation;      // authorizationInfo.operation, e.g. Write
  bool granted = false;
  AuditAction action = AuditAction::kOther;
  std::optional<NodeId>
      topic;  // kProduce / kConsume / kTopic* / kConfigChange: topic:<cluster>/<topic>
  std::vector<AclBinding> acl_bindings;  // kAclChange, when the request names them
};

// Decodes one record value with the record's headers (the attributes of a
// binary-mode event). `default_cluster` is the name of the cluster the
// audit-log topic belongs to. Refuses values over 1 MiB.
Result<AuditLogEvent> DecodeAuditLogEvent(std::string_view value, const ClusterDirectory& clusters,
                                          std::string_view default_cluster,
                                          std::span<const RecordHeader> headers = {});

}  // namespace tributary::ingest::audit_log
