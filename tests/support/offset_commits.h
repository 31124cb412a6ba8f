#pragma once
// Offset commits of new consumer groups for end-to-end tests: group
// "group-<i>" commits offset i on "topic-<i % 40>", written to partition
// i % 50 of __consumer_offsets at `committed_at_ms + i`. Each is a new
// (group, topic): one consumer_started event apiece.

#include <cstdint>
#include <string>

#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "support/kafka_producer.h"

namespace tributary::testing {

inline void ProduceGroupCommits(const std::string& bootstrap, int from, int count,
                                std::int64_t committed_at_ms) {
  KafkaProducer producer(bootstrap);
  for (int i = from; i < from + count; ++i) {
    ingest::consumer_offsets::OffsetCommit c;
    c.group = "group-" + std::to_string(i);
    c.topic = "topic-" + std::to_string(i % 40);
    c.offset = i;
    c.commit_timestamp_ms = committed_at_ms + i;
    const auto rec = ingest::consumer_offsets::Encode(c);
    producer.Produce("__consumer_offsets", i % 50, rec.key, rec.value);
  }
  producer.Flush();
}

}  // namespace tributary::testing
