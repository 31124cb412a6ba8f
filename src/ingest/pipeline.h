#pragma once
// IngestPipeline: records in, one durable batch out.
//
// For each poll batch of a cluster, every record goes to the translator of its
// topic; the events, fold-state changes and quarantined records they produce,
// together with the next source offset of every partition in the batch, are
// appended in ONE transaction (EventLog::Append), then applied to the
// projections. A crash at any point therefore loses nothing and duplicates
// nothing: on restart the readers resume at the stored offsets and the
// translators restore the fold state committed with them.
//
// Used by the single ingest thread only; the counters may be read from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "ingest/kafka_reader.h"
#include "ingest/polled_source.h"
#include "ingest/translator.h"
#include "store/decider.h"
#include "store/event_log.h"
#include "store/projection_host.h"

namespace tributary::ingest {

struct IngestCounters {
  std::atomic<std::int64_t> records{0};
  std::atomic<std::int64_t> events{0};
  std::atomic<std::int64_t> duplicates{0};
  std::atomic<std::int64_t> quarantined{0};
  std::atomic<std::int64_t> batches{0};
};

class IngestPipeline {
 public:
  // `log`, `projections` and `clock` must outlive the pipeline.
  IngestPipeline(EventLog& log, ProjectionHost& projections, const Clock& clock);
  ~IngestPipeline();

  // Routes records of `topic` on `cluster` to `translator` and restores its
  // fold state. The source is named "<cluster>/<topic>" in the log.
  Status AddSource(const std::string& cluster, const std::string& topic,
                   std::unique_ptr<SourceTranslator> translator);

  // Adds a source that is polled rather than read (see PolledSource).
  Status AddPolledSource(std::unique_ptr<PolledSource> source);
  // Polls every polled source whose interval has passed at `now` (steady time
  // decides when; `now` stamps the events) and appends what each reports.
  Status PollSources(Timestamp now);

  // The stored next offsets of every partition of a cluster's sources, for
  // KafkaReaderOptions::start_offsets.
  Result<std::map<TopicPartition, std::int64_t>> StartOffsets(const std::string& cluster);

  // Translates and appends one poll batch of `cluster`.
  Status Process(const std::string& cluster, std::span<const RawRecord> records);
  // Appends events that did not come from a source record (API writes),
  // idempotent by their dedup keys, and applies them to the projections.
  Result<AppendResult> AppendEvents(std::vector<NewEvent> events);
  // The same for a whole batch (events with notification delivery state, say).
  Result<AppendResult> AppendBatch(Batch batch);
  // Runs every translator's timers at `now` and appends what they decide.
  Status Tick(Timestamp now);

  // Hands every applied batch (and every tick) to `decider` (see store/decider.h)
  // and first lets it decide about the events after its stored cursor. The
  // decider must outlive the pipeline.
  Status SetDecider(Decider* decider);

  // The latest record time seen (event time, for timers while catching up).
  Timestamp latest_event_time() const { return latest_event_time_; }
  const IngestCounters& counters() const { return counters_; }

 private:
  struct Source;
  class BatchSink;
  Status Commit(Batch& batch);
  // Lets the decider decide about every applied event after decided_seq_;
  // `fresh` are the records just applied (read from the log when they do not
  // follow decided_seq_).
  Status Decide(std::vector<EventRecord> fresh);
  Status AppendDecisions(Batch& decisions, EventSeq through);
  Status RestoreTranslator(Source& source);

  EventLog& log_;
  ProjectionHost& projections_;
  const Clock& clock_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Source>>
      sources_;  // cluster, topic
  struct Polled;
  std::vector<std::unique_ptr<Polled>> polled_;
  Timestamp latest_event_time_{};
  Decider* decider_ = nullptr;
  EventSeq decided_seq_;    // every event up to here has been decided about
  EventSeq stored_cursor_;  // the cursor as committed
  IngestCounters counters_;
};

}  // namespace tributary::ingest
