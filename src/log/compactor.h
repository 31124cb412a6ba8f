#pragma once
// Compactor: decides, once a day, that the log drops superseded progress
// samples and delivery attempts recorded more than `compact_after` ago
// ([store] compact_after; src/store/compaction.h has the rule). Its decision is
// a `log_compacted` marker: like every decision it is made once (by the leader
// with [replication]) and every replica's store carries it out.

#include <optional>
#include <string>
#include <vector>

#include "tributary/decider.h"

namespace tributary::log {

class Compactor final : public Decider {
 public:
  // `compact_after` > 0.
  explicit Compactor(Duration compact_after) : compact_after_(compact_after) {}

  std::string cursor_key() const override { return "compactor/cursor"; }
  void Decide(const std::vector<EventRecord>&, Batch&) override {}
  // A marker when the cutoff (now - compact_after, at midnight UTC) moved on.
  void Tick(Timestamp now, Batch& out) override;

 private:
  Duration compact_after_;
  std::optional<Timestamp> last_cutoff_;
};

}  // namespace tributary::log
