#include "ingest/pipeline.h"

#include <spdlog/spdlog.h>

namespace tributary::ingest {

struct IngestPipeline::Source {
  std::string name;  // "<cluster>/<topic>"
  std::string topic;
  std::unique_ptr<SourceTranslator> translator;
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

IngestPipeline::IngestPipeline(EventLog& log, ProjectionHost& projections, const Clock& clock)
    : log_(log), projections_(projections), clock_(clock) {}

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
    if (auto s = Commit(batch); !s.ok()) {
      if (auto r = RestoreTranslator(polled->source); !r.ok()) {
        spdlog::error("{}", r.message());
      }
      return s;
    }
  }
  return Status::Ok();
}

Status IngestPipeline::RestoreTranslator(Source& source) {
  const auto prefix = source.translator->fold_prefix();
  std::vector<std::pair<std::string, std::string>> entries;
  if (!prefix.empty()) {
    auto stored = log_.FoldState(prefix);
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

Result<std::map<TopicPartition, std::int64_t>> IngestPipeline::StartOffsets(
    const std::string& cluster) {
  std::map<TopicPartition, std::int64_t> out;
  for (const auto& [key, source] : sources_) {
    if (key.first != cluster) {
      continue;
    }
    auto offsets = log_.Offsets(source->name);
    if (!offsets.ok()) {
      return offsets.status();
    }
    for (const auto& o : *offsets) {
      out[{source->topic, o.partition}] = o.next_offset;
    }
  }
  return out;
}

Status IngestPipeline::Commit(Batch& batch) {
  if (batch.empty()) {
    return Status::Ok();
  }
  // The decider's cursor rides along when it moved without decisions of its own.
  const bool cursor_write = decider_ != nullptr && decided_seq_ > stored_cursor_;
  const EventSeq cursor = decided_seq_;
  if (cursor_write) {
    batch.fold_state.push_back({decider_->cursor_key(), std::to_string(cursor.value())});
  }
  auto result = log_.Append(batch);
  if (!result.ok()) {
    if (cursor_write) {
      batch.fold_state.pop_back();
    }
    // The translators moved on in memory; put them back where the log is, so
    // that the re-delivered records produce the same events again.
    for (const auto& [key, source] : sources_) {
      if (auto s = RestoreTranslator(*source); !s.ok()) {
        spdlog::error("{}", s.message());
      }
    }
    return result.status();
  }
  if (cursor_write) {
    stored_cursor_ = cursor;
  }
  auto records = EventLog::AppendedRecords(batch, *result);
  projections_.Apply(records);
  counters_.events += static_cast<std::int64_t>(result->appended);
  counters_.duplicates += static_cast<std::int64_t>(result->duplicates);
  counters_.quarantined += static_cast<std::int64_t>(result->quarantined);
  ++counters_.batches;
  if (auto s = Decide(std::move(records)); !s.ok()) {
    // The batch itself is committed; the decisions follow with the next one.
    spdlog::warn("decisions deferred: {}", s.message());
  }
  return Status::Ok();
}

Status IngestPipeline::SetDecider(Decider* decider) {
  decider_ = decider;
  auto stored = log_.FoldState(decider->cursor_key());
  if (!stored.ok()) {
    return stored.status();
  }
  std::optional<std::int64_t> cursor;
  for (const auto& [key, value] : *stored) {
    if (key == decider->cursor_key()) {
      try {
        cursor = std::stoll(value);
      } catch (const std::exception&) {
        return Corruption("fold state " + key + " is not a sequence number: " + value);
      }
    }
  }
  if (!cursor) {
    // First start with a decider: decide from the beginning of a new log, and
    // from now on for a log written before deciding existed (history is not
    // news to anyone).
    cursor = projections_.applied_seq().value();
    if (*cursor > 0) {
      spdlog::info("decisions start after event {}", *cursor);
    }
    Batch batch;
    batch.fold_state.push_back({decider->cursor_key(), std::to_string(*cursor)});
    if (auto r = log_.Append(batch); !r.ok()) {
      return r.status();
    }
  }
  decided_seq_ = stored_cursor_ = EventSeq(*cursor);
  return Decide({});
}

Status IngestPipeline::Decide(std::vector<EventRecord> fresh) {
  if (decider_ == nullptr) {
    return Status::Ok();
  }
  if (!fresh.empty() && fresh.front().seq.value() == decided_seq_.value() + 1) {
    Batch decisions;
    decider_->Decide(fresh, decisions);
    return AppendDecisions(decisions, fresh.back().seq);
  }
  // Behind (a restart, or decisions that failed to commit): catch up from the log.
  constexpr std::size_t kChunk = 10000;
  while (decided_seq_ < projections_.applied_seq()) {
    auto chunk = log_.Read(decided_seq_, kChunk);
    if (!chunk.ok()) {
      return chunk.status();
    }
    if (chunk->empty()) {
      break;
    }
    Batch decisions;
    decider_->Decide(*chunk, decisions);
    if (auto s = AppendDecisions(decisions, chunk->back().seq); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status IngestPipeline::AppendDecisions(Batch& decisions, EventSeq through) {
  if (decisions.empty()) {
    decided_seq_ = std::max(decided_seq_, through);  // stored with the next batch
    return Status::Ok();
  }
  decisions.fold_state.push_back({decider_->cursor_key(), std::to_string(through.value())});
  auto result = log_.Append(decisions);
  if (!result.ok()) {
    return result.status();
  }
  stored_cursor_ = through;
  projections_.Apply(EventLog::AppendedRecords(decisions, *result));
  counters_.events += static_cast<std::int64_t>(result->appended);
  // The decisions just appended need no decision about themselves.
  decided_seq_ = std::max(through, projections_.applied_seq());
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
  const Source* run_source = nullptr;
  std::int64_t* run_next = nullptr;
  for (const auto& record : records) {
    if (run_next == nullptr || record.topic != last_topic || record.partition != last_partition) {
      last_topic = record.topic;
      last_partition = record.partition;
      auto it = sources_.find({cluster, std::string(record.topic)});
      run_source = it == sources_.end() ? nullptr : it->second.get();
      run_next = run_source == nullptr ? nullptr : &next_offsets[{run_source, record.partition}];
    }
    if (run_source == nullptr) {
      continue;  // not a source topic of this cluster
    }
    sink.StartRecord(run_source, &record);
    run_source->translator->Translate(record, sink);
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
  if (auto s = Commit(batch); !s.ok()) {
    return s;
  }
  counters_.records += static_cast<std::int64_t>(records.size());
  return Status::Ok();
}

Result<AppendResult> IngestPipeline::AppendEvents(std::vector<NewEvent> events) {
  Batch batch;
  batch.events = std::move(events);
  return AppendBatch(std::move(batch));
}

Result<AppendResult> IngestPipeline::AppendBatch(Batch batch) {
  auto result = log_.Append(batch);
  if (!result.ok()) {
    return result.status();
  }
  auto records = EventLog::AppendedRecords(batch, *result);
  projections_.Apply(records);
  counters_.events += static_cast<std::int64_t>(result->appended);
  if (auto s = Decide(std::move(records)); !s.ok()) {
    spdlog::warn("decisions deferred: {}", s.message());
  }
  return result;
}

Status IngestPipeline::Tick(Timestamp now) {
  Batch batch;
  BatchSink sink(batch);
  for (const auto& [key, source] : sources_) {
    sink.StartTimer(source.get());
    source->translator->Tick(now, sink);
    source->translator->Flush(sink);
  }
  if (auto s = Commit(batch); !s.ok()) {
    return s;
  }
  if (decider_ != nullptr) {
    Batch decisions;
    decider_->Tick(now, decisions);
    return AppendDecisions(decisions, decided_seq_);
  }
  return Status::Ok();
}

}  // namespace tributary::ingest
