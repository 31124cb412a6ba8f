#pragma once
// Decodes one __consumer_offsets record (key and value bytes as they come from
// the topic) into a typed ConsumerOffsetsRecord. Pure functions: no state, no
// I/O, safe to call from any thread. The result owns its data; the input may be
// released as soon as a call returns.
//
// Every failure is an InvalidArgument whose message is one line naming the record
// type, its version when known, the field and the byte offset, e.g.
//   "OffsetCommitValue v3: truncated at field commit_timestamp (offset 18)".
// Malformed input never reads out of bounds and never allocates more than the
// input could hold. See README.md for the version rules.

#include <optional>
#include <string_view>

#include "ingest/consumer_offsets/consumer_offsets_records.h"
#include "tributary/result.h"

namespace tributary::ingest::consumer_offsets {

// The fields of a plain offset commit (key v0/v1, value v0-v3), read in place:
// the views point into the record's bytes. The hot path of the translator;
// anything else (other record types, flexible versions, malformed bytes) is
// nullopt and goes through Decode(), which also explains what is wrong.
struct OffsetCommitView {
  std::string_view group;
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t commit_timestamp_ms = 0;
};
std::optional<OffsetCommitView> PeekOffsetCommit(std::string_view key, std::string_view value);

// `key` and `value` are the record's key and value; nullopt is a null value
// (a tombstone), which is different from an empty one.
Result<ConsumerOffsetsRecord> Decode(std::optional<std::string_view> key,
                                     std::optional<std::string_view> value);

// The ConsumerProtocol embedded in GroupMetadata members of protocol type
// "consumer": INT16 version + body. Versions newer than 3 are read as 3.
Result<ConsumerSubscription> DecodeSubscription(std::string_view bytes);
Result<ConsumerAssignment> DecodeAssignment(std::string_view bytes);

}  // namespace tributary::ingest::consumer_offsets
