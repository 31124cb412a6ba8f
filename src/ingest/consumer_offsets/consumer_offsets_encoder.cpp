#include "ingest/consumer_offsets/consumer_offsets_encoder.h"

#include <algorithm>
#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "ingest/consumer_offsets/kafka_wire.h"

namespace tributary::ingest::consumer_offsets {

namespace {

using wire::WireWriter;

// The layout a (possibly newer) version is written with.
std::int16_t Layout(std::int16_t version, std::int16_t newest) {
  assert(version >= 0 && "a record version is never negative");
  return std::clamp<std::int16_t>(version, 0, newest);
}

// Key: INT16 type + fields, all non-flexible.
std::string GroupKey(RecordType type, std::string_view group) {
  std::string key;
  WireWriter w(key);
  w.Int16(static_cast<std::int16_t>(type));
  w.String(group, false);
  return key;
}

std::string GroupMemberKey(RecordType type, std::string_view group, std::string_view second) {
  std::string key = GroupKey(type, group);
  WireWriter(key).String(second, false);
  return key;
}

std::string OffsetCommitKey(std::int16_t key_version, std::string_view group,
                            std::string_view topic, std::int32_t partition) {
  std::string key;
  key.reserve(10 + group.size() + topic.size());
  WireWriter w(key);
  w.Int16(key_version);
  w.String(group, false);
  w.String(topic, false);
  w.Int32(partition);
  return key;
}

void WriteTopicPartitions(WireWriter& w, const std::vector<TopicPartitions>& list) {
  w.ArrayCount(list.size(), false);
  for (const TopicPartitions& tp : list) {
    w.String(tp.topic, false);
    w.Int32Array(tp.partitions, false);
  }
}

void WriteTopicIdPartitions(WireWriter& w, const std::vector<TopicIdPartitions>& list) {
  w.ArrayCount(list.size(), true);
  for (const TopicIdPartitions& tp : list) {
    w.WriteUuid(tp.topic_id);
    w.Int32Array(tp.partitions, true);
    w.WriteTaggedFields(tp.tagged_fields);
  }
}

}  // namespace

std::string EncodeSubscription(const ConsumerSubscription& sub) {
  const std::int16_t v = Layout(sub.version, kNewestConsumerProtocol);
  std::string out;
  WireWriter w(out);
  w.Int16(sub.version);
  w.StringArray(sub.topics, false);
  w.NullableBytes(sub.user_data, false);
  if (v >= 1) {
    WriteTopicPartitions(w, sub.owned_partitions);
  }
  if (v >= 2) {
    w.Int32(sub.generation_id);
  }
  if (v >= 3) {
    w.NullableString(sub.rack_id, false);
  }
  return out;
}

std::string EncodeAssignment(const ConsumerAssignment& asg) {
  std::string out;
  WireWriter w(out);
  w.Int16(asg.version);
  WriteTopicPartitions(w, asg.assigned_partitions);
  w.NullableBytes(asg.user_data, false);
  return out;
}

EncodedRecord Encode(const OffsetCommit& rec) {
  EncodedRecord out;
  out.key = OffsetCommitKey(rec.key_version, rec.group, rec.topic, rec.partition);
  const std::int16_t v = Layout(rec.value_version, kNewestOffsetCommitValue);
  const bool flexible = v >= 4;
  std::string& value = out.value.emplace();
  value.reserve(32 + rec.metadata.size());
  WireWriter w(value);
  w.Int16(rec.value_version);
  w.Int64(rec.offset);
  if (v >= 3) {
    w.Int32(rec.leader_epoch);
  }
  w.String(rec.metadata, flexible);
  w.Int64(rec.commit_timestamp_ms);
  if (v == 1) {
    w.Int64(rec.expire_timestamp_ms);
  }
  if (flexible) {
    w.WriteTaggedFields(rec.tagged_fields);
  }
  return out;
}

EncodedRecord Encode(const OffsetCommitTombstone& rec) {
  return {OffsetCommitKey(rec.key_version, rec.group, rec.topic, rec.partition), std::nullopt};
}

EncodedRecord Encode(const GroupMetadata& rec) {
  EncodedRecord out;
  out.key = GroupKey(RecordType::kGroupMetadata, rec.group);
  const std::int16_t v = Layout(rec.value_version, kNewestGroupMetadataValue);
  const bool flexible = v >= 4;
  WireWriter w(out.value.emplace());
  w.Int16(rec.value_version);
  w.String(rec.protocol_type, flexible);
  w.Int32(rec.generation);
  w.NullableString(rec.protocol, flexible);
  w.NullableString(rec.leader, flexible);
  if (v >= 2) {
    w.Int64(rec.current_state_timestamp_ms);
  }
  w.ArrayCount(rec.members.size(), flexible);
  for (const GroupMember& m : rec.members) {
    w.String(m.member_id, flexible);
    if (v >= 3) {
      w.NullableString(m.group_instance_id, flexible);
    }
    w.String(m.client_id, flexible);
    w.String(m.client_host, flexible);
    if (v >= 1) {
      w.Int32(m.rebalance_timeout_ms);
    }
    w.Int32(m.session_timeout_ms);
    w.Bytes(m.subscription ? EncodeSubscription(*m.subscription) : m.subscription_bytes, flexible);
    w.Bytes(m.assignment ? EncodeAssignment(*m.assignment) : m.assignment_bytes, flexible);
    if (flexible) {
      w.WriteTaggedFields(m.tagged_fields);
    }
  }
  if (flexible) {
    w.WriteTaggedFields(rec.tagged_fields);
  }
  return out;
}

EncodedRecord Encode(const GroupMetadataTombstone& rec) {
  return {GroupKey(RecordType::kGroupMetadata, rec.group), std::nullopt};
}

EncodedRecord Encode(const ConsumerGroupMetadata& rec) {
  EncodedRecord out{GroupKey(RecordType::kConsumerGroupMetadata, rec.group), std::string()};
  WireWriter w(*out.value);
  w.Int16(rec.value_version);
  w.Int32(rec.epoch);
  w.WriteTaggedFields(rec.tagged_fields);
  return out;
}

EncodedRecord Encode(const ConsumerGroupMetadataTombstone& rec) {
  return {GroupKey(RecordType::kConsumerGroupMetadata, rec.group), std::nullopt};
}

EncodedRecord Encode(const ConsumerGroupPartitionMetadata& rec) {
  EncodedRecord out{GroupKey(RecordType::kConsumerGroupPartitionMetadata, rec.group),
                    std::string()};
  WireWriter w(*out.value);
  w.Int16(rec.value_version);
  w.ArrayCount(rec.topics.size(), true);
  for (const TopicMetadata& t : rec.topics) {
    w.WriteUuid(t.topic_id);
    w.String(t.topic_name, true);
    w.Int32(t.num_partitions);
    w.ArrayCount(t.partition_racks.size(), true);
    for (const PartitionRacks& p : t.partition_racks) {
      w.Int32(p.partition);
      w.StringArray(p.racks, true);
      w.WriteTaggedFields(p.tagged_fields);
    }
    w.WriteTaggedFields(t.tagged_fields);
  }
  w.WriteTaggedFields(rec.tagged_fields);
  return out;
}

EncodedRecord Encode(const ConsumerGroupPartitionMetadataTombstone& rec) {
  return {GroupKey(RecordType::kConsumerGroupPartitionMetadata, rec.group), std::nullopt};
}

EncodedRecord Encode(const ConsumerGroupMemberMetadata& rec) {
  EncodedRecord out{
      GroupMemberKey(RecordType::kConsumerGroupMemberMetadata, rec.group, rec.member_id),
      std::string()};
  WireWriter w(*out.value);
  w.Int16(rec.value_version);
  w.NullableString(rec.instance_id, true);
  w.NullableString(rec.rack_id, true);
  w.String(rec.client_id, true);
  w.String(rec.client_host, true);
  w.StringArray(rec.subscribed_topic_names, true);
  w.NullableString(rec.subscribed_topic_regex, true);
  w.Int32(rec.rebalance_timeout_ms);
  w.NullableString(rec.server_assignor, true);
  w.WriteTaggedFields(rec.tagged_fields);
  return out;
}

EncodedRecord Encode(const ConsumerGroupMemberMetadataTombstone& rec) {
  return {GroupMemberKey(RecordType::kConsumerGroupMemberMetadata, rec.group, rec.member_id),
          std::nullopt};
}

EncodedRecord Encode(const ConsumerGroupCurrentMemberAssignment& rec) {
  EncodedRecord out{
      GroupMemberKey(RecordType::kConsumerGroupCurrentMemberAssignment, rec.group, rec.member_id),
      std::string()};
  WireWriter w(*out.value);
  w.Int16(rec.value_version);
  w.Int32(rec.member_epoch);
  w.Int32(rec.previous_member_epoch);
  w.Int8(rec.state);
  WriteTopicIdPartitions(w, rec.assigned_partitions);
  WriteTopicIdPartitions(w, rec.partitions_pending_revocation);
  w.WriteTaggedFields(rec.tagged_fields);
  return out;
}

EncodedRecord Encode(const ConsumerGroupCurrentMemberAssignmentTombstone& rec) {
  return {
      GroupMemberKey(RecordType::kConsumerGroupCurrentMemberAssignment, rec.group, rec.member_id),
      std::nullopt};
}

EncodedRecord Encode(const ConsumerGroupRegularExpression& rec) {
  EncodedRecord out{
      GroupMemberKey(RecordType::kConsumerGroupRegularExpression, rec.group, rec.regex),
      std::string()};
  WireWriter w(*out.value);
  w.Int16(rec.value_version);
  w.StringArray(rec.topics, true);
  w.Int64(rec.version);
  w.Int64(rec.timestamp_ms);
  w.WriteTaggedFields(rec.tagged_fields);
  return out;
}

EncodedRecord Encode(const ConsumerGroupRegularExpressionTombstone& rec) {
  return {GroupMemberKey(RecordType::kConsumerGroupRegularExpression, rec.group, rec.regex),
          std::nullopt};
}

EncodedRecord Encode(const ConsumerGroupTargetAssignmentMetadata& rec) {
  EncodedRecord out{GroupKey(RecordType::kConsumerGroupTargetAssignmentMetadata, rec.group),
                    std::string()};
  WireWriter w(*out.value);
  w.Int16(rec.value_version);
  w.Int32(rec.assignment_epoch);
  w.WriteTaggedFields(rec.tagged_fields);
  return out;
}

EncodedRecord Encode(const ConsumerGroupTargetAssignmentMember& rec) {
  EncodedRecord out{
      GroupMemberKey(RecordType::kConsumerGroupTargetAssignmentMember, rec.group, rec.member_id),
      std::string()};
  WireWriter w(*out.value);
  w.Int16(rec.value_version);
  WriteTopicIdPartitions(w, rec.topic_partitions);
  w.WriteTaggedFields(rec.tagged_fields);
  return out;
}

Result<EncodedRecord> EncodeRecord(const ConsumerOffsetsRecord& record) {
  return std::visit(
      [](const auto& rec) -> Result<EncodedRecord> {
        using T = std::decay_t<decltype(rec)>;
        if constexpr (std::is_same_v<T, SkippedRecord>) {
          return InvalidArgument("a skipped record (type " + std::to_string(rec.key_type) + ", " +
                                 std::string(rec.kind) + ") has no body to encode");
        } else {
          return Encode(rec);
        }
      },
      record);
}

}  // namespace tributary::ingest::consumer_offsets
