#pragma once
// NotificationStore: reads of the notification tables (outbox intents, their
// per-channel deliveries, disabled channels) for the dispatcher and the API.
// Writes go through EventLog::Append (Batch::routed_intents, new_deliveries,
// delivery_updates, disabled_channels) on the single writer, with the events
// that record them.
//
// Thread-safety: as the EventLog it reads through (one connection, one thread);
// open a read-only EventLog per reading thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/event_log.h"

namespace tributary {

struct StoredIntent {
  std::int64_t id = 0;
  OutboxIntent intent;  // caused_by_event unset; see caused_by
  std::optional<EventSeq> caused_by;
  Timestamp created_at;
};

struct StoredDelivery {
  std::int64_t id = 0;
  DeliveryRecord record;
  std::int32_t attempts = 0;
  Timestamp created_at;
  std::optional<Timestamp> delivered_at;
  // The intent's facts; read by DueDeliveries only (what a webhook payload carries).
  nlohmann::json facts = nlohmann::json::object();
};

struct DeliveryFilter {
  std::optional<std::string> status;
  std::optional<std::string> team;
  std::optional<std::string> kind;
  std::int64_t before_id = 0;  // newest first; 0: from the newest
  std::size_t limit = 100;
};

class NotificationStore {
 public:
  // `log` must outlive the store.
  explicit NotificationStore(EventLog& log) : log_(log) {}

  // Intents not routed yet, oldest first.
  Result<std::vector<StoredIntent>> QueuedIntents(std::size_t limit);
  // Deliveries queued or retrying whose next attempt is due at `now`, oldest
  // first, with their intents' facts.
  Result<std::vector<StoredDelivery>> DueDeliveries(Timestamp now, std::size_t limit);
  // When the next queued or retrying delivery is due (nullopt: none).
  Result<std::optional<Timestamp>> NextDue();
  // Deliveries matching `filter`, newest first.
  Result<std::vector<StoredDelivery>> List(const DeliveryFilter& filter);
  Result<std::optional<StoredDelivery>> Find(std::int64_t id);
  // Disabled channels: name -> the fingerprint of the address that answered 410.
  Result<std::map<std::string, std::string>> DisabledChannels();

 private:
  EventLog& log_;
};

}  // namespace tributary
