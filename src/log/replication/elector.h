#pragma once
// Elector: leadership from Kafka's group coordinator (DESIGN.md §8). Every
// replica joins `group_id` subscribed to the commands topic (one partition);
// the member the coordinator assigns that partition leads, in the group
// generation in which it was assigned (the replica's epoch follows from it: see
// ReplicaFeed). No election of our own: a replica
// that dies or stalls past the session timeout loses the partition and the
// coordinator gives it to another member in a later (larger) generation.
//
// The member only holds the partition: it never fetches from it (the leader
// reads commands with a reader of its own, from the offset stored in the log).
// The cooperative-sticky assignor keeps the leader in place while other
// replicas join and leave.
//
// Start/Stop from one thread; leadership() from any.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "log/replication/kafka_config.h"
#include "tributary/result.h"

struct rd_kafka_s;

namespace tributary::log::replication {

struct Leadership {
  bool leader = false;
  std::int64_t generation = 0;  // the one the partition was assigned in; 0 when not leading
  bool operator==(const Leadership&) const = default;
};

struct ElectorOptions {
  KafkaClientConfig kafka;
  std::string group_id = "tributary";
  std::string commands_topic = "tributary.commands";
  std::string replica_id;
  std::chrono::milliseconds session_timeout{6000};
  std::chrono::milliseconds heartbeat_interval{1000};
};

class Elector {
 public:
  // Joins the group and starts polling the membership on a thread of its own.
  static Result<std::unique_ptr<Elector>> Start(ElectorOptions options);
  ~Elector();
  Elector(const Elector&) = delete;
  Elector& operator=(const Elector&) = delete;

  Leadership leadership() const;
  // Leaves the group (the partition moves at once rather than after the
  // session timeout). A member not yet given its first assignment is first
  // waited for, up to the session timeout and 10 s: librdkafka 2.0.2 aborts
  // when a cooperative-sticky member is destroyed before it (librdkafka
  // #4312, fixed in 2.3.0); one never assigned by then is not destroyed.
  void Stop();

  // The generation id of librdkafka's consumer group metadata (which has no
  // getter in 2.0.2): read from its serialised form, checked against a known
  // value at start. Exposed for the test.
  static Result<std::int32_t> GenerationOf(rd_kafka_s* rk);

 private:
  explicit Elector(ElectorOptions options) : options_(std::move(options)) {}
  void Run();
  void OnRebalance(int err, void* partitions);
  static void RebalanceCallback(rd_kafka_s* rk, int err, void* partitions, void* opaque);

  ElectorOptions options_;
  rd_kafka_s* rk_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};      // ends the thread
  std::atomic<bool> stopping_{false};  // Stop() was called
  std::atomic<bool> assigned_once_{false};
  bool leak_ = false;  // see Stop()
  std::atomic<bool> leader_{false};
  std::atomic<std::int64_t> generation_{0};
};

}  // namespace tributary::log::replication
