#pragma once
// The commit vocabulary: what the single writer commits to the domain event log
// (DESIGN.md §2), and what a commit returns.
//
// A Batch is one atomic unit: the events a source's records became, the source
// offsets they advance, the folding state they changed and the records that could
// not be decoded — or a decider's decisions (events with dedup keys) and the
// notification intents they cause — or the dispatcher's delivery outcomes. All of
// a batch is committed or none of it, so a restart resumes exactly after the last
// committed batch. Who commits: see tributary/writer.h.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/clock.h"
#include "tributary/events.h"
#include "tributary/ids.h"

namespace tributary {

// The next offset to read for one partition of one source.
struct SourceOffset {
  std::string source;
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;
};

// A folding-state entry written with a batch; no value erases the key.
struct FoldStateWrite {
  std::string key;
  std::optional<std::string> value;
};

// A record that could not be decoded, kept with its coordinates and the reason.
struct QuarantineRecord {
  std::string source;  // e.g. "local/__consumer_offsets", "http"
  std::string topic;
  std::optional<std::int32_t> partition;
  std::optional<std::int64_t> offset;
  std::string key;    // raw bytes
  std::string value;  // raw bytes
  std::string reason;
};

// A notification intent for the outbox (delivered by the notifier).
struct OutboxIntent {
  std::string idempotency_key;
  std::string kind;  // breaking_change | deprecation | reminder | ...
  std::string team;
  std::string channel;
  std::string severity = "info";
  nlohmann::json facts = nlohmann::json::object();
  // Index into Batch::events of the event that caused the intent, if any.
  std::optional<std::size_t> caused_by_event;
};

// One notification for one channel, created when an intent is routed and
// rendered (the `deliveries` table; see notifiers/README.md).
struct DeliveryRecord {
  std::string idempotency_key;  // "<intent key>/<channel>": the webhook-id / Message-ID seed
  std::int64_t intent_id = 0;   // the outbox row it came from
  std::string kind;
  std::string team;
  std::string channel;
  std::string severity;
  std::string status = "queued";  // queued, or dead when it cannot be delivered at all
  std::string subject;
  std::string body;  // plain text / Markdown as rendered
  std::string html;  // email only
  std::string last_error;
  Timestamp next_attempt_at;
};

// A delivery's state after an attempt (or a retry request).
struct DeliveryUpdate {
  std::string idempotency_key;
  std::string status;  // queued | retrying | delivered | dead
  std::int32_t attempts = 0;
  Timestamp next_attempt_at;
  std::optional<Timestamp> delivered_at;
  std::string last_error;
};

// A channel endpoint switched off (HTTP 410): deliveries to it end dead until its
// configured address changes (`fingerprint`).
struct ChannelDisable {
  std::string channel;
  std::string fingerprint;
  std::string reason;
};

struct Batch {
  std::vector<NewEvent> events;
  std::vector<SourceOffset> offsets;
  std::vector<FoldStateWrite> fold_state;
  std::vector<QuarantineRecord> quarantine;
  std::vector<OutboxIntent> outbox;
  // Notification delivery state (the dispatcher's writes, through the writer).
  std::vector<std::int64_t> routed_intents;  // outbox rows now routed
  std::vector<DeliveryRecord> new_deliveries;
  std::vector<DeliveryUpdate> delivery_updates;
  std::vector<ChannelDisable> disabled_channels;

  bool empty() const {
    return events.empty() && offsets.empty() && fold_state.empty() && quarantine.empty() &&
           outbox.empty() && routed_intents.empty() && new_deliveries.empty() &&
           delivery_updates.empty() && disabled_channels.empty();
  }
};

struct AppendResult {
  // One per Batch::events entry: the assigned sequence number, or EventSeq(0)
  // for an event skipped as a duplicate.
  std::vector<EventSeq> seqs;
  std::size_t appended = 0;
  std::size_t duplicates = 0;
  std::size_t quarantined = 0;  // new quarantine rows (re-deliveries are not counted)
  std::size_t intents = 0;      // new outbox rows
  std::size_t deliveries = 0;   // new delivery rows
  Timestamp recorded_at;
  // Events the store completed as it appended them (a compaction marker gets
  // its totals): Batch::events index and the event as stored.
  std::vector<std::pair<std::size_t, DomainEvent>> completed;
};

}  // namespace tributary
