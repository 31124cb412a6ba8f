#pragma once
// DeciderChain: several deciders behind the log writer's one Decider port
// (include/tributary/decider.h). Each sees every batch and every tick, in
// order; they share one cursor (the first decider's key, so a log written
// before the chain existed resumes where it was).
//
// Called on the single writer thread only, like the deciders it holds.

#include <string>
#include <vector>

#include "tributary/decider.h"

namespace tributary {

class DeciderChain final : public Decider {
 public:
  // REQUIRES: !deciders.empty(); each outlives the chain.
  explicit DeciderChain(std::vector<Decider*> deciders) : deciders_(std::move(deciders)) {}
  std::string cursor_key() const override { return deciders_.front()->cursor_key(); }
  void Decide(const std::vector<EventRecord>& records, Batch& out) override {
    for (auto* d : deciders_) {
      d->Decide(records, out);
    }
  }
  void Tick(Timestamp now, Batch& out) override {
    for (auto* d : deciders_) {
      d->Tick(now, out);
    }
  }

 private:
  std::vector<Decider*> deciders_;
};

}  // namespace tributary
