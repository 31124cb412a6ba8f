#pragma once
// RawRecord: one Kafka record as the reader hands it to the translators, so that
// the translators (pure) need not include the reader.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tributary::ingest {

// One Kafka record. The views stay valid only during the Poll callback.
struct RawRecord {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value (a tombstone)
};

using TopicPartition = std::pair<std::string, std::int32_t>;

}  // namespace tributary::ingest
