#include "sim/mock_kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace tributary::sim {

std::vector<MockTopic> DefaultSourceTopics() {
  return {{"__consumer_offsets", 50},
          {"_schemas", 1},
          {"confluent-audit-log-events", 6},
          {"tributary.catalog", 1},
          {"openlineage.events", 3}};
}

std::vector<MockTopic> DefaultTopics() {
  auto topics = DefaultSourceTopics();
  topics.push_back({"tributary.events", 1});
  topics.push_back({"tributary.commands", 1});
  return topics;
}

Result<std::unique_ptr<MockKafka>> MockKafka::Start(int brokers,
                                                    const std::vector<MockTopic>& topics) {
  if (brokers < 1 || brokers > 16) {
    return InvalidArgument("the mock cluster needs 1 to 16 brokers");
  }
  std::unique_ptr<MockKafka> mock(new MockKafka());
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only hosts the mock cluster; it never produces.
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  mock->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (mock->handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Internal(std::string("mock kafka: cannot create a librdkafka handle: ") + errstr);
  }
  mock->cluster_ = rd_kafka_mock_cluster_new(mock->handle_, brokers);
  if (mock->cluster_ == nullptr) {
    return Internal("mock kafka: librdkafka could not start a mock cluster");
  }
  mock->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock->cluster_);
  for (const auto& topic : topics) {
    if (auto s = mock->CreateTopic(topic); !s.ok()) {
      return s;
    }
  }
  return mock;
}

Status MockKafka::CreateTopic(const MockTopic& topic) {
  const auto err = rd_kafka_mock_topic_create(cluster_, topic.name.c_str(), topic.partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Internal("mock kafka: cannot create topic " + topic.name + ": " + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

MockKafka::~MockKafka() {
  if (cluster_ != nullptr) {
    rd_kafka_mock_cluster_destroy(cluster_);
  }
  if (handle_ != nullptr) {
    rd_kafka_destroy(handle_);
  }
}

}  // namespace tributary::sim
