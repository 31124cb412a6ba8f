#pragma once
// RawRecord: one Kafka record as the reader hands it to the translators, so that
// the translators (pure) need not include the reader.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace tributary::ingest {

// One Kafka record header. Kafka allows a name more than once; the reader
// keeps them in record order.
struct RecordHeader {
  std::string_view name;
  std::optional<std::string_view> value;  // nullopt: a null header value
};

// One Kafka record. The views (and the headers span) stay valid only during
// the Poll callback.
struct RawRecord {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value (a tombstone)
  std::span<const RecordHeader> headers;  // in record order; empty when none
};

using TopicPartition = std::pair<std::string, std::int32_t>;

}  // namespace tributary::ingest
