#pragma once
// Parses Avro schema JSON text into an AvroSchema (see avro_schema.h), following
// the "Schema Declaration" section of the Avro specification.

#include <memory>
#include <string_view>
#include <vector>

#include "schema/avro/avro_schema.h"
#include "schema/compatibility.h"
#include "tributary/result.h"

namespace tributary::schema::avro {

// Parses `text`. Named types defined by `references` (Schema Registry references,
// each a schema text of its own) may be used by name; they are parsed first, in
// whatever order lets each one resolve the names it uses. With `strict_defaults`,
// a field default that does not match its type makes the schema invalid.
//
// An invalid schema is an InvalidArgument whose message starts "invalid Avro
// schema: " and names the problem and where it is, e.g.
//   invalid Avro schema: unknown type "strng" at /fields/0/type
Result<std::shared_ptr<const AvroSchema>> ParseAvroSchema(
    std::string_view text, const std::vector<SchemaReference>& references = {},
    bool strict_defaults = false);

}  // namespace tributary::schema::avro
