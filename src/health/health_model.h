#pragma once
// HealthModel: what consumer health is evaluated from, for one cluster
// (DESIGN.md §10): per (group, topic, partition) the window of the last
// `window` offset commits, and per (topic, partition) the history of its end
// offsets. Fed by the consumer_offsets source (OnCommit) and the end-offsets
// poller (ObserveEndOffsets, ObserveRecordTimes); evaluated by the health
// tracker (Evaluate) with Burrow's rules (burrow_rules.h).
//
// Its state is fold state under "health/<cluster>/" (Restore/Flush), written
// in the same transaction as the commits and end offsets that changed it, so a
// restart resumes exactly where the log is. A commit seen before any end
// offset of its partition keeps an unknown lag until one is observed; it is
// evaluated then.
//
// Owned by the composition root; used on the single writer thread only.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/burrow_rules.h"
#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::health {

struct HealthModelOptions {
  std::string cluster;
  std::size_t window = 10;
  // A commit closer than this to the newest in the window replaces it
  // (Burrow's storage min-distance), so a window spans real time.
  Duration min_distance = std::chrono::seconds(1);
  // End-offset samples kept per partition; older ones are thinned out, so the
  // history reaches further back the longer it runs.
  std::size_t history = 32;
};

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct EndOffset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t end_offset = 0;
};

// The timestamp of the record at `offset`, or nullopt when it cannot be read
// (deleted by retention, not allowed): lag seconds are then interpolated.
struct RecordTime {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::int64_t> timestamp_ms;
};

struct EndSample {
  std::int64_t time_ms = 0;
  std::int64_t end_offset = 0;
  bool operator==(const EndSample&) const = default;
};

struct PartitionHealth {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t last_commit_ms = 0;
  std::optional<std::int64_t> end_offset;
  std::optional<std::int64_t> lag;
  std::optional<double> lag_seconds;
  std::string_view lag_seconds_source;  // record_timestamp | interpolated | caught_up | ""
  PartitionStatus status = PartitionStatus::kOk;
};

struct GroupHealth {
  std::string group;  // the group's name on the cluster
  GroupStatus status = GroupStatus::kOk;
  std::int64_t total_lag = 0;
  std::optional<double> max_lag_seconds;
  std::vector<PartitionHealth> partitions;  // by topic, partition
};

// Stream facts of a topic from its end-offset history.
struct TopicStream {
  std::string topic;
  std::int32_t partitions_seen = 0;
  std::int64_t end_offsets = 0;  // summed over partitions
  std::optional<double> messages_per_second;
  std::optional<std::int64_t> last_produced_ms;
};

struct Evaluation {
  std::string cluster;
  std::int64_t evaluated_at_ms = 0;
  std::vector<GroupHealth> groups;  // by group
  std::vector<TopicStream> topics;  // by topic
};

// Lag in seconds of `committed` by interpolation over `history` (oldest
// first): when was the record at `committed` produced, between the samples
// that bracket it (extrapolated at the oldest samples' rate before the
// history starts). nullopt without history or rate.
std::optional<double> InterpolateLagSeconds(std::span<const EndSample> history,
                                            std::int64_t committed, std::int64_t now_ms);

class HealthModel {
 public:
  explicit HealthModel(HealthModelOptions options);

  const std::string& cluster() const { return options_.cluster; }
  const HealthModelOptions& options() const { return options_; }

  // ---- observations -------------------------------------------------------------
  void OnCommit(std::string_view group, std::string_view topic, std::int32_t partition,
                std::int64_t offset, std::int64_t commit_ms);
  void OnOffsetDeleted(std::string_view group, std::string_view topic, std::int32_t partition);
  void OnGroupDeleted(std::string_view group);
  // End offsets fetched at `at_ms`.
  void ObserveEndOffsets(std::span<const EndOffset> offsets, std::int64_t at_ms);
  void ObserveRecordTimes(std::span<const RecordTime> times);

  // ---- what to fetch ------------------------------------------------------------
  // Every (topic, partition) some group reads, sorted.
  std::vector<TopicPartition> ReadPartitions() const;
  // The partitions first seen since the last call with no end offset yet.
  std::vector<TopicPartition> TakeUnfetched();
  // Lagging (group, partition)s whose committed record's timestamp is not known
  // yet: the (topic, partition, offset)s to read one record at, sorted, unique.
  std::vector<RecordTime> RecordTimesWanted() const;
  // Every topic some group reads, sorted.
  std::vector<std::string> ReadTopics() const;

  // Bumps with every batch of end offsets (a reason to evaluate again).
  std::uint64_t generation() const { return generation_; }

  // ---- evaluation ---------------------------------------------------------------
  // Every group's status at `now_ms`. Fills in the lag of commits that were
  // waiting for an end offset.
  Evaluation Evaluate(std::int64_t now_ms);
  // The end-offset history of a partition (oldest first), empty when unknown.
  std::span<const EndSample> History(std::string_view topic, std::int32_t partition) const;

  // ---- fold state ---------------------------------------------------------------
  std::string fold_prefix() const { return "health/" + options_.cluster + "/"; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries);
  using FoldWriter = std::function<void(std::string key, std::optional<std::string> value)>;
  // Writes what changed since the last flush.
  void Flush(const FoldWriter& write);

  std::size_t group_topics() const { return readers_.size(); }

 private:
  struct PartitionState {
    std::vector<CommitSample> window;  // oldest first
    std::int64_t record_offset = -1;   // the offset whose record time is known
    std::int64_t record_time_ms = -1;  // -1: unknown; -2: not readable
  };
  struct Readers {
    std::string group;
    std::string topic;
    std::map<std::int32_t, PartitionState> partitions;
    bool dirty = false;
  };
  struct TopicEnds {
    std::map<std::int32_t, std::vector<EndSample>> partitions;
    bool dirty = false;
  };
  using Key = std::pair<std::string, std::string>;  // group, topic
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };

  void MarkDirty(const Key& key, Readers& r);
  std::string ReadersKey(const Key& key) const;
  std::string EndsKey(const std::string& topic) const;
  const std::vector<EndSample>* Ends(std::string_view topic, std::int32_t partition) const;

  HealthModelOptions options_;
  std::map<Key, Readers, KeyLess> readers_;
  std::map<std::string, TopicEnds, std::less<>> ends_;
  std::set<TopicPartition> unfetched_;
  std::vector<Key> dirty_readers_;
  std::set<std::string> dirty_ends_;
  std::uint64_t generation_ = 0;
};

}  // namespace tributary::health
