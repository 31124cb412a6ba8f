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

// `key` and `value` are the record's key and value; nullopt is a null value
// (a tombstone), which is different from an empty one.
Result<ConsumerOffsetsRecord> Decode(std::optional<std::string_view> key,
                                     std::optional<std::string_view> value);

// The ConsumerProtocol embedded in GroupMetadata members of protocol type
// "consumer": INT16 version + body. Versions newer than 3 are read as 3.
Result<ConsumerSubscription> DecodeSubscription(std::string_view bytes);
Result<ConsumerAssignment> DecodeAssignment(std::string_view bytes);

}  // namespace tributary::ingest::consumer_offsets
