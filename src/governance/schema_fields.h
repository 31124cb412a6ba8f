#pragma once
// SchemaFields: the fields of a schema with their tags, for the policy input
// (DESIGN.md §9): Avro and JSON Schema fields tagged with `confluent:tags`, and
// Protobuf fields with Confluent's field meta tags
// (`[(confluent.field_meta).tags = "PII"]` or `[(confluent.field_meta) = {tags: ["PII"]}]`).
// Paths are dotted from the top-level record/object/message ("customer.email").
// Pure and thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary::governance {

struct SchemaField {
  std::string path;
  std::string type;
  std::vector<std::string> tags;
};

// `schema_type` is AVRO, JSON or PROTOBUF; an unparseable schema is an error.
Result<std::vector<SchemaField>> SchemaFields(std::string_view schema_type,
                                              std::string_view schema);

// Field by field from `before` to `after`: added, removed and retyped fields,
// by path (the next-version notice, the product page's comparison).
std::vector<FieldChange> FieldDiff(const std::vector<SchemaField>& before,
                                   const std::vector<SchemaField>& after);

}  // namespace tributary::governance
