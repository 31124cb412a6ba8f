// libFuzzer target: arbitrary bytes as `.proto` text must parse or fail with
// InvalidArgument, never crash, hang or leak. A schema that parses is also
// compared with itself (no incompatibilities) and with a fixed schema, both ways.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//       fuzz/protobuf_schema_fuzz.cpp src/schema/protobuf/*.cpp src/schema/compatibility.cpp \
//       src/schema/avro/*.cpp src/schema/jsonschema/*.cpp -lprotobuf -lprotoc -o protobuf_fuzz
//   ./protobuf_fuzz -max_total_time=30 -max_len=4096

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "schema/protobuf/protobuf_engine.h"

namespace {

using tributary::ErrorCode;
using tributary::schema::CheckOptions;
using tributary::schema::ProtobufEngine;
using tributary::schema::SchemaReference;

const std::vector<SchemaReference>& References() {
  static const std::vector<SchemaReference> references = {
      {"common.proto", "common", 1,
       "syntax = \"proto3\";\npackage common;\nmessage Money { int64 units = 1; }\n"
       "enum Currency { EUR = 0; USD = 1; }\n"}};
  return references;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ProtobufEngine().Parse(text, References(), {});
  if (!parsed.ok()) {
    if (parsed.status().code() != ErrorCode::kInvalidArgument ||
        parsed.status().message().empty()) {
      std::abort();
    }
    return 0;
  }
  static const auto fixed = ProtobufEngine().Parse(
      "syntax = \"proto3\";\nimport \"common.proto\";\nmessage M { string id = 1; "
      "common.Money price = 2; oneof o { int32 a = 3; string b = 4; } map<string, M> m = 5; }",
      References(), {});
  CheckOptions options;
  // A schema always reads its own data (unless the comparison ran out of steps).
  for (const auto& found : ProtobufEngine().CheckReadable(**parsed, **parsed, options)) {
    if (found.kind != "SCHEMA_TOO_COMPLEX") {
      std::abort();
    }
  }
  (void)ProtobufEngine().CheckReadable(**parsed, **fixed, options);
  options.reader_is_newer = false;
  (void)ProtobufEngine().CheckReadable(**fixed, **parsed, options);
  (void)(*parsed)->CanonicalText();
  return 0;
}
