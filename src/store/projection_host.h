#pragma once
// ProjectionHost: keeps a set of projections in step with the event log.
//
// Recover() loads each projection's latest snapshot (when its format version
// matches) and applies the tail of the log after it; Apply() feeds newly
// appended events; WriteSnapshots() stores every projection's state atomically
// (one transaction) at the sequence number it has applied. Replay() rebuilds
// from zero, ignoring snapshots.
//
// MaybeWriteSnapshots() writes them in the background: the calling thread only
// captures the states (Projection::CaptureSnapshot: copies, or frozen views
// sharing the projections' memory); a thread of its own serializes them and
// stores them over a connection of its own. At most one is in flight.
//
// Not thread-safe: owned and driven by the single writer thread. The
// projections must outlive the host.

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "core/projection.h"
#include "store/event_log.h"

namespace tributary {

// One snapshot written: where, and what it cost.
struct SnapshotWritten {
  EventSeq seq;
  std::chrono::steady_clock::time_point captured_at;
  std::chrono::microseconds capture{0};  // on the writer thread
  std::chrono::microseconds write{0};    // serialize, digest and store, in the background
  std::size_t bytes = 0;
};

class ProjectionHost {
 public:
  ProjectionHost(EventLog& log, std::vector<Projection*> projections);
  // Waits for a snapshot in flight.
  ~ProjectionHost();
  ProjectionHost(const ProjectionHost&) = delete;
  ProjectionHost& operator=(const ProjectionHost&) = delete;

  Status Recover();
  Status Replay();
  // Applies events the caller has just appended (in order, after applied_seq()).
  void Apply(const std::vector<EventRecord>& records);
  // Applies whatever the log holds beyond applied_seq() (events appended by
  // another connection).
  Status CatchUp();

  // Writes every projection's snapshot now, on this thread, over the log's
  // own connection (after waiting for one in flight).
  Status WriteSnapshots();
  // Starts a background snapshot when at least `every` events were applied
  // since the last one, or when any was and `interval` has passed since it (or
  // since the host was made). Returns at once. A background snapshot that
  // failed is reported by the next call (or FinishSnapshots), and the next is
  // tried no sooner than `interval` (at most a minute) after that call.
  Status MaybeWriteSnapshots(std::int64_t every,
                             std::chrono::milliseconds interval = std::chrono::milliseconds::max());
  // Waits for the snapshot in flight, if any; its outcome.
  Status FinishSnapshots();
  // The last snapshot stored, once one was.
  const std::optional<SnapshotWritten>& last_snapshot() const { return last_snapshot_; }

  // Called on the writer thread after every change of the projections (a batch
  // applied, a recovery, a replay), e.g. to publish snapshots for readers.
  void SetAfterApply(std::function<void()> after_apply) { after_apply_ = std::move(after_apply); }

  EventSeq applied_seq() const { return applied_seq_; }
  // Projection name -> digest.
  std::map<std::string, std::string> Digests() const;

 private:
  struct Pending {
    Status status;
    SnapshotWritten written;
  };
  Status ApplyFrom(EventSeq after);
  // Captures every projection's state: each job makes its stored snapshot.
  std::vector<std::function<StoredSnapshot()>> Capture() const;

  EventLog& log_;
  std::vector<Projection*> projections_;
  std::vector<EventSeq> projection_seq_;  // per projection: last seq it applied
  EventSeq applied_seq_;
  EventSeq snapshot_seq_;
  std::chrono::steady_clock::time_point snapshot_at_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point retry_at_;
  bool failed_ = false;  // the last background snapshot failed
  std::future<Pending> pending_;
  std::optional<SnapshotWritten> last_snapshot_;
  std::function<void()> after_apply_;
};

}  // namespace tributary
