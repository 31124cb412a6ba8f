#pragma once
// Lifecycle: one Start/Stop shape for the service's parts (STYLE.md, "one
// lifecycle"). Each part that started registers how it stops; StopAll() stops
// them in the reverse order of start, once. Not thread-safe: one thread.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace tributary {

class Lifecycle {
 public:
  ~Lifecycle() { StopAll(); }

  // `name` started; `stop` stops it.
  void Started(std::string name, std::function<void()> stop) {
    spdlog::debug("started {}", name);
    parts_.emplace_back(std::move(name), std::move(stop));
  }

  void StopAll() {
    while (!parts_.empty()) {
      auto [name, stop] = std::move(parts_.back());
      parts_.pop_back();
      spdlog::debug("stopping {}", name);
      stop();
    }
  }

 private:
  std::vector<std::pair<std::string, std::function<void()>>> parts_;
};

}  // namespace tributary
