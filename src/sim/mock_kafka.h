#pragma once
// MockKafka: librdkafka's in-process mock cluster, speaking the Kafka protocol
// over TCP on loopback, with Tributary's source topics created. Used by
// `tributary devbroker`, `tributary demo` and tests.
//
// The cluster lives as long as the object. Thread-safe as librdkafka's mock
// API is. It keeps only the last ~80-100k messages of each partition.

#include <memory>
#include <string>
#include <vector>

#include "tributary/result.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace tributary::sim {

struct MockTopic {
  std::string name;
  int partitions = 1;
};

// The topics Tributary reads by default; __consumer_offsets has 50 partitions
// like Kafka's default.
std::vector<MockTopic> DefaultSourceTopics();
// The source topics and Tributary's own for [replication] (DESIGN.md §8):
// tributary.events and tributary.commands, one partition each.
std::vector<MockTopic> DefaultTopics();

class MockKafka {
 public:
  static Result<std::unique_ptr<MockKafka>> Start(int brokers,
                                                  const std::vector<MockTopic>& topics);
  ~MockKafka();
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  // The bootstrap.servers list of the cluster.
  const std::string& bootstrap_servers() const { return bootstrap_; }
  Status CreateTopic(const MockTopic& topic);
  // The librdkafka mock cluster, for fault injection in tests.
  rd_kafka_mock_cluster_s* cluster() const { return cluster_; }

 private:
  MockKafka() = default;
  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace tributary::sim
