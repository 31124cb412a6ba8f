// libFuzzer target for the replicated batch's wire form (log/replication/batch_codec).
//
// Decodes arbitrary bytes: anything but a batch must be a Corruption error with a
// message. A batch that decodes must re-encode to bytes that decode again and
// re-encode to the very same bytes (what a replica relies on: one form per batch).
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     fuzz/batch_codec_fuzz.cpp src/log/replication/batch_codec.cpp \
//     src/core/{event_codec,msgpack,ids,clock}.cpp -o batch_codec_fuzz
//   ./batch_codec_fuzz fuzz/seeds/batch_codec -max_total_time=60

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "log/replication/batch_codec.h"

namespace replication = tributary::log::replication;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded =
      replication::DecodeBatch(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded.ok()) {
    if (decoded.status().code() != tributary::ErrorCode::kCorruption ||
        decoded.status().message().empty()) {
      std::abort();
    }
    return 0;
  }
  std::string first;
  replication::EncodeBatch(decoded->batch, decoded->recorded_at, first);
  auto again = replication::DecodeBatch(first);
  if (!again.ok()) {
    std::abort();  // the decoder refuses what the encoder wrote
  }
  std::string second;
  replication::EncodeBatch(again->batch, again->recorded_at, second);
  if (first != second) {
    std::abort();  // the encoder and decoder disagree
  }
  return 0;
}
