#include "schema/avro/avro_parser.h"

#include <array>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "schema/avro/json_value.h"

namespace tributary::schema::avro {
namespace {

using Json = nlohmann::json;
using Value = JsonValue;

// Deeper schemas are rejected rather than risking the stack.
constexpr int kMaxDepth = 256;

// Thrown inside the parser only; ParseAvroSchema turns it into a Status.
struct ParseError {
  std::string message;
};

bool IsValidName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) {
      return false;
    }
  }
  return true;
}

// A namespace or full name: names joined by dots.
bool IsValidDottedName(std::string_view name) {
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    if (!IsValidName(name.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

std::string Quote(std::string_view text) {
  return Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Counts code points of UTF-8 text; false if one is above U+00FF (an Avro bytes
// or fixed default maps each code point 0-255 to one byte).
bool ByteStringLength(std::string_view text, int64_t& length) {
  length = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) == 0x80) {
      continue;
    }
    if (byte >= 0xC4) {  // a code point of U+0100 or above
      return false;
    }
    ++length;
  }
  return true;
}

bool IsValidDefault(const Node& type, const Value& value, int depth) {
  if (depth > kMaxDepth) {
    return false;
  }
  switch (type.kind) {
    case Kind::kNull:
      return value.is_null();
    case Kind::kBoolean:
      return value.is_boolean();
    case Kind::kInt:
      if (value.is_number_unsigned()) {
        return value.unsigned_value() <= uint64_t{std::numeric_limits<int32_t>::max()};
      }
      if (value.is_number_integer()) {
        const auto v = value.integer_value();
        return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
      }
      return false;
    case Kind::kLong:
      if (value.is_number_unsigned()) {
        return value.unsigned_value() <= uint64_t{std::numeric_limits<int64_t>::max()};
      }
      return value.is_number_integer();
    case Kind::kFloat:
    case Kind::kDouble:
      return value.is_number();
    case Kind::kString:
      return value.is_string();
    case Kind::kBytes: {
      int64_t length = 0;
      return value.is_string() && ByteStringLength(value.string(), length);
    }
    case Kind::kFixed: {
      int64_t length = 0;
      return value.is_string() && ByteStringLength(value.string(), length) && length == type.size;
    }
    case Kind::kEnum: {
      if (!value.is_string()) {
        return false;
      }
      const auto& symbol = value.string();
      for (const auto& s : type.symbols) {
        if (s == symbol) {
          return true;
        }
      }
      return false;
    }
    case Kind::kArray:
      if (!value.is_array()) {
        return false;
      }
      for (const auto& item : value) {
        if (!IsValidDefault(*type.items, item, depth + 1)) {
          return false;
        }
      }
      return true;
    case Kind::kMap:
      if (!value.is_object()) {
        return false;
      }
      for (const auto& item : value) {
        if (!IsValidDefault(*type.items, item, depth + 1)) {
          return false;
        }
      }
      return true;
    case Kind::kUnion:
      // The specification: a union field's default corresponds to its first branch.
      return !type.branches.empty() && IsValidDefault(*type.branches.front(), value, depth + 1);
    case Kind::kRecord:
      if (!value.is_object()) {
        return false;
      }
      for (const auto& field : type.fields) {
        const Value* it = value.find(field.name);
        if (it == nullptr) {
          if (!field.has_default) {
            return false;
          }
        } else if (!IsValidDefault(*field.type, *it, depth + 1)) {
          return false;
        }
      }
      return true;
  }
  return false;
}

// Full names of the named types defined so far; looked up by string_view.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
};
using Names = std::unordered_map<std::string, const Node*, NameHash, std::equal_to<>>;

// The value as nlohmann writes it (for messages).
std::string Dump(const Value& value) { return value.ToJson().dump(); }

class Parser {
 public:
  Parser(AvroSchema& schema, bool strict_defaults)
      : schema_(schema), strict_defaults_(strict_defaults) {}

  // Parses one JSON document; the named types it defines stay defined.
  const Node& ParseDocument(std::string_view text) {
    JsonDocument json;
    if (auto error = json.Parse(text)) {
      std::string what = std::move(*error);
      // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at ..."
      if (const size_t close = what.find("] "); close != std::string::npos) {
        what = what.substr(close + 2);
      }
      throw ParseError{"not valid JSON: " + what};
    }
    path_.clear();
    return ParseType(json.root(), "", 0);
  }

  // Names defined so far; the parser rolls back to a snapshot when a reference
  // fails so it can be retried after the references it depends on.
  Names names() const { return names_; }
  void set_names(Names names) { names_ = std::move(names); }

 private:
  [[noreturn]] void Fail(const std::string& problem) const {
    throw ParseError{problem + " at " + (path_.empty() ? std::string("/") : path_)};
  }

  // Appends `token` to the path for the lifetime of the guard.
  class PathGuard {
   public:
    PathGuard(std::string& path, std::string_view token) : path_(path), size_(path.size()) {
      path_ += '/';
      path_ += token;
    }
    ~PathGuard() { path_.resize(size_); }
    PathGuard(const PathGuard&) = delete;
    PathGuard& operator=(const PathGuard&) = delete;

   private:
    std::string& path_;
    size_t size_;
  };

  const Node& ParseType(const Value& json, const std::string& space, int depth) {
    if (depth > kMaxDepth) {
      Fail("schema nested more than " + std::to_string(kMaxDepth) + " levels deep");
    }
    if (json.is_string()) {
      return ResolveName(json.string(), space);
    }
    if (json.is_array()) {
      return ParseUnion(json, space, depth);
    }
    if (!json.is_object()) {
      Fail("expected a type name, a schema object or a union array, found " +
           std::string(json.type_name()));
    }
    const Value* type_it = json.find("type");
    if (type_it == nullptr) {
      Fail("missing \"type\"");
    }
    if (!type_it->is_string()) {
      PathGuard guard(path_, "type");
      Fail("\"type\" must be a string");
    }
    const std::string_view type = type_it->string();
    if (const auto primitive = PrimitiveKind(type)) {
      if (const Value* it = json.find("logicalType"); it != nullptr && it->is_string()) {
        Node& node = schema_.NewNode(*primitive);
        node.logical_type = std::string(it->string());
        return node;
      }
      return Primitive(*primitive);
    }
    if (type == "record" || type == "error") {
      return ParseRecord(json, space, depth, type == "error");
    }
    if (type == "enum") {
      return ParseEnum(json, space);
    }
    if (type == "fixed") {
      return ParseFixed(json, space);
    }
    if (type == "array" || type == "map") {
      const char* key = type == "array" ? "items" : "values";
      const Value* it = json.find(key);
      if (it == nullptr) {
        Fail(std::string(type) + " without \"" + key + "\"");
      }
      Node& node = schema_.NewNode(type == "array" ? Kind::kArray : Kind::kMap);
      PathGuard guard(path_, key);
      node.items = &ParseType(*it, space, depth + 1);
      return node;
    }
    // {"type": "SomeNamedType"} refers to a defined named type, as Java's parser allows.
    PathGuard guard(path_, "type");
    return ResolveName(type, space);
  }

  // Primitive nodes without a logical type are immutable and alike, so one per
  // kind is shared by every use (resolution does not memoise primitives).
  const Node& Primitive(Kind kind) {
    const Node*& node = primitives_[static_cast<size_t>(kind)];
    if (node == nullptr) {
      node = &schema_.NewNode(kind);
    }
    return *node;
  }

  const Node& ResolveName(std::string_view name, const std::string& space) {
    if (const auto primitive = PrimitiveKind(name)) {
      return Primitive(*primitive);
    }
    if (name.find('.') == std::string_view::npos && !space.empty()) {
      lookup_.assign(space);
      lookup_ += '.';
      lookup_ += name;
      if (const auto it = names_.find(lookup_); it != names_.end()) {
        return *it->second;
      }
    }
    // A full name, or (as Java's parser does) a short name in the null namespace.
    if (const auto it = names_.find(name); it != names_.end()) {
      return *it->second;
    }
    Fail("unknown type " + Quote(name));
  }

  const Node& ParseUnion(const Value& json, const std::string& space, int depth) {
    Node& node = schema_.NewNode(Kind::kUnion);
    node.branches.reserve(json.size());
    for (size_t i = 0; i < json.size(); ++i) {
      PathGuard guard(path_, std::to_string(i));
      const Node& branch = ParseType(json[i], space, depth + 1);
      if (branch.kind == Kind::kUnion) {
        Fail("a union may not directly contain another union");
      }
      for (const Node* other : node.branches) {
        const bool same = IsNamed(branch.kind)
                              ? IsNamed(other->kind) && other->full_name == branch.full_name
                              : other->kind == branch.kind;
        if (same) {
          Fail("union has more than one branch of type " +
               (IsNamed(branch.kind) ? Quote(branch.full_name) : Quote(KindName(branch.kind))));
        }
      }
      node.branches.push_back(&branch);
    }
    return node;
  }

  // Sets name, namespace and aliases of a named type and registers it.
  // Returns the namespace its contents are declared in.
  std::string DefineName(Node& node, const Value& json, const std::string& enclosing_space) {
    const Value* name_it = json.find("name");
    if (name_it == nullptr) {
      Fail(std::string(KindName(node.kind)) + " without \"name\"");
    }
    if (!name_it->is_string()) {
      PathGuard guard(path_, "name");
      Fail("\"name\" must be a string");
    }
    const std::string_view name = name_it->string();
    std::string space = enclosing_space;
    if (const size_t dot = name.rfind('.'); dot != std::string::npos) {
      space = name.substr(0, dot);
      node.name = name.substr(dot + 1);
    } else {
      node.name = name;
      if (const Value* it = json.find("namespace"); it != nullptr && !it->is_null()) {
        if (!it->is_string()) {
          PathGuard guard(path_, "namespace");
          Fail("\"namespace\" must be a string");
        }
        space = std::string(it->string());
        if (!space.empty() && !IsValidDottedName(space)) {
          PathGuard guard(path_, "namespace");
          Fail("invalid namespace " + Quote(space));
        }
      }
    }
    if (!IsValidName(node.name) || (!space.empty() && !IsValidDottedName(space))) {
      PathGuard guard(path_, "name");
      Fail("invalid name " + Quote(name));
    }
    node.space = space;
    node.full_name = space.empty() ? node.name : space + "." + node.name;
    if (PrimitiveKind(node.full_name)) {
      PathGuard guard(path_, "name");
      Fail("a named type may not be called " + Quote(node.full_name) + ", a primitive type name");
    }
    if (names_.count(node.full_name) > 0) {
      PathGuard guard(path_, "name");
      Fail("duplicate name " + Quote(node.full_name));
    }
    if (const Value* it = json.find("aliases"); it != nullptr) {
      PathGuard guard(path_, "aliases");
      if (!it->is_array()) {
        Fail("\"aliases\" must be an array of names");
      }
      for (const auto& alias : *it) {
        if (!alias.is_string() || !IsValidDottedName(alias.string())) {
          Fail("invalid alias " + Dump(alias));
        }
        const std::string_view text = alias.string();
        if (text.find('.') != std::string_view::npos || space.empty()) {
          node.aliases.emplace_back(text);
        } else {
          node.aliases.push_back(space + "." + std::string(text));
        }
      }
    }
    names_.emplace(node.full_name, &node);
    return space;
  }

  const Node& ParseRecord(const Value& json, const std::string& enclosing_space, int depth,
                          bool is_error) {
    Node& node = schema_.NewNode(Kind::kRecord);
    node.is_error = is_error;
    // Defined before its fields, so that fields can refer to it (recursion).
    const std::string space = DefineName(node, json, enclosing_space);
    const Value* fields_it = json.find("fields");
    if (fields_it == nullptr) {
      Fail("record " + Quote(node.full_name) + " without \"fields\"");
    }
    PathGuard fields_guard(path_, "fields");
    if (!fields_it->is_array()) {
      Fail("\"fields\" must be an array");
    }
    node.fields.reserve(fields_it->size());
    for (size_t i = 0; i < fields_it->size(); ++i) {
      PathGuard field_guard(path_, std::to_string(i));
      const Value& field_json = (*fields_it)[i];
      if (!field_json.is_object()) {
        Fail("a field must be an object");
      }
      Field field;
      const Value* name_it = field_json.find("name");
      if (name_it == nullptr) {
        Fail("field without \"name\"");
      }
      if (!name_it->is_string() || !IsValidName(name_it->string())) {
        PathGuard guard(path_, "name");
        Fail("invalid field name " + Dump(*name_it));
      }
      field.name = std::string(name_it->string());
      for (const auto& other : node.fields) {
        if (other.name == field.name) {
          PathGuard guard(path_, "name");
          Fail("duplicate field name " + Quote(field.name) + " in record " + Quote(node.full_name));
        }
      }
      const Value* type_it = field_json.find("type");
      if (type_it == nullptr) {
        Fail("field " + Quote(field.name) + " without \"type\"");
      }
      {
        PathGuard guard(path_, "type");
        field.type = &ParseType(*type_it, space, depth + 1);
      }
      if (const Value* it = field_json.find("aliases"); it != nullptr) {
        PathGuard guard(path_, "aliases");
        if (!it->is_array()) {
          Fail("\"aliases\" must be an array of names");
        }
        for (const auto& alias : *it) {
          if (!alias.is_string() || !IsValidName(alias.string())) {
            Fail("invalid field alias " + Dump(alias));
          }
          field.aliases.push_back(std::string(alias.string()));
        }
      }
      if (const Value* it = field_json.find("order"); it != nullptr) {
        if (!it->is_string() || (it->string() != "ascending" && it->string() != "descending" &&
                                 it->string() != "ignore")) {
          PathGuard guard(path_, "order");
          Fail("\"order\" must be \"ascending\", \"descending\" or \"ignore\"");
        }
      }
      if (const Value* it = field_json.find("default"); it != nullptr) {
        field.has_default = true;
        if (strict_defaults_ && !IsValidDefault(*field.type, *it, 0)) {
          PathGuard guard(path_, "default");
          Fail("default " + Abbreviate(Dump(*it)) + " of field " + Quote(field.name) +
               " is not a valid " + Describe(*field.type));
        }
      }
      node.fields.push_back(std::move(field));
    }
    return node;
  }

  const Node& ParseEnum(const Value& json, const std::string& enclosing_space) {
    Node& node = schema_.NewNode(Kind::kEnum);
    DefineName(node, json, enclosing_space);
    const Value* symbols_it = json.find("symbols");
    if (symbols_it == nullptr) {
      Fail("enum " + Quote(node.full_name) + " without \"symbols\"");
    }
    {
      PathGuard guard(path_, "symbols");
      if (!symbols_it->is_array()) {
        Fail("\"symbols\" must be an array");
      }
      for (const auto& symbol : *symbols_it) {
        if (!symbol.is_string() || !IsValidName(symbol.string())) {
          Fail("invalid enum symbol " + Dump(symbol));
        }
        const std::string_view text = symbol.string();
        for (const auto& other : node.symbols) {
          if (other == text) {
            Fail("duplicate enum symbol " + Quote(text));
          }
        }
        node.symbols.emplace_back(text);
      }
    }
    if (const Value* it = json.find("default"); it != nullptr) {
      PathGuard guard(path_, "default");
      bool known = false;
      if (it->is_string()) {
        for (const auto& s : node.symbols) {
          known = known || s == it->string();
        }
      }
      if (!known) {
        Fail("enum default " + Dump(*it) + " is not one of the symbols of " +
             Quote(node.full_name));
      }
      node.enum_default = std::string(it->string());
    }
    return node;
  }

  const Node& ParseFixed(const Value& json, const std::string& enclosing_space) {
    Node& node = schema_.NewNode(Kind::kFixed);
    DefineName(node, json, enclosing_space);
    const Value* size_it = json.find("size");
    if (size_it == nullptr) {
      Fail("fixed " + Quote(node.full_name) + " without \"size\"");
    }
    const bool valid =
        (size_it->is_number_unsigned() &&
         size_it->unsigned_value() <= uint64_t{std::numeric_limits<int32_t>::max()}) ||
        (size_it->is_number_integer() && size_it->integer_value() >= 0 &&
         size_it->integer_value() <= std::numeric_limits<int32_t>::max());
    if (!valid) {
      PathGuard guard(path_, "size");
      Fail("\"size\" of fixed " + Quote(node.full_name) + " must be a non-negative integer");
    }
    node.size = size_it->integer_value();
    return node;
  }

  static std::string Abbreviate(std::string text) {
    constexpr size_t kMax = 60;
    if (text.size() > kMax) {
      text.resize(kMax);
      text += "...";
    }
    return text;
  }

  AvroSchema& schema_;
  bool strict_defaults_;
  Names names_;
  std::string path_;
  std::string lookup_;  // scratch for qualified names
  std::array<const Node*, static_cast<size_t>(Kind::kString) + 1> primitives_{};
};

Status InvalidSchema(const std::string& problem) {
  return InvalidArgument("invalid Avro schema: " + problem);
}

}  // namespace

Result<std::shared_ptr<const AvroSchema>> ParseAvroSchema(
    std::string_view text, const std::vector<SchemaReference>& references, bool strict_defaults) {
  auto schema = std::make_shared<AvroSchema>();
  Parser parser(*schema, strict_defaults);

  // References may refer to each other; parse them in passes until none is left
  // or a pass makes no progress.
  std::vector<const SchemaReference*> pending;
  for (const auto& reference : references) {
    pending.push_back(&reference);
  }
  while (!pending.empty()) {
    std::vector<const SchemaReference*> failed;
    std::string first_error;
    for (const SchemaReference* reference : pending) {
      auto snapshot = parser.names();
      try {
        parser.ParseDocument(reference->text);
      } catch (const ParseError& e) {
        parser.set_names(std::move(snapshot));
        if (failed.empty()) {
          first_error = "reference " + Quote(reference->name) + ": " + e.message;
        }
        failed.push_back(reference);
      }
    }
    if (failed.size() == pending.size()) {
      return InvalidSchema(first_error);
    }
    pending = std::move(failed);
  }

  try {
    const Node& root = parser.ParseDocument(text);
    schema->set_root(root);
  } catch (const ParseError& e) {
    return InvalidSchema(e.message);
  }
  return std::shared_ptr<const AvroSchema>(std::move(schema));
}

}  // namespace tributary::schema::avro
