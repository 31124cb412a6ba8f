// libFuzzer target for the __consumer_offsets decoder.
//
// Input layout: byte 0 selects null key / null value (bit 0: key null, bit 1:
// value null); bytes 1-2 are the key length (big-endian, clamped to what is left);
// then the key, then the rest is the value. Every decoded record must re-encode,
// and the re-encoded bytes must decode to the same record.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     fuzz/consumer_offsets_fuzz.cpp src/ingest/consumer_offsets/{consumer_offsets_decoder,\
//     consumer_offsets_encoder,kafka_wire}.cpp -o consumer_offsets_fuzz
//   ./consumer_offsets_fuzz -max_total_time=60

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "ingest/consumer_offsets/consumer_offsets_decoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"

namespace co = tributary::ingest::consumer_offsets;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) {
    return 0;
  }
  const std::uint8_t flags = data[0];
  std::size_t key_size = (std::size_t{data[1]} << 8) | data[2];
  std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
  if (key_size > rest.size()) {
    key_size = rest.size();
  }
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  if ((flags & 1) == 0) {
    key = rest.substr(0, key_size);
  }
  if ((flags & 2) == 0) {
    value = rest.substr(key_size);
  }

  auto decoded = co::Decode(key, value);
  if (!decoded.ok()) {
    if (decoded.status().code() != tributary::ErrorCode::kInvalidArgument ||
        decoded.status().message().empty()) {
      std::abort();
    }
    return 0;
  }
  auto encoded = co::EncodeRecord(*decoded);
  if (!encoded.ok()) {
    return 0;  // a skipped record
  }
  std::optional<std::string_view> again_value;
  if (encoded->value) {
    again_value = *encoded->value;
  }
  auto again = co::Decode(encoded->key, again_value);
  if (!again.ok() || !(*again == *decoded)) {
    std::abort();  // the encoder and decoder disagree
  }
  return 0;
}
