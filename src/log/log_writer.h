#pragma once
// LogWriter: the commit/decide loop of the single writer (DESIGN.md §2).
//
// Commit() appends a batch to the event log in ONE transaction, applies the
// appended events to the projections, and then lets the decider decide about
// them; its decisions (events with dedup keys, outbox intents) are committed in
// a batch of their own together with the decider's cursor. When the decider is
// behind (a restart, or decisions that failed to commit) it is first handed
// the events after its stored cursor again, read from the log, so a decision is
// made once whatever happens (see tributary/decider.h).
//
// It is also where the sources resume (CommittedState): the stored offsets and
// folding state.
//
// Not thread-safe: used on the single writer thread only (see WriterThread for
// the Writer other threads use); the counters may be read from any thread.
// `log` and `projections` must outlive the writer.

#include <atomic>
#include <cstdint>

#include "store/event_log.h"
#include "store/projection_host.h"
#include "tributary/committed_state.h"
#include "tributary/decider.h"
#include "tributary/writer.h"

namespace tributary::log {

struct LogCounters {
  std::atomic<std::int64_t> events{0};
  std::atomic<std::int64_t> duplicates{0};
  std::atomic<std::int64_t> quarantined{0};
  std::atomic<std::int64_t> batches{0};
};

// How the writer's batches reach the log: appended, then applied to the
// projections. Without one the writer appends to the SQLite event log itself;
// with `[replication]` the events topic does both (src/log/replication/).
class BatchAppender {
 public:
  virtual ~BatchAppender() = default;
  virtual Result<AppendResult> AppendAndApply(const Batch& batch) = 0;
};

class LogWriter final : public Writer, public CommittedState {
 public:
  LogWriter(EventLog& log, ProjectionHost& projections);

  // Where batches go from now on (null: the event log). Must outlive the writer.
  void SetAppender(BatchAppender* appender) { appender_ = appender; }

  // Writer. An empty batch commits nothing (only a cursor that moved rides
  // along with the next batch that does).
  Result<AppendResult> Commit(Batch batch) override;

  // CommittedState
  Result<std::vector<SourceOffset>> Offsets(const std::string& source) override;
  Result<std::vector<std::pair<std::string, std::string>>> FoldState(
      const std::string& prefix) override;

  // Hands every committed batch (and every tick) to `decider` and first lets it
  // decide about the events after its stored cursor. The decider must outlive
  // the writer. Not `deciding`: it only decides once ResumeDeciding() is called
  // (a follower replica applies the leader's decisions and makes none).
  Status SetDecider(Decider& decider, bool deciding = true);
  // A new leader: reads the decider's cursor from the log (now the leader's
  // copy) and decides about the events after it.
  Status ResumeDeciding();
  // A leader that stepped down: no decisions until ResumeDeciding().
  void PauseDeciding() { deciding_ = false; }
  bool deciding() const { return deciding_; }
  // The decider's timers at `now` (event time while catching up, then the wall
  // clock); what it decides is committed.
  Status Tick(Timestamp now);

  const LogCounters& counters() const { return counters_; }

 private:
  // Lets the decider decide about every applied event after decided_seq_;
  // `fresh` are the records just applied (read from the log when they do not
  // follow decided_seq_).
  Status Decide(std::vector<EventRecord> fresh);
  Status CommitDecisions(Batch& decisions, EventSeq through);
  Result<AppendResult> AppendAndApply(const Batch& batch);

  EventLog& log_;
  ProjectionHost& projections_;
  BatchAppender* appender_ = nullptr;
  Decider* decider_ = nullptr;
  bool deciding_ = false;
  EventSeq decided_seq_;    // every event up to here has been decided about
  EventSeq stored_cursor_;  // the cursor as committed
  LogCounters counters_;
};

}  // namespace tributary::log
