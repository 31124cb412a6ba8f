#pragma once
// SchemasEncoder: writes `_schemas` records exactly as Confluent Schema Registry
// stores them (key and value JSON, in the registry's property order), so tests
// and the demo simulator produce the bytes a real registry would. The inverse
// of DecodeSchemasRecord. Pure; thread-safe.

#include <optional>
#include <string>

#include "ingest/schema_registry/schemas_decoder.h"

namespace tributary::ingest::schema_registry {

struct EncodedSchemasRecord {
  std::string key;
  std::optional<std::string> value;  // nullopt: a Kafka null (tombstone)
};

// Noop encodes as the registry's NOOP record. SubjectDeleted/SubjectCleared and
// SchemaVersion records are written with the subject in key and value, as the
// registry does.
EncodedSchemasRecord EncodeSchemasRecord(const SchemasRecord& record);

}  // namespace tributary::ingest::schema_registry
