#pragma once
// Generic codecs for structs that declare Fields() (include/tributary/fields.h):
// MessagePack (the stored form) and JSON (the API form).
//
// MessagePack: a map from field name to value; Timestamp is an integer of
// milliseconds; absent optionals are nil. Decoding ignores unknown keys and
// leaves missing fields at their defaults, so adding a field needs no version bump.
// JSON: the same names; Timestamp is an RFC 3339 string (integers are accepted
// when reading, for payloads converted from MessagePack).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/msgpack.h"
#include "tributary/clock.h"
#include "tributary/fields.h"
#include "tributary/ids.h"
#include "tributary/result.h"

namespace tributary::codec {

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

// ---- MessagePack ----------------------------------------------------------------

template <typename T>
void Write(msgpack::Writer& w, const T& v);

template <typename S>
void WriteStruct(msgpack::Writer& w, const S& s) {
  constexpr auto fields = S::Fields();
  w.MapHeader(static_cast<std::uint32_t>(std::tuple_size_v<decltype(fields)>));
  std::apply([&](const auto&... f) { ((w.String(f.name), Write(w, s.*(f.member))), ...); }, fields);
}

template <typename T>
void Write(msgpack::Writer& w, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    w.String(v);
  } else if constexpr (std::is_same_v<T, NodeId>) {
    w.String(v.str());
  } else if constexpr (std::is_same_v<T, bool>) {
    w.Bool(v);
  } else if constexpr (std::is_integral_v<T>) {
    w.Int(static_cast<std::int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    w.Double(static_cast<double>(v));
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    w.Int(ToMillis(v));
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    std::vector<std::uint8_t> bytes;
    nlohmann::json::to_msgpack(v, bytes);
    w.Raw(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } else if constexpr (IsOptional<T>::value) {
    if (v) {
      Write(w, *v);
    } else {
      w.Nil();
    }
  } else if constexpr (IsVector<T>::value) {
    w.ArrayHeader(static_cast<std::uint32_t>(v.size()));
    for (const auto& item : v) {
      Write(w, item);
    }
  } else {
    static_assert(HasFields<T>, "unsupported field type");
    WriteStruct(w, v);
  }
}

template <typename T>
void Read(msgpack::Reader& r, T& v);

template <typename S>
void ReadStruct(msgpack::Reader& r, S& s) {
  const auto n = r.ReadMapHeader();
  constexpr auto fields = S::Fields();
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    const auto key = r.ReadString();
    bool matched = false;
    std::apply(
        [&](const auto&... f) {
          ((!matched && f.name == key ? (Read(r, s.*(f.member)), matched = true) : false), ...);
        },
        fields);
    if (!matched) {
      r.Skip();
    }
  }
}

template <typename T>
void Read(msgpack::Reader& r, T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    v = std::string(r.ReadString());
  } else if constexpr (std::is_same_v<T, NodeId>) {
    v = NodeId::FromTrusted(std::string(r.ReadString()));
  } else if constexpr (std::is_same_v<T, bool>) {
    v = r.ReadBool();
  } else if constexpr (std::is_integral_v<T>) {
    v = static_cast<T>(r.ReadInt());
  } else if constexpr (std::is_floating_point_v<T>) {
    v = static_cast<T>(r.ReadDouble());
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    v = FromMillis(r.ReadInt());
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    const auto raw = r.ReadRaw();
    if (r.ok()) {
      v = nlohmann::json::from_msgpack(raw.begin(), raw.end(), true, false);
      if (v.is_discarded()) {
        r.Fail("invalid embedded MessagePack value");
      }
    }
  } else if constexpr (IsOptional<T>::value) {
    if (r.NextIsNil()) {
      r.ReadNil();
      v.reset();
    } else {
      typename T::value_type inner{};
      Read(r, inner);
      v = std::move(inner);
    }
  } else if constexpr (IsVector<T>::value) {
    const auto n = r.ReadArrayHeader();
    v.clear();
    v.reserve(n < 4096 ? n : 4096);
    for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
      typename T::value_type item{};
      Read(r, item);
      v.push_back(std::move(item));
    }
  } else {
    static_assert(HasFields<T>, "unsupported field type");
    ReadStruct(r, v);
  }
}

// ---- JSON -------------------------------------------------------------------------

template <typename T>
nlohmann::json ToJson(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, NodeId>) {
    return v.str();
  } else if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T>) {
    return v;
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    return FormatRfc3339(v);
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return v;
  } else if constexpr (IsOptional<T>::value) {
    return v ? ToJson(*v) : nlohmann::json(nullptr);
  } else if constexpr (IsVector<T>::value) {
    auto out = nlohmann::json::array();
    for (const auto& item : v) {
      out.push_back(ToJson(item));
    }
    return out;
  } else {
    static_assert(HasFields<T>, "unsupported field type");
    nlohmann::json out = nlohmann::json::object();
    std::apply([&](const auto&... f) { ((out[std::string(f.name)] = ToJson(v.*(f.member))), ...); },
               T::Fields());
    return out;
  }
}

// Reads `j` into `v`; a wrong type is an InvalidArgument naming `path`.
template <typename T>
Status FromJson(const nlohmann::json& j, T& v, const std::string& path);

template <typename S>
Status FromJsonStruct(const nlohmann::json& j, S& s, const std::string& path) {
  if (!j.is_object()) {
    return InvalidArgument(path + ": expected an object");
  }
  Status status;
  std::apply(
      [&](const auto&... f) {
        (([&] {
           if (!status.ok()) {
             return;
           }
           auto it = j.find(std::string(f.name));
           if (it == j.end() ||
               (it->is_null() &&
                !IsOptional<std::remove_cvref_t<decltype(s.*(f.member))>>::value)) {
             return;  // missing: keep the default
           }
           status = FromJson(*it, s.*(f.member),
                             path.empty() ? std::string(f.name) : path + "." + std::string(f.name));
         }()),
         ...);
      },
      S::Fields());
  return status;
}

template <typename T>
Status FromJson(const nlohmann::json& j, T& v, const std::string& path) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) {
      return InvalidArgument(path + ": expected a string");
    }
    v = j.get<std::string>();
  } else if constexpr (std::is_same_v<T, NodeId>) {
    if (!j.is_string()) {
      return InvalidArgument(path + ": expected a node id string");
    }
    auto id = NodeId::Parse(j.get<std::string>());
    if (!id.ok()) {
      return InvalidArgument(path + ": " + id.status().message());
    }
    v = std::move(id).value();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) {
      return InvalidArgument(path + ": expected a boolean");
    }
    v = j.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) {
      return InvalidArgument(path + ": expected an integer");
    }
    v = j.get<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) {
      return InvalidArgument(path + ": expected a number");
    }
    v = j.get<T>();
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    if (j.is_number_integer()) {
      v = FromMillis(j.get<std::int64_t>());
    } else if (j.is_string()) {
      auto t = ParseRfc3339(j.get<std::string>());
      if (!t.ok()) {
        return InvalidArgument(path + ": " + t.status().message());
      }
      v = *t;
    } else {
      return InvalidArgument(path + ": expected an RFC 3339 time");
    }
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    v = j;
  } else if constexpr (IsOptional<T>::value) {
    if (j.is_null()) {
      v.reset();
    } else {
      typename T::value_type inner{};
      if (auto s = FromJson(j, inner, path); !s.ok()) {
        return s;
      }
      v = std::move(inner);
    }
  } else if constexpr (IsVector<T>::value) {
    if (!j.is_array()) {
      return InvalidArgument(path + ": expected an array");
    }
    v.clear();
    for (std::size_t i = 0; i < j.size(); ++i) {
      typename T::value_type item{};
      if (auto s = FromJson(j[i], item, path + "[" + std::to_string(i) + "]"); !s.ok()) {
        return s;
      }
      v.push_back(std::move(item));
    }
  } else {
    static_assert(HasFields<T>, "unsupported field type");
    return FromJsonStruct(j, v, path);
  }
  return Status::Ok();
}

}  // namespace tributary::codec
