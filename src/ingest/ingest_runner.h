#pragma once
// IngestRunner: the single writer thread. It polls every cluster's KafkaReader,
// feeds the records through the IngestPipeline (translate -> append -> apply to
// projections), fires timers once a second and writes projection snapshots.
//
// Timers follow event time while any source is catching up and the wall clock
// once all have caught up (DESIGN.md §2 principle 4).
//
// Transient failures (a broker down, the database busy) are retried with
// backoff; a fatal one (librdkafka fatal error, a corrupt or full database) stops
// the thread and is reported through `on_fatal`, once.
//
// Start/Stop from one thread; caught_up() and fatal() from any thread.

#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ingest/kafka_reader.h"
#include "ingest/pipeline.h"

namespace tributary::ingest {

struct IngestRunnerOptions {
  std::vector<KafkaReaderOptions> clusters;  // start offsets are filled in by Start()
  std::chrono::milliseconds poll_timeout{100};
  std::chrono::milliseconds tick_interval{1000};
  std::int64_t snapshot_every = 100000;
};

class IngestRunner {
 public:
  // `pipeline`, `projections` and `clock` must outlive the runner.
  IngestRunner(IngestRunnerOptions options, IngestPipeline& pipeline, ProjectionHost& projections,
               const Clock& clock, std::function<void(const Status&)> on_fatal);
  ~IngestRunner();

  // Opens the readers (at the stored offsets) and starts the thread.
  Status Start();
  // Stops the thread after the batch in flight; the readers close.
  void Stop();

  // Runs `work` on the ingest thread between batches (the single writer) and
  // returns its status; fails at once when the runner is not running.
  // Thread-safe.
  std::future<Status> Submit(std::function<Status()> work);

  bool caught_up() const { return caught_up_.load(); }
  std::int64_t lag() const { return lag_.load(); }
  // Records lost to retention before they were read, since start (each gap
  // is also a source_gap event in the log).
  std::int64_t gap_records() const { return gap_records_.load(); }
  // The gaps found since start, oldest first (at most the last 100).
  std::vector<SourceGap> gaps() const;
  Status fatal() const;

 private:
  void Run();
  Status RecordGaps(const std::string& cluster, std::vector<ReadGap> gaps);
  void Fail(const Status& status);

  IngestRunnerOptions options_;
  IngestPipeline& pipeline_;
  ProjectionHost& projections_;
  const Clock& clock_;
  std::function<void(const Status&)> on_fatal_;
  std::vector<std::unique_ptr<KafkaReader>> readers_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<std::int64_t> lag_{0};
  std::atomic<std::int64_t> gap_records_{0};
  std::vector<SourceGap> gaps_;  // guarded by mu_
  void RunSubmitted();

  mutable std::mutex mu_;
  Status fatal_;
  bool running_ = false;
  std::deque<std::pair<std::function<Status()>, std::promise<Status>>> submitted_;
};

}  // namespace tributary::ingest
