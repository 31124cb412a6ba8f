#pragma once
// NotificationReader: reads of the notification tables — outbox intents, their
// per-channel deliveries, disabled channels — for the dispatcher and the API.
// Writes go through the Writer (Batch::routed_intents, new_deliveries,
// delivery_updates, disabled_channels) with the events that record them.
//
// Thread-safety: the implementation's (the store's answers on the calling
// thread's own connection).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/commit.h"
#include "tributary/result.h"

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

class NotificationReader {
 public:
  virtual ~NotificationReader() = default;
  // Intents not routed yet, oldest first.
  virtual Result<std::vector<StoredIntent>> QueuedIntents(std::size_t limit) = 0;
  // Deliveries queued or retrying whose next attempt is due at `now`, oldest
  // first, with their intents' facts.
  virtual Result<std::vector<StoredDelivery>> DueDeliveries(Timestamp now, std::size_t limit) = 0;
  // When the next queued or retrying delivery is due (nullopt: none).
  virtual Result<std::optional<Timestamp>> NextDue() = 0;
  // Deliveries matching `filter`, newest first.
  virtual Result<std::vector<StoredDelivery>> List(const DeliveryFilter& filter) = 0;
  virtual Result<std::optional<StoredDelivery>> Find(std::int64_t id) = 0;
  // Disabled channels: name -> the fingerprint of the address that answered 410.
  virtual Result<std::map<std::string, std::string>> DisabledChannels() = 0;
};

}  // namespace tributary
