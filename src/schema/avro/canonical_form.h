#pragma once
// Avro Parsing Canonical Form and the 64-bit Rabin fingerprint (CRC-64-AVRO),
// as defined in the "Parsing Canonical Form for Schemas" and "Schema
// Fingerprints" sections of the Avro specification.

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/avro/avro_schema.h"

namespace tributary::schema::avro {

// The Parsing Canonical Form of the schema rooted at `root`: primitives in their
// simple form, full names, only the attributes that matter for parsing data
// (name, type, fields, symbols, items, values, size) in that order, no whitespace.
// A named type is written out at its first use and by full name afterwards.
std::string CanonicalForm(const Node& root);

// CRC-64-AVRO of `bytes` (normally a Parsing Canonical Form).
uint64_t RabinFingerprint(std::string_view bytes);

}  // namespace tributary::schema::avro
