#include "ingest/schema_registry/schemas_encoder.h"

#include <type_traits>

#include <nlohmann/json.hpp>

namespace tributary::ingest::schema_registry {
namespace {

using ordered = nlohmann::ordered_json;

// Keys carry `magic` 1 for SCHEMA and 0 for every other key type.
ordered Key(std::string_view keytype, const std::optional<std::string>& subject,
            std::optional<std::int32_t> version, int magic) {
  ordered k;
  k["keytype"] = keytype;
  if (subject) {
    k["subject"] = *subject;  // the registry omits a null subject
  }
  if (version) {
    k["version"] = *version;
  }
  k["magic"] = magic;
  return k;
}

}  // namespace

EncodedSchemasRecord EncodeSchemasRecord(const SchemasRecord& record) {
  return std::visit(
      [](const auto& r) -> EncodedSchemasRecord {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, SchemaVersion>) {
          ordered v;
          v["subject"] = r.subject;
          v["version"] = r.version;
          v["id"] = r.id;
          if (r.schema_type != "AVRO") {
            v["schemaType"] = r.schema_type;
          }
          if (!r.references.empty()) {
            auto refs = ordered::array();
            for (const auto& ref : r.references) {
              refs.push_back(
                  ordered{{"name", ref.name}, {"subject", ref.subject}, {"version", ref.version}});
            }
            v["references"] = std::move(refs);
          }
          v["schema"] = r.schema;
          v["deleted"] = r.deleted;
          return {Key("SCHEMA", r.subject, r.version, 1).dump(), v.dump()};
        } else if constexpr (std::is_same_v<T, SchemaHardDeleted>) {
          return {Key("SCHEMA", r.subject, r.version, 1).dump(), std::nullopt};
        } else if constexpr (std::is_same_v<T, ConfigChanged>) {
          const auto key = Key("CONFIG", r.subject, std::nullopt, 0).dump();
          if (!r.level) {
            return {key, std::nullopt};
          }
          return {key, ordered{{"compatibilityLevel", *r.level}}.dump()};
        } else if constexpr (std::is_same_v<T, ModeChanged>) {
          const auto key = Key("MODE", r.subject, std::nullopt, 0).dump();
          if (!r.mode) {
            return {key, std::nullopt};
          }
          return {key, ordered{{"mode", *r.mode}}.dump()};
        } else if constexpr (std::is_same_v<T, SubjectDeleted>) {
          return {Key("DELETE_SUBJECT", r.subject, std::nullopt, 0).dump(),
                  ordered{{"subject", r.subject}, {"version", r.version}}.dump()};
        } else if constexpr (std::is_same_v<T, SubjectCleared>) {
          return {Key("CLEAR_SUBJECT", r.subject, std::nullopt, 0).dump(),
                  ordered{{"subject", r.subject}}.dump()};
        } else {
          return {Key("NOOP", std::nullopt, std::nullopt, 0).dump(), std::nullopt};
        }
      },
      record);
}

}  // namespace tributary::ingest::schema_registry
