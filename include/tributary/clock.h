#pragma once
// Time: a Timestamp is milliseconds since the Unix epoch (Kafka's resolution).
// Components never read the system clock directly; they take a Clock& so tests
// run on simulated time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tributary/result.h"

namespace tributary {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

inline std::int64_t ToMillis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromMillis(std::int64_t ms) { return Timestamp(Duration(ms)); }

// RFC 3339 in UTC with milliseconds: "2026-11-25T14:16:46.123Z".
std::string FormatRfc3339(Timestamp t);
// Accepts RFC 3339 date-times with 'Z' or a numeric offset and any fraction digits.
Result<Timestamp> ParseRfc3339(std::string_view text);

// "500ms", "30s", "15m", "1h", "30d" (also combined: "1h30m"); "0s" is zero.
Result<Duration> ParseDuration(std::string_view text);
std::string FormatDuration(Duration d);

// Thread-safe: implementations may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = FromMillis(0)) : now_ms_(ToMillis(start)) {}
  Timestamp Now() const override { return FromMillis(now_ms_.load()); }
  void Set(Timestamp t) { now_ms_.store(ToMillis(t)); }
  void Advance(Duration d) { now_ms_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace tributary
