// libFuzzer target: arbitrary bytes as a JSON Schema must parse or fail with
// InvalidArgument, never crash or hang; a schema that parses can read its own data.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "schema/jsonschema/json_schema_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tributary::schema;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& engine = JsonSchemaEngine();
  auto parsed = engine.Parse(text, {}, {});
  if (!parsed.ok()) {
    if (parsed.status().code() != tributary::ErrorCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  for (const auto& i : engine.CheckReadable(**parsed, **parsed, {})) {
    if (i.kind != "SCHEMA_TOO_COMPLEX") {
      std::abort();
    }
  }
  return 0;
}
