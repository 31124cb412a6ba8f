#pragma once
// KafkaReader: reads every partition of a cluster's source topics with one
// librdkafka consumer, without consumer-group management (it assigns itself the
// partitions, so a restart never waits out a session timeout), with
// isolation.level=read_committed.
//
// Each partition starts at the offset stored with the last committed batch, or
// at the earliest offset when none is stored. Poll() hands a batch of records to
// a callback; only when the callback succeeds (the batch is durably appended) do
// the reader's resume positions move. When it fails, the reader rewinds to the
// last committed positions so the records are delivered again.
//
// Records the broker deleted before they were read (a stored resume position
// below the partition's earliest offset, or an offset out of range while
// reading) are a gap: the reader moves on to the earliest kept offset, warns,
// and reports the lost range through TakeGaps(), so it is recorded.
//
// A topic that does not exist yet counts as caught up and is picked up when it
// appears; new partitions likewise (metadata is re-read periodically).
//
// Not thread-safe: one thread owns a reader.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/raw_record.h"
#include "tributary/result.h"

namespace tributary::ingest {

struct KafkaReaderOptions {
  std::string cluster;  // for messages
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;  // passed to librdkafka as is
  std::vector<std::string> topics;
  std::map<TopicPartition, std::int64_t> start_offsets;  // next offset to read
  std::chrono::milliseconds metadata_refresh{std::chrono::seconds(10)};
  std::size_t max_batch = 250000;
};

// A range of a partition that was deleted before it was read.
struct ReadGap {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t from_offset = 0;  // the first offset lost
  std::int64_t to_offset = 0;    // the earliest offset kept (exclusive end)
};

struct PartitionProgress {
  std::int64_t next_offset = 0;      // the resume position
  std::int64_t start_watermark = 0;  // high watermark seen when first assigned
  std::int64_t high_watermark = 0;   // latest known
};

class KafkaReader {
 public:
  static Result<std::unique_ptr<KafkaReader>> Open(KafkaReaderOptions options);
  ~KafkaReader();
  KafkaReader(const KafkaReader&) = delete;
  KafkaReader& operator=(const KafkaReader&) = delete;

  using BatchHandler = std::function<Status(std::span<const RawRecord>)>;

  // Waits up to `timeout` for records and passes what arrived (if anything) to
  // `handler` in one call. Returns the handler's error (after rewinding), or an
  // error when librdkafka reports a fatal error.
  Status Poll(std::chrono::milliseconds timeout, const BatchHandler& handler);

  // True when every assigned partition has reached the high watermark seen when
  // it was first assigned (topics that do not exist count as caught up).
  bool CaughtUp() const;
  // Records between the resume position and the latest known high watermark.
  std::int64_t Lag() const;
  // The same per topic.
  std::map<std::string, std::int64_t> LagByTopic() const;
  const std::map<TopicPartition, PartitionProgress>& partitions() const { return partitions_; }
  // The gaps found since the last call.
  std::vector<ReadGap> TakeGaps();

 private:
  explicit KafkaReader(KafkaReaderOptions options);
  Status RefreshAssignment();
  Status Assign();
  // Moves a partition whose offset is out of range to its earliest kept
  // offset; records the gap when records were lost.
  void RecoverOutOfRange(const TopicPartition& tp, std::int64_t position);

  struct Handles;
  KafkaReaderOptions options_;
  std::unique_ptr<Handles> handles_;
  std::map<TopicPartition, PartitionProgress> partitions_;
  std::set<TopicPartition> assigned_;      // partitions that exist and are assigned
  std::set<std::string> existing_topics_;  // configured topics seen to exist
  bool unassigned_partitions_ = false;     // the last refresh could not assign some
  std::vector<ReadGap> gaps_;
  std::chrono::steady_clock::time_point next_refresh_;
};

}  // namespace tributary::ingest
