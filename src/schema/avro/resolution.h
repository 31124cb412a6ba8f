#pragma once
// Can a reader schema read data written with a writer schema? The rules of the
// "Schema Resolution" section of the Avro specification, reported the way
// Apache Avro's SchemaCompatibility reports them (kinds and paths into the
// reader schema), so verdicts match what Schema Registry decides.

#include <vector>

#include "schema/avro/avro_schema.h"
#include "schema/compatibility.h"

namespace tributary::schema::avro {

// Everything that stops `reader` from reading `writer`'s data; empty when it can.
// `reader_is_newer` only shapes the messages ("changed from <old> to <new>").
std::vector<Incompatibility> CheckResolution(const AvroSchema& reader, const AvroSchema& writer,
                                             bool reader_is_newer);

}  // namespace tributary::schema::avro
