// libFuzzer target: DecodeCatalogEvent on arbitrary bytes must return a value or
// an InvalidArgument, never crash, hang or leak. Seed corpus: tests/fixtures/catalog.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/catalog/catalog_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto r = tributary::ingest::catalog::DecodeCatalogEvent(value);
  if (!r.ok() && r.status().code() != tributary::ErrorCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
