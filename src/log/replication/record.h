#pragma once
// The records of the events topic (DESIGN.md §8), as EventsTopic writes and
// reads them. Each record's value is one MessagePack array of nine values:
//
//   [1, kind, epoch, replica_id, batch_id, index, bytes, command_id, result]
//
//   kind "elected": a leader's first record (epoch, replica_id, and in batch_id
//                   the group generation it was assigned in; the rest empty/0);
//   kind "chunk":   piece `index` (0-based) of batch `batch_id`'s encoded bytes;
//   kind "close":   the last piece; `index` is the number of pieces, so a
//                   replica knows it has them all; a command's id and result
//                   when the batch answers one.
// The key is the replica id, for people reading the topic with kcat.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tributary/result.h"

namespace tributary::log::replication {

// The answer to a command (an API write produced to the commands topic by any
// replica): its id, and what the leader made of it ({} when it only committed
// a batch; {"code","message"} when it refused it; extra fields per command).
struct CommandOutcome {
  std::string command_id;
  nlohmann::json result = nlohmann::json::object();
};

enum class RecordKind { kElected, kChunk, kClose };

struct TopicRecord {
  RecordKind kind = RecordKind::kClose;
  std::int64_t epoch = 0;
  std::string replica_id;
  std::uint64_t batch_id = 0;
  std::uint32_t index = 0;
  std::string bytes;
  std::optional<CommandOutcome> outcome;  // close only
};

std::string EncodeRecord(const TopicRecord& record);
// Errors say what is wrong with the record (the caller adds where it was).
Result<TopicRecord> DecodeRecord(std::string_view value);

}  // namespace tributary::log::replication
