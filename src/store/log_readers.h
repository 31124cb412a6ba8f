#pragma once
// LogReaders: the EventReader and NotificationReader of the SQLite event log for
// readers on other threads than the writer (HTTP handlers, the dispatcher).
//
// Each calling thread gets its own read-only connection to <data_dir>/tributary.db,
// opened on its first call and kept until the LogReaders is destroyed (WAL lets
// them read while the writer appends; a connection holds no lock between calls).
//
// Thread-safety: every method may be called from any thread. The LogReaders must
// outlive the threads' calls; `clock` must outlive it.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "store/event_log.h"
#include "tributary/event_reader.h"
#include "tributary/notification_reader.h"

namespace tributary {

class LogReaders final : public EventReader, public NotificationReader {
 public:
  LogReaders(std::filesystem::path data_dir, const Clock& clock);
  ~LogReaders() override;

  // EventReader
  Status ForEach(EventSeq after, const std::function<bool(const EventRecord&)>& fn,
                 std::size_t limit, const std::optional<std::string>& type) override;
  Result<EventSeq> LastSeq() override;
  Result<std::vector<StoredQuarantineRecord>> Quarantine(std::int64_t after_id,
                                                         std::size_t limit) override;

  // The stored next offsets of a source (what the log has applied of it).
  Result<std::vector<SourceOffset>> Offsets(const std::string& source);

  // NotificationReader
  Result<std::vector<StoredIntent>> QueuedIntents(std::size_t limit) override;
  Result<std::vector<StoredDelivery>> DueDeliveries(Timestamp now, std::size_t limit) override;
  Result<std::optional<Timestamp>> NextDue() override;
  Result<std::vector<StoredDelivery>> List(const DeliveryFilter& filter) override;
  Result<std::optional<StoredDelivery>> Find(std::int64_t id) override;
  Result<std::map<std::string, std::string>> DisabledChannels() override;

 private:
  // The calling thread's connection, opened when absent.
  Result<EventLog*> Connection();

  std::filesystem::path data_dir_;
  const Clock& clock_;
  std::mutex mu_;  // guards connections_ (each connection is used by its thread only)
  std::map<std::thread::id, std::unique_ptr<EventLog>> connections_;
};

}  // namespace tributary
