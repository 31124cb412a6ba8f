#pragma once
// Published<T>: the immutable copy of a projection's state that the writer
// hands to readers. Set() and Get() are thread-safe; a reader keeps the copy it
// got for as long as it needs it, whatever the writer publishes meanwhile.

#include <chrono>
#include <memory>
#include <mutex>

namespace tributary {

template <typename T>
class Published {
 public:
  void Set(const T& state) {
    auto copy = std::make_shared<const T>(state);  // copied outside the lock
    std::lock_guard lock(mu_);
    value_ = std::move(copy);
  }
  // Publishes a value already built (no copy).
  void Set(std::shared_ptr<const T> state) {
    std::lock_guard lock(mu_);
    value_ = std::move(state);
  }
  std::shared_ptr<const T> Get() const {
    std::lock_guard lock(mu_);
    return value_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> value_ = std::make_shared<const T>();
};

// Copying a whole state after every batch makes catching up on a backlog
// quadratic in the estate (each of its batches copies everything applied so
// far). A projection whose copies have become expensive asks Due() and skips
// a copy while copies take at least 1 ms and the last ended less than ten
// copies' time ago: copying then takes at most about a tenth of the writer's
// time, and a reader's view is at most about ten copies' time behind. What
// was skipped is published by the next Publish() that is due (the writer
// thread calls one whenever it is idle: WriterThreadOptions::idle).
// Writer thread only.
class PublishThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  bool Due() const {
    return last_cost_ < std::chrono::milliseconds(1) || Clock::now() - last_end_ >= 10 * last_cost_;
  }
  template <typename Copy>
  void Run(Copy&& copy) {
    const auto start = Clock::now();
    copy();
    last_end_ = Clock::now();
    last_cost_ = last_end_ - start;
  }

 private:
  Clock::duration last_cost_{};
  Clock::time_point last_end_{};
};

}  // namespace tributary
