#include "ingest/consumer_offsets/consumer_offsets_decoder.h"

#include <algorithm>
#include <string>
#include <utility>

#include "ingest/consumer_offsets/kafka_wire.h"

namespace tributary::ingest::consumer_offsets {

namespace {

using wire::WireReader;

// The newest value versions this decoder knows (see README.md).

// A value's version and the layout it is read with.
struct Version {
  std::int16_t wire = 0;    // as written
  std::int16_t layout = 0;  // min(wire, newest known)
  bool newer() const { return wire != layout; }
};

std::string Prefix(std::string_view type, std::int16_t version) {
  return std::string(type) + " v" + std::to_string(version) + ": ";
}

Status Failed(std::string_view type, std::int16_t version, const WireReader& r) {
  return InvalidArgument(Prefix(type, version) + r.error());
}

// Reads the INT16 version that starts a value (or a ConsumerProtocol message).
Result<Version> ReadVersion(WireReader& r, std::string_view type, std::int16_t newest) {
  std::int16_t v = 0;
  if (!r.Int16(v, "version")) {
    return InvalidArgument(std::string(type) + ": " + r.error());
  }
  if (v < 0) {
    return InvalidArgument(std::string(type) + ": negative version " + std::to_string(v));
  }
  return Version{v, std::min(v, newest)};
}

// A known version must end where its last field ends; a newer one may carry
// more (README.md).
Status Finish(WireReader& r, std::string_view type, const Version& version) {
  if (!r.ok()) {
    return Failed(type, version.wire, r);
  }
  if (!version.newer() && !r.at_end()) {
    return InvalidArgument(Prefix(type, version.wire) + std::to_string(r.remaining()) +
                           " trailing bytes after the last field (offset " +
                           std::to_string(r.offset()) + ")");
  }
  return Status::Ok();
}

// ---- Keys --------------------------------------------------------------------

// Reads the rest of a key; all fields are non-flexible STRING / INT32.
Status FinishKey(WireReader& r, std::string_view type) {
  if (!r.ok()) {
    return InvalidArgument(std::string(type) + ": " + r.error());
  }
  if (!r.at_end()) {
    return InvalidArgument(std::string(type) + ": " + std::to_string(r.remaining()) +
                           " trailing bytes after the last field (offset " +
                           std::to_string(r.offset()) + ")");
  }
  return Status::Ok();
}

// ---- ConsumerProtocol ----------------------------------------------------------

void ReadTopicPartitionsArray(WireReader& r, std::vector<TopicPartitions>& out, const char* field) {
  std::size_t count = 0;
  // topic STRING (2) + partitions ARRAY (4)
  if (!r.ArrayCount(count, false, 6, field)) {
    return;
  }
  out.reserve(count);
  for (std::size_t i = 0; i < count && r.ok(); ++i) {
    TopicPartitions& tp = out.emplace_back();
    r.String(tp.topic, false, "topic");
    r.Int32Array(tp.partitions, false, "partitions");
  }
}

// ---- Values --------------------------------------------------------------------

Status ReadOffsetCommitValue(WireReader& r, OffsetCommit& rec) {
  constexpr std::string_view kType = "OffsetCommitValue";
  auto version = ReadVersion(r, kType, kNewestOffsetCommitValue);
  if (!version.ok()) {
    return version.status();
  }
  const std::int16_t v = version->layout;
  const bool flexible = v >= 4;
  rec.value_version = version->wire;
  r.Int64(rec.offset, "offset");
  if (v >= 3) {
    r.Int32(rec.leader_epoch, "leader_epoch");
  }
  r.String(rec.metadata, flexible, "metadata");
  r.Int64(rec.commit_timestamp_ms, "commit_timestamp");
  if (v == 1) {
    r.Int64(rec.expire_timestamp_ms, "expire_timestamp");
  }
  if (flexible) {
    r.ReadTaggedFields(rec.tagged_fields, "tagged_fields");
  }
  return Finish(r, kType, *version);
}

Status ParseConsumerMember(std::string_view group, GroupMember& member, std::int16_t version) {
  if (!member.subscription_bytes.empty()) {
    auto sub = DecodeSubscription(member.subscription_bytes);
    if (!sub.ok()) {
      return InvalidArgument(Prefix("GroupMetadataValue", version) + "group '" +
                             std::string(group) + "' member '" + member.member_id +
                             "' subscription: " + sub.status().message());
    }
    member.subscription = std::move(sub).value();
    member.subscription_bytes.clear();
  }
  if (!member.assignment_bytes.empty()) {
    auto asg = DecodeAssignment(member.assignment_bytes);
    if (!asg.ok()) {
      return InvalidArgument(Prefix("GroupMetadataValue", version) + "group '" +
                             std::string(group) + "' member '" + member.member_id +
                             "' assignment: " + asg.status().message());
    }
    member.assignment = std::move(asg).value();
    member.assignment_bytes.clear();
  }
  return Status::Ok();
}

Status ReadGroupMetadataValue(WireReader& r, GroupMetadata& rec) {
  constexpr std::string_view kType = "GroupMetadataValue";
  auto version = ReadVersion(r, kType, kNewestGroupMetadataValue);
  if (!version.ok()) {
    return version.status();
  }
  const std::int16_t v = version->layout;
  const bool flexible = v >= 4;
  rec.value_version = version->wire;
  r.String(rec.protocol_type, flexible, "protocol_type");
  r.Int32(rec.generation, "generation");
  r.NullableString(rec.protocol, flexible, "protocol");
  r.NullableString(rec.leader, flexible, "leader");
  if (v >= 2) {
    r.Int64(rec.current_state_timestamp_ms, "current_state_timestamp");
  }
  std::size_t count = 0;
  // The smallest member: three strings, session timeout, two byte arrays
  // (+ tagged fields when flexible).
  if (r.ArrayCount(count, flexible, flexible ? 10 : 18, "members")) {
    rec.members.reserve(count);
    for (std::size_t i = 0; i < count && r.ok(); ++i) {
      GroupMember& m = rec.members.emplace_back();
      r.String(m.member_id, flexible, "member_id");
      if (v >= 3) {
        r.NullableString(m.group_instance_id, flexible, "group_instance_id");
      }
      r.String(m.client_id, flexible, "client_id");
      r.String(m.client_host, flexible, "client_host");
      if (v >= 1) {
        r.Int32(m.rebalance_timeout_ms, "rebalance_timeout");
      }
      r.Int32(m.session_timeout_ms, "session_timeout");
      r.Bytes(m.subscription_bytes, flexible, "subscription");
      r.Bytes(m.assignment_bytes, flexible, "assignment");
      if (flexible) {
        r.ReadTaggedFields(m.tagged_fields, "member_tagged_fields");
      }
    }
  }
  if (flexible) {
    r.ReadTaggedFields(rec.tagged_fields, "tagged_fields");
  }
  if (Status s = Finish(r, kType, *version); !s.ok()) {
    return s;
  }
  if (rec.protocol_type == "consumer") {
    for (GroupMember& m : rec.members) {
      if (Status s = ParseConsumerMember(rec.group, m, version->wire); !s.ok()) {
        return s;
      }
    }
  }
  return Status::Ok();
}

Status ReadConsumerGroupMetadataValue(WireReader& r, ConsumerGroupMetadata& rec) {
  constexpr std::string_view kType = "ConsumerGroupMetadataValue";
  auto version = ReadVersion(r, kType, kNewestConsumerGroupValue);
  if (!version.ok()) {
    return version.status();
  }
  rec.value_version = version->wire;
  r.Int32(rec.epoch, "epoch");
  r.ReadTaggedFields(rec.tagged_fields, "tagged_fields");
  return Finish(r, kType, *version);
}

Status ReadConsumerGroupPartitionMetadataValue(WireReader& r, ConsumerGroupPartitionMetadata& rec) {
  constexpr std::string_view kType = "ConsumerGroupPartitionMetadataValue";
  auto version = ReadVersion(r, kType, kNewestConsumerGroupValue);
  if (!version.ok()) {
    return version.status();
  }
  rec.value_version = version->wire;
  std::size_t count = 0;
  // uuid 16 + name 1 + num_partitions 4 + racks array 1 + tagged fields 1
  if (r.ArrayCount(count, true, 23, "topics")) {
    rec.topics.reserve(count);
    for (std::size_t i = 0; i < count && r.ok(); ++i) {
      TopicMetadata& t = rec.topics.emplace_back();
      r.ReadUuid(t.topic_id, "topic_id");
      r.String(t.topic_name, true, "topic_name");
      r.Int32(t.num_partitions, "num_partitions");
      std::size_t racks = 0;
      // partition 4 + racks array 1 + tagged fields 1
      if (r.ArrayCount(racks, true, 6, "partition_metadata")) {
        t.partition_racks.reserve(racks);
        for (std::size_t j = 0; j < racks && r.ok(); ++j) {
          PartitionRacks& p = t.partition_racks.emplace_back();
          r.Int32(p.partition, "partition");
          r.StringArray(p.racks, true, "racks");
          r.ReadTaggedFields(p.tagged_fields, "partition_metadata_tagged_fields");
        }
      }
      r.ReadTaggedFields(t.tagged_fields, "topic_tagged_fields");
    }
  }
  r.ReadTaggedFields(rec.tagged_fields, "tagged_fields");
  return Finish(r, kType, *version);
}

Status ReadConsumerGroupMemberMetadataValue(WireReader& r, ConsumerGroupMemberMetadata& rec) {
  constexpr std::string_view kType = "ConsumerGroupMemberMetadataValue";
  auto version = ReadVersion(r, kType, kNewestConsumerGroupValue);
  if (!version.ok()) {
    return version.status();
  }
  rec.value_version = version->wire;
  r.NullableString(rec.instance_id, true, "instance_id");
  r.NullableString(rec.rack_id, true, "rack_id");
  r.String(rec.client_id, true, "client_id");
  r.String(rec.client_host, true, "client_host");
  r.StringArray(rec.subscribed_topic_names, true, "subscribed_topic_names");
  r.NullableString(rec.subscribed_topic_regex, true, "subscribed_topic_regex");
  r.Int32(rec.rebalance_timeout_ms, "rebalance_timeout_ms");
  r.NullableString(rec.server_assignor, true, "server_assignor");
  r.ReadTaggedFields(rec.tagged_fields, "tagged_fields");
  return Finish(r, kType, *version);
}

void ReadTopicIdPartitionsArray(WireReader& r, std::vector<TopicIdPartitions>& out,
                                const char* field) {
  std::size_t count = 0;
  // uuid 16 + partitions array 1 + tagged fields 1
  if (!r.ArrayCount(count, true, 18, field)) {
    return;
  }
  out.reserve(count);
  for (std::size_t i = 0; i < count && r.ok(); ++i) {
    TopicIdPartitions& tp = out.emplace_back();
    r.ReadUuid(tp.topic_id, "topic_id");
    r.Int32Array(tp.partitions, true, "partitions");
    r.ReadTaggedFields(tp.tagged_fields, "topic_partitions_tagged_fields");
  }
}

Status ReadConsumerGroupCurrentMemberAssignmentValue(WireReader& r,
                                                     ConsumerGroupCurrentMemberAssignment& rec) {
  constexpr std::string_view kType = "ConsumerGroupCurrentMemberAssignmentValue";
  auto version = ReadVersion(r, kType, kNewestConsumerGroupValue);
  if (!version.ok()) {
    return version.status();
  }
  rec.value_version = version->wire;
  r.Int32(rec.member_epoch, "member_epoch");
  r.Int32(rec.previous_member_epoch, "previous_member_epoch");
  r.Int8(rec.state, "state");
  ReadTopicIdPartitionsArray(r, rec.assigned_partitions, "assigned_partitions");
  ReadTopicIdPartitionsArray(r, rec.partitions_pending_revocation, "partitions_pending_revocation");
  r.ReadTaggedFields(rec.tagged_fields, "tagged_fields");
  return Finish(r, kType, *version);
}

Status ReadConsumerGroupRegularExpressionValue(WireReader& r, ConsumerGroupRegularExpression& rec) {
  constexpr std::string_view kType = "ConsumerGroupRegularExpressionValue";
  auto version = ReadVersion(r, kType, kNewestConsumerGroupValue);
  if (!version.ok()) {
    return version.status();
  }
  rec.value_version = version->wire;
  r.StringArray(rec.topics, true, "topics");
  r.Int64(rec.version, "version");
  r.Int64(rec.timestamp_ms, "timestamp");
  r.ReadTaggedFields(rec.tagged_fields, "tagged_fields");
  return Finish(r, kType, *version);
}

// ---- Record types ---------------------------------------------------------------

std::string_view SkippedKind(std::int16_t type) {
  if (type == 6 || type == 7) {
    return "consumer_group_target_assignment";
  }
  if (type >= 9 && type <= 15) {
    return "share_group";
  }
  if (type >= 17 && type <= 24) {
    return "streams_group";
  }
  return {};
}

// Decodes a value into `rec` after its key has been read, or makes a tombstone.
template <typename Value, typename MakeTombstone, typename ReadValue>
Result<ConsumerOffsetsRecord> ValueOrTombstone(std::optional<std::string_view> value, Value& rec,
                                               MakeTombstone make_tombstone, ReadValue read) {
  if (!value) {
    return ConsumerOffsetsRecord(make_tombstone());
  }
  WireReader r(*value);
  if (Status s = read(r, rec); !s.ok()) {
    return s;
  }
  return ConsumerOffsetsRecord(std::move(rec));
}

}  // namespace

Result<ConsumerSubscription> DecodeSubscription(std::string_view bytes) {
  constexpr std::string_view kType = "ConsumerProtocolSubscription";
  WireReader r(bytes);
  auto version = ReadVersion(r, kType, kNewestConsumerProtocol);
  if (!version.ok()) {
    return version.status();
  }
  const std::int16_t v = version->layout;
  ConsumerSubscription sub;
  sub.version = version->wire;
  r.StringArray(sub.topics, false, "topics");
  r.NullableBytes(sub.user_data, false, "user_data");
  if (v >= 1) {
    ReadTopicPartitionsArray(r, sub.owned_partitions, "owned_partitions");
  }
  if (v >= 2) {
    r.Int32(sub.generation_id, "generation_id");
  }
  if (v >= 3) {
    r.NullableString(sub.rack_id, false, "rack_id");
  }
  if (Status s = Finish(r, kType, *version); !s.ok()) {
    return s;
  }
  return sub;
}

Result<ConsumerAssignment> DecodeAssignment(std::string_view bytes) {
  constexpr std::string_view kType = "ConsumerProtocolAssignment";
  WireReader r(bytes);
  auto version = ReadVersion(r, kType, kNewestConsumerProtocol);
  if (!version.ok()) {
    return version.status();
  }
  ConsumerAssignment asg;
  asg.version = version->wire;
  ReadTopicPartitionsArray(r, asg.assigned_partitions, "assigned_partitions");
  r.NullableBytes(asg.user_data, false, "user_data");
  if (Status s = Finish(r, kType, *version); !s.ok()) {
    return s;
  }
  return asg;
}

std::optional<OffsetCommitView> PeekOffsetCommit(std::string_view key, std::string_view value) {
  OffsetCommitView out;
  WireReader k(key);
  std::int16_t type = 0;
  if (!k.Int16(type, "type") || (type != 0 && type != 1) ||
      !k.StringView(out.group, false, "group") || !k.StringView(out.topic, false, "topic") ||
      !k.Int32(out.partition, "partition") || !k.at_end()) {
    return std::nullopt;
  }
  WireReader v(value);
  std::int16_t version = 0;
  std::int32_t leader_epoch = 0;
  std::int64_t expire = 0;
  std::string_view metadata;
  if (!v.Int16(version, "version") || version < 0 || version > 3 ||
      !v.Int64(out.offset, "offset") || (version >= 3 && !v.Int32(leader_epoch, "leader_epoch")) ||
      !v.StringView(metadata, false, "metadata") ||
      !v.Int64(out.commit_timestamp_ms, "commit_timestamp") ||
      (version == 1 && !v.Int64(expire, "expire_timestamp")) || !v.at_end()) {
    return std::nullopt;
  }
  return out;
}

Result<ConsumerOffsetsRecord> Decode(std::optional<std::string_view> key,
                                     std::optional<std::string_view> value) {
  if (!key) {
    return InvalidArgument("__consumer_offsets record without a key");
  }
  WireReader r(*key);
  std::int16_t type = 0;
  if (!r.Int16(type, "type")) {
    return InvalidArgument("record key: " + r.error());
  }

  switch (type) {
    case 0:
    case 1: {
      constexpr std::string_view kType = "OffsetCommitKey";
      OffsetCommit rec;
      rec.key_version = type;
      r.String(rec.group, false, "group");
      r.String(rec.topic, false, "topic");
      r.Int32(rec.partition, "partition");
      if (Status s = FinishKey(r, kType); !s.ok()) {
        return s;
      }
      if (!value) {
        return ConsumerOffsetsRecord(
            OffsetCommitTombstone{type, std::move(rec.group), std::move(rec.topic), rec.partition});
      }
      WireReader vr(*value);
      if (Status s = ReadOffsetCommitValue(vr, rec); !s.ok()) {
        return s;
      }
      return ConsumerOffsetsRecord(std::move(rec));
    }
    case 2: {
      GroupMetadata rec;
      r.String(rec.group, false, "group");
      if (Status s = FinishKey(r, "GroupMetadataKey"); !s.ok()) {
        return s;
      }
      return ValueOrTombstone(
          value, rec, [&] { return GroupMetadataTombstone{std::move(rec.group)}; },
          ReadGroupMetadataValue);
    }
    case 3: {
      ConsumerGroupMetadata rec;
      r.String(rec.group, false, "group_id");
      if (Status s = FinishKey(r, "ConsumerGroupMetadataKey"); !s.ok()) {
        return s;
      }
      return ValueOrTombstone(
          value, rec, [&] { return ConsumerGroupMetadataTombstone{std::move(rec.group)}; },
          ReadConsumerGroupMetadataValue);
    }
    case 4: {
      ConsumerGroupPartitionMetadata rec;
      r.String(rec.group, false, "group_id");
      if (Status s = FinishKey(r, "ConsumerGroupPartitionMetadataKey"); !s.ok()) {
        return s;
      }
      return ValueOrTombstone(
          value, rec, [&] { return ConsumerGroupPartitionMetadataTombstone{std::move(rec.group)}; },
          ReadConsumerGroupPartitionMetadataValue);
    }
    case 5: {
      ConsumerGroupMemberMetadata rec;
      r.String(rec.group, false, "group_id");
      r.String(rec.member_id, false, "member_id");
      if (Status s = FinishKey(r, "ConsumerGroupMemberMetadataKey"); !s.ok()) {
        return s;
      }
      return ValueOrTombstone(
          value, rec,
          [&] {
            return ConsumerGroupMemberMetadataTombstone{std::move(rec.group),
                                                        std::move(rec.member_id)};
          },
          ReadConsumerGroupMemberMetadataValue);
    }
    case 8: {
      ConsumerGroupCurrentMemberAssignment rec;
      r.String(rec.group, false, "group_id");
      r.String(rec.member_id, false, "member_id");
      if (Status s = FinishKey(r, "ConsumerGroupCurrentMemberAssignmentKey"); !s.ok()) {
        return s;
      }
      return ValueOrTombstone(
          value, rec,
          [&] {
            return ConsumerGroupCurrentMemberAssignmentTombstone{std::move(rec.group),
                                                                 std::move(rec.member_id)};
          },
          ReadConsumerGroupCurrentMemberAssignmentValue);
    }
    case 16: {
      ConsumerGroupRegularExpression rec;
      r.String(rec.group, false, "group_id");
      r.String(rec.regex, false, "regular_expression");
      if (Status s = FinishKey(r, "ConsumerGroupRegularExpressionKey"); !s.ok()) {
        return s;
      }
      return ValueOrTombstone(
          value, rec,
          [&] {
            return ConsumerGroupRegularExpressionTombstone{std::move(rec.group),
                                                           std::move(rec.regex)};
          },
          ReadConsumerGroupRegularExpressionValue);
    }
    default:
      break;
  }

  const std::string_view kind = SkippedKind(type);
  if (kind.empty()) {
    return InvalidArgument("unknown __consumer_offsets record type " + std::to_string(type));
  }
  // Every key of these types starts with the group id; the rest is not read.
  SkippedRecord skipped{type, kind, {}, !value.has_value()};
  if (!r.String(skipped.group, false, "group_id")) {
    return InvalidArgument("record type " + std::to_string(type) + " (" + std::string(kind) +
                           ") key: " + r.error());
  }
  return ConsumerOffsetsRecord(std::move(skipped));
}

}  // namespace tributary::ingest::consumer_offsets
