#include "log/replication/record.h"

#include "core/msgpack.h"

namespace tributary::log::replication {
namespace {

constexpr std::int64_t kRecordFormat = 1;
constexpr std::uint32_t kFields = 9;

const char* KindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kElected:
      return "elected";
    case RecordKind::kChunk:
      return "chunk";
    case RecordKind::kClose:
      return "close";
  }
  return "close";
}

std::optional<RecordKind> KindOf(std::string_view name) {
  for (auto kind : {RecordKind::kElected, RecordKind::kChunk, RecordKind::kClose}) {
    if (name == KindName(kind)) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string EncodeRecord(const TopicRecord& record) {
  std::string out;
  out.reserve(record.bytes.size() + 64);
  msgpack::Writer w(out);
  w.ArrayHeader(kFields);
  w.Int(kRecordFormat);
  w.String(KindName(record.kind));
  w.Int(record.epoch);
  w.String(record.replica_id);
  w.Int(static_cast<std::int64_t>(record.batch_id));
  w.Int(record.index);
  w.String(record.bytes);
  if (record.outcome) {
    w.String(record.outcome->command_id);
    // A refusal's message may quote bytes a client sent: invalid UTF-8 is
    // replaced (U+FFFD), not thrown on the leader's writer thread.
    w.String(record.outcome->result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    w.Nil();
    w.Nil();
  }
  return out;
}

Result<TopicRecord> DecodeRecord(std::string_view value) {
  msgpack::Reader r(value);
  if (r.ReadArrayHeader() != kFields || !r.ok()) {
    return Corruption("not a replication record (expected an array of 9 values)");
  }
  const auto format = r.ReadInt();
  if (!r.ok()) {
    return Corruption(std::string("malformed replication record: ") + r.error());
  }
  if (format != kRecordFormat) {
    return Corruption("replication record format " + std::to_string(format) +
                      " is not known to this build (it reads format 1)");
  }
  TopicRecord record;
  const auto kind = KindOf(r.ReadString());
  record.epoch = r.ReadInt();
  record.replica_id = std::string(r.ReadString());
  record.batch_id = static_cast<std::uint64_t>(r.ReadInt());
  const auto index = r.ReadInt();
  record.bytes = std::string(r.ReadString());
  std::optional<std::string> command_id;
  std::optional<std::string> result;
  if (r.NextIsNil()) {
    r.ReadNil();
  } else {
    command_id = std::string(r.ReadString());
  }
  if (r.NextIsNil()) {
    r.ReadNil();
  } else {
    result = std::string(r.ReadString());
  }
  if (!r.ok() || !r.AtEnd()) {
    return Corruption(std::string("malformed replication record: ") +
                      (r.ok() ? "trailing bytes" : r.error()));
  }
  if (!kind) {
    return Corruption("replication record of an unknown kind");
  }
  if (index < 0 || index > 0xffffffffLL || record.epoch < 0) {
    return Corruption("replication record with a negative epoch or index");
  }
  record.kind = *kind;
  record.index = static_cast<std::uint32_t>(index);
  if (command_id) {
    CommandOutcome outcome{*command_id, nlohmann::json::object()};
    if (result) {
      outcome.result = nlohmann::json::parse(*result, nullptr, false);
      if (outcome.result.is_discarded() || !outcome.result.is_object()) {
        return Corruption("replication record: the command result is not a JSON object");
      }
    }
    record.outcome = std::move(outcome);
  }
  return record;
}

}  // namespace tributary::log::replication
