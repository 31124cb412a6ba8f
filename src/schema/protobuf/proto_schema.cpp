#include "schema/protobuf/proto_schema.h"

#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <limits>
#include <map>
#include <utility>

namespace tributary::schema::proto {
namespace {

namespace gp = google::protobuf;

// The name the schema being parsed goes by inside its pool. Not a valid import
// path, so no reference can shadow it and no import can reach it.
constexpr std::string_view kSchemaFileName = "<schema>";
constexpr std::string_view kWellKnownPrefix = "google/protobuf/";
// Errors quoted in full before the rest are only counted.
constexpr size_t kErrorsShown = 3;

// Serves the schema text and its references to the protobuf parser.
class ReferenceSourceTree final : public gp::compiler::SourceTree {
 public:
  ReferenceSourceTree(std::string_view text, const std::vector<SchemaReference>& references) {
    files_.emplace(std::string(kSchemaFileName), std::string(text));
    for (const SchemaReference& reference : references) {
      files_.emplace(reference.name, reference.text);  // the first of equal names wins
    }
  }

  gp::io::ZeroCopyInputStream* Open(const std::string& filename) override {
    const auto found = files_.find(filename);
    if (found == files_.end()) {
      last_error_ =
          filename.starts_with(kWellKnownPrefix)
              ? "not a well-known type libprotobuf provides, and no reference by that name"
              : "no reference by that name (imports resolve through schema references)";
      return nullptr;
    }
    return new gp::io::ArrayInputStream(found->second.data(),
                                        static_cast<int>(found->second.size()));
  }

  std::string GetLastErrorMessage() override { return last_error_; }

 private:
  std::map<std::string, std::string, std::less<>> files_;
  std::string last_error_;
};

// google/protobuf/*.proto from the descriptors compiled into libprotobuf: the
// well-known types (any, timestamp, duration, wrappers, struct, ...) and
// descriptor.proto for custom options.
class WellKnownTypesDatabase final : public gp::DescriptorDatabase {
 public:
  bool FindFileByName(const std::string& filename, gp::FileDescriptorProto* output) override {
    if (!filename.starts_with(kWellKnownPrefix)) {
      return false;
    }
    const gp::FileDescriptor* file = gp::DescriptorPool::generated_pool()->FindFileByName(filename);
    if (file == nullptr) {
      return false;
    }
    file->CopyTo(output);
    return true;
  }
  bool FindFileContainingSymbol(const std::string&, gp::FileDescriptorProto*) override {
    return false;
  }
  bool FindFileContainingExtension(const std::string&, int, gp::FileDescriptorProto*) override {
    return false;
  }
};

// Collects what the parser and the descriptor builder report, as
// "line L:C: message" for the schema and "reference "NAME" line L:C: message"
// for the files it imports. Warnings are dropped.
class ErrorList final : public gp::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& filename, int line, int column,
                const std::string& message) override {
    std::string error;
    if (filename != kSchemaFileName) {
      error = "reference \"" + filename + "\" ";
    }
    if (line >= 0) {
      error += "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": ";
    } else if (!error.empty()) {
      error.back() = ':';
      error += ' ';
    }
    // Protobuf's messages end with a period; ours are joined with "; ".
    error += message.ends_with('.') ? message.substr(0, message.size() - 1) : message;
    errors_.push_back(std::move(error));
  }

  void AddWarning(const std::string&, int, int, const std::string&) override {}

  bool empty() const { return errors_.empty(); }

  std::string Summary() const {
    std::string summary;
    for (size_t i = 0; i < errors_.size() && i < kErrorsShown; ++i) {
      if (i > 0) {
        summary += "; ";
      }
      summary += errors_[i];
    }
    if (errors_.size() > kErrorsShown) {
      summary += "; and " + std::to_string(errors_.size() - kErrorsShown) + " more";
    }
    return summary;
  }

 private:
  std::vector<std::string> errors_;
};

}  // namespace

// Declared in the order they are built; the pool goes first on destruction,
// then the databases it reads from.
struct ProtoSchema::Sources {
  Sources(std::string_view text, const std::vector<SchemaReference>& references)
      : tree(text, references),
        source_database(&tree, &well_known_types),
        pool(&source_database, source_database.GetValidationErrorCollector()) {
    source_database.RecordErrorsTo(&errors);
  }

  ErrorList errors;
  ReferenceSourceTree tree;
  WellKnownTypesDatabase well_known_types;
  gp::compiler::SourceTreeDescriptorDatabase source_database;
  gp::DescriptorPool pool;
};

ProtoSchema::ProtoSchema(std::unique_ptr<Sources> sources, const gp::FileDescriptor& file)
    : sources_(std::move(sources)), file_(&file) {}

ProtoSchema::~ProtoSchema() = default;

Result<std::unique_ptr<ProtoSchema>> ProtoSchema::Parse(
    std::string_view text, const std::vector<SchemaReference>& references) {
  constexpr size_t kMaxText = static_cast<size_t>(std::numeric_limits<int>::max());
  if (text.size() > kMaxText) {
    return InvalidArgument("schema too large to parse");
  }
  for (const SchemaReference& reference : references) {
    if (reference.text.size() > kMaxText) {
      return InvalidArgument("reference \"" + reference.name + "\" too large to parse");
    }
  }

  // The parser logs a warning to stderr for a file without `syntax`, which is
  // legal (proto2); every error it has is reported through `errors` instead.
  const gp::LogSilencer quiet;
  auto sources = std::make_unique<Sources>(text, references);
  const gp::FileDescriptor* file = sources->pool.FindFileByName(std::string(kSchemaFileName));
  if (file == nullptr || !sources->errors.empty()) {
    return InvalidArgument(sources->errors.empty() ? "invalid Protobuf schema"
                                                   : sources->errors.Summary());
  }
  return std::unique_ptr<ProtoSchema>(new ProtoSchema(std::move(sources), *file));
}

std::string ProtoSchema::CanonicalText() const { return file_->DebugString(); }

}  // namespace tributary::schema::proto
