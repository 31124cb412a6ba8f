#pragma once
// A TranslationSink that records what a translator produced, for unit tests.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/translator.h"

namespace tributary::testing {

class RecordingSink final : public ingest::TranslationSink {
 public:
  struct Emitted {
    DomainEvent event;
    Timestamp time;
    std::optional<std::string> dedup_key;
  };

  void Emit(DomainEvent event, Timestamp event_time) override {
    events.push_back({std::move(event), event_time, std::nullopt});
  }
  void EmitDecision(DomainEvent event, Timestamp event_time, std::string dedup_key) override {
    events.push_back({std::move(event), event_time, std::move(dedup_key)});
  }
  void Quarantine(std::string reason) override { quarantined.push_back(std::move(reason)); }
  void WriteFold(std::string key, std::optional<std::string> value) override {
    if (value) {
      fold[key] = *value;
    } else {
      fold.erase(key);
    }
  }

  // Events of type T, in order.
  template <typename T>
  std::vector<T> Of() const {
    std::vector<T> out;
    for (const auto& e : events) {
      if (const auto* v = std::get_if<T>(&e.event)) {
        out.push_back(*v);
      }
    }
    return out;
  }
  std::vector<std::pair<std::string, std::string>> FoldEntries() const {
    return {fold.begin(), fold.end()};
  }
  void ClearEvents() {
    events.clear();
    quarantined.clear();
  }

  std::vector<Emitted> events;
  std::vector<std::string> quarantined;
  std::map<std::string, std::string> fold;  // the persisted state, as the log would hold it
};

}  // namespace tributary::testing
