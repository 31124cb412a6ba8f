#pragma once
// NotificationStore: the NotificationReader over one EventLog connection.
//
// Thread-safety: as the EventLog it reads through (one connection, one thread);
// open a read-only EventLog per reading thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/event_log.h"
#include "tributary/notification_reader.h"

namespace tributary {

class NotificationStore final : public NotificationReader {
 public:
  // `log` must outlive the store.
  explicit NotificationStore(EventLog& log) : log_(log) {}

  // Intents not routed yet, oldest first.
  Result<std::vector<StoredIntent>> QueuedIntents(std::size_t limit) override;
  // Deliveries queued or retrying whose next attempt is due at `now`, oldest
  // first, with their intents' facts.
  Result<std::vector<StoredDelivery>> DueDeliveries(Timestamp now, std::size_t limit) override;
  // When the next queued or retrying delivery is due (nullopt: none).
  Result<std::optional<Timestamp>> NextDue() override;
  // Deliveries matching `filter`, newest first.
  Result<std::vector<StoredDelivery>> List(const DeliveryFilter& filter) override;
  Result<std::optional<StoredDelivery>> Find(std::int64_t id) override;
  // Disabled channels: name -> the fingerprint of the address that answered 410.
  Result<std::map<std::string, std::string>> DisabledChannels() override;

 private:
  EventLog& log_;
};

}  // namespace tributary
