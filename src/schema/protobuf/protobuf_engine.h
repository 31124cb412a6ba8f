#pragma once
// The Protobuf schema engine: parses `.proto` text with libprotobuf's own
// compiler (imports resolved through schema references, well-known types built
// in) and checks compatibility with Confluent Schema Registry's rules. See
// README.md for the rules. Stateless; lives for the whole program; thread-safe.

#include "schema/compatibility.h"

namespace tributary::schema {

const SchemaEngine& ProtobufEngine();

}  // namespace tributary::schema
