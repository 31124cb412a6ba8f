#include "schema/avro/avro_engine.h"

#include "schema/avro/avro_parser.h"
#include "schema/avro/canonical_form.h"
#include "schema/avro/resolution.h"

namespace tributary::schema {
namespace {

class AvroSchemaEngine final : public SchemaEngine {
 public:
  Result<std::shared_ptr<const ParsedSchema>> Parse(std::string_view text,
                                                    const std::vector<SchemaReference>& references,
                                                    const CheckOptions& options) const override {
    auto parsed = avro::ParseAvroSchema(text, references, options.strict_defaults);
    if (!parsed.ok()) {
      return parsed.status();
    }
    return std::shared_ptr<const ParsedSchema>(std::move(parsed).value());
  }

  std::vector<Incompatibility> CheckReadable(const ParsedSchema& reader, const ParsedSchema& writer,
                                             const CheckOptions& options) const override {
    const auto* avro_reader = dynamic_cast<const avro::AvroSchema*>(&reader);
    const auto* avro_writer = dynamic_cast<const avro::AvroSchema*>(&writer);
    if (avro_reader == nullptr || avro_writer == nullptr) {
      return {Incompatibility{"SCHEMA_TYPE_MISMATCH", "/",
                              "schema type changed from " + std::string(ToString(writer.type())) +
                                  " to " + std::string(ToString(reader.type())),
                              0}};
    }
    return avro::CheckResolution(*avro_reader, *avro_writer, options.reader_is_newer);
  }
};

}  // namespace

const SchemaEngine& AvroEngine() {
  static const AvroSchemaEngine engine;
  return engine;
}

Result<std::string> AvroCanonicalForm(std::string_view text,
                                      const std::vector<SchemaReference>& references) {
  auto parsed = avro::ParseAvroSchema(text, references);
  if (!parsed.ok()) {
    return parsed.status();
  }
  return (*parsed)->CanonicalText();
}

uint64_t AvroRabinFingerprint(std::string_view bytes) { return avro::RabinFingerprint(bytes); }

Result<uint64_t> AvroFingerprint(std::string_view text,
                                 const std::vector<SchemaReference>& references) {
  auto canonical = AvroCanonicalForm(text, references);
  if (!canonical.ok()) {
    return canonical.status();
  }
  return avro::RabinFingerprint(*canonical);
}

}  // namespace tributary::schema
