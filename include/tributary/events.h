#pragma once
// The domain events: the closed set of facts and decisions the event log holds
// (DESIGN.md §4). Each type has a stable name (`kType`, the `type` shown by
// GET /events), a payload schema version (`kVersion`, bumped when a field's
// meaning changes; older payloads are upcast on read, see src/core/event_codec.h)
// and a field list. Names are never renamed; new types may be added.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/clock.h"
#include "tributary/fields.h"
#include "tributary/ids.h"

namespace tributary {

// ---- consumers and producers ------------------------------------------------

// `consumer` (a group, principal or job) started reading `topic`.
struct ConsumerStarted {
  static constexpr std::string_view kType = "consumer_started";
  static constexpr int kVersion = 1;
  NodeId consumer;
  NodeId topic;
  std::string evidence;  // observed | permitted | declared
  std::string via;       // consumer_offsets | audit_log | openlineage | admin_api
  bool operator==(const ConsumerStarted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("consumer", &ConsumerStarted::consumer), Field("topic", &ConsumerStarted::topic),
        Field("evidence", &ConsumerStarted::evidence), Field("via", &ConsumerStarted::via)};
  }
};

struct ConsumerStopped {
  static constexpr std::string_view kType = "consumer_stopped";
  static constexpr int kVersion = 1;
  NodeId consumer;
  NodeId topic;
  std::string reason;  // idle | unassigned | group_deleted | offset_deleted
  std::optional<Timestamp> last_read;
  bool operator==(const ConsumerStopped&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("consumer", &ConsumerStopped::consumer), Field("topic", &ConsumerStopped::topic),
        Field("reason", &ConsumerStopped::reason), Field("last_read", &ConsumerStopped::last_read)};
  }
};

// Sampled every tracking.progress_interval while a consumer reads.
struct ConsumerProgress {
  static constexpr std::string_view kType = "consumer_progress";
  static constexpr int kVersion = 1;
  NodeId consumer;
  NodeId topic;
  std::int64_t committed_offsets = 0;  // sum of committed offsets over partitions
  std::int32_t partitions = 0;
  std::int64_t commits = 0;  // commits folded since the previous sample
  bool operator==(const ConsumerProgress&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("consumer", &ConsumerProgress::consumer),
                      Field("topic", &ConsumerProgress::topic),
                      Field("committed_offsets", &ConsumerProgress::committed_offsets),
                      Field("partitions", &ConsumerProgress::partitions),
                      Field("commits", &ConsumerProgress::commits)};
  }
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<std::string> topics;  // subscribed or assigned topic names
  bool operator==(const GroupMember&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("member_id", &GroupMember::member_id),
                      Field("client_id", &GroupMember::client_id),
                      Field("host", &GroupMember::host), Field("topics", &GroupMember::topics)};
  }
};

struct GroupMembersChanged {
  static constexpr std::string_view kType = "group_members_changed";
  static constexpr int kVersion = 1;
  NodeId group;
  std::string protocol_type;  // consumer | connect | ... ("consumer" for KIP-848 groups)
  std::string protocol;       // assignor, e.g. range, cooperative-sticky
  std::int32_t generation = 0;
  std::vector<GroupMember> members;
  bool operator==(const GroupMembersChanged&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("group", &GroupMembersChanged::group),
                      Field("protocol_type", &GroupMembersChanged::protocol_type),
                      Field("protocol", &GroupMembersChanged::protocol),
                      Field("generation", &GroupMembersChanged::generation),
                      Field("members", &GroupMembersChanged::members)};
  }
};

struct GroupDeleted {
  static constexpr std::string_view kType = "group_deleted";
  static constexpr int kVersion = 1;
  NodeId group;
  bool operator==(const GroupDeleted&) const = default;
  static constexpr auto Fields() { return std::tuple{Field("group", &GroupDeleted::group)}; }
};

struct OffsetDeleted {
  static constexpr std::string_view kType = "offset_deleted";
  static constexpr int kVersion = 1;
  NodeId group;
  NodeId topic;
  std::int32_t partition = 0;
  bool operator==(const OffsetDeleted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("group", &OffsetDeleted::group), Field("topic", &OffsetDeleted::topic),
                      Field("partition", &OffsetDeleted::partition)};
  }
};

struct ProducerObserved {
  static constexpr std::string_view kType = "producer_observed";
  static constexpr int kVersion = 1;
  NodeId producer;  // a principal or a job
  NodeId topic;
  std::string via;  // audit_log | openlineage | catalog
  bool operator==(const ProducerObserved&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("producer", &ProducerObserved::producer),
                      Field("topic", &ProducerObserved::topic),
                      Field("via", &ProducerObserved::via)};
  }
};

// A producer seen earlier has not been seen for tracking.consumer_idle_after.
struct ProducerStopped {
  static constexpr std::string_view kType = "producer_stopped";
  static constexpr int kVersion = 1;
  NodeId producer;
  NodeId topic;
  std::string reason;  // idle
  std::optional<Timestamp> last_seen;
  bool operator==(const ProducerStopped&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("producer", &ProducerStopped::producer), Field("topic", &ProducerStopped::topic),
        Field("reason", &ProducerStopped::reason), Field("last_seen", &ProducerStopped::last_seen)};
  }
};

// ---- access -------------------------------------------------------------------

struct AclBinding {
  std::string cluster;
  std::string principal;      // e.g. User:svc-trending
  std::string resource_type;  // TOPIC | GROUP | CLUSTER | TRANSACTIONAL_ID
  std::string resource_name;  // a name, a prefix, or "*"
  std::string pattern_type;   // LITERAL | PREFIXED
  std::string operation;      // READ | WRITE | DESCRIBE | ALL | ...
  std::string permission;     // ALLOW | DENY
  std::string host = "*";
  bool operator==(const AclBinding&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("cluster", &AclBinding::cluster),
                      Field("principal", &AclBinding::principal),
                      Field("resource_type", &AclBinding::resource_type),
                      Field("resource_name", &AclBinding::resource_name),
                      Field("pattern_type", &AclBinding::pattern_type),
                      Field("operation", &AclBinding::operation),
                      Field("permission", &AclBinding::permission),
                      Field("host", &AclBinding::host)};
  }
};

struct AclGranted {
  static constexpr std::string_view kType = "acl_granted";
  static constexpr int kVersion = 1;
  AclBinding acl;
  std::string actor;
  bool operator==(const AclGranted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("acl", &AclGranted::acl), Field("actor", &AclGranted::actor)};
  }
};

struct AclRevoked {
  static constexpr std::string_view kType = "acl_revoked";
  static constexpr int kVersion = 1;
  AclBinding acl;
  std::string actor;
  bool operator==(const AclRevoked&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("acl", &AclRevoked::acl), Field("actor", &AclRevoked::actor)};
  }
};

// ---- schemas ------------------------------------------------------------------

struct SchemaRef {
  std::string name;
  std::string subject;
  std::int32_t version = 0;
  bool operator==(const SchemaRef&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("name", &SchemaRef::name), Field("subject", &SchemaRef::subject),
                      Field("version", &SchemaRef::version)};
  }
};

struct SchemaRegistered {
  static constexpr std::string_view kType = "schema_registered";
  static constexpr int kVersion = 1;
  std::string subject;
  std::int32_t version = 0;
  std::int32_t schema_id = 0;
  std::string schema_type = "AVRO";  // AVRO | JSON | PROTOBUF
  std::string schema;
  std::vector<SchemaRef> references;
  bool operator==(const SchemaRegistered&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("subject", &SchemaRegistered::subject),
                      Field("version", &SchemaRegistered::version),
                      Field("schema_id", &SchemaRegistered::schema_id),
                      Field("schema_type", &SchemaRegistered::schema_type),
                      Field("schema", &SchemaRegistered::schema),
                      Field("references", &SchemaRegistered::references)};
  }
};

struct SchemaDeleted {
  static constexpr std::string_view kType = "schema_deleted";
  static constexpr int kVersion = 1;
  std::string subject;
  std::optional<std::int32_t> version;  // absent: the whole subject
  bool permanent = false;               // hard delete
  bool operator==(const SchemaDeleted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("subject", &SchemaDeleted::subject),
                      Field("version", &SchemaDeleted::version),
                      Field("permanent", &SchemaDeleted::permanent)};
  }
};

struct CompatibilityLevelChanged {
  static constexpr std::string_view kType = "compatibility_level_changed";
  static constexpr int kVersion = 1;
  std::optional<std::string> subject;  // absent: the global level
  std::string level;                   // NONE | BACKWARD | ... | FULL_TRANSITIVE
  bool operator==(const CompatibilityLevelChanged&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("subject", &CompatibilityLevelChanged::subject),
                      Field("level", &CompatibilityLevelChanged::level)};
  }
};

// A Schema Registry mode (READWRITE | READONLY | READONLY_OVERRIDE | IMPORT).
struct SchemaModeChanged {
  static constexpr std::string_view kType = "schema_mode_changed";
  static constexpr int kVersion = 1;
  std::optional<std::string> subject;  // absent: the global mode
  std::string mode;                    // empty: the subject's mode was deleted
  bool operator==(const SchemaModeChanged&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("subject", &SchemaModeChanged::subject),
                      Field("mode", &SchemaModeChanged::mode)};
  }
};

// ---- catalog --------------------------------------------------------------------

struct ProductPublished {
  static constexpr std::string_view kType = "product_published";
  static constexpr int kVersion = 1;
  std::string product;
  std::string cluster;
  std::string topic;
  std::string domain;
  std::string owner;  // team name
  std::string description;
  std::string quality;  // authoritative | curated | raw
  std::string sla;      // tier-1 | tier-2 | tier-3
  std::vector<std::string> tags;
  std::optional<std::string> schema_subject;
  std::vector<std::string> allowed_regions;  // data locality (DESIGN.md §9); empty: anywhere
  std::optional<std::string> history;        // declared: recent | compacted | all
  std::optional<std::int64_t> retention_ms;  // declared; -1: infinite
  bool operator==(const ProductPublished&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("product", &ProductPublished::product),
                      Field("cluster", &ProductPublished::cluster),
                      Field("topic", &ProductPublished::topic),
                      Field("domain", &ProductPublished::domain),
                      Field("owner", &ProductPublished::owner),
                      Field("description", &ProductPublished::description),
                      Field("quality", &ProductPublished::quality),
                      Field("sla", &ProductPublished::sla),
                      Field("tags", &ProductPublished::tags),
                      Field("schema_subject", &ProductPublished::schema_subject),
                      Field("allowed_regions", &ProductPublished::allowed_regions),
                      Field("history", &ProductPublished::history),
                      Field("retention_ms", &ProductPublished::retention_ms)};
  }
};

struct ProductUpdated {
  static constexpr std::string_view kType = "product_updated";
  static constexpr int kVersion = 1;
  std::string product;
  nlohmann::json changes = nlohmann::json::object();  // the published fields that changed
  bool operator==(const ProductUpdated&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("product", &ProductUpdated::product),
                      Field("changes", &ProductUpdated::changes)};
  }
};

struct ProductDeprecated {
  static constexpr std::string_view kType = "product_deprecated";
  static constexpr int kVersion = 1;
  std::string product;
  std::string reason;
  Timestamp sunset;
  std::optional<std::string> replacement;
  std::string actor;  // token name or event source that made the change
  bool operator==(const ProductDeprecated&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("product", &ProductDeprecated::product),
                      Field("reason", &ProductDeprecated::reason),
                      Field("sunset", &ProductDeprecated::sunset),
                      Field("replacement", &ProductDeprecated::replacement),
                      Field("actor", &ProductDeprecated::actor)};
  }
};

struct ProductUndeprecated {
  static constexpr std::string_view kType = "product_undeprecated";
  static constexpr int kVersion = 1;
  std::string product;
  std::string actor;
  bool operator==(const ProductUndeprecated&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("product", &ProductUndeprecated::product),
                      Field("actor", &ProductUndeprecated::actor)};
  }
};

struct ProductRetired {
  static constexpr std::string_view kType = "product_retired";
  static constexpr int kVersion = 1;
  std::string product;
  std::string actor;
  bool operator==(const ProductRetired&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("product", &ProductRetired::product),
                      Field("actor", &ProductRetired::actor)};
  }
};

struct TeamUpserted {
  static constexpr std::string_view kType = "team_upserted";
  static constexpr int kVersion = 1;
  std::string team;
  std::string display_name;
  std::vector<std::string> contacts;  // channel names from config
  bool operator==(const TeamUpserted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("team", &TeamUpserted::team),
                      Field("display_name", &TeamUpserted::display_name),
                      Field("contacts", &TeamUpserted::contacts)};
  }
};

struct OwnershipAssigned {
  static constexpr std::string_view kType = "ownership_assigned";
  static constexpr int kVersion = 1;
  NodeId node;
  std::string team;
  bool operator==(const OwnershipAssigned&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("node", &OwnershipAssigned::node),
                      Field("team", &OwnershipAssigned::team)};
  }
};

struct JobObserved {
  static constexpr std::string_view kType = "job_observed";
  static constexpr int kVersion = 1;
  NodeId job;
  std::string run_id;
  std::string event_type;  // START | RUNNING | COMPLETE | ... (OpenLineage eventType)
  std::vector<NodeId> inputs;
  std::vector<NodeId> outputs;
  bool operator==(const JobObserved&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("job", &JobObserved::job), Field("run_id", &JobObserved::run_id),
                      Field("event_type", &JobObserved::event_type),
                      Field("inputs", &JobObserved::inputs),
                      Field("outputs", &JobObserved::outputs)};
  }
};

// ---- decisions ----------------------------------------------------------------

struct AffectedConsumer {
  NodeId consumer;
  std::string team;  // empty when ownership is unresolved
  std::int32_t depth = 1;
  bool operator==(const AffectedConsumer&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("consumer", &AffectedConsumer::consumer),
                      Field("team", &AffectedConsumer::team),
                      Field("depth", &AffectedConsumer::depth)};
  }
};

// One reason a breaking change breaks (from src/schema's Incompatibility, or
// the tracker's own causes such as SCHEMA_TYPE_CHANGED and INVALID_SCHEMA).
// Stored and shown as {"message", "path", "type", "version"}: the fields are
// declared in that order, the order the tracker's JSON objects were written in
// before the list was typed, so stored payloads keep the same bytes.
struct SchemaIncompatibility {
  std::string message;       // one line for a human
  std::string path;          // where in the schema ("" when not about one place)
  std::string type;          // e.g. TYPE_MISMATCH, SCHEMA_TYPE_CHANGED, INVALID_SCHEMA
  std::int32_t version = 0;  // the earlier version it breaks (0 when not versioned)
  bool operator==(const SchemaIncompatibility&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("message", &SchemaIncompatibility::message),
                      Field("path", &SchemaIncompatibility::path),
                      Field("type", &SchemaIncompatibility::type),
                      Field("version", &SchemaIncompatibility::version)};
  }
};

struct BreakingChangeDetected {
  static constexpr std::string_view kType = "breaking_change_detected";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string subject;
  std::optional<NodeId> topic;
  std::int32_t from_version = 0;
  std::int32_t to_version = 0;
  std::string level;
  std::string cause;  // incompatible_schema | schema_deleted | schema_type_changed | ...
  std::vector<SchemaIncompatibility> incompatibilities;  // empty for deletions
  std::vector<AffectedConsumer> affected;
  bool operator==(const BreakingChangeDetected&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &BreakingChangeDetected::decision_key),
                      Field("subject", &BreakingChangeDetected::subject),
                      Field("topic", &BreakingChangeDetected::topic),
                      Field("from_version", &BreakingChangeDetected::from_version),
                      Field("to_version", &BreakingChangeDetected::to_version),
                      Field("level", &BreakingChangeDetected::level),
                      Field("cause", &BreakingChangeDetected::cause),
                      Field("incompatibilities", &BreakingChangeDetected::incompatibilities),
                      Field("affected", &BreakingChangeDetected::affected)};
  }
};

struct CompatibleChangeRecorded {
  static constexpr std::string_view kType = "compatible_change_recorded";
  static constexpr int kVersion = 1;
  std::string subject;
  std::int32_t from_version = 0;
  std::int32_t to_version = 0;
  std::string level;
  bool operator==(const CompatibleChangeRecorded&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("subject", &CompatibleChangeRecorded::subject),
                      Field("from_version", &CompatibleChangeRecorded::from_version),
                      Field("to_version", &CompatibleChangeRecorded::to_version),
                      Field("level", &CompatibleChangeRecorded::level)};
  }
};

struct ConsumerOnDeprecated {
  static constexpr std::string_view kType = "consumer_on_deprecated";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string product;
  NodeId consumer;
  std::string team;
  bool operator==(const ConsumerOnDeprecated&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &ConsumerOnDeprecated::decision_key),
                      Field("product", &ConsumerOnDeprecated::product),
                      Field("consumer", &ConsumerOnDeprecated::consumer),
                      Field("team", &ConsumerOnDeprecated::team)};
  }
};

struct MigrationStatusChanged {
  static constexpr std::string_view kType = "migration_status_changed";
  static constexpr int kVersion = 1;
  std::string product;
  NodeId consumer;
  std::string from;  // "" for a consumer first seen | not_started | dual | migrated | stopped
  std::string to;
  bool operator==(const MigrationStatusChanged&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("product", &MigrationStatusChanged::product),
                      Field("consumer", &MigrationStatusChanged::consumer),
                      Field("from", &MigrationStatusChanged::from),
                      Field("to", &MigrationStatusChanged::to)};
  }
};

struct ReminderDue {
  static constexpr std::string_view kType = "reminder_due";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string product;
  Timestamp sunset;
  std::string before;  // the configured offset, e.g. "7d"; "after" for a sunset escalation
  bool operator==(const ReminderDue&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &ReminderDue::decision_key),
                      Field("product", &ReminderDue::product),
                      Field("sunset", &ReminderDue::sunset), Field("before", &ReminderDue::before)};
  }
};

// A product's deprecation, announced to its consumer teams and its owner.
struct DeprecationAnnounced {
  static constexpr std::string_view kType = "deprecation_announced";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string product;
  Timestamp sunset;
  std::optional<std::string> replacement;
  std::vector<AffectedConsumer> consumers;
  std::vector<std::string> teams;  // every team told (consumers' teams and the owner)
  // Reminder offsets already past when the deprecation was recorded: never sent.
  std::vector<std::string> reminders_skipped;
  bool operator==(const DeprecationAnnounced&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &DeprecationAnnounced::decision_key),
                      Field("product", &DeprecationAnnounced::product),
                      Field("sunset", &DeprecationAnnounced::sunset),
                      Field("replacement", &DeprecationAnnounced::replacement),
                      Field("consumers", &DeprecationAnnounced::consumers),
                      Field("teams", &DeprecationAnnounced::teams),
                      Field("reminders_skipped", &DeprecationAnnounced::reminders_skipped)};
  }
};

// An ACL change took READ or WRITE away from a principal that was using it.
struct AccessRevokedDetected {
  static constexpr std::string_view kType = "access_revoked_detected";
  static constexpr int kVersion = 1;
  std::string decision_key;
  NodeId principal;
  std::string team;            // empty when ownership is unresolved
  std::vector<NodeId> topics;  // the topics it was actively reading or writing
  std::string operation;       // READ | WRITE
  std::string cause;           // acl_revoked | deny_added
  AclBinding acl;
  bool operator==(const AccessRevokedDetected&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &AccessRevokedDetected::decision_key),
                      Field("principal", &AccessRevokedDetected::principal),
                      Field("team", &AccessRevokedDetected::team),
                      Field("topics", &AccessRevokedDetected::topics),
                      Field("operation", &AccessRevokedDetected::operation),
                      Field("cause", &AccessRevokedDetected::cause),
                      Field("acl", &AccessRevokedDetected::acl)};
  }
};

// A product was retired while consumers were still reading it.
struct RetiredWithConsumers {
  static constexpr std::string_view kType = "retired_with_consumers";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string product;
  std::vector<AffectedConsumer> consumers;
  bool operator==(const RetiredWithConsumers&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &RetiredWithConsumers::decision_key),
                      Field("product", &RetiredWithConsumers::product),
                      Field("consumers", &RetiredWithConsumers::consumers)};
  }
};

// A team's explicit subscriptions to products (PUT /teams/{team}/subscriptions):
// the complete list, replacing the previous one.
struct TeamSubscriptionsSet {
  static constexpr std::string_view kType = "team_subscriptions_set";
  static constexpr int kVersion = 1;
  std::string team;
  std::vector<std::string> products;
  std::string actor;
  bool operator==(const TeamSubscriptionsSet&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("team", &TeamSubscriptionsSet::team),
                      Field("products", &TeamSubscriptionsSet::products),
                      Field("actor", &TeamSubscriptionsSet::actor)};
  }
};

// ---- notifications --------------------------------------------------------------

struct NotificationQueued {
  static constexpr std::string_view kType = "notification_queued";
  static constexpr int kVersion = 1;
  std::string idempotency_key;
  std::string kind;  // breaking_change | deprecation | reminder | ...
  std::string team;
  std::string channel;
  bool operator==(const NotificationQueued&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("idempotency_key", &NotificationQueued::idempotency_key),
                      Field("kind", &NotificationQueued::kind),
                      Field("team", &NotificationQueued::team),
                      Field("channel", &NotificationQueued::channel)};
  }
};

struct NotificationDelivered {
  static constexpr std::string_view kType = "notification_delivered";
  static constexpr int kVersion = 1;
  std::string idempotency_key;
  std::string channel;
  std::int32_t attempts = 0;
  bool operator==(const NotificationDelivered&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("idempotency_key", &NotificationDelivered::idempotency_key),
                      Field("channel", &NotificationDelivered::channel),
                      Field("attempts", &NotificationDelivered::attempts)};
  }
};

struct NotificationFailed {
  static constexpr std::string_view kType = "notification_failed";
  static constexpr int kVersion = 1;
  std::string idempotency_key;
  std::string channel;
  std::int32_t attempt = 0;
  std::string error;
  std::optional<Timestamp> retry_at;
  bool operator==(const NotificationFailed&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("idempotency_key", &NotificationFailed::idempotency_key),
                      Field("channel", &NotificationFailed::channel),
                      Field("attempt", &NotificationFailed::attempt),
                      Field("error", &NotificationFailed::error),
                      Field("retry_at", &NotificationFailed::retry_at)};
  }
};

struct NotificationDeadLettered {
  static constexpr std::string_view kType = "notification_dead_lettered";
  static constexpr int kVersion = 1;
  std::string idempotency_key;
  std::string channel;
  std::int32_t attempts = 0;
  std::string error;
  bool operator==(const NotificationDeadLettered&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("idempotency_key", &NotificationDeadLettered::idempotency_key),
                      Field("channel", &NotificationDeadLettered::channel),
                      Field("attempts", &NotificationDeadLettered::attempts),
                      Field("error", &NotificationDeadLettered::error)};
  }
};

// Records of a source topic that were deleted by the broker (retention)
// before Tributary read them: it was behind or stopped for longer than the
// topic keeps data. [from_offset, to_offset) is the range lost.
struct SourceGap {
  static constexpr std::string_view kType = "source_gap";
  static constexpr int kVersion = 1;
  std::string cluster;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t from_offset = 0;
  std::int64_t to_offset = 0;
  bool operator==(const SourceGap&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("cluster", &SourceGap::cluster), Field("topic", &SourceGap::topic),
                      Field("partition", &SourceGap::partition),
                      Field("from_offset", &SourceGap::from_offset),
                      Field("to_offset", &SourceGap::to_offset)};
  }
};

// ---- topics -------------------------------------------------------------------

// A topic deleted on its cluster (the audit log's kafka.DeleteTopics). Its
// edges end here; if the name is created again, that is a new topic (a new
// incarnation), and nothing of the old one's readers carries over.
struct TopicDeleted {
  static constexpr std::string_view kType = "topic_deleted";
  static constexpr int kVersion = 1;
  NodeId topic;
  std::string via;    // audit_log
  std::string actor;  // the principal that deleted it
  bool operator==(const TopicDeleted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("topic", &TopicDeleted::topic), Field("via", &TopicDeleted::via),
                      Field("actor", &TopicDeleted::actor)};
  }
};

// A topic created on its cluster (the audit log's kafka.CreateTopics).
struct TopicCreated {
  static constexpr std::string_view kType = "topic_created";
  static constexpr int kVersion = 1;
  NodeId topic;
  std::string via;
  std::string actor;
  bool operator==(const TopicCreated&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("topic", &TopicCreated::topic), Field("via", &TopicCreated::via),
                      Field("actor", &TopicCreated::actor)};
  }
};

// ---- the log itself -----------------------------------------------------------

// How many events of one type the log has recorded, removed ones included.
struct TypeTotal {
  std::string type;
  std::int64_t total = 0;  // recorded before the marker, ever
  bool operator==(const TypeTotal&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("type", &TypeTotal::type), Field("total", &TypeTotal::total)};
  }
};

// A compaction of superseded high-volume events ([store] compact_after): when
// this marker is appended, every replica's copy removes, among the events
// before it, the progress samples and delivery attempts recorded before
// `cutoff` that later ones supersede (src/store/compaction.h says which). The
// store fills in `totals` as it appends the marker, so projections that count
// events agree whether they saw the removed events or not. Facts and decisions
// are never removed.
struct LogCompacted {
  static constexpr std::string_view kType = "log_compacted";
  static constexpr int kVersion = 1;
  Timestamp cutoff;
  std::vector<TypeTotal> totals;
  bool operator==(const LogCompacted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("cutoff", &LogCompacted::cutoff),
                      Field("totals", &LogCompacted::totals)};
  }
};

// ---- governance (DESIGN.md §9) ----------------------------------------------------

// A policy found a product (or one of its consumers, principals, jobs) out of
// line. Opened once per (policy, product, subject) until resolved.
struct PolicyViolationOpened {
  static constexpr std::string_view kType = "policy_violation_opened";
  static constexpr int kVersion = 1;
  std::string decision_key;  // also the violation's id
  std::string policy;        // the policy's id
  std::string kind;          // the policy's kind, or "error" when its expression failed
  std::string severity;      // info | warn | block
  std::string product;
  std::string domain;
  std::string subject;  // product:<name>, group:..., job:..., principal:...
  std::string message;
  bool operator==(const PolicyViolationOpened&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &PolicyViolationOpened::decision_key),
                      Field("policy", &PolicyViolationOpened::policy),
                      Field("kind", &PolicyViolationOpened::kind),
                      Field("severity", &PolicyViolationOpened::severity),
                      Field("product", &PolicyViolationOpened::product),
                      Field("domain", &PolicyViolationOpened::domain),
                      Field("subject", &PolicyViolationOpened::subject),
                      Field("message", &PolicyViolationOpened::message)};
  }
};

struct PolicyViolationResolved {
  static constexpr std::string_view kType = "policy_violation_resolved";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string violation;  // the decision_key of the opening
  std::string policy;
  std::string product;
  std::string subject;
  std::string reason;  // compliant | product_retired | policy_removed
  bool operator==(const PolicyViolationResolved&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &PolicyViolationResolved::decision_key),
                      Field("violation", &PolicyViolationResolved::violation),
                      Field("policy", &PolicyViolationResolved::policy),
                      Field("product", &PolicyViolationResolved::product),
                      Field("subject", &PolicyViolationResolved::subject),
                      Field("reason", &PolicyViolationResolved::reason)};
  }
};

// One policy result of a proposal, computed when it was opened.
struct ProposalViolation {
  std::string policy;
  std::string severity;
  std::string subject;
  std::string message;
  bool operator==(const ProposalViolation&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("policy", &ProposalViolation::policy),
                      Field("severity", &ProposalViolation::severity),
                      Field("subject", &ProposalViolation::subject),
                      Field("message", &ProposalViolation::message)};
  }
};

// A candidate schema for a product, with its verdict computed at once (POST /proposals).
struct ProposalOpened {
  static constexpr std::string_view kType = "proposal_opened";
  static constexpr int kVersion = 1;
  std::string id;
  std::string product;
  std::string subject;
  std::string schema_type;
  std::string schema;
  std::string fingerprint;  // SHA-256 of the type and the schema's canonical form
  std::string description;
  bool compatible = true;
  std::vector<SchemaIncompatibility> incompatibilities;
  std::vector<ProposalViolation> violations;
  std::vector<std::string> approvals_needed;  // teams of direct consumers, owner excluded
  std::vector<std::string> unowned;           // direct consumers without a team
  Timestamp expires_at;
  std::string actor;
  bool operator==(const ProposalOpened&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("id", &ProposalOpened::id),
                      Field("product", &ProposalOpened::product),
                      Field("subject", &ProposalOpened::subject),
                      Field("schema_type", &ProposalOpened::schema_type),
                      Field("schema", &ProposalOpened::schema),
                      Field("fingerprint", &ProposalOpened::fingerprint),
                      Field("description", &ProposalOpened::description),
                      Field("compatible", &ProposalOpened::compatible),
                      Field("incompatibilities", &ProposalOpened::incompatibilities),
                      Field("violations", &ProposalOpened::violations),
                      Field("approvals_needed", &ProposalOpened::approvals_needed),
                      Field("unowned", &ProposalOpened::unowned),
                      Field("expires_at", &ProposalOpened::expires_at),
                      Field("actor", &ProposalOpened::actor)};
  }
};

// One affected team's decision on a proposal (POST /proposals/{id}/decisions).
struct ProposalDecided {
  static constexpr std::string_view kType = "proposal_decided";
  static constexpr int kVersion = 1;
  std::string proposal;
  std::string team;
  std::string decision;  // approve | reject
  std::string by;        // the token's name
  std::string comment;
  bool operator==(const ProposalDecided&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("proposal", &ProposalDecided::proposal), Field("team", &ProposalDecided::team),
        Field("decision", &ProposalDecided::decision), Field("by", &ProposalDecided::by),
        Field("comment", &ProposalDecided::comment)};
  }
};

// A proposal reached its outcome (approved, rejected, expired): the decision
// that tells its owner.
struct ProposalClosed {
  static constexpr std::string_view kType = "proposal_closed";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string proposal;
  std::string product;
  std::string status;  // approved | rejected | expired
  bool operator==(const ProposalClosed&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &ProposalClosed::decision_key),
                      Field("proposal", &ProposalClosed::proposal),
                      Field("product", &ProposalClosed::product),
                      Field("status", &ProposalClosed::status)};
  }
};

// Sign-off asked of the affected teams of a breaking proposal.
struct SignoffRequested {
  static constexpr std::string_view kType = "signoff_requested";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string proposal;
  std::string product;
  std::vector<std::string> teams;
  bool operator==(const SignoffRequested&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &SignoffRequested::decision_key),
                      Field("proposal", &SignoffRequested::proposal),
                      Field("product", &SignoffRequested::product),
                      Field("teams", &SignoffRequested::teams)};
  }
};

// A breaking schema reached the registry without an approved proposal of the
// same schema (fingerprint).
struct UnapprovedBreakingChange {
  static constexpr std::string_view kType = "unapproved_breaking_change";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string product;
  std::string subject;
  std::int32_t version = 0;
  std::string fingerprint;
  bool operator==(const UnapprovedBreakingChange&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &UnapprovedBreakingChange::decision_key),
                      Field("product", &UnapprovedBreakingChange::product),
                      Field("subject", &UnapprovedBreakingChange::subject),
                      Field("version", &UnapprovedBreakingChange::version),
                      Field("fingerprint", &UnapprovedBreakingChange::fingerprint)};
  }
};

// ---- consumer health and stream facts (DESIGN.md §10) ---------------------------

// One (group, partition) as evaluated by Burrow's rules (src/health/README.md).
struct PartitionHealthFact {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;                 // the newest committed offset
  std::optional<std::int64_t> end_offset;  // absent: not fetched yet
  std::optional<std::int64_t> lag;         // end_offset - offset
  std::optional<double> lag_seconds;
  std::string status;  // OK | WARNING | STALLED | STOPPED | REWIND
  bool operator==(const PartitionHealthFact&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("topic", &PartitionHealthFact::topic),
                      Field("partition", &PartitionHealthFact::partition),
                      Field("offset", &PartitionHealthFact::offset),
                      Field("end_offset", &PartitionHealthFact::end_offset),
                      Field("lag", &PartitionHealthFact::lag),
                      Field("lag_seconds", &PartitionHealthFact::lag_seconds),
                      Field("status", &PartitionHealthFact::status)};
  }
};

// A group's status, or one of its partitions' statuses, changed (a decision of
// the health tracker). `partitions` holds every partition as evaluated then.
struct ConsumerStatusChanged {
  static constexpr std::string_view kType = "consumer_status_changed";
  static constexpr int kVersion = 1;
  NodeId group;
  std::string from;  // "" for a group first evaluated | OK | WARN | ERR
  std::string to;
  std::int64_t total_lag = 0;
  std::optional<double> max_lag_seconds;
  std::vector<PartitionHealthFact> partitions;
  bool operator==(const ConsumerStatusChanged&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("group", &ConsumerStatusChanged::group),
                      Field("from", &ConsumerStatusChanged::from),
                      Field("to", &ConsumerStatusChanged::to),
                      Field("total_lag", &ConsumerStatusChanged::total_lag),
                      Field("max_lag_seconds", &ConsumerStatusChanged::max_lag_seconds),
                      Field("partitions", &ConsumerStatusChanged::partitions)};
  }
};

// What the broker says about a topic (Metadata, DescribeConfigs), recorded when
// it changes. Absent: the broker did not answer that part.
struct TopicFactsObserved {
  static constexpr std::string_view kType = "topic_facts_observed";
  static constexpr int kVersion = 1;
  NodeId topic;
  std::optional<std::int32_t> partitions;
  std::optional<std::int32_t> replication_factor;
  std::optional<std::int64_t> retention_ms;     // -1: infinite
  std::optional<std::int64_t> retention_bytes;  // -1: infinite
  std::optional<std::string> cleanup_policy;    // delete | compact | compact,delete
  bool operator==(const TopicFactsObserved&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("topic", &TopicFactsObserved::topic),
                      Field("partitions", &TopicFactsObserved::partitions),
                      Field("replication_factor", &TopicFactsObserved::replication_factor),
                      Field("retention_ms", &TopicFactsObserved::retention_ms),
                      Field("retention_bytes", &TopicFactsObserved::retention_bytes),
                      Field("cleanup_policy", &TopicFactsObserved::cleanup_policy)};
  }
};

// A group is so far behind on a topic with time-based retention that it is
// about to lose data: lag_seconds > risk_ratio x retention.
struct DataLossRiskDetected {
  static constexpr std::string_view kType = "data_loss_risk_detected";
  static constexpr int kVersion = 1;
  std::string decision_key;
  NodeId group;
  NodeId topic;
  std::string team;  // empty when ownership is unresolved
  double lag_seconds = 0;
  std::int64_t lag = 0;
  std::int64_t retention_ms = 0;
  std::string retention_source;  // observed | declared
  double risk_ratio = 0;
  double seconds_left = 0;  // retention - lag_seconds
  bool operator==(const DataLossRiskDetected&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &DataLossRiskDetected::decision_key),
                      Field("group", &DataLossRiskDetected::group),
                      Field("topic", &DataLossRiskDetected::topic),
                      Field("team", &DataLossRiskDetected::team),
                      Field("lag_seconds", &DataLossRiskDetected::lag_seconds),
                      Field("lag", &DataLossRiskDetected::lag),
                      Field("retention_ms", &DataLossRiskDetected::retention_ms),
                      Field("retention_source", &DataLossRiskDetected::retention_source),
                      Field("risk_ratio", &DataLossRiskDetected::risk_ratio),
                      Field("seconds_left", &DataLossRiskDetected::seconds_left)};
  }
};

// The group is back under the risk threshold: a new breach is a new risk.
struct DataLossRiskResolved {
  static constexpr std::string_view kType = "data_loss_risk_resolved";
  static constexpr int kVersion = 1;
  std::string decision_key;
  NodeId group;
  NodeId topic;
  double lag_seconds = 0;
  bool operator==(const DataLossRiskResolved&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &DataLossRiskResolved::decision_key),
                      Field("group", &DataLossRiskResolved::group),
                      Field("topic", &DataLossRiskResolved::topic),
                      Field("lag_seconds", &DataLossRiskResolved::lag_seconds)};
  }
};

// A group held a status other than OK/WARN for health.alert_after.
struct ConsumerUnhealthyDetected {
  static constexpr std::string_view kType = "consumer_unhealthy_detected";
  static constexpr int kVersion = 1;
  std::string decision_key;
  NodeId group;
  std::string team;
  std::string status;  // ERR
  Timestamp since;
  std::vector<PartitionHealthFact> partitions;  // the partitions not OK
  bool operator==(const ConsumerUnhealthyDetected&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &ConsumerUnhealthyDetected::decision_key),
                      Field("group", &ConsumerUnhealthyDetected::group),
                      Field("team", &ConsumerUnhealthyDetected::team),
                      Field("status", &ConsumerUnhealthyDetected::status),
                      Field("since", &ConsumerUnhealthyDetected::since),
                      Field("partitions", &ConsumerUnhealthyDetected::partitions)};
  }
};

// ---- self-service access (DESIGN.md §5) ----------------------------------------

// A team asked READ on a product for a principal (POST /products/{name}/access-requests).
struct AccessRequested {
  static constexpr std::string_view kType = "access_requested";
  static constexpr int kVersion = 1;
  std::string id;  // "acc-<hex>"
  std::string product;
  std::string cluster;  // the product's topic when asked
  std::string topic;
  std::string principal;  // e.g. User:svc-trending
  std::string team;       // the requesting team
  std::string purpose;
  std::string actor;  // the token's name
  bool operator==(const AccessRequested&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("id", &AccessRequested::id),
                      Field("product", &AccessRequested::product),
                      Field("cluster", &AccessRequested::cluster),
                      Field("topic", &AccessRequested::topic),
                      Field("principal", &AccessRequested::principal),
                      Field("team", &AccessRequested::team),
                      Field("purpose", &AccessRequested::purpose),
                      Field("actor", &AccessRequested::actor)};
  }
};

// The owning team (or an admin) approved or denied an access request.
struct AccessDecided {
  static constexpr std::string_view kType = "access_decided";
  static constexpr int kVersion = 1;
  std::string request;
  std::string product;
  std::string decision;  // approve | deny
  std::string by;        // the token's name
  std::string comment;
  bool operator==(const AccessDecided&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("request", &AccessDecided::request),
                      Field("product", &AccessDecided::product),
                      Field("decision", &AccessDecided::decision), Field("by", &AccessDecided::by),
                      Field("comment", &AccessDecided::comment)};
  }
};

// The ACL of an approved access request is in place: created by Tributary
// (CreateAcls, `acl_management = true`) or observed (an ALLOW READ covering the
// principal and the topic, from the catalog, the audit log or the Admin API).
struct AclApplied {
  static constexpr std::string_view kType = "acl_applied";
  static constexpr int kVersion = 1;
  std::string request;
  std::string product;
  AclBinding acl;
  std::string via;  // create_acls | observed
  bool operator==(const AclApplied&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("request", &AclApplied::request),
                      Field("product", &AclApplied::product), Field("acl", &AclApplied::acl),
                      Field("via", &AclApplied::via)};
  }
};

// ---- next versions and dual support (DESIGN.md §5) -------------------------------

// One field-level difference between two schemas (the next-version notice).
struct FieldChange {
  std::string change;     // added | removed | retyped
  std::string path;       // e.g. "price", "customer.email"
  std::string from_type;  // "" when added
  std::string to_type;    // "" when removed
  bool operator==(const FieldChange&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("change", &FieldChange::change), Field("path", &FieldChange::path),
                      Field("from_type", &FieldChange::from_type),
                      Field("to_type", &FieldChange::to_type)};
  }
};

// The owner published the next version of a product (POST
// /products/{name}/next-version): `product` replaces `replaces`, whose
// deprecation follows; the candidate schema is the new product's declared one.
struct ProductVersioned {
  static constexpr std::string_view kType = "product_versioned";
  static constexpr int kVersion = 1;
  std::string product;   // the new version, e.g. stocktrades.v3
  std::string replaces;  // e.g. stocktrades.v2
  std::string schema_type;
  std::string schema;
  std::vector<FieldChange> diff;  // from the old product's latest live schema
  std::string proposal;           // the proposal it resolves ("" none)
  Timestamp sunset;               // of the old product
  std::string reason;
  std::string actor;
  bool operator==(const ProductVersioned&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("product", &ProductVersioned::product),
                      Field("replaces", &ProductVersioned::replaces),
                      Field("schema_type", &ProductVersioned::schema_type),
                      Field("schema", &ProductVersioned::schema),
                      Field("diff", &ProductVersioned::diff),
                      Field("proposal", &ProductVersioned::proposal),
                      Field("sunset", &ProductVersioned::sunset),
                      Field("reason", &ProductVersioned::reason),
                      Field("actor", &ProductVersioned::actor)};
  }
};

// Consumers still read a versioned product's old topic, but nothing has been
// produced to it for tracking.dual_support_grace.
struct DualSupportBroken {
  static constexpr std::string_view kType = "dual_support_broken";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string product;                      // the old product
  std::string replacement;                  // the new one
  std::vector<AffectedConsumer> consumers;  // still reading the old topic
  std::optional<Timestamp> last_produced;
  bool operator==(const DualSupportBroken&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &DualSupportBroken::decision_key),
                      Field("product", &DualSupportBroken::product),
                      Field("replacement", &DualSupportBroken::replacement),
                      Field("consumers", &DualSupportBroken::consumers),
                      Field("last_produced", &DualSupportBroken::last_produced)};
  }
};

// No consumer reads a versioned product's old topic any more: it can be retired.
struct ReadyToRetire {
  static constexpr std::string_view kType = "ready_to_retire";
  static constexpr int kVersion = 1;
  std::string decision_key;
  std::string product;
  std::string replacement;
  bool operator==(const ReadyToRetire&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("decision_key", &ReadyToRetire::decision_key),
                      Field("product", &ReadyToRetire::product),
                      Field("replacement", &ReadyToRetire::replacement)};
  }
};

// The closed set. Append new types at the end; never reorder or rename.
using DomainEvent = std::variant<
    ConsumerStarted, ConsumerStopped, ConsumerProgress, GroupMembersChanged, GroupDeleted,
    OffsetDeleted, ProducerObserved, AclGranted, AclRevoked, SchemaRegistered, SchemaDeleted,
    CompatibilityLevelChanged, ProductPublished, ProductUpdated, ProductDeprecated,
    ProductUndeprecated, ProductRetired, TeamUpserted, OwnershipAssigned, JobObserved,
    BreakingChangeDetected, CompatibleChangeRecorded, ConsumerOnDeprecated, MigrationStatusChanged,
    ReminderDue, NotificationQueued, NotificationDelivered, NotificationFailed,
    NotificationDeadLettered, SchemaModeChanged, ProducerStopped, DeprecationAnnounced,
    AccessRevokedDetected, RetiredWithConsumers, TeamSubscriptionsSet, SourceGap, LogCompacted,
    TopicDeleted, TopicCreated, PolicyViolationOpened, PolicyViolationResolved, ProposalOpened,
    ProposalDecided, ProposalClosed, SignoffRequested, UnapprovedBreakingChange,
    ConsumerStatusChanged, TopicFactsObserved, DataLossRiskDetected, DataLossRiskResolved,
    ConsumerUnhealthyDetected, AccessRequested, AccessDecided, AclApplied, ProductVersioned,
    DualSupportBroken, ReadyToRetire>;

// The type name of an event, e.g. "consumer_started".
std::string_view TypeName(const DomainEvent& event);

// Where in its source (NewEvent::source) an event came from, for idempotent
// re-delivery: the record's coordinates; the index numbers the events derived
// from one record.
struct SourceKey {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int32_t index = 0;
  auto operator<=>(const SourceKey&) const = default;
};

// An event on its way into the log.
struct NewEvent {
  DomainEvent event;
  Timestamp event_time;
  std::string source;                    // e.g. "local/__consumer_offsets", "api", "tracking"
  std::optional<SourceKey> source_key;   // idempotency for source-derived events
  std::optional<std::string> dedup_key;  // idempotency for decisions and API writes
};

// An event read back from the log.
struct EventRecord {
  EventSeq seq;
  Timestamp event_time;
  Timestamp recorded_at;
  std::string source;
  DomainEvent event;
};

}  // namespace tributary
