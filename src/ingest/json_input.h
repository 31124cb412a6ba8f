#pragma once
// Reading JSON records from outside (source topics, the lineage endpoint) without
// trusting them: a size and nesting limit before parsing, no exceptions, and
// field readers whose errors name the field by its path ("data.sunset: ...").
//
// Used by the JSON source adapters (schema_registry/, audit_log/, catalog/,
// openlineage/). Header-only, stateless, thread-safe.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/text_codec.h"

#include "tributary/clock.h"
#include "tributary/ids.h"
#include "tributary/result.h"

namespace tributary::ingest::json {

// Records above this size are refused rather than parsed.
inline constexpr std::size_t kMaxRecordBytes = 1 << 20;
// Deeper nesting than any real record has is refused (the parser itself is
// iterative, but copying and printing a value recurses).
inline constexpr int kMaxDepth = 64;
// Longest string accepted where a name becomes part of a node id.
inline constexpr std::size_t kMaxNameBytes = 4096;

// `path` joined with `key`: Join("data", "sunset") == "data.sunset".
inline std::string Join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) {
    out.push_back('.');
  }
  out.append(key);
  return out;
}

inline std::string Quote(std::string_view text) {
  std::string out;
  constexpr std::size_t kShown = 80;
  out.reserve(std::min(text.size(), kShown) + 5);
  out.push_back('"');
  out.append(text.substr(0, kShown));
  if (text.size() > kShown) {
    out.append("...");
  }
  out.push_back('"');
  return out;
}

// Parses `text` as one JSON value. `what` names the record part in errors
// ("value", "key"). Never throws.
inline Result<nlohmann::json> Parse(std::string_view text, std::string_view what) {
  if (text.size() > kMaxRecordBytes) {
    return InvalidArgument(std::string(what) + ": " + std::to_string(text.size()) +
                           " bytes is over the limit of " + std::to_string(kMaxRecordBytes) +
                           " bytes");
  }
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
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) {
        return InvalidArgument(std::string(what) + ": nested deeper than " +
                               std::to_string(kMaxDepth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  try {
    auto value = nlohmann::json::parse(text.begin(), text.end());
    return value;
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message is "[json.exception.parse_error.101] parse error at line 1, ...".
    std::string reason = e.what();
    if (const auto bracket = reason.find("] "); bracket != std::string::npos) {
      reason = reason.substr(bracket + 2);
    }
    return InvalidArgument(std::string(what) + " is not valid JSON: " + reason);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string(what) + " could not be parsed: " + e.what());
  }
}

// A short description of a JSON value's type for error messages.
inline std::string_view TypeOf(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_float:
      return "a number";
    case nlohmann::json::value_t::binary:
      return "binary";
    case nlohmann::json::value_t::discarded:
      return "nothing";
    default:
      return "an integer";
  }
}

inline Status Expected(std::string_view path, std::string_view expectation,
                       const nlohmann::json& got) {
  return InvalidArgument(std::string(path) + ": expected " + std::string(expectation) + ", got " +
                         std::string(TypeOf(got)));
}

inline Status Missing(std::string_view path) {
  return InvalidArgument(std::string(path) + ": missing");
}

// REQUIRES: `obj` is an object. nullptr when `key` is absent (or null, unless
// `null_is_value`).
inline const nlohmann::json* Find(const nlohmann::json& obj, std::string_view key,
                                  bool null_is_value = false) {
  const auto it = obj.find(key);
  if (it == obj.end() || (it->is_null() && !null_is_value)) {
    return nullptr;
  }
  return &*it;
}

inline Status RequireObject(const nlohmann::json& j, std::string_view path) {
  return j.is_object() ? Status::Ok() : Expected(path.empty() ? "value" : path, "an object", j);
}

// A string member; an absent or null member is an error.
inline Result<std::string> String(const nlohmann::json& obj, std::string_view key,
                                  std::string_view path) {
  const auto* v = Find(obj, key);
  const auto where = Join(path, key);
  if (v == nullptr) {
    return Missing(where);
  }
  if (!v->is_string()) {
    return Expected(where, "a string", *v);
  }
  return v->get<std::string>();
}

// An RFC 3339 time member; absent, null or malformed is an error naming it.
inline Result<Timestamp> Time(const nlohmann::json& obj, std::string_view key,
                              std::string_view path) {
  auto text = String(obj, key, path);
  if (!text.ok()) {
    return text.status();
  }
  auto t = ParseRfc3339(*text);
  if (!t.ok()) {
    return InvalidArgument(Join(path, key) + ": " + t.status().message());
  }
  return *t;
}

// A string member that may be absent or null.
inline Result<std::optional<std::string>> OptionalString(const nlohmann::json& obj,
                                                         std::string_view key,
                                                         std::string_view path) {
  const auto* v = Find(obj, key);
  if (v == nullptr) {
    return std::optional<std::string>();
  }
  if (!v->is_string()) {
    return Expected(Join(path, key), "a string", *v);
  }
  return std::optional<std::string>(v->get<std::string>());
}

// A non-empty string of clean UTF-8 (no control characters) of at most
// kMaxNameBytes: what may become part of a node id.
inline Status CheckName(std::string_view text, std::string_view where) {
  if (text.empty()) {
    return InvalidArgument(std::string(where) + ": must not be empty");
  }
  if (text.size() > kMaxNameBytes) {
    return InvalidArgument(std::string(where) + ": longer than " + std::to_string(kMaxNameBytes) +
                           " bytes");
  }
  if (!IsPrintableText(text)) {
    return InvalidArgument(std::string(where) + ": " + Quote(text) +
                           " contains control characters, bidi controls or invalid UTF-8");
  }
  return Status::Ok();
}

inline Result<std::string> Name(const nlohmann::json& obj, std::string_view key,
                                std::string_view path) {
  auto s = String(obj, key, path);
  if (!s.ok()) {
    return s;
  }
  if (auto st = CheckName(*s, Join(path, key)); !st.ok()) {
    return st;
  }
  return s;
}

inline Result<std::optional<std::string>> OptionalName(const nlohmann::json& obj,
                                                       std::string_view key,
                                                       std::string_view path) {
  auto s = OptionalString(obj, key, path);
  if (!s.ok() || !s->has_value()) {
    return s;
  }
  if (auto st = CheckName(**s, Join(path, key)); !st.ok()) {
    return st;
  }
  return s;
}

// An integer member in [min, max]; absent or null is an error.
inline Result<std::int64_t> Integer(const nlohmann::json& obj, std::string_view key,
                                    std::string_view path, std::int64_t min, std::int64_t max) {
  const auto* v = Find(obj, key);
  const auto where = Join(path, key);
  if (v == nullptr) {
    return Missing(where);
  }
  if (!v->is_number_integer()) {
    return Expected(where, "an integer", *v);
  }
  if (v->is_number_unsigned() &&
      v->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return InvalidArgument(where + ": " + v->dump() + " is out of range");
  }
  const auto n = v->get<std::int64_t>();
  if (n < min || n > max) {
    return InvalidArgument(where + ": " + std::to_string(n) + " is out of range [" +
                           std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return n;
}

inline Result<std::int32_t> Int32(const nlohmann::json& obj, std::string_view key,
                                  std::string_view path, std::int32_t min = 0) {
  auto n = Integer(obj, key, path, min, std::numeric_limits<std::int32_t>::max());
  if (!n.ok()) {
    return n.status();
  }
  return static_cast<std::int32_t>(*n);
}

// A boolean member; absent or null gives `fallback`.
inline Result<bool> Bool(const nlohmann::json& obj, std::string_view key, std::string_view path,
                         bool fallback) {
  const auto* v = Find(obj, key);
  if (v == nullptr) {
    return fallback;
  }
  if (!v->is_boolean()) {
    return Expected(Join(path, key), "a boolean", *v);
  }
  return v->get<bool>();
}

// An array of strings; absent or null gives an empty list. Each item is
// checked with CheckName.
inline Result<std::vector<std::string>> NameList(const nlohmann::json& obj, std::string_view key,
                                                 std::string_view path) {
  std::vector<std::string> out;
  const auto* v = Find(obj, key);
  const auto where = Join(path, key);
  if (v == nullptr) {
    return out;
  }
  if (!v->is_array()) {
    return Expected(where, "an array of strings", *v);
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    const auto item_path = where + "[" + std::to_string(i) + "]";
    if (!item.is_string()) {
      return Expected(item_path, "a string", item);
    }
    auto s = item.get<std::string>();
    if (auto st = CheckName(s, item_path); !st.ok()) {
      return st;
    }
    out.push_back(std::move(s));
  }
  return out;
}

// `value` must be one of `allowed`; the error lists them.
inline Status OneOf(std::string_view value, std::initializer_list<std::string_view> allowed,
                    std::string_view where) {
  std::string list;
  for (const auto a : allowed) {
    if (a == value) {
      return Status::Ok();
    }
    list.append(list.empty() ? "" : " | ").append(a);
  }
  return InvalidArgument(std::string(where) + ": " + Quote(value) + " is not one of " + list);
}

inline std::string Upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

}  // namespace tributary::ingest::json
