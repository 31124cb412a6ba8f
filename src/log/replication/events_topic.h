#pragma once
// EventsTopic: the domain event log as a Kafka topic (DESIGN.md §8), and this
// replica's materialised copy of it (the SQLite event log and the projections).
//
// The records of the topic (one partition; see record.h for their form):
//   elected  a new leader's epoch, appended before it does anything else;
//   chunk    a piece of an encoded batch (a batch larger than `chunk_bytes`);
//   close    the last piece of a batch, which closes it: only then is it applied.
// Every replica applies the topic in order, one closed batch at a time, and
// skips a batch whose epoch is older than the newest elected record it has
// applied (the fencing token): a deposed leader's late batches change nothing.
// Where the replica stands (`replication/next_offset`, `replication/epoch`) is
// fold state written in the same transaction as the batch, so a restart reads
// on exactly after the last applied record.
//
// The leader appends through AppendAndApply() (the LogWriter's BatchAppender):
// the batch is produced (idempotent producer, acks=all), and applied here once
// the broker acknowledged it — straight from memory when its records directly
// follow what this replica applied, else by reading the topic up to them, so
// that it is applied exactly as every other replica applies it, or skipped.
//
// Not thread-safe: the writer thread owns it; the position accessors may be
// read from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "log/log_writer.h"
#include "log/replication/kafka_config.h"
#include "log/replication/record.h"
#include "store/event_log.h"
#include "store/projection_host.h"

struct rd_kafka_s;

namespace tributary::ingest {
class KafkaReader;
}  // namespace tributary::ingest

namespace tributary::log::replication {

inline constexpr const char* kNextOffsetKey = "replication/next_offset";
inline constexpr const char* kEpochKey = "replication/epoch";
inline constexpr const char* kLeaderKey = "replication/leader";
inline constexpr const char* kGenerationKey = "replication/generation";

struct EventsTopicOptions {
  KafkaClientConfig kafka;
  std::string topic = "tributary.events";
  std::string replica_id;
  std::size_t chunk_bytes = 512 * 1024;
  std::chrono::milliseconds produce_timeout{10000};
};

struct ApplyCounters {
  std::atomic<std::int64_t> batches{0};
  std::atomic<std::int64_t> skipped{0};  // fenced batches of an older epoch
  std::atomic<std::int64_t> malformed{0};
};

class EventsTopic final : public BatchAppender {
 public:
  // Called after a batch that answers a command (see CommandOutcome) is applied.
  using CommandObserver =
      std::function<void(const CommandOutcome& outcome, const AppendResult& appended)>;

  // Checks the topic (it must exist, with one partition), reads where this
  // replica stands from `log`, and opens the producer and the reader.
  static Result<std::unique_ptr<EventsTopic>> Open(EventsTopicOptions options, EventLog& log,
                                                   ProjectionHost& projections, const Clock& clock);
  ~EventsTopic() override;
  EventsTopic(const EventsTopic&) = delete;
  EventsTopic& operator=(const EventsTopic&) = delete;

  // A follower's step: applies the closed batches that arrive within `timeout`.
  Status Pump(std::chrono::milliseconds timeout);

  // Becoming the leader of `epoch` (in group generation `generation`): appends
  // the elected record and applies the topic up to and including it.
  // Unavailable unless that record is then the newest elected one applied
  // (another leader's came first: this replica was deposed before it began).
  Status Elect(std::int64_t epoch, std::int64_t generation, std::chrono::milliseconds timeout);
  // Stepping down: appends are refused from now on.
  void Depose();
  std::int64_t leading_epoch() const { return leading_epoch_; }

  // BatchAppender (the leader's LogWriter). Unavailable when this replica does
  // not lead, when the broker did not acknowledge the batch, or when the batch
  // was fenced by a newer leader (nothing of it applied anywhere).
  Result<AppendResult> AppendAndApply(const Batch& batch) override;
  // The next AppendAndApply() answers this command (its closing record carries it).
  void AnswerWithNextAppend(CommandOutcome outcome) { next_outcome_ = std::move(outcome); }

  void SetCommandObserver(CommandObserver observer) { observer_ = std::move(observer); }

  // The offset after the last batch applied (stored with it), the offset after
  // the last record read (batches skipped included), the newest epoch applied,
  // the topic's end offset when this replica started, and the latest end
  // offset known.
  std::int64_t next_offset() const { return next_offset_.load(); }
  // Where this process started reading: 0 for a new replica, the stored
  // position for a restarted one or one restored from a backup.
  std::int64_t resumed_from() const { return resumed_from_; }
  std::int64_t read_offset() const { return read_offset_.load(); }
  std::int64_t epoch() const { return epoch_.load(); }
  // The group generation and the replica id of the newest epoch's leader (0 and "" before any).
  std::int64_t generation() const { return generation_.load(); }
  std::string leader() const;
  std::int64_t start_end_offset() const { return start_end_offset_; }
  std::int64_t end_offset() const { return end_offset_.load(); }
  bool caught_up() const { return read_offset_.load() >= start_end_offset_; }
  const ApplyCounters& counters() const { return counters_; }

 private:
  struct Pending {
    std::int64_t first_offset = 0;
    std::string bytes;
    std::uint32_t pieces = 0;
  };
  EventsTopic(EventsTopicOptions options, EventLog& log, ProjectionHost& projections,
              const Clock& clock);
  Status LoadPosition();
  Status OpenProducer();
  Status OpenReader();
  // Produces `records` in order and waits for the broker; their offsets.
  Result<std::vector<std::int64_t>> Produce(const std::vector<std::string>& records);
  // Reads and applies the topic until next_offset() passes `offset`.
  Status ApplyThrough(std::int64_t offset, std::chrono::milliseconds timeout);
  // Applies one record of the topic (in order; records before next_offset() are ignored).
  Status ApplyRecord(std::int64_t offset, std::string_view value);
  Status ApplyElected(std::int64_t offset, const TopicRecord& record);
  Status ApplyClose(std::int64_t offset, TopicRecord record);
  Result<AppendResult> ApplyBatch(std::int64_t close_offset, const Batch& batch,
                                  Timestamp recorded_at,
                                  const std::optional<CommandOutcome>& outcome);

  EventsTopicOptions options_;
  EventLog& log_;
  ProjectionHost& projections_;
  const Clock& clock_;
  rd_kafka_s* producer_ = nullptr;
  std::unique_ptr<ingest::KafkaReader> reader_;
  bool reader_stale_ = true;  // the reader is not at next_offset_ (reopen before reading)
  std::atomic<std::int64_t> next_offset_{0};
  std::int64_t resumed_from_ = 0;
  std::atomic<std::int64_t> read_offset_{0};
  std::atomic<std::int64_t> epoch_{0};
  std::atomic<std::int64_t> generation_{0};
  mutable std::mutex leader_mu_;
  std::string leader_;  // guarded by leader_mu_
  std::atomic<std::int64_t> end_offset_{0};
  std::int64_t start_end_offset_ = 0;
  std::int64_t leading_epoch_ = 0;
  std::uint64_t batch_counter_ = 0;
  std::map<std::pair<std::int64_t, std::uint64_t>, Pending> pending_;  // (epoch, batch id)
  std::optional<CommandOutcome> next_outcome_;
  // The result of the last batch applied, and where it closed (the leader's slow path).
  std::int64_t last_close_offset_ = -1;
  AppendResult last_result_;
  CommandObserver observer_;
  ApplyCounters counters_;
};

}  // namespace tributary::log::replication
