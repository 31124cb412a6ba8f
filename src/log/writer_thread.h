#pragma once
// WriterThread: the single writer thread (DESIGN.md §2 principle 7).
//
// It pumps the feed (the sources), runs what other threads commit between the
// feed's batches, fires timers once a tick (the feed's, then the decider's) and
// writes projection snapshots every `snapshot_every` events. Transient failures
// (kUnavailable: a broker down, the database busy) are retried with backoff; a
// fatal one stops the thread and is reported through `on_fatal`, once, and
// every commit waiting or arriving after it fails with the reason.
//
// Start/Stop from one thread; Commit() and fatal() from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

#include "log/log_writer.h"
#include "store/projection_host.h"
#include "tributary/feed.h"
#include "tributary/writer.h"

namespace tributary::log {

struct WriterThreadOptions {
  std::chrono::milliseconds tick_interval{1000};
  std::int64_t snapshot_every = 100000;
  // Snapshots are also written this long after the last one when any event
  // was applied since (a quiet estate still restarts from a recent snapshot).
  std::chrono::milliseconds snapshot_interval{std::chrono::minutes(10)};
  // Run on the writer thread at every tick, after the timers (compaction steps).
  std::function<void()> housekeeping;
  // Run on the writer thread after every pump of the feed (publishing what a
  // throttled projection skipped while a backlog was applied).
  std::function<void()> idle;
};

class WriterThread {
 public:
  // `writer`, `projections`, `feed` and `clock` must outlive the thread.
  WriterThread(WriterThreadOptions options, LogWriter& writer, ProjectionHost& projections,
               Feed& feed, const Clock& clock, std::function<void(const Status&)> on_fatal);
  ~WriterThread();

  Status Start();
  // Stops after the batch in flight; commits not yet run fail (the service is stopping).
  void Stop();

  // Runs `batch` through the writer on the writer thread between the feed's
  // batches and waits for it up to `timeout`. Still waiting then: it is taken
  // back and the answer is kUnavailable (retry) with nothing of it stored;
  // already running: the answer is its result. Thread-safe. REQUIRES: not
  // called on the writer thread (the feed commits through the LogWriter);
  // that is refused as an internal error.
  Result<AppendResult> Commit(Batch batch, std::chrono::milliseconds timeout);

  Status fatal() const;

 private:
  struct Pending {
    std::uint64_t id = 0;
    Batch batch;
    std::promise<Result<AppendResult>> promise;
  };
  void Run();
  // One pass of the loop; false when the thread must end (stop, or a fatal error).
  bool Step(std::chrono::steady_clock::time_point& next_tick, std::chrono::milliseconds& backoff);
  void RunCommits();
  // Waits `duration` (a backoff) running the commits that arrive meanwhile;
  // returns early on Stop.
  void WaitRunningCommits(std::chrono::milliseconds duration);
  void Fail(const Status& status);

  WriterThreadOptions options_;
  LogWriter& writer_;
  ProjectionHost& projections_;
  Feed& feed_;
  const Clock& clock_;
  std::function<void(const Status&)> on_fatal_;
  std::thread thread_;
  std::atomic<std::thread::id> writer_id_;  // the thread's, once it runs
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;         // guards the rest
  std::condition_variable wake_;  // a commit arrived, or Stop
  Status fatal_;
  bool running_ = false;
  std::uint64_t next_id_ = 1;
  std::deque<Pending> pending_;
};

// The Writer other threads use: commits on the writer thread, waiting up to a
// fixed timeout. Thread-safe; the thread must outlive it.
class WriterClient final : public Writer {
 public:
  WriterClient(WriterThread& thread, std::chrono::milliseconds timeout)
      : thread_(thread), timeout_(timeout) {}
  Result<AppendResult> Commit(Batch batch) override {
    return thread_.Commit(std::move(batch), timeout_);
  }

 private:
  WriterThread& thread_;
  std::chrono::milliseconds timeout_;
};

}  // namespace tributary::log
