#pragma once
// The wire form of a committed Batch for the replicated event log (DESIGN.md §8).
//
// With [replication] the leader appends every batch it committed to the events
// topic, and each replica decodes it and applies it to its own SQLite copy, so the
// two sides must agree on every field: what the leader committed is what every
// replica stores, recorded_at included.
//
// The form is one MessagePack array (src/core/msgpack.h):
//   [1 (format version), recorded_at ms, events, offsets, fold_state, quarantine,
//    outbox, routed_intents, new_deliveries, delivery_updates, disabled_channels]
// Each list holds one array per item, its fields in commit.h's declaration order;
// batch_codec.cpp spells each one out. Events carry their type name, schema version
// and the event codec's payload (src/core/event_codec.h); raw bytes (quarantined
// keys and values, folding state) are MessagePack bin; absent optionals are nil.
//
// Pure functions of their arguments; thread-safe.

#include <string>
#include <string_view>

#include "tributary/clock.h"
#include "tributary/commit.h"
#include "tributary/result.h"

namespace tributary::log::replication {

// A batch as the leader committed it: the batch and the time it was recorded
// (every replica stores the leader's recorded_at, so /api/v1/events is identical).
struct WireBatch {
  Batch batch;
  Timestamp recorded_at;
};

// Appends the encoded batch to `out`. Deterministic: the same batch gives the same bytes.
void EncodeBatch(const Batch& batch, Timestamp recorded_at, std::string& out);

// Decodes what EncodeBatch wrote. Any malformed, truncated, trailing or unknown-version
// input is a Corruption status naming the part and the index, e.g.
// "replicated batch: events[3].source_key: expected an array of 3 integers"; never a
// crash, never a guess.
Result<WireBatch> DecodeBatch(std::string_view bytes);

}  // namespace tributary::log::replication
