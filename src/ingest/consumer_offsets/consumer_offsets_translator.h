#pragma once
// ConsumerOffsetsTranslator: folds the records of __consumer_offsets into facts.
//
// Offset commits arrive by the hundred thousand per second; they are folded per
// (group, topic) and become domain events only when a fact changes:
//   consumer_started       the first commit of a group on a topic (or the first after it stopped)
//   consumer_progress      sampled every `progress_interval` of event time while it commits
//   consumer_stopped       no commit for `idle_after` (a timer, recorded as a decision),
//                          all its offsets deleted, or the group deleted
//   offset_deleted         an offset commit tombstone
//   group_members_changed  the member set (ids, client ids, hosts, topics) of a classic
//                          or KIP-848 group changed; generation bumps alone are not facts
//   group_deleted          a classic or KIP-848 group tombstone
// Non-consumer protocol types (e.g. connect) are kept as groups without topic edges.
// KIP-848 assignments name topics by id; they resolve through the group's
// partition-metadata records. Target assignments, share and streams groups are
// skipped and counted; undecodable records are quarantined.
//
// The fold state (per (group, topic) and per group) is written with every batch
// under "co/<cluster>/"; Restore() reads it back. Single-threaded.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/consumer_offsets/commit_observer.h"
#include "ingest/translator.h"

namespace tributary::ingest::consumer_offsets {

// The decoded record kinds (consumer_offsets_records.h).
struct OffsetCommitTombstone;
struct GroupMetadata;
struct ConsumerGroupMetadata;
struct ConsumerGroupPartitionMetadata;
struct ConsumerGroupMemberMetadata;
struct ConsumerGroupCurrentMemberAssignment;
struct ConsumerGroupCurrentMemberAssignmentTombstone;

struct ConsumerOffsetsOptions {
  std::string cluster;
  Duration idle_after = std::chrono::minutes(15);
  Duration progress_interval = std::chrono::minutes(10);
  // Sees every commit (consumer health); may be null. Must outlive the translator.
  CommitObserver* observer = nullptr;
};

class ConsumerOffsetsTranslator final : public SourceTranslator {
 public:
  explicit ConsumerOffsetsTranslator(ConsumerOffsetsOptions options);

  std::string fold_prefix() const override { return "co/" + options_.cluster + "/"; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) override;
  void Translate(const RawRecord& record, TranslationSink& sink) override;
  void Tick(Timestamp now, TranslationSink& sink) override;
  void Flush(TranslationSink& sink) override;

  std::int64_t skipped() const { return skipped_; }

  // Per (group, topic).
  struct TopicFold {
    std::string group;
    std::string topic;
    std::map<std::int32_t, std::int64_t> offsets;  // partition -> committed offset
    std::int64_t last_commit_ms = 0;
    std::int64_t last_sample_ms = 0;
    std::int64_t commits_since_sample = 0;
    bool active = false;
    bool dirty = false;  // changed since the last Flush
    CommitObserver::Hint observer_hint;
  };
  struct Member {
    std::string member_id;
    std::string client_id;
    std::string host;
    std::set<std::string> topics;
    std::set<std::string> topic_ids;  // KIP-848 assignment, resolved lazily
    bool operator==(const Member&) const = default;
  };
  // Per group.
  struct GroupFold {
    std::string group;
    std::string protocol_type;
    std::string protocol;
    std::int32_t generation = 0;
    bool kip848 = false;
    std::map<std::string, Member> members;                      // by member id
    std::map<std::string, std::string> topic_names;             // topic id -> name (KIP-848)
    std::map<std::string, std::set<std::string>> regex_topics;  // regex -> topics
  };

 private:
  using TopicKey = std::pair<std::string, std::string>;  // group, topic
  using TopicKeyView = std::pair<std::string_view, std::string_view>;
  // Orders keys and finds them by views, so a commit of a known (group, topic)
  // allocates nothing.
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return TopicKeyView(a.first, a.second) < TopicKeyView(b.first, b.second);
    }
  };
  using Topics = std::map<TopicKey, TopicFold, KeyLess>;
  struct ViewHash {
    std::size_t operator()(const TopicKeyView& k) const {
      return std::hash<std::string_view>{}(k.first) * 1099511628211ULL ^
             std::hash<std::string_view>{}(k.second);
    }
  };
  // topics_ by hash, for the commit hot path; the views point into topics_'
  // keys (map nodes never move). Kept in step by AddTopic and EraseTopic.
  Topics::iterator AddTopic(TopicKey key, TopicFold fold);
  Topics::iterator EraseTopic(Topics::iterator it);

  void MarkDirty(const TopicKey& key, TopicFold* fold);
  // Folds one offset commit of (group, topic).
  void FoldCommit(std::string_view group, std::string_view topic, std::int32_t partition,
                  std::int64_t offset, std::int64_t commit_ms, TranslationSink& sink);

  std::string TopicFoldKey(const TopicKey& key) const;
  std::string GroupFoldKey(const std::string& group) const;
  void EmitMembers(const GroupFold& group, Timestamp at, TranslationSink& sink);
  // `decision`: decided by a timer (idempotent by a dedup key) rather than by a record.
  void StopTopic(TopicFold& fold, const std::string& reason, Timestamp at, TranslationSink& sink,
                 bool decision);
  void DeleteGroup(const std::string& group, Timestamp at, TranslationSink& sink);

  // One fold per kind of __consumer_offsets record that changes a fact; `at` is
  // the record's timestamp.
  void FoldOffsetDeleted(const OffsetCommitTombstone& t, Timestamp at, TranslationSink& sink);
  void FoldClassicGroup(const GroupMetadata& m, Timestamp at, TranslationSink& sink);
  void FoldConsumerGroup(const ConsumerGroupMetadata& m, Timestamp at, TranslationSink& sink);
  // The KIP-848 group `group`, created when new, marked as a consumer-protocol group.
  GroupFold& Kip848Group(const std::string& group);
  void FoldTopicNames(const ConsumerGroupPartitionMetadata& m, Timestamp at, TranslationSink& sink);
  void FoldMember(const ConsumerGroupMemberMetadata& m, Timestamp at, TranslationSink& sink);
  void FoldAssignment(const ConsumerGroupCurrentMemberAssignment& a, Timestamp at,
                      TranslationSink& sink);
  void FoldAssignmentDeleted(const ConsumerGroupCurrentMemberAssignmentTombstone& t, Timestamp at,
                             TranslationSink& sink);

  // KIP-848 partition metadata names each subscribed topic with its id. A
  // known name under an id never seen for it is the topic deleted and created
  // again: TopicDeleted and TopicCreated (via "consumer_offsets"). An id the
  // name had before (a group's stale metadata) changes nothing.
  struct Incarnations {
    std::string current;            // topic id
    std::set<std::string> retired;  // ids the name had before
  };
  void FoldTopicIds(const ConsumerGroupPartitionMetadata& m, Timestamp at, TranslationSink& sink);

  ConsumerOffsetsOptions options_;
  std::map<std::string, Incarnations> topic_ids_;  // topic name -> its ids
  std::set<std::string> dirty_topic_ids_;
  Topics topics_;  // ordered: a group's topics are a range
  std::unordered_map<TopicKeyView, Topics::iterator, ViewHash> topic_index_;
  std::map<std::string, GroupFold> groups_;
  std::vector<TopicKey> dirty_topics_;  // changed since the last Flush
  std::set<std::string> dirty_groups_;
  std::int64_t skipped_ = 0;
};

}  // namespace tributary::ingest::consumer_offsets
