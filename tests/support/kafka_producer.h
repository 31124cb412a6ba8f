#pragma once
// A librdkafka producer for tests: writes records with exact key/value bytes
// (or null values, i.e. tombstones) and headers to a topic partition and waits
// for the broker's acknowledgement.

#include <librdkafka/rdkafka.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tributary::testing {

class KafkaProducer {
 public:
  explicit KafkaProducer(const std::string& bootstrap) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "enable.idempotence", "false", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "queue.buffering.max.messages", "2000000", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk_ == nullptr) {
      throw std::runtime_error(errstr);
    }
  }
  ~KafkaProducer() {
    rd_kafka_flush(rk_, 30000);
    rd_kafka_destroy(rk_);
  }
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  using Headers = std::vector<std::pair<std::string, std::string>>;  // name, value

  // Queues a record; nullopt value = tombstone. `timestamp_ms` 0 = now.
  void Produce(const std::string& topic, int partition, std::optional<std::string_view> key,
               std::optional<std::string_view> value, std::int64_t timestamp_ms = 0,
               const Headers& headers = {}) {
    const void* key_data = key ? static_cast<const void*>(key->data()) : nullptr;
    const std::size_t key_size = key ? key->size() : 0;
    void* value_data = value ? const_cast<char*>(value->data()) : nullptr;
    const std::size_t value_size = value ? value->size() : 0;
    // librdkafka owns the headers once the record is queued; none: nullptr.
    rd_kafka_headers_t* hdrs = headers.empty() ? nullptr : rd_kafka_headers_new(headers.size());
    for (const auto& [name, header_value] : headers) {
      rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), header_value.data(),
                          static_cast<ssize_t>(header_value.size()));
    }
    for (;;) {
      const auto err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_data, key_size),
          RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk_, 10);
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (hdrs != nullptr) {
          rd_kafka_headers_destroy(hdrs);
        }
        throw std::runtime_error(std::string("produce failed: ") + rd_kafka_err2str(err));
      }
      return;
    }
  }

  void Flush() {
    if (rd_kafka_flush(rk_, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("flush timed out");
    }
  }

 private:
  rd_kafka_t* rk_ = nullptr;
};

}  // namespace tributary::testing
