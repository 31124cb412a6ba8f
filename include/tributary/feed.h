#pragma once
// Feed: what the single writer thread reads between commits — the sources
// (src/ingest/). The writer thread (src/log/writer_thread.h) calls Pump() in a
// loop and Tick() once a tick; a feed commits what it reads through the Writer
// it was given, which runs on that same thread.
//
// Called on the writer thread only.

#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary {

class Feed {
 public:
  virtual ~Feed() = default;
  // Reads what the sources have ready and commits it. kUnavailable is a
  // transient failure (a broker down), retried with backoff; any other error
  // stops the writer.
  virtual Status Pump() = 0;
  // Runs the sources' polls and timers at wall time `now`; returns the time the
  // timers ran at (event time while a source is catching up, else `now`), which
  // the deciders' timers follow too.
  virtual Result<Timestamp> Tick(Timestamp now) = 0;
};

}  // namespace tributary
