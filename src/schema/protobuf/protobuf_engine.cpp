#include "schema/protobuf/protobuf_engine.h"

#include "schema/protobuf/proto_schema.h"
#include "schema/protobuf/schema_diff.h"

namespace tributary::schema {
namespace {

class ProtobufEngineImpl final : public SchemaEngine {
 public:
  Result<std::shared_ptr<const ParsedSchema>> Parse(
      std::string_view text, const std::vector<SchemaReference>& references,
      const CheckOptions& /*options*/) const override {
    auto schema = proto::ProtoSchema::Parse(text, references);
    if (!schema.ok()) {
      return schema.status();
    }
    return std::shared_ptr<const ParsedSchema>(std::move(*schema));
  }

  std::vector<Incompatibility> CheckReadable(const ParsedSchema& reader, const ParsedSchema& writer,
                                             const CheckOptions& options) const override {
    return proto::FindIncompatibleChanges(static_cast<const proto::ProtoSchema&>(writer).file(),
                                          static_cast<const proto::ProtoSchema&>(reader).file(),
                                          options.reader_is_newer);
  }
};

}  // namespace

const SchemaEngine& ProtobufEngine() {
  static const ProtobufEngineImpl kEngine;
  return kEngine;
}

}  // namespace tributary::schema
