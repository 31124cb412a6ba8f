#pragma once
// Helpers for the __consumer_offsets decoder tests: hand-written hex fixtures
// (whitespace ignored, so fixtures are annotated field by field), and checks that
// a fixture decodes to a record and that the encoder writes the same bytes back.

#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "ingest/consumer_offsets/consumer_offsets_decoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"

namespace tributary::ingest::consumer_offsets::testing {

inline std::string Hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  std::string out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '|') {
      continue;
    }
    int n = nibble(c);
    if (n < 0) {
      throw std::invalid_argument("bad hex digit in fixture");
    }
    if (high < 0) {
      high = n;
    } else {
      out.push_back(static_cast<char>((high << 4) | n));
      high = -1;
    }
  }
  if (high >= 0) {
    throw std::invalid_argument("odd number of hex digits in fixture");
  }
  return out;
}

inline std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

inline Result<ConsumerOffsetsRecord> DecodeHex(std::string_view key_hex,
                                               std::optional<std::string_view> value_hex) {
  const std::string key = Hex(key_hex);
  std::optional<std::string> value;
  if (value_hex) {
    value = Hex(*value_hex);
  }
  return Decode(std::string_view(key),
                value ? std::optional<std::string_view>(*value) : std::nullopt);
}

// Decodes a fixture that must decode to a T.
template <typename T>
T DecodeAs(std::string_view key_hex, std::optional<std::string_view> value_hex) {
  auto result = DecodeHex(key_hex, value_hex);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  REQUIRE(std::holds_alternative<T>(*result));
  return std::get<T>(*result);
}

// The error a fixture decodes to; it must be an InvalidArgument.
inline std::string DecodeError(std::string_view key, std::optional<std::string_view> value) {
  auto result = Decode(key, value);
  REQUIRE_FALSE(result.ok());
  REQUIRE(result.status().code() == ErrorCode::kInvalidArgument);
  REQUIRE_FALSE(result.status().message().empty());
  return result.status().message();
}

inline std::string DecodeHexError(std::string_view key_hex,
                                  std::optional<std::string_view> value_hex) {
  const std::string key = Hex(key_hex);
  std::optional<std::string> value;
  if (value_hex) {
    value = Hex(*value_hex);
  }
  return DecodeError(key, value ? std::optional<std::string_view>(*value) : std::nullopt);
}

// The encoder writes exactly the fixture's bytes for `record`.
template <typename T>
void RequireEncodes(const T& record, std::string_view key_hex,
                    std::optional<std::string_view> value_hex) {
  EncodedRecord encoded = Encode(record);
  CHECK(ToHex(encoded.key) == ToHex(Hex(key_hex)));
  REQUIRE(encoded.value.has_value() == value_hex.has_value());
  if (value_hex) {
    CHECK(ToHex(*encoded.value) == ToHex(Hex(*value_hex)));
  }
}

}  // namespace tributary::ingest::consumer_offsets::testing

// A record that fails a comparison prints as the bytes it encodes to.
namespace Catch {
template <typename T>
struct StringMaker<T, std::void_t<decltype(tributary::ingest::consumer_offsets::Encode(
                          std::declval<const T&>()))>> {
  static std::string convert(const T& record) {
    using tributary::ingest::consumer_offsets::testing::ToHex;
    auto encoded = tributary::ingest::consumer_offsets::Encode(record);
    return "{key " + ToHex(encoded.key) + ", value " +
           (encoded.value ? ToHex(*encoded.value) : std::string("null")) + "}";
  }
};
}  // namespace Catch
