#pragma once
// Confluent Schema Registry's Protobuf compatibility rules over two parsed files.
//
// The registry compares an "original" schema with an "update" and lists typed
// differences; a change is incompatible unless its type is one the registry
// accepts. Here the writer plays the original and the reader the update, so
// backward compatibility is FindIncompatibleChanges(writer = old, reader = new)
// and forward compatibility the same call with the roles swapped. Only the
// incompatible differences are returned; README.md lists both kinds.
//
// Pure; reads the descriptors only.

#include <vector>

#include "schema/compatibility.h"

namespace google::protobuf {
class FileDescriptor;
}  // namespace google::protobuf

namespace tributary::schema::proto {

// What stops a consumer using `reader` from reading data written with `writer`,
// as Confluent's difference types (kind) at Confluent's paths ("#/Order/2",
// "#/Order/payment/7"). `reader_is_newer` only orients the messages
// ("changed from <old> to <new>").
std::vector<Incompatibility> FindIncompatibleChanges(const google::protobuf::FileDescriptor& writer,
                                                     const google::protobuf::FileDescriptor& reader,
                                                     bool reader_is_newer);

}  // namespace tributary::schema::proto
