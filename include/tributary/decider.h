#pragma once
// Decider: something that watches the log and decides (DESIGN.md §2 principle 4).
//
// The log writer (src/log/) calls Decide() with the events of every batch once
// the projections have applied them, and Tick() with the timer clock; what a
// decider adds to `out` (decision events with dedup keys, outbox intents) is
// committed in one batch together with the decider's cursor, the last sequence
// number it has decided about. After a crash the writer hands it the events
// after that cursor again, and dedup keys make a repeated decision a no-op, so
// a decision is made once and replay (which only applies events) never
// re-decides. A decider returns decisions; it never writes.
//
// Called on the single writer thread only.

#include <string>
#include <utility>
#include <vector>

#include "tributary/commit.h"
#include "tributary/events.h"

namespace tributary {

class Decider {
 public:
  virtual ~Decider() = default;
  // The fold-state key of the decider's cursor, e.g. "tracking/cursor".
  virtual std::string cursor_key() const = 0;
  // Decisions about `records`, which every projection has just applied.
  virtual void Decide(const std::vector<EventRecord>& records, Batch& out) = 0;
  // Decisions of timers due at `now` (event time while catching up, then the wall clock).
  virtual void Tick(Timestamp now, Batch& out) = 0;
};

// Several deciders as one: each decides in turn over the same batch, under the
// first one's cursor (so a log written before the others existed keeps its
// cursor).
class DeciderSet final : public Decider {
 public:
  explicit DeciderSet(std::vector<Decider*> deciders) : deciders_(std::move(deciders)) {}
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
