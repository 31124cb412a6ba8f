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
// restart resumes exactly where the log is. The commit windows are written as
// a journal: each flush appends one entry with what changed since the last
// (the new commits with their lag, deletions, record times), and when the
// journal outgrows the last checkpoint, a checkpoint of every window replaces
// it. A window is rewritten only at checkpoints, so persisting costs about
// what the new commits weigh, not what the windows weigh. A commit seen before any end
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
#include <unordered_map>
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
  // A checkpoint of every window replaces the journal once the journal is
  // larger than this and than the last checkpoint (so persisting costs at most
  // about twice the journal, and a restart replays at most that much).
  std::size_t checkpoint_bytes = 16u << 20;
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
  // `entry` and `epoch`, when given, are a hint the caller keeps per (group,
  // topic) between commits: OnCommit notes its entry there and uses it next
  // time instead of looking it up, while the epoch says it is still there.
  void OnCommit(std::string_view group, std::string_view topic, std::int32_t partition,
                std::int64_t offset, std::int64_t commit_ms, void** entry = nullptr,
                std::uint64_t* epoch = nullptr);
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
  const std::string& fold_prefix() const { return prefix_; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries);
  using FoldWriter = std::function<void(std::string key, std::optional<std::string> value)>;
  // Writes what changed since the last flush.
  void Flush(const FoldWriter& write);
  // Journal entries written since the last checkpoint.
  std::size_t journal_entries() const { return journal_keys_.size(); }

  std::size_t group_topics() const { return readers_.size(); }

 private:
  struct PartitionState {
    std::vector<CommitSample> window;  // oldest first
    std::int64_t record_offset = -1;   // the offset whose record time is known
    std::int64_t record_time_ms = -1;  // -1: unknown; -2: not readable
    // The partition's end-offset history once known (a node of ends_, which
    // never moves): the commit hot path looks it up once.
    const std::vector<EndSample>* ends = nullptr;
  };
  struct Readers {
    std::string group;
    std::string topic;
    std::map<std::int32_t, PartitionState> partitions;
    // Its id in the journal entry being written (valid while journal_epoch
    // equals the model's).
    std::uint64_t journal_epoch = 0;
    std::int64_t journal_id = 0;
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

  using KeyView = std::pair<std::string_view, std::string_view>;
  struct KeyViewHash {
    std::size_t operator()(const KeyView& k) const {
      return std::hash<std::string_view>{}(k.first) * 1099511628211ULL ^
             std::hash<std::string_view>{}(k.second);
    }
  };
  using ReadersMap = std::map<Key, Readers, KeyLess>;

  ReadersMap::iterator AddReaders(Key key, Readers r);
  ReadersMap::iterator EraseReaders(ReadersMap::iterator it);
  // The journal: ops appended as they happen, written by Flush.
  enum Op : std::int64_t {
    kKeyOp = 0,         // id, group, topic: names a (group, topic) for this entry
    kCommitOp = 1,      // id, partition, offset and ms against the newest commit, lag
    kDeletedOp = 2,     // id, partition: the group's offset was deleted
    kGroupGoneOp = 3,   // group: the group was deleted
    kRecordTimeOp = 4,  // id, partition, offset, record time ms
    kLagOp = 5,         // id, partition, commit ms, offset, lag: a lag filled in
  };
  std::int64_t JournalId(Readers& r);
  void ApplyCommit(Readers& r, std::int32_t partition, std::int64_t offset, std::int64_t commit_ms,
                   std::int64_t lag);
  void ApplyOffsetDeleted(ReadersMap::iterator it, std::int32_t partition);
  void ApplyGroupDeleted(std::string_view group);
  Status Replay(const std::string& key, std::string_view entry);
  void WriteCheckpoint(const FoldWriter& write);
  std::string ReadersKey(const Key& key) const;
  std::string EndsKey(const std::string& topic) const;
  const std::vector<EndSample>* Ends(std::string_view topic, std::int32_t partition) const;

  HealthModelOptions options_;
  std::string prefix_;  // fold_prefix()
  ReadersMap readers_;
  // readers_ by hash, for the commit hot path; the views point into readers_'
  // keys (map nodes never move). Kept in step by AddReaders and EraseReaders.
  std::unordered_map<KeyView, ReadersMap::iterator, KeyViewHash> index_;
  std::uint64_t erase_epoch_ = 1;  // bumps when an entry of readers_ goes (hints)
  std::map<std::string, TopicEnds, std::less<>> ends_;
  std::set<TopicPartition> unfetched_;
  std::set<std::string> dirty_ends_;
  std::string journal_;                    // ops since the last flush
  std::uint64_t journal_epoch_ = 1;        // bumps with every entry written
  std::int64_t journal_ids_ = 0;           // ids given in the current entry
  std::uint64_t journal_seq_ = 0;          // the next entry's sequence number
  std::vector<std::string> journal_keys_;  // entries since the last checkpoint
  std::size_t journal_bytes_ = 0;          // their size
  std::size_t checkpoint_bytes_ = 0;       // the last checkpoint's size
  std::set<std::string> checkpointed_;     // the window keys it wrote
  std::uint64_t generation_ = 0;
};

}  // namespace tributary::health
