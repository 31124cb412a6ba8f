#include "schema/jsonschema/schema_document.h"

#include <array>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

#include "core/text_codec.h"

namespace tributary::schema::jsonschema {
namespace {

using nlohmann::json;

// Deeper documents are refused before anything recursive touches them.
constexpr int kMaxJsonDepth = 256;
// Longest chain of `$ref`s that point straight at another `$ref`.
constexpr int kMaxReferenceChain = 64;

constexpr std::array<std::string_view, 7> kTypeNames = {"null",   "boolean", "object", "array",
                                                        "number", "integer", "string"};

// Keywords whose value is one subschema.
constexpr std::array<std::string_view, 11> kSingleSchemaKeywords = {"additionalProperties",
                                                                    "additionalItems",
                                                                    "contains",
                                                                    "propertyNames",
                                                                    "not",
                                                                    "if",
                                                                    "then",
                                                                    "else",
                                                                    "unevaluatedProperties",
                                                                    "unevaluatedItems",
                                                                    "items"};
// Keywords whose value is a non-empty array of subschemas.
constexpr std::array<std::string_view, 4> kSchemaArrayKeywords = {"allOf", "anyOf", "oneOf",
                                                                  "prefixItems"};
// Keywords whose value maps names to subschemas.
constexpr std::array<std::string_view, 5> kSchemaMapKeywords = {
    "properties", "patternProperties", "definitions", "$defs", "dependentSchemas"};
constexpr std::array<std::string_view, 6> kNonNegativeIntegerKeywords = {
    "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"};
constexpr std::array<std::string_view, 4> kStringKeywords = {"pattern", "format", "contentEncoding",
                                                             "contentMediaType"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view key) {
  for (std::string_view item : list) {
    if (item == key) {
      return true;
    }
  }
  return false;
}

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view JsonTypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "a value";
  }
}

Status Problem(const std::string& pointer, const std::string& what) {
  return InvalidArgument("invalid JSON Schema at " + pointer + ": " + what);
}

// Iterative, so a hostile document cannot exhaust the stack here.
bool DeeperThan(const json& root, int limit) {
  std::vector<std::pair<const json*, int>> stack = {{&root, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > limit) {
      return true;
    }
    if (node->is_structured()) {
      for (const json& child : *node) {
        stack.emplace_back(&child, depth + 1);
      }
    }
  }
  return false;
}

Draft DetectDraft(const json& doc, Draft otherwise) {
  if (!doc.is_object()) {
    return otherwise;
  }
  auto it = doc.find("$schema");
  if (it == doc.end() || !it->is_string()) {
    return otherwise;
  }
  const std::string& uri = it->get_ref<const std::string&>();
  if (uri.find("draft-04") != std::string::npos || uri.find("draft-03") != std::string::npos) {
    return Draft::k4;
  }
  if (uri.find("draft-06") != std::string::npos) {
    return Draft::k6;
  }
  if (uri.find("2019-09") != std::string::npos) {
    return Draft::k2019;
  }
  if (uri.find("2020-12") != std::string::npos) {
    return Draft::k2020;
  }
  return Draft::k7;
}

bool IsNonNegativeInteger(const json& value) {
  if (value.is_number_unsigned()) {
    return true;
  }
  if (value.is_number_integer()) {
    return value.get<std::int64_t>() >= 0;
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    return std::isfinite(d) && d >= 0 && std::floor(d) == d;
  }
  return false;
}

Status CheckType(const json& value, const std::string& pointer) {
  auto check_name = [&](const json& name) -> Status {
    if (!name.is_string()) {
      return Problem(pointer,
                     "`type` names must be strings, got " + std::string(JsonTypeName(name)));
    }
    if (!Contains(kTypeNames, name.get_ref<const std::string&>())) {
      return Problem(pointer, "unknown type `" + name.get<std::string>() + "`");
    }
    return Status::Ok();
  };
  if (value.is_array()) {
    if (value.empty()) {
      return Problem(pointer, "`type` must not be an empty array");
    }
    for (const json& name : value) {
      if (Status s = check_name(name); !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  }
  return check_name(value);
}

// Walks a JSON pointer ("/definitions/Address"); nullptr when it names nothing.
const json* WalkPointer(const json& doc, std::string_view pointer) {
  const json* node = &doc;
  std::size_t pos = 0;
  while (pos < pointer.size()) {
    if (pointer[pos] != '/') {
      return nullptr;
    }
    std::size_t end = pointer.find('/', pos + 1);
    std::string_view raw = pointer.substr(
        pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) {
        return nullptr;
      }
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || token.size() > 9 ||
          token.find_first_not_of("0123456789") != std::string::npos) {
        return nullptr;
      }
      std::size_t index = std::stoul(token);
      if (index >= node->size()) {
        return nullptr;
      }
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    pos = end == std::string_view::npos ? pointer.size() : end;
  }
  return node;
}

std::string_view LastPathSegment(std::string_view url) {
  std::size_t slash = url.find_last_of('/');
  return slash == std::string_view::npos ? url : url.substr(slash + 1);
}

// Calls `visit(child, pointer)` for every direct subschema of `node`.
void ForEachSubschema(const json& node, const std::string& pointer,
                      const std::function<void(const json&, const std::string&)>& visit) {
  if (!node.is_object()) {
    return;
  }
  for (const auto& [key, value] : node.items()) {
    if (Contains(kSingleSchemaKeywords, key) && (value.is_object() || value.is_boolean())) {
      visit(value, JoinPointer(pointer, key));
    } else if ((Contains(kSchemaArrayKeywords, key) || key == "items") && value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        visit(value[i], JoinPointer(pointer, key) + "/" + std::to_string(i));
      }
    } else if ((Contains(kSchemaMapKeywords, key) || key == "dependencies") && value.is_object()) {
      for (const auto& [name, child] : value.items()) {
        if (child.is_object() || child.is_boolean()) {
          visit(child, JoinPointer(JoinPointer(pointer, key), name));
        }
      }
    }
  }
}

}  // namespace

std::string JoinPointer(const std::string& pointer, std::string_view token) {
  return pointer + "/" + EscapePointerToken(token);
}

Node Node::Resolved() const { return resource->owner->Resolve(*this); }

bool IsAssertionKeyword(std::string_view key) {
  static const std::set<std::string_view> kAssertions = {"type",
                                                         "enum",
                                                         "const",
                                                         "$ref",
                                                         "allOf",
                                                         "anyOf",
                                                         "oneOf",
                                                         "not",
                                                         "if",
                                                         "then",
                                                         "else",
                                                         "minLength",
                                                         "maxLength",
                                                         "pattern",
                                                         "format",
                                                         "contentEncoding",
                                                         "contentMediaType",
                                                         "minimum",
                                                         "maximum",
                                                         "exclusiveMinimum",
                                                         "exclusiveMaximum",
                                                         "multipleOf",
                                                         "properties",
                                                         "patternProperties",
                                                         "additionalProperties",
                                                         "unevaluatedProperties",
                                                         "required",
                                                         "dependencies",
                                                         "dependentRequired",
                                                         "dependentSchemas",
                                                         "propertyNames",
                                                         "minProperties",
                                                         "maxProperties",
                                                         "items",
                                                         "prefixItems",
                                                         "additionalItems",
                                                         "unevaluatedItems",
                                                         "contains",
                                                         "minItems",
                                                         "maxItems",
                                                         "uniqueItems"};
  return kAssertions.count(key) > 0;
}

const json* Node::Find(std::string_view key) const {
  auto it = json->find(std::string(key));
  return it == json->end() ? nullptr : &*it;
}

Result<std::shared_ptr<const SchemaDocument>> SchemaDocument::Parse(
    std::string_view text, const std::vector<SchemaReference>& references) {
  std::shared_ptr<SchemaDocument> document(new SchemaDocument());
  if (Status s = document->AddResource("", text); !s.ok()) {
    return s;
  }
  for (const SchemaReference& reference : references) {
    if (Status s = document->AddResource(reference.name, reference.text); !s.ok()) {
      return InvalidArgument("reference `" + reference.name + "`: " + s.message());
    }
  }
  for (const auto& resource : document->resources_) {
    const std::string prefix = resource->name.empty() ? "" : "reference `" + resource->name + "`: ";
    if (Status s = document->LinkReferences(*resource, resource->doc, "#"); !s.ok()) {
      return InvalidArgument(prefix + s.message());
    }
  }
  if (Status s = document->CheckReferenceCycles(); !s.ok()) {
    return s;
  }
  return std::shared_ptr<const SchemaDocument>(std::move(document));
}

Status SchemaDocument::AddResource(std::string name, std::string_view text) {
  auto resource = std::make_unique<Resource>();
  resource->owner = this;
  resource->name = std::move(name);
  try {
    resource->doc = json::parse(text);
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("not valid JSON: ") + e.what());
  }
  if (DeeperThan(resource->doc, kMaxJsonDepth)) {
    return InvalidArgument("schema nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (!resource->doc.is_object() && !resource->doc.is_boolean()) {
    return InvalidArgument("not a JSON Schema: the document is " +
                           std::string(JsonTypeName(resource->doc)) +
                           ", a schema is an object or a boolean");
  }
  // A referenced schema without `$schema` is read with the root's draft.
  resource->draft =
      DetectDraft(resource->doc, resources_.empty() ? Draft::k7 : resources_.front()->draft);
  if (Status s = Index(*resource, resource->doc, "#", 0); !s.ok()) {
    return s;
  }
  if (resource->doc.is_object()) {
    const char* id_key = resource->draft == Draft::k4 ? "id" : "$id";
    auto it = resource->doc.find(id_key);
    if (it != resource->doc.end() && it->is_string()) {
      resource->id = it->get<std::string>();
      std::size_t hash = resource->id.find('#');
      if (hash != std::string::npos) {
        resource->id.resize(hash);
      }
    }
  }
  resources_.push_back(std::move(resource));
  return Status::Ok();
}

Status SchemaDocument::Index(Resource& resource, const json& node, const std::string& pointer,
                             int depth) {
  if (node.is_boolean()) {
    return Status::Ok();
  }
  if (!node.is_object()) {
    return Problem(
        pointer, "a schema must be an object or a boolean, got " + std::string(JsonTypeName(node)));
  }
  (void)depth;
  for (const auto& [key, value] : node.items()) {
    const std::string where = JoinPointer(pointer, key);
    if (key == "type") {
      if (Status s = CheckType(value, where); !s.ok()) {
        return s;
      }
    } else if (key == "$ref" || key == "$schema" || key == "$anchor") {
      if (!value.is_string()) {
        return Problem(where, "`" + key + "` must be a string");
      }
    } else if (key == "$id" || (key == "id" && resource.draft == Draft::k4)) {
      if (!value.is_string()) {
        return Problem(where, "`" + key + "` must be a string");
      }
    } else if (key == "enum") {
      if (!value.is_array()) {
        return Problem(where, "`enum` must be an array");
      }
    } else if (key == "required") {
      if (!value.is_array()) {
        return Problem(where, "`required` must be an array of property names");
      }
      for (const json& name : value) {
        if (!name.is_string()) {
          return Problem(where, "`required` must contain only strings");
        }
      }
    } else if (Contains(kNonNegativeIntegerKeywords, key)) {
      if (!IsNonNegativeInteger(value)) {
        return Problem(where, "`" + key + "` must be a non-negative integer");
      }
    } else if (key == "minimum" || key == "maximum") {
      if (!value.is_number()) {
        return Problem(where, "`" + key + "` must be a number");
      }
    } else if (key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!value.is_number() && !value.is_boolean()) {
        return Problem(where, "`" + key + "` must be a number (or, in draft 4, a boolean)");
      }
    } else if (key == "multipleOf") {
      if (!value.is_number() || !(value.get<double>() > 0)) {
        return Problem(where, "`multipleOf` must be a number greater than 0");
      }
    } else if (key == "uniqueItems") {
      if (!value.is_boolean()) {
        return Problem(where, "`uniqueItems` must be a boolean");
      }
    } else if (Contains(kStringKeywords, key)) {
      if (!value.is_string()) {
        return Problem(where, "`" + key + "` must be a string");
      }
    } else if (Contains(kSchemaArrayKeywords, key)) {
      if (!value.is_array() || value.empty()) {
        return Problem(where, "`" + key + "` must be a non-empty array of schemas");
      }
    } else if (Contains(kSchemaMapKeywords, key)) {
      if (!value.is_object()) {
        return Problem(where, "`" + key + "` must be an object of schemas");
      }
      for (const auto& [name, schema] : value.items()) {
        if (!schema.is_object() && !schema.is_boolean()) {
          return Problem(JoinPointer(where, name), "a schema must be an object or a boolean, got " +
                                                       std::string(JsonTypeName(schema)));
        }
      }
    } else if (key == "items") {
      if (!value.is_array() && !value.is_object() && !value.is_boolean()) {
        return Problem(where, "`items` must be a schema or an array of schemas");
      }
    } else if (Contains(kSingleSchemaKeywords, key)) {
      if (!value.is_object() && !value.is_boolean()) {
        return Problem(where, "`" + key + "` must be a schema (an object or a boolean)");
      }
    } else if (key == "dependencies" || key == "dependentRequired") {
      if (!value.is_object()) {
        return Problem(where, "`" + key + "` must be an object");
      }
      for (const auto& [name, dependency] : value.items()) {
        bool names = dependency.is_array();
        if (names) {
          for (const json& item : dependency) {
            names = names && item.is_string();
          }
        }
        bool schema = key == "dependencies" && (dependency.is_object() || dependency.is_boolean());
        if (!names && !schema) {
          return Problem(JoinPointer(where, name),
                         key == "dependencies"
                             ? "a dependency must be an array of property names or a schema"
                             : "a dependency must be an array of property names");
        }
      }
    }
  }

  // Plain-name fragments: `$id: "#name"` (drafts 6 and 7) and `$anchor` (2019-09+).
  if (auto it = node.find("$anchor"); it != node.end()) {
    resource.anchors.emplace(it->get<std::string>(), &node);
  }
  const char* id_key = resource.draft == Draft::k4 ? "id" : "$id";
  if (auto it = node.find(id_key); it != node.end() && it->is_string()) {
    const std::string& id = it->get_ref<const std::string&>();
    if (!id.empty() && id.front() == '#') {
      resource.anchors.emplace(id.substr(1), &node);
    } else if (&node != &resource.doc) {
      resource.ids.emplace(id, &node);
    }
  }

  Status status = Status::Ok();
  ForEachSubschema(node, pointer, [&](const json& child, const std::string& child_pointer) {
    if (status.ok()) {
      status = Index(resource, child, child_pointer, depth + 1);
    }
  });
  return status;
}

Status SchemaDocument::LinkReferences(const Resource& resource, const json& node,
                                      const std::string& pointer) {
  if (!node.is_object()) {
    return Status::Ok();
  }
  if (auto it = node.find("$ref"); it != node.end()) {
    const std::string& ref = it->get_ref<const std::string&>();
    Result<Node> target = Lookup(resource, ref);
    if (!target.ok()) {
      return Problem(pointer, target.status().message());
    }
    ref_targets_.emplace(&node, *target);

    bool siblings_apply = resource.draft == Draft::k2019 || resource.draft == Draft::k2020;
    if (siblings_apply) {
      json rest = json::object();
      for (const auto& [key, value] : node.items()) {
        if (key != "$ref" && IsAssertionKeyword(key)) {
          rest[key] = value;
        }
      }
      if (!rest.empty()) {
        synthesized_.push_back(json{{"allOf", json::array({json{{"$ref", ref}}, rest})}});
        const json& combined = synthesized_.back();
        ref_targets_.emplace(&combined["allOf"][0], *target);
        with_siblings_.emplace(&node, Node{&combined, &resource});
        // Refs inside the copied siblings resolve like the originals.
        if (Status s = LinkReferences(resource, combined["allOf"][1], pointer); !s.ok()) {
          return s;
        }
      }
    }
  }
  Status status = Status::Ok();
  ForEachSubschema(node, pointer, [&](const json& child, const std::string& child_pointer) {
    if (status.ok()) {
      status = LinkReferences(resource, child, child_pointer);
    }
  });
  return status;
}

Result<Node> SchemaDocument::Lookup(const Resource& from, std::string_view ref) const {
  std::size_t hash = ref.find('#');
  std::string_view url = ref.substr(0, hash);
  std::string fragment =
      hash == std::string_view::npos ? std::string() : PercentDecodeLenient(ref.substr(hash + 1));

  const Resource* resource = nullptr;
  const json* base = nullptr;
  if (url.empty() || url == from.id) {
    resource = &from;
  } else if (auto it = from.ids.find(url); it != from.ids.end()) {
    resource = &from;
    base = it->second;
  } else {
    for (const auto& candidate : resources_) {
      if (candidate->name == url || (!candidate->id.empty() && candidate->id == url)) {
        resource = candidate.get();
        break;
      }
    }
    if (resource == nullptr) {
      for (const auto& candidate : resources_) {
        if (!candidate->name.empty() && LastPathSegment(candidate->name) == LastPathSegment(url)) {
          resource = candidate.get();
          break;
        }
      }
    }
    if (resource == nullptr) {
      return InvalidArgument("`$ref` \"" + std::string(ref) +
                             "\" names no schema reference (give it as a reference named \"" +
                             std::string(url) + "\")");
    }
  }
  if (base == nullptr) {
    base = &resource->doc;
  }
  if (fragment.empty()) {
    return Node{base, resource};
  }
  if (fragment.front() == '/') {
    const json* target = WalkPointer(*base, fragment);
    if (target == nullptr || (!target->is_object() && !target->is_boolean())) {
      return InvalidArgument("`$ref` \"" + std::string(ref) + "\" points at no schema");
    }
    return Node{target, resource};
  }
  auto it = resource->anchors.find(fragment);
  if (it == resource->anchors.end()) {
    return InvalidArgument("`$ref` \"" + std::string(ref) + "\" names an unknown anchor");
  }
  return Node{it->second, resource};
}

Status SchemaDocument::CheckReferenceCycles() const {
  for (const auto& [start, first_target] : ref_targets_) {
    if (with_siblings_.count(start) > 0) {
      continue;
    }
    std::set<const json*> seen = {start};
    Node node = first_target;
    for (int hops = 0;; ++hops) {
      if (hops > kMaxReferenceChain) {
        return InvalidArgument("`$ref` chain longer than " + std::to_string(kMaxReferenceChain));
      }
      if (with_siblings_.count(node.json) > 0) {
        break;
      }
      auto next = ref_targets_.find(node.json);
      if (next == ref_targets_.end()) {
        break;
      }
      if (!seen.insert(node.json).second) {
        return InvalidArgument("`$ref` cycle: a schema refers to itself through `$ref` alone");
      }
      node = next->second;
    }
  }
  return Status::Ok();
}

Node SchemaDocument::Resolve(Node node) const {
  for (int hops = 0; hops <= kMaxReferenceChain + 1; ++hops) {
    if (auto it = with_siblings_.find(node.json); it != with_siblings_.end()) {
      return it->second;
    }
    auto it = ref_targets_.find(node.json);
    if (it != ref_targets_.end()) {
      node = it->second;
      continue;
    }
    const nlohmann::json* ref = node.json->is_object() ? node.Find("$ref") : nullptr;
    if (ref == nullptr || !ref->is_string()) {
      return node;
    }
    Result<Node> target = Lookup(*node.resource, ref->get_ref<const std::string&>());
    if (!target.ok()) {
      return node;
    }
    node = *target;
  }
  return node;  // only a cycle of built nodes gets here; Parse refuses the others
}

std::string SchemaDocument::CanonicalText() const { return resources_.front()->doc.dump(); }

}  // namespace tributary::schema::jsonschema
