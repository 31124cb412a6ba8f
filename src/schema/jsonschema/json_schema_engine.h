#pragma once
// The JSON Schema engine: parses JSON Schema (drafts 4 to 2020-12; draft 7 when
// `$schema` names none) and checks compatibility with Confluent Schema
// Registry's rules. Stateless; lives for the whole program; thread-safe.

#include "schema/compatibility.h"

namespace tributary::schema {

const SchemaEngine& JsonSchemaEngine();

}  // namespace tributary::schema
