#pragma once
// IngestPipeline: records in, one batch out.
//
// For each poll batch of a cluster, every record goes to the translator of its
// topic; the events, fold-state changes and quarantined records they produce,
// together with the next source offset of every partition in the batch, are
// committed as ONE batch through the writer (tributary/writer.h). A crash at any
// point therefore loses nothing and duplicates nothing: on restart the readers
// resume at the committed offsets and the translators restore the fold state
// committed with them (tributary/committed_state.h); after a failed commit they
// are put back the same way, so the re-delivered records give the same events.
//
// Used on the single writer thread only; the counters may be read from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "ingest/polled_source.h"
#include "ingest/raw_record.h"
#include "ingest/translator.h"
#include "tributary/committed_state.h"
#include "tributary/writer.h"

namespace tributary::ingest {

struct IngestCounters {
  std::atomic<std::int64_t> records{0};
};

// What one source brought in since start (the records of committed batches).
struct SourceTotals {
  std::string name;  // as in the log: "<cluster>/<topic>", or a polled source's name
  std::int64_t records = 0;
  std::int64_t quarantined = 0;
};

class IngestPipeline {
 public:
  // `writer` (the writer thread's own) and `committed` must outlive the pipeline.
  IngestPipeline(Writer& writer, CommittedState& committed);
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

  // Puts every translator back where the log is (a replica that begins to lead).
  Status RestoreAll();

  // Translates and appends one poll batch of `cluster`.
  Status Process(const std::string& cluster, std::span<const RawRecord> records);
  // Runs every translator's timers at `now` and commits what they decide.
  Status Tick(Timestamp now);

  // The latest record time seen (event time, for timers while catching up).
  Timestamp latest_event_time() const { return latest_event_time_; }
  const IngestCounters& counters() const { return counters_; }
  // Per source, in a stable order. Any thread (the sources are all added
  // before the writer thread starts).
  std::vector<SourceTotals> source_totals() const;

 private:
  struct Source;
  class BatchSink;
  // Commits `batch`; on success counts its quarantined records per source.
  Status Commit(Batch batch);
  Source* Named(std::string_view name);
  Status RestoreTranslator(Source& source);

  Writer& writer_;
  CommittedState& committed_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Source>>
      sources_;  // cluster, topic
  struct Polled;
  std::vector<std::unique_ptr<Polled>> polled_;
  Timestamp latest_event_time_{};
  IngestCounters counters_;
};

}  // namespace tributary::ingest
