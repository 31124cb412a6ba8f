#pragma once
// ProjectionHost: keeps a set of projections in step with the event log.
//
// Recover() loads each projection's latest snapshot (when its format version
// matches) and applies the tail of the log after it; Apply() feeds newly
// appended events; WriteSnapshots() stores every projection's state atomically
// (one transaction) at the sequence number it has applied. Replay() rebuilds
// from zero, ignoring snapshots.
//
// Not thread-safe: owned and driven by the single writer thread. The
// projections must outlive the host.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/projection.h"
#include "store/event_log.h"

namespace tributary {

class ProjectionHost {
 public:
  ProjectionHost(EventLog& log, std::vector<Projection*> projections);

  Status Recover();
  Status Replay();
  // Applies events the caller has just appended (in order, after applied_seq()).
  void Apply(const std::vector<EventRecord>& records);
  // Applies whatever the log holds beyond applied_seq() (events appended by
  // another connection).
  Status CatchUp();

  Status WriteSnapshots();
  // Writes snapshots when at least `every` events were applied since the
  // last, or when any was and `interval` has passed since the last (or since
  // the host was made).
  Status MaybeWriteSnapshots(std::int64_t every,
                             std::chrono::milliseconds interval = std::chrono::milliseconds::max());

  // Called on the writer thread after every change of the projections (a batch
  // applied, a recovery, a replay), e.g. to publish snapshots for readers.
  void SetAfterApply(std::function<void()> after_apply) { after_apply_ = std::move(after_apply); }

  EventSeq applied_seq() const { return applied_seq_; }
  // Projection name -> digest.
  std::map<std::string, std::string> Digests() const;

 private:
  Status ApplyFrom(EventSeq after);

  EventLog& log_;
  std::vector<Projection*> projections_;
  std::vector<EventSeq> projection_seq_;  // per projection: last seq it applied
  EventSeq applied_seq_;
  EventSeq snapshot_seq_;
  std::chrono::steady_clock::time_point snapshot_at_ = std::chrono::steady_clock::now();
  std::function<void()> after_apply_;
};

}  // namespace tributary
