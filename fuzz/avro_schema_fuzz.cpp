// libFuzzer target: arbitrary bytes as an Avro schema must parse or fail with
// InvalidArgument, never crash or hang. A schema that parses reads its own data
// (no incompatibilities against itself) and its canonical form parses again to
// the same canonical form.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "schema/avro/avro_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tributary::schema;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& engine = AvroEngine();
  auto parsed = engine.Parse(text, {}, {});
  if (!parsed.ok()) {
    if (parsed.status().code() != tributary::ErrorCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  if (!engine.CheckReadable(**parsed, **parsed, {}).empty()) {
    std::abort();
  }
  const auto canonical = (*parsed)->CanonicalText();
  auto again = engine.Parse(canonical, {}, {});
  if (!again.ok() || (*again)->CanonicalText() != canonical) {
    std::abort();
  }
  return 0;
}
