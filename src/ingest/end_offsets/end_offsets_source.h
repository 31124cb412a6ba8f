#pragma once
// EndOffsetsSource: the Kafka side of consumer health (DESIGN.md §10), one per
// cluster whose __consumer_offsets is read.
//
//   * End offsets: ListOffsets(latest) of every partition some group reads,
//     every `interval` (health.offsets_interval), and of a partition as soon as
//     it is first seen (polled every second for those). Batched: librdkafka's
//     rd_kafka_offsets_for_times with the "latest" timestamp (-1) groups the
//     partitions by leader and sends ONE ListOffsets request per broker, per
//     round of at most `list_offsets_batch` partitions (10k).
//   * Record timestamps: for each lagging partition, the record at the
//     committed offset is read once (cached by the model until the offset
//     moves), for lag in seconds; where it is gone (retention) or not allowed,
//     the model interpolates.
//   * Topic facts: Metadata (partitions, replication factor) and, where the
//     broker answers, DescribeConfigs (retention.ms, retention.bytes,
//     cleanup.policy) of every topic read and every product topic, each
//     interval, and at the next poll when a topic is first read or after
//     RefreshTopicFacts() (the audit log's AlterConfigs); a change is a
//     `topic_facts_observed` event. DescribeConfigs is sent without waiting
//     and its answer taken at a later poll (a refresh that finds one in
//     flight asks again once it is answered). A broker that does not answer
//     it (librdkafka's mock cluster) is detected, logged once, and asked again
//     only every 10 intervals or on a refresh.
//
// It is also the consumer_offsets translator's CommitObserver, feeding the
// HealthModel; the model's state is this source's fold state
// ("health/<cluster>/"), written with the batches that change it.
//
// Used on the single writer thread only (Poll blocks it for at most a few
// request timeouts); counters() may be read from any thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "health/health_model.h"
#include "ingest/consumer_offsets/commit_observer.h"
#include "ingest/polled_source.h"

namespace tributary::ingest::end_offsets {

struct EndOffsetsOptions {
  std::string cluster;
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
  Duration interval = std::chrono::seconds(30);
  Duration request_timeout = std::chrono::seconds(10);
  // Partitions per ListOffsets round (one request per leader broker each):
  // librdkafka's handling of one huge list grows with its square (100k
  // partitions: ~39 s on the mock cluster, 10k: ~0.3 s).
  std::size_t list_offsets_batch = 10000;
  // How long one poll may spend reading records for their timestamps.
  Duration record_time_budget = std::chrono::seconds(1);
  std::size_t record_times_per_poll = 1000;
  // Topics of the cluster whose facts are wanted besides those read (the
  // catalog's products). Called on the writer thread; may be empty.
  std::function<std::vector<std::string>()> product_topics;
};

struct EndOffsetsCounters {
  std::atomic<std::int64_t> polls{0};
  std::atomic<std::int64_t> list_offsets_requests{0};  // one per leader broker asked
  std::atomic<std::int64_t> partitions_fetched{0};
  std::atomic<std::int64_t> record_reads{0};
  std::atomic<std::int64_t> facts_changed{0};
};

class EndOffsetsSource final : public PolledSource, public consumer_offsets::CommitObserver {
 public:
  // `model` must outlive the source.
  EndOffsetsSource(EndOffsetsOptions options, health::HealthModel& model);
  ~EndOffsetsSource() override;

  // PolledSource
  std::string name() const override { return options_.cluster + "/end_offsets"; }
  Duration interval() const override;
  std::string fold_prefix() const override { return model_.fold_prefix(); }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) override;
  Status Poll(Timestamp now, TranslationSink& sink) override;
  void Flush(TranslationSink& sink) override;

  // CommitObserver
  void OnCommit(std::string_view group, std::string_view topic, std::int32_t partition,
                std::int64_t offset, std::int64_t commit_ms, Hint& hint) override {
    model_.OnCommit(group, topic, partition, offset, commit_ms, &hint.entry, &hint.epoch);
  }
  void OnOffsetDeleted(std::string_view group, std::string_view topic,
                       std::int32_t partition) override {
    model_.OnOffsetDeleted(group, topic, partition);
  }
  void OnGroupDeleted(std::string_view group) override { model_.OnGroupDeleted(group); }
  void FlushObserved(TranslationSink& sink) override;

  // A topic's configs changed (the audit log's AlterConfigs or
  // IncrementalAlterConfigs): the facts of every topic read and every product
  // topic are read again at the next poll (one Metadata and one
  // DescribeConfigs request), not at the next interval.
  void RefreshTopicFacts() { refresh_facts_ = true; }

  const EndOffsetsCounters& counters() const { return counters_; }
  bool describe_configs_supported() const { return describe_configs_supported_; }

 private:
  struct Client;
  Status Connect();
  // ListOffsets(latest) of `partitions`, batched per leader broker.
  Result<std::vector<health::EndOffset>> FetchEndOffsets(
      const std::vector<health::TopicPartition>& partitions);
  // One round: at most options_.list_offsets_batch partitions.
  Result<std::vector<health::EndOffset>> FetchEndOffsetsBatch(
      const std::vector<health::TopicPartition>& partitions);
  std::vector<health::RecordTime> ReadRecordTimes(std::vector<health::RecordTime> wanted);
  void ReadTopicFacts(Timestamp now, TranslationSink& sink);
  // The DescribeConfigs answer, if it came (never waits).
  void TakeDescribeConfigs(Timestamp now, TranslationSink& sink);
  // Records the facts that changed as topic_facts_observed events.
  void RecordFacts(std::map<std::string, nlohmann::json>& facts, Timestamp now,
                   TranslationSink& sink);

  EndOffsetsOptions options_;
  health::HealthModel& model_;
  std::unique_ptr<Client> client_;
  std::chrono::steady_clock::time_point next_full_{};
  bool refresh_facts_ = false;
  bool describe_configs_supported_ = true;
  int describe_configs_skip_ = 0;
  bool describe_in_flight_ = false;
  std::chrono::steady_clock::time_point describe_sent_{};
  std::map<std::string, nlohmann::json> configs_;  // topic -> the last configs answered
  // topic -> (facts as JSON, changes recorded), as fold state "<prefix>f/<topic>".
  std::map<std::string, std::pair<std::string, std::int64_t>> facts_;
  std::set<std::string> dirty_facts_;
  EndOffsetsCounters counters_;
};

}  // namespace tributary::ingest::end_offsets
