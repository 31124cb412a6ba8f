#pragma once
// Published<T>: the immutable copy of a projection's state that the writer
// hands to readers. Set() and Get() are thread-safe; a reader keeps the copy it
// got for as long as it needs it, whatever the writer publishes meanwhile.

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

}  // namespace tributary
