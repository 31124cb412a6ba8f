#include "schema/avro/avro_schema.h"

#include <array>
#include <utility>

#include "schema/avro/canonical_form.h"

namespace tributary::schema::avro {
namespace {

constexpr std::array<std::pair<std::string_view, Kind>, 8> kPrimitives = {{
    {"null", Kind::kNull},
    {"boolean", Kind::kBoolean},
    {"int", Kind::kInt},
    {"long", Kind::kLong},
    {"float", Kind::kFloat},
    {"double", Kind::kDouble},
    {"bytes", Kind::kBytes},
    {"string", Kind::kString},
}};

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kInt:
      return "int";
    case Kind::kLong:
      return "long";
    case Kind::kFloat:
      return "float";
    case Kind::kDouble:
      return "double";
    case Kind::kBytes:
      return "bytes";
    case Kind::kString:
      return "string";
    case Kind::kRecord:
      return "record";
    case Kind::kEnum:
      return "enum";
    case Kind::kFixed:
      return "fixed";
    case Kind::kArray:
      return "array";
    case Kind::kMap:
      return "map";
    case Kind::kUnion:
      return "union";
  }
  return "unknown";
}

std::optional<Kind> PrimitiveKind(std::string_view name) {
  for (const auto& [text, kind] : kPrimitives) {
    if (text == name) {
      return kind;
    }
  }
  return std::nullopt;
}

std::string AvroSchema::CanonicalText() const {
  std::call_once(canonical_once_, [this] { canonical_ = CanonicalForm(*root_); });
  return canonical_;
}

std::string Describe(const Node& node) {
  switch (node.kind) {
    case Kind::kRecord:
    case Kind::kEnum:
    case Kind::kFixed:
      return std::string(KindName(node.kind)) + " `" + node.name + "`";
    case Kind::kArray:
      return "array of " + Describe(*node.items);
    case Kind::kMap:
      return "map of " + Describe(*node.items);
    case Kind::kUnion: {
      std::string text = "union [";
      for (size_t i = 0; i < node.branches.size(); ++i) {
        if (i > 0) {
          text += ", ";
        }
        text += Describe(*node.branches[i]);
      }
      return text + "]";
    }
    default:
      return std::string(KindName(node.kind));
  }
}

}  // namespace tributary::schema::avro
