#pragma once
// Writer: the one way anything is written to the domain event log (DESIGN.md §2
// principle 7). Sources' batches, the deciders' decisions, API writes and the
// dispatcher's delivery outcomes all arrive here; the log module (src/log/)
// implements it over the SQLite event log, and with `[replication]` over the
// events topic (DESIGN.md §8) — nothing above the port changes.
//
// Commit() returns once the batch is durable and applied to the projections
// (read-your-writes), or fails with nothing of it stored. A batch's events are
// idempotent by their source or dedup keys: committing it again appends nothing
// twice. Thread-safety is the implementation's: the service's writer may be
// called from any thread; the one handed to the sources runs on the writer's
// own thread.

#include "tributary/commit.h"
#include "tributary/result.h"

namespace tributary {

class Writer {
 public:
  virtual ~Writer() = default;
  virtual Result<AppendResult> Commit(Batch batch) = 0;
};

}  // namespace tributary
