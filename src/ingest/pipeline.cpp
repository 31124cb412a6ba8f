#include "ingest/pipeline.h"

#include <spdlog/spdlog.h>

namespace tributary::ingest {

struct IngestPipeline::Source {
  std::string name;  // "<cluster>/<topic>"
  std::string topic;
  std::unique_ptr<SourceTranslator> translator;
  std::atomic<std::int64_t> records{0};
  std::atomic<std::int64_t> quarantined{0};
};

// Builds one Batch; knows the record being translated so events get source keys.
class IngestPipeline::BatchSink final : public TranslationSink {
 public:
  explicit BatchSink(Batch& batch) : batch_(batch) {}

  void StartRecord(const Source* source, const RawRecord* record) {
    source_ = source;
    record_ = record;
    index_ = 0;
  }
  void StartTimer(const Source* source) {
    source_ = source;
    record_ = nullptr;
  }

  void Emit(DomainEvent event, Timestamp event_time) override {
    NewEvent e{std::move(event), event_time, source_->name, std::nullopt, std::nullopt};
    if (record_ != nullptr) {
      e.source_key = SourceKey{record_->partition, record_->offset, index_++};
    }
    batch_.events.push_back(std::move(e));
  }

  void EmitDecision(DomainEvent event, Timestamp event_time, std::string dedup_key) override {
    batch_.events.push_back(
        NewEvent{std::move(event), event_time, source_->name, std::nullopt, std::move(dedup_key)});
  }

  void Quarantine(std::string reason) override {
    if (record_ == nullptr) {
      spdlog::warn("{}: {}", source_->name, reason);
      return;
    }
    batch_.quarantine.push_back(
        QuarantineRecord{source_->name, std::string(record_->topic), record_->partition,
                         record_->offset, std::string(record_->key.value_or("")),
                         std::string(record_->value.value_or("")), std::move(reason)});
  }

  void WriteFold(std::string key, std::optional<std::string> value) override {
    // The last write of a key in a batch wins; keep one entry per key.
    auto [it, inserted] = fold_index_.try_emplace(key, batch_.fold_state.size());
    if (inserted) {
      batch_.fold_state.push_back({std::move(key), std::move(value)});
    } else {
      batch_.fold_state[it->second].value = std::move(value);
    }
  }

 private:
  Batch& batch_;
  const Source* source_ = nullptr;
  const RawRecord* record_ = nullptr;
  std::int32_t index_ = 0;
  std::map<std::string, std::size_t> fold_index_;
};

struct IngestPipeline::Polled {
  Source source;
  PolledSource* poller = nullptr;  // == source.translator
  std::chrono::steady_clock::time_point next_poll{};
};

IngestPipeline::IngestPipeline(Writer& writer, CommittedState& committed)
    : writer_(writer), committed_(committed) {}

IngestPipeline::~IngestPipeline() = default;

Status IngestPipeline::AddSource(const std::string& cluster, const std::string& topic,
                                 std::unique_ptr<SourceTranslator> translator) {
  auto source = std::make_unique<Source>();
  source->name = cluster + "/" + topic;
  source->topic = topic;
  source->translator = std::move(translator);
  if (auto s = RestoreTranslator(*source); !s.ok()) {
    return s;
  }
  sources_[{cluster, topic}] = std::move(source);
  return Status::Ok();
}

Status IngestPipeline::AddPolledSource(std::unique_ptr<PolledSource> source) {
  auto polled = std::make_unique<Polled>();
  polled->source.name = source->name();
  polled->poller = source.get();
  polled->source.translator = std::move(source);
  if (auto s = RestoreTranslator(polled->source); !s.ok()) {
    return s;
  }
  polled_.push_back(std::move(polled));
  return Status::Ok();
}

Status IngestPipeline::PollSources(Timestamp now) {
  const auto steady = std::chrono::steady_clock::now();
  for (auto& polled : polled_) {
    if (steady < polled->next_poll) {
      continue;
    }
    polled->next_poll = steady + polled->poller->interval();
    Batch batch;
    BatchSink sink(batch);
    sink.StartTimer(&polled->source);
    if (auto s = polled->poller->Poll(now, sink); !s.ok()) {
      spdlog::warn("{}: poll failed, retrying in {}: {}", polled->source.name,
                   FormatDuration(polled->poller->interval()), s.message());
      if (auto r = RestoreTranslator(polled->source); !r.ok()) {
        return r;
      }
      continue;
    }
    polled->poller->Flush(sink);
    const auto reported = static_cast<std::int64_t>(batch.events.size());
    if (auto s = Commit(std::move(batch)); !s.ok()) {
      if (auto r = RestoreTranslator(polled->source); !r.ok()) {
        spdlog::error("{}", r.message());
      }
      return s;
    }
    polled->source.records += reported;  // what a poll reports counts as its records
  }
  return Status::Ok();
}

Status IngestPipeline::RestoreTranslator(Source& source) {
  const auto prefix = source.translator->fold_prefix();
  std::vector<std::pair<std::string, std::string>> entries;
  if (!prefix.empty()) {
    auto stored = committed_.FoldState(prefix);
    if (!stored.ok()) {
      return stored.status();
    }
    entries = std::move(stored).value();
  }
  if (auto s = source.translator->Restore(entries); !s.ok()) {
    return Corruption(source.name + ": cannot restore the fold state: " + s.message());
  }
  return Status::Ok();
}

Status IngestPipeline::RestoreAll() {
  for (auto& [key, source] : sources_) {
    if (auto s = RestoreTranslator(*source); !s.ok()) {
      return s;
    }
  }
  for (auto& polled : polled_) {
    if (auto s = RestoreTranslator(polled->source); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Result<std::map<TopicPartition, std::int64_t>> IngestPipeline::StartOffsets(
    const std::string& cluster) {
  std::map<TopicPartition, std::int64_t> out;
  for (const auto& [key, source] : sources_) {
    if (key.first != cluster) {
      continue;
    }
    auto offsets = committed_.Offsets(source->name);
    if (!offsets.ok()) {
      return offsets.status();
    }
    for (const auto& o : *offsets) {
      out[{source->topic, o.partition}] = o.next_offset;
    }
  }
  return out;
}

std::vector<SourceTotals> IngestPipeline::source_totals() const {
  std::vector<SourceTotals> out;
  for (const auto& [key, source] : sources_) {
    out.push_back({source->name, source->records.load(), source->quarantined.load()});
  }
  for (const auto& polled : polled_) {
    out.push_back(
        {polled->source.name, polled->source.records.load(), polled->source.quarantined.load()});
  }
  return out;
}

IngestPipeline::Source* IngestPipeline::Named(std::string_view name) {
  for (auto& [key, source] : sources_) {
    if (source->name == name) {
      return source.get();
    }
  }
  for (auto& polled : polled_) {
    if (polled->source.name == name) {
      return &polled->source;
    }
  }
  return nullptr;
}

Status IngestPipeline::Commit(Batch batch) {
  if (batch.empty()) {
    return Status::Ok();
  }
  std::map<Source*, std::int64_t> quarantined;
  for (const auto& q : batch.quarantine) {
    if (auto* source = Named(q.source)) {
      ++quarantined[source];
    }
  }
  if (auto result = writer_.Commit(std::move(batch)); !result.ok()) {
    // The translators moved on in memory; put them back where the log is, so
    // that the re-delivered records produce the same events again.
    for (const auto& [key, source] : sources_) {
      if (auto s = RestoreTranslator(*source); !s.ok()) {
        spdlog::error("{}", s.message());
      }
    }
    // Polled sources may observe the records too (consumer health's commits).
    for (const auto& polled : polled_) {
      if (auto s = RestoreTranslator(polled->source); !s.ok()) {
        spdlog::error("{}", s.message());
      }
    }
    return result.status();
  }
  for (const auto& [source, n] : quarantined) {
    source->quarantined += n;
  }
  return Status::Ok();
}

Status IngestPipeline::Process(const std::string& cluster, std::span<const RawRecord> records) {
  Batch batch;
  BatchSink sink(batch);
  std::map<std::pair<const Source*, std::int32_t>, std::int64_t> next_offsets;
  // Records come in runs of one topic partition: resolve the source and the
  // offset slot once per run.
  std::string_view last_topic;
  std::int32_t last_partition = -1;
  Source* run_source = nullptr;
  std::int64_t* run_next = nullptr;
  std::map<Source*, std::int64_t> read;  // records per source
  std::int64_t* run_read = nullptr;
  for (const auto& record : records) {
    if (run_next == nullptr || record.topic != last_topic || record.partition != last_partition) {
      last_topic = record.topic;
      last_partition = record.partition;
      auto it = sources_.find({cluster, std::string(record.topic)});
      run_source = it == sources_.end() ? nullptr : it->second.get();
      run_next = run_source == nullptr ? nullptr : &next_offsets[{run_source, record.partition}];
      run_read = run_source == nullptr ? nullptr : &read[run_source];
    }
    if (run_source == nullptr) {
      continue;  // not a source topic of this cluster
    }
    sink.StartRecord(run_source, &record);
    run_source->translator->Translate(record, sink);
    ++*run_read;
    *run_next = std::max(*run_next, record.offset + 1);
    if (record.timestamp_ms > 0) {
      latest_event_time_ = std::max(latest_event_time_, FromMillis(record.timestamp_ms));
    }
  }
  for (const auto& [key, source] : sources_) {
    if (key.first == cluster) {
      sink.StartTimer(source.get());
      source->translator->Flush(sink);
    }
  }
  for (const auto& [sp, next] : next_offsets) {
    batch.offsets.push_back({sp.first->name, sp.second, next});
  }
  if (auto s = Commit(std::move(batch)); !s.ok()) {
    return s;
  }
  counters_.records += static_cast<std::int64_t>(records.size());
  for (const auto& [source, n] : read) {
    source->records += n;
  }
  return Status::Ok();
}

Status IngestPipeline::Tick(Timestamp now) {
  Batch batch;
  BatchSink sink(batch);
  for (const auto& [key, source] : sources_) {
    sink.StartTimer(source.get());
    source->translator->Tick(now, sink);
    source->translator->Flush(sink);
  }
  return Commit(std::move(batch));
}

}  // namespace tributary::ingest
