#pragma once
// Reader and writer of the Kafka protocol's primitive types, as used by the
// group coordinator's records in __consumer_offsets and by the ConsumerProtocol
// (https://kafka.apache.org/protocol#protocol_types):
//
//   INT8/16/32/64      big-endian two's complement
//   UUID               16 bytes
//   UNSIGNED_VARINT    7 bits per byte, least significant group first (<= 5 bytes)
//   STRING             INT16 length, then UTF-8 bytes; NULLABLE_STRING: length -1 = null
//   COMPACT_STRING     UNSIGNED_VARINT length + 1, then bytes; 0 = null (nullable only)
//   BYTES              INT32 length, then bytes; NULLABLE_BYTES: -1 = null
//   COMPACT_BYTES      UNSIGNED_VARINT length + 1, then bytes
//   ARRAY              INT32 count, then elements; COMPACT_ARRAY: UNSIGNED_VARINT count + 1
//   TAGGED_FIELDS      UNSIGNED_VARINT count, then (tag varint, size varint, bytes)*
//
// Internal to this folder. Both classes are single-use values bound to one buffer;
// not thread-safe. WireReader borrows the bytes it reads (they must outlive it).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/consumer_offsets/consumer_offsets_records.h"

namespace tributary::ingest::consumer_offsets::wire {

// Reads primitives in order. Every read is bounds-checked: it never reads past
// the end, and a length is checked against the bytes left before anything is
// allocated. The first failure is recorded (see error()) and every later read
// fails too, so a caller may chain reads and check once. `field` names what is
// being read, for the error message; it must be a string literal.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  bool ok() const { return error_.empty(); }
  // "truncated at field offset (offset 2)" and the like; empty while ok().
  const std::string& error() const { return error_; }
  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  bool Int8(std::int8_t& out, const char* field);
  // Big-endian integers; inline, as the decoders' hot path reads little else.
  bool Int16(std::int16_t& out, const char* field) {
    if (!Need(2, field)) {
      return false;
    }
    const auto* b = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
    out = static_cast<std::int16_t>(static_cast<std::uint16_t>((b[0] << 8) | b[1]));
    pos_ += 2;
    return true;
  }
  bool Int32(std::int32_t& out, const char* field) {
    if (!Need(4, field)) {
      return false;
    }
    const auto* b = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
    out = static_cast<std::int32_t>((std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                                    (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]});
    pos_ += 4;
    return true;
  }
  bool Int64(std::int64_t& out, const char* field) {
    if (!Need(8, field)) {
      return false;
    }
    const auto* b = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v = (v << 8) | b[i];
    }
    out = static_cast<std::int64_t>(v);
    pos_ += 8;
    return true;
  }
  bool ReadUuid(Uuid& out, const char* field);
  bool UnsignedVarint(std::uint32_t& out, const char* field);

  // STRING / NULLABLE_STRING, or their COMPACT_ forms when `compact`.
  bool String(std::string& out, bool compact, const char* field);
  // A STRING (COMPACT_STRING) as a view into the bytes read: no copy.
  bool StringView(std::string_view& out, bool compact, const char* field);
  bool NullableString(std::optional<std::string>& out, bool compact, const char* field);
  // BYTES / NULLABLE_BYTES, or their COMPACT_ forms when `compact`.
  bool Bytes(std::string& out, bool compact, const char* field);
  bool NullableBytes(std::optional<std::string>& out, bool compact, const char* field);

  // The element count of a non-nullable ARRAY (or COMPACT_ARRAY). Rejects null and
  // counts that cannot fit in the bytes left, given each element takes at least
  // `min_element_size` bytes, so a caller may reserve `count` elements safely.
  bool ArrayCount(std::size_t& count, bool compact, std::size_t min_element_size,
                  const char* field);

  // ARRAY of INT32 and ARRAY of STRING (compact when `compact`).
  bool Int32Array(std::vector<std::int32_t>& out, bool compact, const char* field);
  bool StringArray(std::vector<std::string>& out, bool compact, const char* field);

  // A TAGGED_FIELDS section; every field is kept as is.
  bool ReadTaggedFields(TaggedFields& out, const char* field);

  // Records a failure of the caller's own (e.g. an invalid enum value).
  bool Fail(std::string message);

 private:
  // True when `bytes` are left and no earlier read failed; else records why.
  bool Need(std::size_t bytes, const char* field) {
    return (error_.empty() && remaining() >= bytes) || NeedSlow(bytes, field);
  }
  bool NeedSlow(std::size_t bytes, const char* field);
  // Checks a decoded length against the bytes left; `start` is where its prefix began.
  bool Length(std::int64_t length, std::size_t start, const char* field);
  bool CompactLength(bool nullable, std::optional<std::size_t>& length, const char* field);

  std::string_view data_;
  std::size_t pos_ = 0;
  std::string error_;
};

// Appends primitives to a string it does not own.
class WireWriter {
 public:
  explicit WireWriter(std::string& out) : out_(out) {}

  void Int8(std::int8_t v) { out_.push_back(static_cast<char>(v)); }
  void Int16(std::int16_t v) { BigEndian(static_cast<std::uint16_t>(v), 2); }
  void Int32(std::int32_t v) { BigEndian(static_cast<std::uint32_t>(v), 4); }
  void Int64(std::int64_t v) { BigEndian(static_cast<std::uint64_t>(v), 8); }
  void WriteUuid(const Uuid& v);
  void UnsignedVarint(std::uint32_t v);

  // REQUIRES: a non-compact string is at most 32767 bytes.
  void String(std::string_view v, bool compact);
  void NullableString(const std::optional<std::string>& v, bool compact);
  void Bytes(std::string_view v, bool compact);
  void NullableBytes(const std::optional<std::string>& v, bool compact);
  void ArrayCount(std::size_t count, bool compact);
  void Int32Array(const std::vector<std::int32_t>& v, bool compact);
  void StringArray(const std::vector<std::string>& v, bool compact);
  void WriteTaggedFields(const TaggedFields& fields);

 private:
  void BigEndian(std::uint64_t v, int bytes);
  std::string& out_;
};

}  // namespace tributary::ingest::consumer_offsets::wire
