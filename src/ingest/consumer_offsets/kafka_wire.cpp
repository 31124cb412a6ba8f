#include "ingest/consumer_offsets/kafka_wire.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

#include "core/text_codec.h"

namespace tributary::ingest::consumer_offsets {

std::string Uuid::ToString() const {
  // 16 bytes = 128 bits = 21 full sextets + 2 bits: 22 characters, no padding.
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::optional<Uuid> Uuid::FromString(std::string_view text) {
  if (text.size() != 22) {
    return std::nullopt;
  }
  const auto decoded = Base64UrlDecode(text);
  // The last character carries 2 bits of data; the other 4 must be zero, so
  // only the canonical spelling, which encodes back to `text`, is a topic id.
  if (!decoded || decoded->size() != 16 || Base64UrlEncode(*decoded) != text) {
    return std::nullopt;
  }
  Uuid uuid;
  std::copy(decoded->begin(), decoded->end(), uuid.bytes.begin());
  return uuid;
}

namespace wire {

// ---- WireReader ------------------------------------------------------------

bool WireReader::Fail(std::string message) {
  if (error_.empty()) {
    error_ = std::move(message);
    if (error_.empty()) {
      error_ = "invalid";
    }
  }
  pos_ = data_.size();
  return false;
}

bool WireReader::NeedSlow(std::size_t bytes, const char* field) {
  if (!ok()) {
    return false;
  }
  if (remaining() < bytes) {
    return Fail("truncated at field " + std::string(field) + " (offset " + std::to_string(pos_) +
                ")");
  }
  return true;
}

bool WireReader::Length(std::int64_t length, std::size_t start, const char* field) {
  if (length < 0) {
    return Fail("negative length " + std::to_string(length) + " at field " + field + " (offset " +
                std::to_string(start) + ")");
  }
  if (static_cast<std::uint64_t>(length) > remaining()) {
    return Fail("length " + std::to_string(length) + " at field " + field + " exceeds the " +
                std::to_string(remaining()) + " bytes left (offset " + std::to_string(start) + ")");
  }
  return true;
}

bool WireReader::Int8(std::int8_t& out, const char* field) {
  if (!Need(1, field)) {
    return false;
  }
  out = static_cast<std::int8_t>(data_[pos_]);
  pos_ += 1;
  return true;
}

bool WireReader::ReadUuid(Uuid& out, const char* field) {
  if (!Need(16, field)) {
    return false;
  }
  for (std::size_t i = 0; i < 16; ++i) {
    out.bytes[i] = static_cast<std::uint8_t>(data_[pos_ + i]);
  }
  pos_ += 16;
  return true;
}

bool WireReader::UnsignedVarint(std::uint32_t& out, const char* field) {
  if (!ok()) {
    return false;
  }
  const std::size_t start = pos_;
  std::uint32_t value = 0;
  for (int i = 0; i < 5; ++i) {
    if (pos_ >= data_.size()) {
      pos_ = start;
      return Fail("truncated at field " + std::string(field) + " (offset " + std::to_string(start) +
                  ")");
    }
    auto b = static_cast<std::uint8_t>(data_[pos_++]);
    if (i == 4 && (b & 0xf0) != 0) {
      break;  // more than 32 bits
    }
    value |= static_cast<std::uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      out = value;
      return true;
    }
  }
  pos_ = start;
  return Fail("varint longer than 32 bits at field " + std::string(field) + " (offset " +
              std::to_string(start) + ")");
}

bool WireReader::CompactLength(bool nullable, std::optional<std::size_t>& length,
                               const char* field) {
  const std::size_t start = pos_;
  std::uint32_t n = 0;
  if (!UnsignedVarint(n, field)) {
    return false;
  }
  if (n == 0) {
    if (!nullable) {
      pos_ = start;
      return Fail("null at non-nullable field " + std::string(field) + " (offset " +
                  std::to_string(start) + ")");
    }
    length.reset();
    return true;
  }
  if (n - 1 > remaining()) {
    return Fail("length " + std::to_string(n - 1) + " at field " + field + " exceeds the " +
                std::to_string(remaining()) + " bytes left (offset " + std::to_string(start) + ")");
  }
  length = n - 1;
  return true;
}

bool WireReader::StringView(std::string_view& out, bool compact, const char* field) {
  if (compact) {
    std::optional<std::size_t> length;
    if (!CompactLength(false, length, field)) {
      return false;
    }
    out = data_.substr(pos_, *length);
    pos_ += *length;
    return true;
  }
  const std::size_t start = pos_;
  std::int16_t length = 0;
  if (!Int16(length, field)) {
    return false;
  }
  if (!Length(length, start, field)) {
    return false;
  }
  out = data_.substr(pos_, static_cast<std::size_t>(length));
  pos_ += static_cast<std::size_t>(length);
  return true;
}

bool WireReader::String(std::string& out, bool compact, const char* field) {
  std::string_view view;
  if (!StringView(view, compact, field)) {
    return false;
  }
  out.assign(view);
  return true;
}

bool WireReader::NullableString(std::optional<std::string>& out, bool compact, const char* field) {
  if (compact) {
    std::optional<std::size_t> length;
    if (!CompactLength(true, length, field)) {
      return false;
    }
    if (!length) {
      out.reset();
      return true;
    }
    out.emplace(data_.substr(pos_, *length));
    pos_ += *length;
    return true;
  }
  const std::size_t start = pos_;
  std::int16_t length = 0;
  if (!Int16(length, field)) {
    return false;
  }
  if (length == -1) {
    out.reset();
    return true;
  }
  if (!Length(length, start, field)) {
    return false;
  }
  out.emplace(data_.substr(pos_, static_cast<std::size_t>(length)));
  pos_ += static_cast<std::size_t>(length);
  return true;
}

bool WireReader::Bytes(std::string& out, bool compact, const char* field) {
  if (compact) {
    return String(out, true, field);
  }
  const std::size_t start = pos_;
  std::int32_t length = 0;
  if (!Int32(length, field)) {
    return false;
  }
  if (!Length(length, start, field)) {
    return false;
  }
  out.assign(data_.substr(pos_, static_cast<std::size_t>(length)));
  pos_ += static_cast<std::size_t>(length);
  return true;
}

bool WireReader::NullableBytes(std::optional<std::string>& out, bool compact, const char* field) {
  if (compact) {
    return NullableString(out, true, field);
  }
  const std::size_t start = pos_;
  std::int32_t length = 0;
  if (!Int32(length, field)) {
    return false;
  }
  if (length == -1) {
    out.reset();
    return true;
  }
  if (!Length(length, start, field)) {
    return false;
  }
  out.emplace(data_.substr(pos_, static_cast<std::size_t>(length)));
  pos_ += static_cast<std::size_t>(length);
  return true;
}

bool WireReader::ArrayCount(std::size_t& count, bool compact, std::size_t min_element_size,
                            const char* field) {
  const std::size_t start = pos_;
  std::int64_t n = 0;
  if (compact) {
    std::uint32_t raw = 0;
    if (!UnsignedVarint(raw, field)) {
      return false;
    }
    if (raw == 0) {
      pos_ = start;
      return Fail("null array at non-nullable field " + std::string(field) + " (offset " +
                  std::to_string(start) + ")");
    }
    n = static_cast<std::int64_t>(raw) - 1;
  } else {
    std::int32_t raw = 0;
    if (!Int32(raw, field)) {
      return false;
    }
    if (raw < 0) {
      pos_ = start;
      return Fail("negative array length " + std::to_string(raw) + " at field " + field +
                  " (offset " + std::to_string(start) + ")");
    }
    n = raw;
  }
  const std::size_t per = min_element_size == 0 ? 1 : min_element_size;
  if (static_cast<std::uint64_t>(n) > remaining() / per) {
    const std::size_t left = remaining();
    pos_ = start;
    return Fail("array length " + std::to_string(n) + " at field " + field + " exceeds what the " +
                std::to_string(left) + " bytes left can hold (offset " + std::to_string(start) +
                ")");
  }
  count = static_cast<std::size_t>(n);
  return true;
}

bool WireReader::Int32Array(std::vector<std::int32_t>& out, bool compact, const char* field) {
  std::size_t count = 0;
  if (!ArrayCount(count, compact, 4, field)) {
    return false;
  }
  out.clear();
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::int32_t v = 0;
    if (!Int32(v, field)) {
      return false;
    }
    out.push_back(v);
  }
  return true;
}

bool WireReader::StringArray(std::vector<std::string>& out, bool compact, const char* field) {
  std::size_t count = 0;
  if (!ArrayCount(count, compact, compact ? 1 : 2, field)) {
    return false;
  }
  out.clear();
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!String(out.emplace_back(), compact, field)) {
      return false;
    }
  }
  return true;
}

bool WireReader::ReadTaggedFields(TaggedFields& out, const char* field) {
  const std::size_t start = pos_;
  std::uint32_t count = 0;
  if (!UnsignedVarint(count, field)) {
    return false;
  }
  out.clear();
  if (count == 0) {
    return true;
  }
  // Each tagged field takes at least two bytes (tag and size).
  if (count > remaining() / 2) {
    return Fail("tagged field count " + std::to_string(count) + " at field " + field +
                " exceeds what the " + std::to_string(remaining()) +
                " bytes left can hold (offset " + std::to_string(start) + ")");
  }
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    TaggedField& tagged = out.emplace_back();
    if (!UnsignedVarint(tagged.tag, field)) {
      return false;
    }
    const std::size_t size_start = pos_;
    std::uint32_t size = 0;
    if (!UnsignedVarint(size, field)) {
      return false;
    }
    if (size > remaining()) {
      return Fail("tagged field " + std::to_string(tagged.tag) + " size " + std::to_string(size) +
                  " at field " + field + " exceeds the " + std::to_string(remaining()) +
                  " bytes left (offset " + std::to_string(size_start) + ")");
    }
    tagged.data.assign(data_.substr(pos_, size));
    pos_ += size;
  }
  return true;
}

// ---- WireWriter ------------------------------------------------------------

void WireWriter::BigEndian(std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void WireWriter::WriteUuid(const Uuid& v) {
  for (std::uint8_t b : v.bytes) {
    out_.push_back(static_cast<char>(b));
  }
}

void WireWriter::UnsignedVarint(std::uint32_t v) {
  while ((v & ~0x7fu) != 0) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void WireWriter::String(std::string_view v, bool compact) {
  if (compact) {
    UnsignedVarint(static_cast<std::uint32_t>(v.size() + 1));
  } else {
    assert(v.size() <= static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max()));
    Int16(static_cast<std::int16_t>(v.size()));
  }
  out_.append(v);
}

void WireWriter::NullableString(const std::optional<std::string>& v, bool compact) {
  if (v) {
    String(*v, compact);
  } else if (compact) {
    UnsignedVarint(0);
  } else {
    Int16(-1);
  }
}

void WireWriter::Bytes(std::string_view v, bool compact) {
  if (compact) {
    UnsignedVarint(static_cast<std::uint32_t>(v.size() + 1));
  } else {
    Int32(static_cast<std::int32_t>(v.size()));
  }
  out_.append(v);
}

void WireWriter::NullableBytes(const std::optional<std::string>& v, bool compact) {
  if (v) {
    Bytes(*v, compact);
  } else if (compact) {
    UnsignedVarint(0);
  } else {
    Int32(-1);
  }
}

void WireWriter::ArrayCount(std::size_t count, bool compact) {
  if (compact) {
    UnsignedVarint(static_cast<std::uint32_t>(count + 1));
  } else {
    Int32(static_cast<std::int32_t>(count));
  }
}

void WireWriter::Int32Array(const std::vector<std::int32_t>& v, bool compact) {
  ArrayCount(v.size(), compact);
  for (std::int32_t x : v) {
    Int32(x);
  }
}

void WireWriter::StringArray(const std::vector<std::string>& v, bool compact) {
  ArrayCount(v.size(), compact);
  for (const std::string& s : v) {
    String(s, compact);
  }
}

void WireWriter::WriteTaggedFields(const TaggedFields& fields) {
  UnsignedVarint(static_cast<std::uint32_t>(fields.size()));
  for (const TaggedField& f : fields) {
    UnsignedVarint(f.tag);
    UnsignedVarint(static_cast<std::uint32_t>(f.data.size()));
    out_.append(f.data);
  }
}

}  // namespace wire
}  // namespace tributary::ingest::consumer_offsets
