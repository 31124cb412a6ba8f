#pragma once
// A small read-only JSON tree for the Avro parser (internal to the Avro engine).
//
// JsonDocument::Parse has the meaning of nlohmann::json::parse: it accepts
// exactly the texts nlohmann accepts, with the same values (integers without a
// sign are unsigned, negative ones signed, later duplicate keys win) and the same
// error message. Plain documents (ASCII strings without escapes, integers) are
// read by a fast scanner whose strings point into the text; anything else is
// handed to nlohmann and copied over, so the text must outlive the document.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tributary::schema::avro {

class JsonValue {
 public:
  enum class Type : uint8_t {
    kNull,
    kBoolean,
    kUnsigned,
    kInteger,
    kFloat,
    kString,
    kArray,
    kObject
  };

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_boolean() const { return type_ == Type::kBoolean; }
  bool is_number_unsigned() const { return type_ == Type::kUnsigned; }
  bool is_number_integer() const { return type_ == Type::kUnsigned || type_ == Type::kInteger; }
  bool is_number() const { return is_number_integer() || type_ == Type::kFloat; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // As nlohmann's type_name(): "null", "boolean", "number", "string", ...
  const char* type_name() const;

  // Only meaningful for the matching type.
  std::string_view string() const { return text_; }
  uint64_t unsigned_value() const { return static_cast<uint64_t>(integer_); }
  int64_t integer_value() const { return integer_; }

  // Elements of an array, members of an object (each with its key()).
  size_t size() const { return count_; }
  const JsonValue* begin() const { return children_; }
  const JsonValue* end() const { return children_ + count_; }
  const JsonValue& operator[](size_t i) const { return children_[i]; }
  // The key of an object member.
  std::string_view key() const { return key_; }
  // The member named `key` of an object (the last one if repeated), or nullptr.
  const JsonValue* find(std::string_view key) const;

  // The value as nlohmann JSON, for dump() in messages.
  nlohmann::json ToJson() const;

 private:
  friend class JsonDocument;
  friend class JsonDocumentBuilder;

  Type type_ = Type::kNull;
  bool boolean_ = false;
  uint32_t count_ = 0;
  uint32_t first_ = 0;  // index of the first child while building
  int64_t integer_ = 0;
  double floating_ = 0;
  std::string_view text_;
  std::string_view key_;
  const JsonValue* children_ = nullptr;
};

class JsonDocument {
 public:
  JsonDocument() = default;
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // Parses `text`; on error returns nlohmann's parse_error message
  // ("[json.exception.parse_error.101] parse error at line 1, ...").
  std::optional<std::string> Parse(std::string_view text);

  const JsonValue& root() const { return values_.back(); }

 private:
  bool ParseFast(std::string_view text);
  void Convert(const nlohmann::json& json, std::string_view key);
  void Link();

  std::vector<JsonValue> values_;    // children before parents; the root last
  std::vector<JsonValue> scratch_;   // values whose parent is still open
  std::deque<std::string> strings_;  // strings copied from nlohmann
};

}  // namespace tributary::schema::avro
