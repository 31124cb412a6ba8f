#pragma once
// SchemasDecoder: records of Confluent Schema Registry's storage topic
// (`_schemas`, the registry's write-ahead log) into typed records.
//
// Keys are JSON objects with a `keytype`:
//   SCHEMA          {"keytype":"SCHEMA","subject","version","magic":1}
//                   value
//                   {"subject","version","id","schemaType"?,"references"?,"schema","deleted"?}
//                   (schemaType absent = AVRO); a null value = the version was hard-deleted
//   CONFIG          {"keytype":"CONFIG","subject"?,"magic":0}, subject absent/null = global
//                   value {"compatibilityLevel"?}; null value = the config was deleted
//   MODE            {"keytype":"MODE","subject"?,"magic":0}; value {"mode"}; null = deleted
//   DELETE_SUBJECT  value {"subject","version"}: versions up to `version` soft-deleted
//   CLEAR_SUBJECT   value {"subject"}: the subject's soft-deleted versions are gone
//   NOOP            written by the registry to find the log end; carries nothing
// Unknown key types and malformed records are InvalidArgument errors naming the
// field; the caller quarantines them. Null values on DELETE_SUBJECT,
// CLEAR_SUBJECT and NOOP keys (compaction tombstones) decode as Noop.
//
// The REST poller (schema_registry_client.h) yields the same records, so the
// topic and the poller feed one translation. Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary::ingest::schema_registry {

// A registered (or soft-deleted, `deleted`) version of a subject.
struct SchemaVersion {
  std::string subject;
  std::int32_t version = 0;
  std::int32_t id = 0;
  std::string schema_type = "AVRO";  // AVRO | JSON | PROTOBUF (others passed through)
  std::vector<SchemaRef> references;
  std::string schema;
  bool deleted = false;  // soft-deleted
  bool operator==(const SchemaVersion&) const = default;
};

// The version is gone for good (permanent delete: tombstone on its SCHEMA key).
struct SchemaHardDeleted {
  std::string subject;
  std::int32_t version = 0;
  bool operator==(const SchemaHardDeleted&) const = default;
};

// The compatibility level of a subject (or the global one) changed.
struct ConfigChanged {
  std::optional<std::string> subject;  // absent: global
  std::optional<std::string> level;    // absent: deleted/unset (falls back to global/default)
  bool operator==(const ConfigChanged&) const = default;
};

struct ModeChanged {
  std::optional<std::string> subject;  // absent: global
  std::optional<std::string>
      mode;  // READWRITE | READONLY | READONLY_OVERRIDE | IMPORT; absent: deleted
  bool operator==(const ModeChanged&) const = default;
};

// Every version up to `version` of the subject was soft-deleted.
struct SubjectDeleted {
  std::string subject;
  std::int32_t version = 0;
  bool operator==(const SubjectDeleted&) const = default;
};

// The soft-deleted versions of the subject were permanently removed.
struct SubjectCleared {
  std::string subject;
  bool operator==(const SubjectCleared&) const = default;
};

struct Noop {
  bool operator==(const Noop&) const = default;
};

using SchemasRecord = std::variant<SchemaVersion, SchemaHardDeleted, ConfigChanged, ModeChanged,
                                   SubjectDeleted, SubjectCleared, Noop>;

// Decodes one `_schemas` record; nullopt key or value = a Kafka null.
// Refuses keys and values over 1 MiB.
Result<SchemasRecord> DecodeSchemasRecord(std::optional<std::string_view> key,
                                          std::optional<std::string_view> value);

// Parses a registry's version document (the SCHEMA value shape, also returned
// by GET /subjects/{s}/versions/{v}); `where` prefixes error messages.
Result<SchemaVersion> DecodeSchemaVersionDocument(std::string_view text, std::string_view where);

// "BACKWARD" etc.: the compatibility levels a registry accepts, upper-cased.
Result<std::string> NormalizeCompatibilityLevel(std::string_view level, std::string_view where);

}  // namespace tributary::ingest::schema_registry
