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

#include <optional>
#include <string>

#include "tributary/commit.h"
#include "tributary/result.h"

namespace tributary {

// What an API write was authorised as: the token's configured name and the
// team whose resource it writes (std::nullopt: no team's resource, which any
// owner may write; "": a resource without an owning team, admin only). With
// `[replication]` it travels with the command and the leader checks it again
// against its own tokens (DESIGN.md §8).
struct WriteGrant {
  std::string actor;
  std::optional<std::string> team;
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual Result<AppendResult> Commit(Batch batch) = 0;
  // An API write, authorised as `grant`. Where the writer is this process the
  // check already made is the only one; a replica's command writer sends the
  // grant to the leader.
  virtual Result<AppendResult> CommitAs(Batch batch, const WriteGrant& grant) {
    (void)grant;
    return Commit(std::move(batch));
  }
};

}  // namespace tributary
