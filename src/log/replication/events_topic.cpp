#include "log/replication/events_topic.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "ingest/kafka_reader.h"
#include "log/replication/batch_codec.h"

namespace tributary::log::replication {
namespace {

constexpr int kMetadataTimeoutMs = 5000;

struct DeliverySlot {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::int64_t offset = -1;
};

void OnEventDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  auto* slot = static_cast<DeliverySlot*>(m->_private);
  slot->err = m->err;
  slot->offset = m->offset;
  slot->done = true;
}

Result<std::int64_t> ParseStored(const std::vector<std::pair<std::string, std::string>>& entries,
                                 const char* key) {
  for (const auto& [k, v] : entries) {
    if (k == key) {
      try {
        return std::stoll(v);
      } catch (const std::exception&) {
        return Corruption(std::string("fold state ") + key + " is not a number: " + v);
      }
    }
  }
  return std::int64_t{-1};
}

}  // namespace

EventsTopic::EventsTopic(EventsTopicOptions options, EventLog& log, ProjectionHost& projections,
                         const Clock& clock)
    : options_(std::move(options)), log_(log), projections_(projections), clock_(clock) {}

EventsTopic::~EventsTopic() {
  reader_.reset();
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
  }
}

Result<std::unique_ptr<EventsTopic>> EventsTopic::Open(EventsTopicOptions options, EventLog& log,
                                                       ProjectionHost& projections,
                                                       const Clock& clock) {
  std::unique_ptr<EventsTopic> topic(new EventsTopic(std::move(options), log, projections, clock));
  for (auto step : {&EventsTopic::LoadPosition, &EventsTopic::OpenProducer}) {
    if (auto s = (topic.get()->*step)(); !s.ok()) {
      return s;
    }
  }
  return topic;
}

Status EventsTopic::LoadPosition() {
  auto stored = log_.FoldState("replication/");
  if (!stored.ok()) {
    return stored.status();
  }
  auto next = ParseStored(*stored, kNextOffsetKey);
  auto epoch = ParseStored(*stored, kEpochKey);
  if (!next.ok() || !epoch.ok()) {
    return next.ok() ? epoch.status() : next.status();
  }
  if (*next < 0) {
    // A replica's copy holds only what the events topic holds: a log written
    // without replication would make this replica differ from the others.
    auto last = log_.LastSeq();
    if (!last.ok()) {
      return last.status();
    }
    if (last->value() > 0) {
      return InvalidArgument(
          log_.path().string() + " holds " + std::to_string(last->value()) +
          " events that are not from the events topic " + options_.topic +
          ": a replica starts from an empty data dir or from another replica's backup");
    }
    *next = 0;
  }
  next_offset_ = read_offset_ = *next;
  resumed_from_ = *next;
  epoch_ = std::max<std::int64_t>(*epoch, 0);
  auto generation = ParseStored(*stored, kGenerationKey);
  if (!generation.ok()) {
    return generation.status();
  }
  generation_ = std::max<std::int64_t>(*generation, 0);
  for (const auto& [k, v] : *stored) {
    if (k == kLeaderKey) {
      std::lock_guard lock(leader_mu_);
      leader_ = v;
    }
  }
  return Status::Ok();
}

Status EventsTopic::OpenProducer() {
  auto conf =
      MakeKafkaConf(options_.kafka,
                    {{"client.id", "tributary-" + options_.replica_id},
                     {"enable.idempotence", "true"},
                     {"acks", "all"},
                     {"linger.ms", "1"},
                     // A batch's intents repeat their decision's facts: zstd
                     // keeps the topic (and a broker's retention of it) small.
                     {"compression.type", "zstd"},
                     {"message.timeout.ms", std::to_string(options_.produce_timeout.count())},
                     {"message.max.bytes",
                      std::to_string(std::max<std::size_t>(options_.chunk_bytes + 4096, 1000000))}},
                    {"enable.idempotence", "acks", "transactional.id"});
  if (!conf.ok()) {
    return conf.status();
  }
  rd_kafka_conf_set_dr_msg_cb(*conf, &OnEventDelivery);
  char errstr[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, errstr, sizeof errstr);
  if (producer_ == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return InvalidArgument("replication: cannot create the producer: " + std::string(errstr));
  }
  // The topic must exist with one partition: one order for every replica.
  // Asked about all topics: a request naming the topic (a topic handle's
  // leader query included) lets a broker with auto.create.topics.enable create
  // it, with the broker's default partitions and retention.
  const rd_kafka_metadata_t* md = nullptr;
  const auto err = rd_kafka_metadata(producer_, 1, nullptr, &md, kMetadataTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable("replication: cluster " + options_.kafka.cluster +
                       ": cannot read the metadata of " + options_.topic + ": " +
                       rd_kafka_err2str(err));
  }
  const rd_kafka_metadata_topic_t* t = nullptr;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (options_.topic == md->topics[i].topic) {
      t = &md->topics[i];
    }
  }
  Status status;
  if (t == nullptr || t->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = InvalidArgument("replication: the events topic " + options_.topic +
                             " does not exist on cluster " + options_.kafka.cluster +
                             ": create it with 1 partition and retention.ms=-1");
  } else if (t->partition_cnt != 1) {
    status = InvalidArgument("replication: the events topic " + options_.topic + " has " +
                             std::to_string(t->partition_cnt) +
                             " partitions; it must have exactly 1 (one order for all)");
  }
  rd_kafka_metadata_destroy(md);
  if (!status.ok()) {
    return status;
  }
  std::int64_t low = 0;
  std::int64_t high = 0;
  const auto werr = rd_kafka_query_watermark_offsets(producer_, options_.topic.c_str(), 0, &low,
                                                     &high, kMetadataTimeoutMs);
  if (werr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable("replication: cannot read the end of " + options_.topic + ": " +
                       rd_kafka_err2str(werr));
  }
  start_end_offset_ = high;
  end_offset_ = high;
  if (next_offset_.load() < low) {
    return InvalidArgument("replication: " + options_.topic + " no longer holds offsets " +
                           std::to_string(next_offset_.load()) + ".." + std::to_string(low) +
                           " that this replica has not applied (its retention must be -1); "
                           "start it from a recent backup of another replica");
  }
  return Status::Ok();
}

Status EventsTopic::OpenReader() {
  reader_.reset();
  pending_.clear();
  read_offset_ = next_offset_.load();
  ingest::KafkaReaderOptions o;
  o.cluster = options_.kafka.cluster;
  o.bootstrap_servers = options_.kafka.bootstrap_servers;
  o.properties = options_.kafka.properties;
  o.topics = {options_.topic};
  o.start_offsets[{options_.topic, 0}] = next_offset_.load();
  o.max_batch = 10000;
  auto reader = ingest::KafkaReader::Open(std::move(o));
  if (!reader.ok()) {
    return reader.status();
  }
  reader_ = std::move(reader).value();
  reader_stale_ = false;
  return Status::Ok();
}

Status EventsTopic::Pump(std::chrono::milliseconds timeout) {
  if (reader_stale_) {
    if (auto s = OpenReader(); !s.ok()) {
      return s;
    }
  }
  auto status = reader_->Poll(timeout, [this](std::span<const ingest::RawRecord> records) {
    for (const auto& r : records) {
      if (auto s = ApplyRecord(r.offset, r.value.value_or(std::string_view())); !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  });
  if (const auto gaps = reader_->TakeGaps(); !gaps.empty()) {
    return Corruption("replication: " + options_.topic + " lost offsets " +
                      std::to_string(gaps.front().from_offset) + ".." +
                      std::to_string(gaps.front().to_offset) +
                      " before this replica applied them (its retention must be -1); "
                      "start it from a recent backup of another replica");
  }
  for (const auto& [tp, progress] : reader_->partitions()) {
    end_offset_ = std::max(end_offset_.load(), progress.high_watermark);
  }
  if (!status.ok()) {
    reader_stale_ = true;  // read again from the last applied record
  }
  return status;
}

Status EventsTopic::ApplyThrough(std::int64_t offset, std::chrono::milliseconds timeout) {
  if (auto s = OpenReader(); !s.ok()) {
    return s;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (read_offset_.load() <= offset) {
    if (std::chrono::steady_clock::now() > deadline) {
      reader_stale_ = true;
      return Unavailable("replication: could not read " + options_.topic + " up to offset " +
                         std::to_string(offset) + " in time");
    }
    if (auto s = Pump(std::chrono::milliseconds(100)); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status EventsTopic::ApplyRecord(std::int64_t offset, std::string_view value) {
  if (offset < read_offset_.load()) {
    return Status::Ok();  // read before
  }
  read_offset_ = offset + 1;
  end_offset_ = std::max(end_offset_.load(), offset + 1);
  auto record = DecodeRecord(value);
  if (!record.ok()) {
    // Not written by Tributary: every replica skips it alike.
    ++counters_.malformed;
    spdlog::error("replication: {} offset {}: {}; skipped", options_.topic, offset,
                  record.status().message());
    return Status::Ok();
  }
  switch (record->kind) {
    case RecordKind::kElected:
      return ApplyElected(offset, *record);
    case RecordKind::kChunk: {
      if (record->epoch < epoch_.load()) {
        return Status::Ok();  // a deposed leader's
      }
      auto& p = pending_[{record->epoch, record->batch_id}];
      if (p.pieces == 0) {
        p.first_offset = offset;
      }
      if (record->index != p.pieces) {
        spdlog::error(
            "replication: {} offset {}: piece {} of batch {} (epoch {}) out of order; "
            "the batch is dropped",
            options_.topic, offset, record->index, record->batch_id, record->epoch);
        pending_.erase({record->epoch, record->batch_id});
        return Status::Ok();
      }
      p.bytes += record->bytes;
      ++p.pieces;
      return Status::Ok();
    }
    case RecordKind::kClose:
      return ApplyClose(offset, std::move(record).value());
  }
  return Status::Ok();
}

Status EventsTopic::ApplyElected(std::int64_t offset, const TopicRecord& record) {
  if (record.epoch <= epoch_.load()) {
    return Status::Ok();  // an older leader's, late: changes nothing
  }
  // Every piece read so far is an older epoch's: never to be closed.
  pending_.clear();
  EventLog::AppendOptions o;
  o.fold_state = {{kNextOffsetKey, std::to_string(offset + 1)},
                  {kEpochKey, std::to_string(record.epoch)},
                  {kGenerationKey, std::to_string(record.batch_id)},
                  {kLeaderKey, record.replica_id}};
  if (auto r = log_.Append(Batch{}, o); !r.ok()) {
    return r.status();
  }
  epoch_ = record.epoch;
  generation_ = static_cast<std::int64_t>(record.batch_id);
  {
    std::lock_guard lock(leader_mu_);
    leader_ = record.replica_id;
  }
  next_offset_ = offset + 1;
  spdlog::info("replication: {} leads from epoch {} (offset {})", record.replica_id, record.epoch,
               offset);
  return Status::Ok();
}

Status EventsTopic::ApplyClose(std::int64_t offset, TopicRecord record) {
  Pending pieces;
  if (auto it = pending_.find({record.epoch, record.batch_id}); it != pending_.end()) {
    pieces = std::move(it->second);
  }
  // Pieces of any other batch can no longer be closed: one leader writes one batch at a time.
  pending_.clear();
  if (record.epoch < epoch_.load()) {
    ++counters_.skipped;
    spdlog::info("replication: {} offset {}: batch of epoch {} skipped (epoch {} leads)",
                 options_.topic, offset, record.epoch, epoch_.load());
    return Status::Ok();
  }
  if (pieces.pieces + 1 != record.index) {
    ++counters_.malformed;
    spdlog::error(
        "replication: {} offset {}: batch {} of epoch {} closed with {} pieces, {} "
        "arrived; skipped",
        options_.topic, offset, record.batch_id, record.epoch, record.index, pieces.pieces + 1);
    return Status::Ok();
  }
  pieces.bytes += record.bytes;
  auto wire = DecodeBatch(pieces.bytes);
  if (!wire.ok()) {
    // Written by a leader whose batches this build cannot read: applying
    // around it would make this replica differ from the others.
    return Corruption("replication: " + options_.topic + " offset " + std::to_string(offset) +
                      ": " + wire.status().message() +
                      " (is a newer Tributary leading? upgrade this replica)");
  }
  auto applied = ApplyBatch(offset, wire->batch, wire->recorded_at, record.outcome);
  return applied.ok() ? Status::Ok() : applied.status();
}

Result<AppendResult> EventsTopic::ApplyBatch(std::int64_t close_offset, const Batch& batch,
                                             Timestamp recorded_at,
                                             const std::optional<CommandOutcome>& outcome) {
  EventLog::AppendOptions o;
  o.recorded_at = recorded_at;
  o.fold_state = {{kNextOffsetKey, std::to_string(close_offset + 1)}};
  auto result = log_.Append(batch, o);
  if (!result.ok()) {
    return result.status();
  }
  projections_.Apply(EventLog::AppendedRecords(batch, *result));
  next_offset_ = close_offset + 1;
  read_offset_ = std::max(read_offset_.load(), close_offset + 1);
  last_close_offset_ = close_offset;
  last_result_ = *result;
  ++counters_.batches;
  if (outcome && observer_) {
    observer_(*outcome, *result);
  }
  return result;
}

std::string EventsTopic::leader() const {
  std::lock_guard lock(leader_mu_);
  return leader_;
}

Status EventsTopic::Elect(std::int64_t epoch, std::int64_t generation,
                          std::chrono::milliseconds timeout) {
  leading_epoch_ = 0;
  TopicRecord elected;
  elected.kind = RecordKind::kElected;
  elected.epoch = epoch;
  elected.replica_id = options_.replica_id;
  elected.batch_id = static_cast<std::uint64_t>(generation);
  auto offsets = Produce({EncodeRecord(elected)});
  if (!offsets.ok()) {
    return offsets.status();
  }
  if (auto s = ApplyThrough(offsets->front(), timeout); !s.ok()) {
    return s;
  }
  if (epoch_.load() != epoch || generation_.load() != generation ||
      leader() != options_.replica_id) {
    return Unavailable("replication: epoch " + std::to_string(epoch_.load()) + " of " + leader() +
                       " is the newest, not this replica's epoch " + std::to_string(epoch));
  }
  leading_epoch_ = epoch;
  return Status::Ok();
}

void EventsTopic::Depose() {
  leading_epoch_ = 0;
  next_outcome_.reset();
  reader_stale_ = true;
}

Result<AppendResult> EventsTopic::AppendAndApply(const Batch& batch) {
  auto outcome = std::exchange(next_outcome_, std::nullopt);
  if (leading_epoch_ == 0) {
    return Unavailable("replication: " + options_.replica_id +
                       " does not lead; only the leader writes the log");
  }
  const Timestamp recorded_at = clock_.Now();
  std::string bytes;
  EncodeBatch(batch, recorded_at, bytes);
  TopicRecord piece;
  piece.epoch = leading_epoch_;
  piece.replica_id = options_.replica_id;
  piece.batch_id = ++batch_counter_;
  std::vector<std::string> records;
  std::size_t at = 0;
  while (bytes.size() - at > options_.chunk_bytes) {
    piece.kind = RecordKind::kChunk;
    piece.index = static_cast<std::uint32_t>(records.size());
    piece.bytes = bytes.substr(at, options_.chunk_bytes);
    records.push_back(EncodeRecord(piece));
    at += options_.chunk_bytes;
  }
  piece.kind = RecordKind::kClose;
  piece.index = static_cast<std::uint32_t>(records.size() + 1);
  piece.bytes = bytes.substr(at);
  piece.outcome = outcome;
  records.push_back(EncodeRecord(piece));
  auto offsets = Produce(records);
  if (!offsets.ok()) {
    reader_stale_ = true;
    return offsets.status();
  }
  bool follows = pending_.empty() && offsets->front() == read_offset_.load();
  for (std::size_t i = 1; i < offsets->size(); ++i) {
    follows = follows && (*offsets)[i] == (*offsets)[i - 1] + 1;
  }
  if (follows) {
    // Nothing else was appended in between: apply it from memory.
    reader_stale_ = true;
    return ApplyBatch(offsets->back(), batch, recorded_at, outcome);
  }
  // Something else was: apply the topic up to this batch as every replica does.
  if (auto s = ApplyThrough(offsets->back(), options_.produce_timeout); !s.ok()) {
    return s;
  }
  if (last_close_offset_ == offsets->back()) {
    return last_result_;
  }
  const auto newer = epoch_.load();
  Depose();
  return Unavailable("replication: batch of epoch " + std::to_string(piece.epoch) +
                     " fenced: epoch " + std::to_string(newer) + " leads now");
}

Result<std::vector<std::int64_t>> EventsTopic::Produce(const std::vector<std::string>& records) {
  std::vector<DeliverySlot> slots(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    for (;;) {
      const auto err = rd_kafka_producev(
          producer_, RD_KAFKA_V_TOPIC(options_.topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_KEY(options_.replica_id.data(), options_.replica_id.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(records[i].data()), records[i].size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&slots[i]), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer_, 10);
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Those already queued are reported below before this returns.
        slots.resize(i);
        rd_kafka_flush(producer_, static_cast<int>(options_.produce_timeout.count()) + 5000);
        return Unavailable("replication: cannot produce to " + options_.topic + ": " +
                           rd_kafka_err2str(err));
      }
      break;
    }
  }
  // librdkafka reports every message within message.timeout.ms.
  while (!std::all_of(slots.begin(), slots.end(), [](const auto& s) { return s.done; })) {
    rd_kafka_poll(producer_, 5);
  }
  for (const auto& s : slots) {
    if (s.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable("replication: the broker did not take a batch for " + options_.topic +
                         ": " + rd_kafka_err2str(s.err));
    }
  }
  std::vector<std::int64_t> offsets;
  offsets.reserve(slots.size());
  for (const auto& s : slots) {
    offsets.push_back(s.offset);
  }
  return offsets;
}

}  // namespace tributary::log::replication
