#pragma once
// The Avro schema engine: parsing, Parsing Canonical Form, fingerprints and the
// reader/writer resolution check of the Avro specification.
//
// Stateless; safe to use from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/compatibility.h"
#include "tributary/result.h"

namespace tributary::schema {

// The engine for SchemaType::kAvro; lives for the whole program.
const SchemaEngine& AvroEngine();

// The Parsing Canonical Form of an Avro schema text (named types from
// `references` are written out where first used). InvalidArgument if invalid.
Result<std::string> AvroCanonicalForm(std::string_view text,
                                      const std::vector<SchemaReference>& references = {});

// CRC-64-AVRO (the Avro specification's 64-bit Rabin fingerprint) of `bytes`.
uint64_t AvroRabinFingerprint(std::string_view bytes);

// The Rabin fingerprint of a schema's Parsing Canonical Form: equal for two
// texts of the same schema, so a re-registration is recognised as no change.
Result<uint64_t> AvroFingerprint(std::string_view text,
                                 const std::vector<SchemaReference>& references = {});

}  // namespace tributary::schema
