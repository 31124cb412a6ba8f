#pragma once
// The JSON Schema compatibility rules: what stops a reader schema from reading
// data valid under a writer schema.
//
// The rules are Confluent Schema Registry's: the writer plays the registry's
// "original" schema and the reader its "update", and every change the registry
// classes as incompatible becomes an Incompatibility whose kind is the registry's
// difference type (PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, MAX_LENGTH_DECREASED, ...).
// Changes the registry accepts are not reported. See README.md in this folder
// for where Tributary is stricter than the registry and why.
//
// Pure and thread-compatible; recursion through `$ref` cycles and the total work
// are bounded.

#include <vector>

#include "schema/compatibility.h"
#include "schema/jsonschema/schema_document.h"

namespace tributary::schema::jsonschema {

std::vector<Incompatibility> CheckReadable(const SchemaDocument& reader,
                                           const SchemaDocument& writer);

}  // namespace tributary::schema::jsonschema
