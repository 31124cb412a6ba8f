#pragma once
// Encodes typed __consumer_offsets records into the exact key and value bytes a
// Kafka broker's group coordinator writes for them. Used by tests, by the demo
// simulator and by benchmarks. Pure functions, safe from any thread.
//
// The wire version written is the record's version field. A version newer than
// the newest known is written with that version number and the newest known
// layout (which is how the decoder reads it back). Tagged fields kept in a
// record are written back as they are.
//
// REQUIRES (not checked in release builds): versions are not negative, and a
// string written in a non-flexible version is at most 32767 bytes.

#include <optional>
#include <string>

#include "ingest/consumer_offsets/consumer_offsets_records.h"
#include "tributary/result.h"

namespace tributary::ingest::consumer_offsets {

struct EncodedRecord {
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone (null value)
  bool operator==(const EncodedRecord&) const = default;
};

EncodedRecord Encode(const OffsetCommit& record);
EncodedRecord Encode(const OffsetCommitTombstone& record);
EncodedRecord Encode(const GroupMetadata& record);
EncodedRecord Encode(const GroupMetadataTombstone& record);
EncodedRecord Encode(const ConsumerGroupMetadata& record);
EncodedRecord Encode(const ConsumerGroupMetadataTombstone& record);
EncodedRecord Encode(const ConsumerGroupPartitionMetadata& record);
EncodedRecord Encode(const ConsumerGroupPartitionMetadataTombstone& record);
EncodedRecord Encode(const ConsumerGroupMemberMetadata& record);
EncodedRecord Encode(const ConsumerGroupMemberMetadataTombstone& record);
EncodedRecord Encode(const ConsumerGroupCurrentMemberAssignment& record);
EncodedRecord Encode(const ConsumerGroupCurrentMemberAssignmentTombstone& record);
EncodedRecord Encode(const ConsumerGroupRegularExpression& record);
EncodedRecord Encode(const ConsumerGroupRegularExpressionTombstone& record);
EncodedRecord Encode(const ConsumerGroupTargetAssignmentMetadata& record);
EncodedRecord Encode(const ConsumerGroupTargetAssignmentMember& record);

// Any decoded record; a SkippedRecord has no body to write and is an
// InvalidArgument.
Result<EncodedRecord> EncodeRecord(const ConsumerOffsetsRecord& record);

// The ConsumerProtocol bytes of a GroupMetadata member. A GroupMember with a
// `subscription` / `assignment` is written with these; without, its raw
// `subscription_bytes` / `assignment_bytes` are written as they are.
std::string EncodeSubscription(const ConsumerSubscription& subscription);
std::string EncodeAssignment(const ConsumerAssignment& assignment);

}  // namespace tributary::ingest::consumer_offsets
