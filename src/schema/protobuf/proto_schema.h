#pragma once
// A parsed `.proto` schema: the text run through libprotobuf's own parser and
// descriptor builder, with its imports resolved.
//
// Imports are served from the schema's references (SchemaReference::name is the
// import path, exactly as written in the `import` statement). Imports of
// `google/protobuf/*.proto` that no reference provides resolve to the
// well-known types compiled into libprotobuf itself, so they need no files on
// disk and always match the library the schema was built with.
//
// A ProtoSchema owns its descriptor pool; the FileDescriptor it hands out lives
// as long as the ProtoSchema. Immutable once built; safe to read from any thread.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/compatibility.h"
#include "tributary/result.h"

namespace google::protobuf {
class FileDescriptor;
}  // namespace google::protobuf

namespace tributary::schema::proto {

class ProtoSchema final : public ParsedSchema {
 public:
  // Parses `text` and everything it imports. A syntax error, an import no
  // reference provides, an undefined type or any other error the protobuf
  // compiler reports is an InvalidArgument naming line:column (1-based) and the
  // problem; errors inside a reference also name the reference.
  static Result<std::unique_ptr<ProtoSchema>> Parse(std::string_view text,
                                                    const std::vector<SchemaReference>& references);

  ~ProtoSchema() override;
  ProtoSchema(const ProtoSchema&) = delete;
  ProtoSchema& operator=(const ProtoSchema&) = delete;

  SchemaType type() const override { return SchemaType::kProtobuf; }
  // The schema as libprotobuf prints it back: comments and layout normalised.
  std::string CanonicalText() const override;

  // The schema's own file (not its imports).
  const google::protobuf::FileDescriptor& file() const { return *file_; }

 private:
  struct Sources;  // the texts, the source tree and the pool that reads them

  ProtoSchema(std::unique_ptr<Sources> sources, const google::protobuf::FileDescriptor& file);

  std::unique_ptr<Sources> sources_;
  const google::protobuf::FileDescriptor* file_;
};

}  // namespace tributary::schema::proto
