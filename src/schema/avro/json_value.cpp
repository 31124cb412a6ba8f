#include "schema/avro/json_value.h"

#include <array>
#include <utility>

namespace tributary::schema::avro {
namespace {

// Nesting beyond this is left to nlohmann (which reports or accepts it as before).
constexpr int kMaxFastDepth = 512;
// Deeper input is refused outright (the nlohmann fallback converts recursively).
constexpr int kMaxNesting = 512;
// Objects with more members are left to nlohmann rather than checked for
// repeated keys pairwise.
constexpr size_t kMaxFastMembers = 64;
// Integers with more digits might not fit 64 bits; left to nlohmann.
constexpr int kMaxFastDigits = 18;

// Bytes a plain string may hold: printable ASCII except the quote and the backslash.
constexpr std::array<bool, 256> kPlainStringBytes = [] {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x80; ++c) {
    table[static_cast<size_t>(c)] = c != '"' && c != '\\';
  }
  return table;
}();

// Reads the plain subset of JSON; returns false (with `values` and `scratch` in
// an unspecified state) at anything outside it, valid JSON or not.
class FastReader {
 public:
  FastReader(std::string_view text, std::vector<JsonValue>& scratch)
      : text_(text), scratch_(scratch) {}

  // Reads one value onto the scratch stack; `close` moves the children of a
  // container from the scratch stack to the finished values.
  template <typename Close>
  bool Value(int depth, Close& close) {
    if (depth > kMaxFastDepth) {
      return false;
    }
    SkipSpace();
    if (pos_ >= text_.size()) {
      return false;
    }
    const char c = text_[pos_];
    if (c == '"') {
      std::string_view s;
      if (!String(s)) {
        return false;
      }
      close.String(s);
      return true;
    }
    if (c == '{') {
      ++pos_;
      const size_t mark = scratch_.size();
      SkipSpace();
      if (Peek('}')) {
        ++pos_;
        close.Container(JsonValue::Type::kObject, mark);
        return true;
      }
      while (true) {
        SkipSpace();
        std::string_view key;
        if (!Peek('"') || !String(key)) {
          return false;
        }
        SkipSpace();
        if (!Peek(':')) {
          return false;
        }
        ++pos_;
        if (!Value(depth + 1, close)) {
          return false;
        }
        if (scratch_.size() - mark > kMaxFastMembers) {
          return false;
        }
        for (size_t i = mark; i + 1 < scratch_.size(); ++i) {
          if (close.Key(scratch_[i]) == key) {
            return false;  // nlohmann keeps the last one only
          }
        }
        close.SetKey(scratch_.back(), key);
        SkipSpace();
        if (Peek(',')) {
          ++pos_;
          continue;
        }
        if (Peek('}')) {
          ++pos_;
          close.Container(JsonValue::Type::kObject, mark);
          return true;
        }
        return false;
      }
    }
    if (c == '[') {
      ++pos_;
      const size_t mark = scratch_.size();
      SkipSpace();
      if (Peek(']')) {
        ++pos_;
        close.Container(JsonValue::Type::kArray, mark);
        return true;
      }
      while (true) {
        if (!Value(depth + 1, close)) {
          return false;
        }
        SkipSpace();
        if (Peek(',')) {
          ++pos_;
          continue;
        }
        if (Peek(']')) {
          ++pos_;
          close.Container(JsonValue::Type::kArray, mark);
          return true;
        }
        return false;
      }
    }
    if (c == 't') {
      return Literal("true") && (close.Boolean(true), true);
    }
    if (c == 'f') {
      return Literal("false") && (close.Boolean(false), true);
    }
    if (c == 'n') {
      return Literal("null") && (close.Null(), true);
    }
    return Number(close);
  }

  // True if only whitespace is left.
  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      ++pos_;
    }
  }

  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  // A string of printable ASCII without escapes; `pos_` is at the opening quote.
  bool String(std::string_view& out) {
    const size_t start = ++pos_;
    while (pos_ < text_.size() && kPlainStringBytes[static_cast<unsigned char>(text_[pos_])]) {
      ++pos_;
    }
    if (!Peek('"')) {
      return false;  // an escape, a control character, non-ASCII or the end
    }
    out = text_.substr(start, pos_ - start);
    ++pos_;
    return true;
  }

  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return false;
    }
    pos_ += word.size();
    return true;
  }

  // An integer of at most kMaxFastDigits digits without leading zeros.
  template <typename Close>
  bool Number(Close& close) {
    const bool negative = Peek('-');
    if (negative) {
      ++pos_;
    }
    const size_t start = pos_;
    int64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      // Longer numbers are refused below; stop accumulating before they overflow.
      if (pos_ - start < static_cast<size_t>(kMaxFastDigits)) {
        value = value * 10 + (text_[pos_] - '0');
      }
      ++pos_;
    }
    const size_t digits = pos_ - start;
    if (digits == 0 || digits > kMaxFastDigits || (digits > 1 && text_[start] == '0')) {
      return false;
    }
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
      return false;
    }
    close.Integer(negative, negative ? -value : value);
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<JsonValue>& scratch_;
};

}  // namespace

const char* JsonValue::type_name() const {
  switch (type_) {
    case Type::kNull:
      return "null";
    case Type::kBoolean:
      return "boolean";
    case Type::kUnsigned:
    case Type::kInteger:
    case Type::kFloat:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "null";
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type_ != Type::kObject) {
    return nullptr;
  }
  for (size_t i = count_; i > 0; --i) {
    if (children_[i - 1].key_ == key) {
      return &children_[i - 1];
    }
  }
  return nullptr;
}

nlohmann::json JsonValue::ToJson() const {
  switch (type_) {
    case Type::kNull:
      return nullptr;
    case Type::kBoolean:
      return boolean_;
    case Type::kUnsigned:
      return static_cast<uint64_t>(integer_);
    case Type::kInteger:
      return integer_;
    case Type::kFloat:
      return floating_;
    case Type::kString:
      return std::string(text_);
    case Type::kArray: {
      auto array = nlohmann::json::array();
      for (const auto& item : *this) {
        array.push_back(item.ToJson());
      }
      return array;
    }
    case Type::kObject: {
      auto object = nlohmann::json::object();
      for (const auto& member : *this) {
        object[std::string(member.key_)] = member.ToJson();
      }
      return object;
    }
  }
  return nullptr;
}

// Receives the values FastReader reads.
class JsonDocumentBuilder {
 public:
  JsonDocumentBuilder(std::vector<JsonValue>& values, std::vector<JsonValue>& scratch)
      : values_(values), scratch_(scratch) {}

  void Null() { scratch_.emplace_back(); }
  void Boolean(bool b) {
    JsonValue& v = scratch_.emplace_back();
    v.type_ = JsonValue::Type::kBoolean;
    v.boolean_ = b;
  }
  void Integer(bool is_signed, int64_t value) {
    JsonValue& v = scratch_.emplace_back();
    v.type_ = is_signed ? JsonValue::Type::kInteger : JsonValue::Type::kUnsigned;
    v.integer_ = value;
  }
  void Float(double value) {
    JsonValue& v = scratch_.emplace_back();
    v.type_ = JsonValue::Type::kFloat;
    v.floating_ = value;
  }
  void String(std::string_view s) {
    JsonValue& v = scratch_.emplace_back();
    v.type_ = JsonValue::Type::kString;
    v.text_ = s;
  }
  // The children of the container are scratch_[mark...].
  void Container(JsonValue::Type type, size_t mark) {
    JsonValue container;
    container.type_ = type;
    container.first_ = static_cast<uint32_t>(values_.size());
    container.count_ = static_cast<uint32_t>(scratch_.size() - mark);
    values_.insert(values_.end(), scratch_.begin() + static_cast<std::ptrdiff_t>(mark),
                   scratch_.end());
    scratch_.resize(mark);
    scratch_.push_back(container);
  }
  static std::string_view Key(const JsonValue& v) { return v.key_; }
  static void SetKey(JsonValue& v, std::string_view key) { v.key_ = key; }

 private:
  std::vector<JsonValue>& values_;
  std::vector<JsonValue>& scratch_;
};

std::optional<std::string> JsonDocument::Parse(std::string_view text) {
  values_.clear();
  scratch_.clear();
  strings_.clear();
  if (!ParseFast(text)) {
    values_.clear();
    scratch_.clear();
    // The conversion below recurses once per level: refuse absurd nesting
    // before parsing (a scan that skips strings), so no input can exhaust the stack.
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++depth > kMaxNesting) {
          return "JSON nested more than " + std::to_string(kMaxNesting) + " levels deep";
        }
      } else if (c == ']' || c == '}') {
        --depth;
      }
    }
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      // parse_error, and out_of_range for numbers beyond double (e.g. 3E13111).
      return std::string(e.what());
    }
    Convert(json, {});
    values_.push_back(scratch_.back());
    scratch_.clear();
  }
  Link();
  return std::nullopt;
}

bool JsonDocument::ParseFast(std::string_view text) {
  // Roughly one value per eight bytes of schema text.
  values_.reserve(text.size() / 8 + 4);
  scratch_.reserve(64);
  FastReader reader(text, scratch_);
  JsonDocumentBuilder builder(values_, scratch_);
  if (!reader.Value(0, builder) || !reader.AtEnd() || scratch_.size() != 1) {
    return false;
  }
  values_.push_back(scratch_.back());
  scratch_.clear();
  return true;
}

void JsonDocument::Convert(const nlohmann::json& json, std::string_view key) {
  JsonDocumentBuilder builder(values_, scratch_);
  const auto own = [this](const std::string& s) -> std::string_view {
    return strings_.emplace_back(s);
  };
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      builder.Boolean(json.get<bool>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      builder.Integer(false, static_cast<int64_t>(json.get<uint64_t>()));
      break;
    case nlohmann::json::value_t::number_integer:
      builder.Integer(true, json.get<int64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      builder.Float(json.get<double>());
      break;
    case nlohmann::json::value_t::string:
      builder.String(own(json.get_ref<const std::string&>()));
      break;
    case nlohmann::json::value_t::array: {
      const size_t mark = scratch_.size();
      for (const auto& item : json) {
        Convert(item, {});
      }
      builder.Container(JsonValue::Type::kArray, mark);
      break;
    }
    case nlohmann::json::value_t::object: {
      const size_t mark = scratch_.size();
      for (const auto& [member_key, item] : json.items()) {
        Convert(item, own(member_key));
      }
      builder.Container(JsonValue::Type::kObject, mark);
      break;
    }
    default:  // null (the parser makes no binary or discarded values)
      builder.Null();
      break;
  }
  JsonDocumentBuilder::SetKey(scratch_.back(), key);
}

void JsonDocument::Link() {
  for (auto& value : values_) {
    value.children_ = value.count_ > 0 ? values_.data() + value.first_ : nullptr;
  }
}

}  // namespace tributary::schema::avro
