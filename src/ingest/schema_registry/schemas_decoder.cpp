#include "ingest/schema_registry/schemas_decoder.h"

#include <utility>

#include "ingest/json_input.h"

namespace tributary::ingest::schema_registry {
namespace {

namespace js = ::tributary::ingest::json;
using nlohmann::json;

Result<std::vector<SchemaRef>> DecodeReferences(const json& obj, std::string_view path) {
  std::vector<SchemaRef> refs;
  const auto* v = js::Find(obj, "references");
  const auto where = js::Join(path, "references");
  if (v == nullptr) {
    return refs;
  }
  if (!v->is_array()) {
    return js::Expected(where, "an array", *v);
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto item_path = where + "[" + std::to_string(i) + "]";
    const auto& item = (*v)[i];
    if (auto s = js::RequireObject(item, item_path); !s.ok()) {
      return s;
    }
    SchemaRef ref;
    auto name = js::Name(item, "name", item_path);
    if (!name.ok()) {
      return name.status();
    }
    auto subject = js::Name(item, "subject", item_path);
    if (!subject.ok()) {
      return subject.status();
    }
    // -1 ("latest") is accepted by the registry when registering; stored records
    // carry the resolved version, but be liberal in what is read.
    auto version = js::Int32(item, "version", item_path, -1);
    if (!version.ok()) {
      return version.status();
    }
    refs.push_back(SchemaRef{std::move(name).value(), std::move(subject).value(), *version});
  }
  return refs;
}

Result<SchemaVersion> DecodeSchemaValue(const json& v, std::string_view path) {
  if (auto s = js::RequireObject(v, path); !s.ok()) {
    return s;
  }
  SchemaVersion out;
  auto subject = js::Name(v, "subject", path);
  if (!subject.ok()) {
    return subject.status();
  }
  out.subject = std::move(subject).value();
  auto version = js::Int32(v, "version", path, 1);
  if (!version.ok()) {
    return version.status();
  }
  out.version = *version;
  auto id = js::Int32(v, "id", path, 0);
  if (!id.ok()) {
    return id.status();
  }
  out.id = *id;
  auto type = js::OptionalName(v, "schemaType", path);
  if (!type.ok()) {
    return type.status();
  }
  out.schema_type = js::Upper(type->value_or("AVRO"));
  auto refs = DecodeReferences(v, path);
  if (!refs.ok()) {
    return refs.status();
  }
  out.references = std::move(refs).value();
  auto schema = js::String(v, "schema", path);
  if (!schema.ok()) {
    return schema.status();
  }
  if (schema->empty()) {
    return InvalidArgument(js::Join(path, "schema") + ": must not be empty");
  }
  out.schema = std::move(schema).value();
  auto deleted = js::Bool(v, "deleted", path, false);
  if (!deleted.ok()) {
    return deleted.status();
  }
  out.deleted = *deleted;
  return out;
}

// The subject of a key: required for SCHEMA, DELETE_SUBJECT, CLEAR_SUBJECT;
// optional (absent or null = global) for CONFIG and MODE.
Result<std::optional<std::string>> KeySubject(const json& key, bool required) {
  auto subject = js::OptionalName(key, "subject", "key");
  if (!subject.ok()) {
    return subject;
  }
  if (required && !subject->has_value()) {
    return js::Missing("key.subject");
  }
  return subject;
}

// The value's subject, when present, must be the key's.
Status SameSubject(const json& value, const std::string& subject) {
  auto v = js::OptionalString(value, "subject", "value");
  if (!v.ok()) {
    return v.status();
  }
  if (v->has_value() && **v != subject) {
    return InvalidArgument("value.subject: " + js::Quote(**v) + " does not match key.subject " +
                           js::Quote(subject));
  }
  return Status::Ok();
}

Result<SchemasRecord> DecodeSchema(const json& key, const std::optional<json>& value) {
  auto subject = KeySubject(key, true);
  if (!subject.ok()) {
    return subject.status();
  }
  auto version = js::Int32(key, "version", "key", 1);
  if (!version.ok()) {
    return version.status();
  }
  if (!value) {
    return SchemasRecord(SchemaHardDeleted{**subject, *version});
  }
  auto schema = DecodeSchemaValue(*value, "value");
  if (!schema.ok()) {
    return schema.status();
  }
  if (schema->subject != **subject || schema->version != *version) {
    return InvalidArgument("value: subject " + js::Quote(schema->subject) + " version " +
                           std::to_string(schema->version) + " does not match the key's " +
                           js::Quote(**subject) + " version " + std::to_string(*version));
  }
  return SchemasRecord(std::move(schema).value());
}

Result<SchemasRecord> DecodeConfig(const json& key, const std::optional<json>& value) {
  auto subject = KeySubject(key, false);
  if (!subject.ok()) {
    return subject.status();
  }
  ConfigChanged out{std::move(subject).value(), std::nullopt};
  if (!value) {
    return SchemasRecord(std::move(out));
  }
  if (auto s = js::RequireObject(*value, "value"); !s.ok()) {
    return s;
  }
  auto level = js::OptionalString(*value, "compatibilityLevel", "value");
  if (!level.ok()) {
    return level.status();
  }
  if (level->has_value()) {
    auto normalized = NormalizeCompatibilityLevel(**level, "value.compatibilityLevel");
    if (!normalized.ok()) {
      return normalized.status();
    }
    out.level = std::move(normalized).value();
  }
  return SchemasRecord(std::move(out));
}

Result<SchemasRecord> DecodeMode(const json& key, const std::optional<json>& value) {
  auto subject = KeySubject(key, false);
  if (!subject.ok()) {
    return subject.status();
  }
  ModeChanged out{std::move(subject).value(), std::nullopt};
  if (!value) {
    return SchemasRecord(std::move(out));
  }
  if (auto s = js::RequireObject(*value, "value"); !s.ok()) {
    return s;
  }
  auto mode = js::String(*value, "mode", "value");
  if (!mode.ok()) {
    return mode.status();
  }
  const auto upper = js::Upper(*mode);
  if (auto s =
          js::OneOf(upper, {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"}, "value.mode");
      !s.ok()) {
    return s;
  }
  out.mode = upper;
  return SchemasRecord(std::move(out));
}

Result<SchemasRecord> DecodeDeleteSubject(const json& key, const std::optional<json>& value) {
  auto subject = KeySubject(key, true);
  if (!subject.ok()) {
    return subject.status();
  }
  if (!value) {
    return SchemasRecord(Noop{});
  }
  if (auto s = js::RequireObject(*value, "value"); !s.ok()) {
    return s;
  }
  if (auto s = SameSubject(*value, **subject); !s.ok()) {
    return s;
  }
  auto version = js::Int32(*value, "version", "value", 1);
  if (!version.ok()) {
    return version.status();
  }
  return SchemasRecord(SubjectDeleted{**subject, *version});
}

Result<SchemasRecord> DecodeClearSubject(const json& key, const std::optional<json>& value) {
  auto subject = KeySubject(key, true);
  if (!subject.ok()) {
    return subject.status();
  }
  if (!value) {
    return SchemasRecord(Noop{});
  }
  if (auto s = js::RequireObject(*value, "value"); !s.ok()) {
    return s;
  }
  if (auto s = SameSubject(*value, **subject); !s.ok()) {
    return s;
  }
  return SchemasRecord(SubjectCleared{**subject});
}

Result<SchemasRecord> Decode(std::optional<std::string_view> key_text,
                             std::optional<std::string_view> value_text) {
  if (!key_text) {
    return InvalidArgument("key: null (every _schemas record has a JSON key)");
  }
  auto key = js::Parse(*key_text, "key");
  if (!key.ok()) {
    return key.status();
  }
  if (auto s = js::RequireObject(*key, "key"); !s.ok()) {
    return s;
  }
  auto keytype = js::String(*key, "keytype", "key");
  if (!keytype.ok()) {
    return keytype.status();
  }
  if (const auto* magic = js::Find(*key, "magic");
      magic != nullptr && !magic->is_number_integer()) {
    return js::Expected("key.magic", "an integer", *magic);
  }
  std::optional<json> value;
  if (value_text) {
    auto parsed = js::Parse(*value_text, "value");
    if (!parsed.ok()) {
      return parsed.status();
    }
    if (!parsed->is_null()) {  // the text "null" is a null value too
      value = std::move(parsed).value();
    }
  }
  const auto& type = *keytype;
  if (type == "SCHEMA") {
    return DecodeSchema(*key, value);
  }
  if (type == "CONFIG") {
    return DecodeConfig(*key, value);
  }
  if (type == "MODE") {
    return DecodeMode(*key, value);
  }
  if (type == "DELETE_SUBJECT") {
    return DecodeDeleteSubject(*key, value);
  }
  if (type == "CLEAR_SUBJECT") {
    return DecodeClearSubject(*key, value);
  }
  if (type == "NOOP") {
    return SchemasRecord(Noop{});
  }
  return InvalidArgument("key.keytype: " + js::Quote(type) +
                         " is not a known key type (SCHEMA, CONFIG, MODE, DELETE_SUBJECT, "
                         "CLEAR_SUBJECT, NOOP)");
}

}  // namespace

Result<std::string> NormalizeCompatibilityLevel(std::string_view level, std::string_view where) {
  auto upper = js::Upper(level);
  if (auto s = js::OneOf(upper,
                         {"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
                          "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"},
                         where);
      !s.ok()) {
    return s;
  }
  return upper;
}

Result<SchemasRecord> DecodeSchemasRecord(std::optional<std::string_view> key,
                                          std::optional<std::string_view> value) {
  try {
    return Decode(key, value);
  } catch (const std::exception& e) {
    // Not expected: every access is checked. A record must never stop the pipeline.
    return InvalidArgument(std::string("_schemas record could not be decoded: ") + e.what());
  }
}

Result<SchemaVersion> DecodeSchemaVersionDocument(std::string_view text, std::string_view where) {
  try {
    auto doc = js::Parse(text, where);
    if (!doc.ok()) {
      return doc.status();
    }
    auto version = DecodeSchemaValue(*doc, "");
    if (!version.ok()) {
      return InvalidArgument(std::string(where) + ": " + version.status().message());
    }
    return version;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string(where) + " could not be decoded: " + e.what());
  }
}

}  // namespace tributary::ingest::schema_registry
