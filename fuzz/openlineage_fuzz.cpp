// libFuzzer target: DecodeOpenLineageEvent on arbitrary bytes must return a value
// or an InvalidArgument, never crash. Seed corpus: tests/fixtures/openlineage.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/openlineage/openlineage_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tributary::ingest;
  static const ClusterDirectory clusters(
      {ClusterInfo{"prod", "lkc-1", {"broker-1.kafka.internal:9092", "localhost:9092"}}});
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto r = openlineage::DecodeOpenLineageEvent(value, clusters);
  if (r.ok()) {
    (void)openlineage::LineageIdempotencyKey(*r);
  } else if (r.status().code() != tributary::ErrorCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
