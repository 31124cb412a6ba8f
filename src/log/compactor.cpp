#include "log/compactor.h"

namespace tributary::log {

void Compactor::Tick(Timestamp now, Batch& out) {
  constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
  const std::int64_t at = ToMillis(now - compact_after_);
  if (at <= 0) {
    return;
  }
  const Timestamp cutoff = FromMillis(at - at % kDayMs);
  if (last_cutoff_ && *last_cutoff_ >= cutoff) {
    return;
  }
  last_cutoff_ = cutoff;
  // The dedup key makes the marker of a day once, across restarts and leaders.
  out.events.push_back(NewEvent{LogCompacted{cutoff, {}}, now, "store", std::nullopt,
                                "log_compacted/" + std::to_string(ToMillis(cutoff))});
}

}  // namespace tributary::log
