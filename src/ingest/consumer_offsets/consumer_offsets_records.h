#pragma once
// Typed records of Kafka's __consumer_offsets topic, as the group coordinator
// writes them (Apache Kafka group-coordinator message definitions:
// group-coordinator/src/main/resources/common/message/*Key.json, *Value.json, and
// clients/.../ConsumerProtocolSubscription.json, ConsumerProtocolAssignment.json).
//
// A record's key is an INT16 record type followed by the key body; its value is an
// INT16 version followed by the value body, and a null value is a tombstone. Every
// type used by Tributary has its own struct and its own tombstone struct; types
// Tributary does not use decode to SkippedRecord.
//
// Plain values: copyable, movable, no thread affinity. Version fields hold the
// version as read from (or to be written to) the wire; see README.md for how
// versions newer than the newest known are read.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tributary::ingest::consumer_offsets {

// The newest value versions this build knows: the decoder reads up to them,
// the encoder writes them.
inline constexpr std::int16_t kNewestOffsetCommitValue = 4;   // v4 is flexible
inline constexpr std::int16_t kNewestGroupMetadataValue = 4;  // v4 is flexible
inline constexpr std::int16_t kNewestConsumerGroupValue = 0;  // KIP-848 values, flexible from v0
inline constexpr std::int16_t kNewestConsumerProtocol = 3;

// The INT16 that starts every key (the "apiKey" of the *Key.json definitions).
enum class RecordType : std::int16_t {
  kLegacyOffsetCommit = 0,  // same key and values as kOffsetCommit (old brokers)
  kOffsetCommit = 1,
  kGroupMetadata = 2,
  kConsumerGroupMetadata = 3,
  kConsumerGroupPartitionMetadata = 4,
  kConsumerGroupMemberMetadata = 5,
  kConsumerGroupTargetAssignmentMetadata = 6,
  kConsumerGroupTargetAssignmentMember = 7,
  kConsumerGroupCurrentMemberAssignment = 8,
  kShareGroupPartitionMetadata = 9,
  kShareGroupMemberMetadata = 10,
  kShareGroupMetadata = 11,
  kShareGroupTargetAssignmentMetadata = 12,
  kShareGroupTargetAssignmentMember = 13,
  kShareGroupCurrentMemberAssignment = 14,
  kShareGroupStatePartitionMetadata = 15,
  kConsumerGroupRegularExpression = 16,
  kStreamsGroupMetadata = 17,  // 17-24: streams groups (KIP-1071)
  kStreamsGroupLast = 24,      // StreamsGroupTargetAssignmentResolvedTopicIds
};

// A Kafka UUID (topic ids). ToString() is Kafka's form: URL-safe base64 without
// padding, 22 characters, as `kafka-topics --describe` and the Admin API show it.
struct Uuid {
  std::array<std::uint8_t, 16> bytes{};

  std::string ToString() const;
  // Accepts the 22-character form only.
  static std::optional<Uuid> FromString(std::string_view text);
  auto operator<=>(const Uuid&) const = default;
};

// A tagged field of a flexible version, kept as is so a record re-encodes exactly.
struct TaggedField {
  std::uint32_t tag = 0;
  std::string data;
  bool operator==(const TaggedField&) const = default;
};
using TaggedFields = std::vector<TaggedField>;

// ---- Offset commits: key types 0 and 1 -------------------------------------

// OffsetCommitKey {group, topic, partition} + OffsetCommitValue v0-v4.
struct OffsetCommit {
  std::int16_t key_version = 1;    // 0 or 1; both carry the same key
  std::int16_t value_version = 3;  // 0-4; v4 is flexible
  std::string group;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int32_t leader_epoch = -1;  // v3+, else -1
  std::string metadata;
  std::int64_t commit_timestamp_ms = 0;
  std::int64_t expire_timestamp_ms = -1;  // v1 only, else -1
  TaggedFields tagged_fields;             // v4+
  bool operator==(const OffsetCommit&) const = default;
};

// The offset of (group, topic, partition) was deleted (expired, or the group or
// topic was deleted).
struct OffsetCommitTombstone {
  std::int16_t key_version = 1;
  std::string group;
  std::string topic;
  std::int32_t partition = 0;
  bool operator==(const OffsetCommitTombstone&) const = default;
};

// ---- Classic groups: key type 2 --------------------------------------------

// A list of partitions of one topic, named by topic name (ConsumerProtocol).
struct TopicPartitions {
  std::string topic;
  std::vector<std::int32_t> partitions;
  bool operator==(const TopicPartitions&) const = default;
};

// ConsumerProtocolSubscription v0-v3: a consumer's JoinGroup metadata.
struct ConsumerSubscription {
  std::int16_t version = 1;  // as on the wire; newer than 3 is read as 3
  std::vector<std::string> topics;
  std::optional<std::string> user_data;
  std::vector<TopicPartitions> owned_partitions;  // v1+
  std::int32_t generation_id = -1;                // v2+, else -1
  std::optional<std::string> rack_id;             // v3+
  bool operator==(const ConsumerSubscription&) const = default;
};

// ConsumerProtocolAssignment v0-v3: the partitions the leader gave a member.
struct ConsumerAssignment {
  std::int16_t version = 1;  // as on the wire; newer than 3 is read as 3
  std::vector<TopicPartitions> assigned_partitions;
  std::optional<std::string> user_data;
  bool operator==(const ConsumerAssignment&) const = default;
};

// GroupMetadataValue.MemberMetadata.
struct GroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+ (static membership)
  std::string client_id;
  std::string client_host;
  std::int32_t rebalance_timeout_ms = -1;  // v1+, else -1
  std::int32_t session_timeout_ms = 0;
  // When the group's protocol_type is "consumer" and the bytes are not empty, they
  // are parsed into `subscription` / `assignment` and the raw fields stay empty.
  // Otherwise (e.g. "connect") the raw bytes are kept unparsed.
  std::optional<ConsumerSubscription> subscription;
  std::optional<ConsumerAssignment> assignment;
  std::string subscription_bytes;
  std::string assignment_bytes;
  TaggedFields tagged_fields;  // v4+
  bool operator==(const GroupMember&) const = default;
};

// GroupMetadataKey {group} + GroupMetadataValue v0-v4 (v4 is flexible).
struct GroupMetadata {
  std::int16_t value_version = 3;
  std::string group;
  std::string protocol_type;  // "consumer", "connect", ... (empty for a group without one)
  std::int32_t generation = 0;
  std::optional<std::string> protocol;           // the assignor ("range", ...); null when Empty
  std::optional<std::string> leader;             // member id; null when Empty
  std::int64_t current_state_timestamp_ms = -1;  // v2+, else -1
  std::vector<GroupMember> members;
  TaggedFields tagged_fields;  // v4+
  bool operator==(const GroupMetadata&) const = default;
};

// The classic group was deleted.
struct GroupMetadataTombstone {
  std::string group;
  bool operator==(const GroupMetadataTombstone&) const = default;
};

// ---- Consumer groups (KIP-848): key types 3, 4, 5, 8, 16 --------------------
// All values are flexible from v0; unknown tagged fields are kept in tagged_fields
// (e.g. ConsumerGroupMetadataValue's MetadataHash, tag 0).

// Type 3: ConsumerGroupMetadataKey {group} + ConsumerGroupMetadataValue {epoch}.
struct ConsumerGroupMetadata {
  std::int16_t value_version = 0;
  std::string group;
  std::int32_t epoch = 0;
  TaggedFields tagged_fields;
  bool operator==(const ConsumerGroupMetadata&) const = default;
};
// The consumer group was deleted.
struct ConsumerGroupMetadataTombstone {
  std::string group;
  bool operator==(const ConsumerGroupMetadataTombstone&) const = default;
};

struct PartitionRacks {
  std::int32_t partition = 0;
  std::vector<std::string> racks;
  TaggedFields tagged_fields;
  bool operator==(const PartitionRacks&) const = default;
};

struct TopicMetadata {
  Uuid topic_id;
  std::string topic_name;
  std::int32_t num_partitions = 0;
  std::vector<PartitionRacks> partition_racks;  // deprecated by Kafka after 4.0; often empty
  TaggedFields tagged_fields;
  bool operator==(const TopicMetadata&) const = default;
};

// Type 4: the subscribed topics' ids, names and partition counts. This is how
// assignments by topic id resolve to topic names. (Kafka 4.1+ no longer writes it.)
struct ConsumerGroupPartitionMetadata {
  std::int16_t value_version = 0;
  std::string group;
  std::vector<TopicMetadata> topics;
  TaggedFields tagged_fields;
  bool operator==(const ConsumerGroupPartitionMetadata&) const = default;
};
struct ConsumerGroupPartitionMetadataTombstone {
  std::string group;
  bool operator==(const ConsumerGroupPartitionMetadataTombstone&) const = default;
};

// Type 5: a member of a consumer group.
struct ConsumerGroupMemberMetadata {
  std::int16_t value_version = 0;
  std::string group;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::string> subscribed_topic_names;
  std::optional<std::string> subscribed_topic_regex;
  std::int32_t rebalance_timeout_ms = -1;
  std::optional<std::string> server_assignor;
  // Tag 0 (ClassicMemberMetadata) is present when the member speaks the classic protocol.
  TaggedFields tagged_fields;
  bool operator==(const ConsumerGroupMemberMetadata&) const = default;
};
// The member left the group.
struct ConsumerGroupMemberMetadataTombstone {
  std::string group;
  std::string member_id;
  bool operator==(const ConsumerGroupMemberMetadataTombstone&) const = default;
};

struct TopicIdPartitions {
  Uuid topic_id;
  std::vector<std::int32_t> partitions;
  TaggedFields tagged_fields;
  bool operator==(const TopicIdPartitions&) const = default;
};

// Type 8: the partitions a member owns now.
struct ConsumerGroupCurrentMemberAssignment {
  std::int16_t value_version = 0;
  std::string group;
  std::string member_id;
  std::int32_t member_epoch = 0;
  std::int32_t previous_member_epoch = 0;
  std::int8_t state = 0;  // Kafka's MemberState: 0 stable, 1 unrevoked partitions,
                          // 2 unreleased partitions, 3 unknown
  std::vector<TopicIdPartitions> assigned_partitions;
  std::vector<TopicIdPartitions> partitions_pending_revocation;
  TaggedFields tagged_fields;
  bool operator==(const ConsumerGroupCurrentMemberAssignment&) const = default;
};
struct ConsumerGroupCurrentMemberAssignmentTombstone {
  std::string group;
  std::string member_id;
  bool operator==(const ConsumerGroupCurrentMemberAssignmentTombstone&) const = default;
};

// Type 16: the topics a regular-expression subscription resolved to.
struct ConsumerGroupRegularExpression {
  std::int16_t value_version = 0;
  std::string group;
  std::string regex;
  std::vector<std::string> topics;
  std::int64_t version = 0;  // the metadata version the regex was resolved at
  std::int64_t timestamp_ms = 0;
  TaggedFields tagged_fields;
  bool operator==(const ConsumerGroupRegularExpression&) const = default;
};
struct ConsumerGroupRegularExpressionTombstone {
  std::string group;
  std::string regex;
  bool operator==(const ConsumerGroupRegularExpressionTombstone&) const = default;
};

// ---- Known types Tributary does not use --------------------------------------

// Target assignments (6, 7), share groups (9-15) and streams groups (17-24): the
// key's group id is read; the value is not.
struct SkippedRecord {
  std::int16_t key_type = 0;
  std::string_view kind;  // "consumer_group_target_assignment", "share_group", "streams_group"
  std::string group;
  bool tombstone = false;
  bool operator==(const SkippedRecord&) const = default;
};

using ConsumerOffsetsRecord =
    std::variant<OffsetCommit, OffsetCommitTombstone, GroupMetadata, GroupMetadataTombstone,
                 ConsumerGroupMetadata, ConsumerGroupMetadataTombstone,
                 ConsumerGroupPartitionMetadata, ConsumerGroupPartitionMetadataTombstone,
                 ConsumerGroupMemberMetadata, ConsumerGroupMemberMetadataTombstone,
                 ConsumerGroupCurrentMemberAssignment,
                 ConsumerGroupCurrentMemberAssignmentTombstone, ConsumerGroupRegularExpression,
                 ConsumerGroupRegularExpressionTombstone, SkippedRecord>;

// ---- Encoder-only records ----------------------------------------------------
// Written by the encoder (tests, the demo simulator) so a simulated estate carries
// every record type a broker writes; the decoder reads them as SkippedRecord.

// Type 6: ConsumerGroupTargetAssignmentMetadataValue {AssignmentEpoch}.
struct ConsumerGroupTargetAssignmentMetadata {
  std::int16_t value_version = 0;
  std::string group;
  std::int32_t assignment_epoch = 0;
  TaggedFields tagged_fields;
  bool operator==(const ConsumerGroupTargetAssignmentMetadata&) const = default;
};

// Type 7: ConsumerGroupTargetAssignmentMemberValue {TopicPartitions}.
struct ConsumerGroupTargetAssignmentMember {
  std::int16_t value_version = 0;
  std::string group;
  std::string member_id;
  std::vector<TopicIdPartitions> topic_partitions;
  TaggedFields tagged_fields;
  bool operator==(const ConsumerGroupTargetAssignmentMember&) const = default;
};

}  // namespace tributary::ingest::consumer_offsets
