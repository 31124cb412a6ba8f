#include "schema/jsonschema/json_schema_engine.h"

#include "schema/jsonschema/schema_diff.h"
#include "schema/jsonschema/schema_document.h"

namespace tributary::schema {
namespace {

class JsonSchemaEngineImpl final : public SchemaEngine {
 public:
  Result<std::shared_ptr<const ParsedSchema>> Parse(
      std::string_view text, const std::vector<SchemaReference>& references,
      const CheckOptions& /*options*/) const override {
    auto document = jsonschema::SchemaDocument::Parse(text, references);
    if (!document.ok()) {
      return document.status();
    }
    return std::shared_ptr<const ParsedSchema>(*std::move(document));
  }

  std::vector<Incompatibility> CheckReadable(const ParsedSchema& reader, const ParsedSchema& writer,
                                             const CheckOptions& /*options*/) const override {
    return jsonschema::CheckReadable(static_cast<const jsonschema::SchemaDocument&>(reader),
                                     static_cast<const jsonschema::SchemaDocument&>(writer));
  }
};

}  // namespace

const SchemaEngine& JsonSchemaEngine() {
  static const JsonSchemaEngineImpl kEngine;
  return kEngine;
}

}  // namespace tributary::schema
