#pragma once
// The in-memory model of a parsed Avro schema (internal to the Avro engine).
//
// A schema is a graph of Nodes owned by one AvroSchema; named types appear once
// and every use points at the same Node, so recursive schemas are cycles. Nodes
// are immutable after parsing; an AvroSchema is safe to share between threads.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/compatibility.h"

namespace tributary::schema::avro {

enum class Kind {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kFixed,
  kArray,
  kMap,
  kUnion,
};

// "int", "record", ...
std::string_view KindName(Kind kind);
// The primitive kind named `name`, if it is one.
std::optional<Kind> PrimitiveKind(std::string_view name);
inline bool IsPrimitive(Kind kind) { return kind <= Kind::kString; }
inline bool IsNamed(Kind kind) {
  return kind == Kind::kRecord || kind == Kind::kEnum || kind == Kind::kFixed;
}

struct Node;

struct Field {
  std::string name;
  std::vector<std::string> aliases;
  const Node* type = nullptr;
  bool has_default = false;
};

struct Node {
  Kind kind = Kind::kNull;
  std::string logical_type;  // informational; resolution ignores logical types

  // Named types (record, enum, fixed).
  std::string name;                  // unqualified
  std::string full_name;             // namespace.name, or name in the null namespace
  std::string space;                 // namespace, empty for the null namespace
  std::vector<std::string> aliases;  // full names
  bool is_error = false;             // a record declared as "error"

  std::vector<Field> fields;                // record
  std::vector<std::string> symbols;         // enum
  std::optional<std::string> enum_default;  // enum
  int64_t size = 0;                         // fixed

  const Node* items = nullptr;        // array items, map values
  std::vector<const Node*> branches;  // union
};

class AvroSchema final : public ParsedSchema {
 public:
  AvroSchema() = default;
  AvroSchema(const AvroSchema&) = delete;
  AvroSchema& operator=(const AvroSchema&) = delete;

  SchemaType type() const override { return SchemaType::kAvro; }
  // Computed on first use (thread-safe).
  std::string CanonicalText() const override;

  const Node& root() const { return *root_; }

  // Used by the parser while building.
  Node& NewNode(Kind kind) {
    nodes_.push_back(std::make_unique<Node>());
    nodes_.back()->kind = kind;
    return *nodes_.back();
  }
  void set_root(const Node& root) { root_ = &root; }

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
  const Node* root_ = nullptr;
  mutable std::once_flag canonical_once_;
  mutable std::string canonical_;
};

// A short description of a type for messages: "double", "record `Order`",
// "array", "union [null, string]".
std::string Describe(const Node& node);

}  // namespace tributary::schema::avro
