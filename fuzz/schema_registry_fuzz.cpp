// libFuzzer target: DecodeSchemasRecord on arbitrary key/value bytes must return a
// record or an InvalidArgument, never crash. Input layout: byte 0 selects null
// key (bit 0) / null value (bit 1); the rest is "key\tvalue" (no tab: all key).
// Seed corpus: tests/fixtures/schema_registry/schemas_topic.tsv, one line per file
// prefixed with a 0 byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "ingest/schema_registry/schemas_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto flags = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto tab = rest.find('\t');
  std::optional<std::string_view> key = rest.substr(0, tab);
  std::optional<std::string_view> value;
  if (tab != std::string_view::npos) {
    value = rest.substr(tab + 1);
  }
  if (flags & 1) {
    key.reset();
  }
  if (flags & 2) {
    value.reset();
  }
  const auto r = tributary::ingest::schema_registry::DecodeSchemasRecord(key, value);
  if (!r.ok() && r.status().code() != tributary::ErrorCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
