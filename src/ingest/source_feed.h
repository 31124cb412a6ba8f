#pragma once
// SourceFeed: the sources as the writer thread's Feed (tributary/feed.h). It
// polls every cluster's KafkaReader and hands the records to the IngestPipeline
// (translate -> commit), runs the polled sources and the translators' timers,
// and records the ranges lost to retention before they were read (source_gap).
//
// Timers follow event time while any source is catching up and the wall clock
// once all have caught up (DESIGN.md §2 principle 4).
//
// Start/Stop from the thread that starts the writer thread (Start before it,
// Stop after it); the Feed methods on the writer thread; the accessors from any
// thread.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "ingest/kafka_reader.h"
#include "ingest/pipeline.h"
#include "tributary/feed.h"
#include "tributary/writer.h"

namespace tributary::ingest {

struct SourceFeedOptions {
  std::vector<KafkaReaderOptions> clusters;  // start offsets are filled in by Start()
  std::chrono::milliseconds poll_timeout{100};
};

class SourceFeed final : public Feed {
 public:
  // `pipeline`, `writer` (the writer thread's own) and `clock` must outlive the feed.
  SourceFeed(SourceFeedOptions options, IngestPipeline& pipeline, Writer& writer,
             const Clock& clock);
  ~SourceFeed() override;

  // Opens the readers at the committed offsets (before the writer thread starts).
  Status Start();
  // Closes the readers (after the writer thread stopped).
  void Stop();

  // Feed
  Status Pump() override;
  Result<Timestamp> Tick(Timestamp now) override;

  bool caught_up() const { return caught_up_.load(); }
  std::int64_t lag() const { return lag_.load(); }
  // Per source ("<cluster>/<topic>", as in the log), as of the last pump.
  std::map<std::string, std::int64_t> lag_by_source() const;
  // Records lost to retention before they were read, since start (each gap
  // is also a source_gap event in the log).
  std::int64_t gap_records() const { return gap_records_.load(); }
  // The gaps found since start, oldest first (at most the last 100).
  std::vector<SourceGap> gaps() const;

 private:
  Status RecordGaps(const std::string& cluster, std::vector<ReadGap> gaps);
  void UpdatePosition();

  SourceFeedOptions options_;
  IngestPipeline& pipeline_;
  Writer& writer_;
  const Clock& clock_;
  std::vector<std::unique_ptr<KafkaReader>> readers_;
  std::atomic<bool> caught_up_{false};
  std::atomic<std::int64_t> lag_{0};
  std::atomic<std::int64_t> gap_records_{0};
  mutable std::mutex mu_;
  std::vector<SourceGap> gaps_;                        // guarded by mu_
  std::map<std::string, std::int64_t> lag_by_source_;  // guarded by mu_
};

}  // namespace tributary::ingest
