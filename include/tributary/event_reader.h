#pragma once
// EventReader: reads of the committed log for the readers (HTTP handlers, the
// commands), without knowing where the log is kept.
//
// Thread-safety: callable from any thread; each call sees the log as committed
// when it starts.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tributary/commit.h"
#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary {

struct StoredQuarantineRecord {
  std::int64_t id = 0;
  QuarantineRecord record;
  Timestamp recorded_at;
};

class EventReader {
 public:
  virtual ~EventReader() = default;
  // Calls `fn` for each event with seq > `after` in order, at most `limit`
  // (0: no limit), only of `type` when given; stops early when `fn` returns false.
  virtual Status ForEach(EventSeq after, const std::function<bool(const EventRecord&)>& fn,
                         std::size_t limit, const std::optional<std::string>& type) = 0;
  virtual Result<EventSeq> LastSeq() = 0;
  // Quarantined records with id > `after_id`, oldest first, at most `limit`.
  virtual Result<std::vector<StoredQuarantineRecord>> Quarantine(std::int64_t after_id,
                                                                 std::size_t limit) = 0;
};

// The events with seq > `after`, in order, at most `limit` (0: no limit), only
// of `type` when given.
inline Result<std::vector<EventRecord>> ReadEvents(EventReader& reader, EventSeq after,
                                                   std::size_t limit,
                                                   const std::optional<std::string>& type = {}) {
  std::vector<EventRecord> out;
  auto status = reader.ForEach(
      after,
      [&](const EventRecord& r) {
        out.push_back(r);
        return true;
      },
      limit, type);
  if (!status.ok()) {
    return status;
  }
  return out;
}

}  // namespace tributary
