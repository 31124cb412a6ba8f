#pragma once
// A parsed JSON Schema: the root document, the documents it references, and
// every `$ref` already resolved to the node it names.
//
// Parsing validates the whole schema up front (keyword types, nesting depth,
// every `$ref` resolvable, no cycle made only of `$ref`s), so the comparison in
// schema_diff.h can walk it without error handling. A SchemaDocument is
// immutable once built; Node pointers stay valid for its lifetime.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "schema/compatibility.h"
#include "tributary/result.h"

namespace tributary::schema::jsonschema {

// The meta-schema a document declares with `$schema`; draft 7 when it names none.
enum class Draft { k4, k6, k7, k2019, k2020 };

class SchemaDocument;

// One schema document: the root, or a schema it references.
struct Resource {
  const SchemaDocument* owner = nullptr;
  std::string name;  // the reference name; empty for the root
  std::string id;    // the document's `$id` (`id` in draft 4), if any
  Draft draft = Draft::k7;
  nlohmann::json doc;
  std::map<std::string, const nlohmann::json*, std::less<>> anchors;  // plain-name fragments
  std::map<std::string, const nlohmann::json*, std::less<>> ids;      // embedded `$id`s
};

// A schema node together with the document it belongs to.
struct Node {
  const nlohmann::json* json = nullptr;
  const Resource* resource = nullptr;

  Draft draft() const { return resource->draft; }
  // REQUIRES: json is an object; returns nullptr when `key` is absent.
  const nlohmann::json* Find(std::string_view key) const;
  Node Child(const nlohmann::json& child) const { return {&child, resource}; }
  // Follows `$ref` (see SchemaDocument::Resolve).
  Node Resolved() const;
};

class SchemaDocument final : public ParsedSchema {
 public:
  // An invalid schema is an InvalidArgument naming the JSON pointer and the problem.
  static Result<std::shared_ptr<const SchemaDocument>> Parse(
      std::string_view text, const std::vector<SchemaReference>& references);

  SchemaType type() const override { return SchemaType::kJson; }
  std::string CanonicalText() const override;

  Node root() const { return {&resources_.front()->doc, resources_.front().get()}; }

  // Follows `$ref` until a node that is not a pure reference. In drafts 2019-09
  // and later a `$ref` with sibling assertions reads as
  // {"allOf": [{"$ref": ...}, {siblings}]}, which this returns instead. Nodes
  // built during a comparison (not part of the document) are resolved by name;
  // a reference that names nothing is returned as is.
  Node Resolve(Node node) const;

 private:
  SchemaDocument() = default;

  Status AddResource(std::string name, std::string_view text);
  Status Index(Resource& resource, const nlohmann::json& node, const std::string& pointer,
               int depth);
  Status LinkReferences(const Resource& resource, const nlohmann::json& node,
                        const std::string& pointer);
  Result<Node> Lookup(const Resource& from, std::string_view ref) const;
  Status CheckReferenceCycles() const;

  std::vector<std::unique_ptr<Resource>> resources_;  // [0] is the root
  std::map<const nlohmann::json*, Node> ref_targets_;
  std::map<const nlohmann::json*, Node> with_siblings_;  // 2019+: $ref plus assertions
  std::deque<nlohmann::json> synthesized_;               // owns with_siblings_ nodes
};

// Keywords this engine reads; a schema object with none of them accepts anything.
bool IsAssertionKeyword(std::string_view key);

// "#/properties" + "a/b" -> "#/properties/a~1b" (RFC 6901 escaping).
std::string JoinPointer(const std::string& pointer, std::string_view token);

}  // namespace tributary::schema::jsonschema
