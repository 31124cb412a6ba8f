#include "store/log_readers.h"

#include "store/notification_store.h"

namespace tributary {

LogReaders::LogReaders(std::filesystem::path data_dir, const Clock& clock)
    : data_dir_(std::move(data_dir)), clock_(clock) {}

LogReaders::~LogReaders() = default;

Result<EventLog*> LogReaders::Connection() {
  std::lock_guard lock(mu_);
  auto& connection = connections_[std::this_thread::get_id()];
  if (!connection) {
    auto log = EventLog::Open(data_dir_, clock_, {.read_only = true});
    if (!log.ok()) {
      return Internal("cannot read the event log: " + log.status().ToString());
    }
    connection = std::move(log).value();
  }
  return connection.get();
}

Status LogReaders::ForEach(EventSeq after, const std::function<bool(const EventRecord&)>& fn,
                           std::size_t limit, const std::optional<std::string>& type) {
  auto log = Connection();
  return log.ok() ? (*log)->ForEach(after, fn, limit, type) : log.status();
}

Result<EventSeq> LogReaders::LastSeq() {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return (*log)->LastSeq();
}

Result<std::vector<SourceOffset>> LogReaders::Offsets(const std::string& source) {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return (*log)->Offsets(source);
}

Result<std::vector<StoredQuarantineRecord>> LogReaders::Quarantine(std::int64_t after_id,
                                                                   std::size_t limit) {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return (*log)->Quarantine(after_id, limit);
}

Result<std::vector<StoredIntent>> LogReaders::QueuedIntents(std::size_t limit) {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return NotificationStore(**log).QueuedIntents(limit);
}

Result<std::vector<StoredDelivery>> LogReaders::DueDeliveries(Timestamp now, std::size_t limit) {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return NotificationStore(**log).DueDeliveries(now, limit);
}

Result<std::optional<Timestamp>> LogReaders::NextDue() {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return NotificationStore(**log).NextDue();
}

Result<std::vector<StoredDelivery>> LogReaders::List(const DeliveryFilter& filter) {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return NotificationStore(**log).List(filter);
}

Result<std::optional<StoredDelivery>> LogReaders::Find(std::int64_t id) {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return NotificationStore(**log).Find(id);
}

Result<std::map<std::string, std::string>> LogReaders::DisabledChannels() {
  auto log = Connection();
  if (!log.ok()) {
    return log.status();
  }
  return NotificationStore(**log).DisabledChannels();
}

}  // namespace tributary
