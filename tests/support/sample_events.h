#pragma once
// One populated event of every domain event type, for round-trip tests.

#include <vector>

#include "tributary/events.h"

namespace tributary::testing {

inline std::vector<DomainEvent> OneOfEachEventType() {
  const auto t = FromMillis(1764080206123);
  const auto topic = NodeId::Topic("local", "stocktrades");
  const auto group = NodeId::Group("local", "trending");
  AclBinding acl{"local", "User:svc", "TOPIC", "stock", "PREFIXED", "READ", "ALLOW", "*"};
  return {
      ConsumerStarted{group, topic, "observed", "consumer_offsets"},
      ConsumerStopped{group, topic, "idle", t},
      ConsumerProgress{group, topic, 123456789012LL, 6, 42},
      GroupMembersChanged{group,
                          "consumer",
                          "range",
                          7,
                          {{"m-1", "client-1", "/10.0.0.1", {"stocktrades", "users"}}}},
      GroupDeleted{group},
      OffsetDeleted{group, topic, 3},
      ProducerObserved{NodeId::Principal("User:svc"), topic, "audit_log"},
      AclGranted{acl, "audit_log"},
      AclRevoked{acl, "catalog"},
      SchemaRegistered{"stocktrades-value",
                       2,
                       101,
                       "AVRO",
                       R"({"type":"string"})",
                       {{"com.acme.Ref", "ref-value", 1}}},
      SchemaDeleted{"stocktrades-value", 2, true},
      CompatibilityLevelChanged{std::nullopt, "FULL_TRANSITIVE"},
      ProductPublished{"stocktrades",
                       "local",
                       "stocktrades",
                       "execution",
                       "execution",
                       "All trades",
                       "authoritative",
                       "tier-1",
                       {"pii", "finance"},
                       std::string("stocktrades-value")},
      ProductUpdated{"stocktrades", {{"description", "Every trade"}}},
      ProductDeprecated{"stocktrades", "replaced", t, std::string("stocktrades.v2"), "token:ops"},
      ProductUndeprecated{"stocktrades", "token:ops"},
      ProductRetired{"stocktrades", "catalog"},
      TeamUpserted{"payments", "Payments", {"payments-slack", "payments-email"}},
      OwnershipAssigned{group, "analytics"},
      JobObserved{NodeId::Job("flink", "enrich"),
                  "run-1",
                  "COMPLETE",
                  {topic},
                  {NodeId::Topic("local", "enriched")}},
      BreakingChangeDetected{"bc:stocktrades-value:3",
                             "stocktrades-value",
                             topic,
                             2,
                             3,
                             "NONE",
                             "incompatible_schema",
                             {{.message = "field `id` changed from long to string",
                               .path = "/fields/0",
                               .type = "TYPE_MISMATCH",
                               .version = 2}},
                             {{group, "analytics", 1}}},
      CompatibleChangeRecorded{"stocktrades-value", 1, 2, "BACKWARD"},
      ConsumerOnDeprecated{"cod:1", "stocktrades", group, "analytics"},
      MigrationStatusChanged{"stocktrades", group, "not_started", "dual"},
      ReminderDue{"rem:1", "stocktrades", t, "7d"},
      NotificationQueued{"key-1", "deprecation", "analytics", "analytics-slack"},
      NotificationDelivered{"key-1", "analytics-slack", 2},
      NotificationFailed{"key-1", "analytics-slack", 1, "HTTP 503", t},
      NotificationDeadLettered{"key-1", "analytics-slack", 8, "HTTP 410"},
      SchemaModeChanged{std::string("stocktrades-value"), "IMPORT"},
      ProducerStopped{NodeId::Principal("User:svc"), topic, "idle", t},
      DeprecationAnnounced{"dep:1",
                           "stocktrades",
                           t,
                           std::string("stocktrades.v2"),
                           {{group, "analytics", 1}},
                           {"analytics", "execution"},
                           {"30d"}},
      AccessRevokedDetected{
          "acc:1",
          NodeId::Principal("User:svc"),
          "analytics",
          {topic},
          "READ",
          "acl_revoked",
          AclBinding{"local", "User:svc", "TOPIC", "stocktrades", "LITERAL", "READ", "ALLOW", "*"}},
      RetiredWithConsumers{"ret:1", "stocktrades", {{group, "analytics", 1}}},
      TeamSubscriptionsSet{"analytics", {"stocktrades", "users"}, "analytics-ci"},
      SourceGap{"local", "__consumer_offsets", 3, 120, 4500},
      LogCompacted{FromMillis(1767225600000),
                   {{"consumer_progress", 5200}, {"notification_failed", 14}}},
  };
}

}  // namespace tributary::testing
