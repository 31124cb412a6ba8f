#pragma once
// Field lists: a struct that declares its fields once gets its JSON and binary
// codecs for free (src/core/event_codec.h).
//
//   struct Member {
//     std::string client_id;
//     std::vector<std::string> topics;
//     static constexpr auto Fields() {
//       return std::tuple{Field("client_id", &Member::client_id),
//                         Field("topics", &Member::topics)};
//     }
//   };
//
// Supported member types: std::string, NodeId, bool, std::int32_t, std::int64_t,
// double, Timestamp, std::optional<T>, std::vector<T>, nlohmann::json, and nested
// structs with Fields().

#include <string_view>
#include <tuple>

namespace tributary {

template <typename Struct, typename Member>
struct FieldRef {
  std::string_view name;
  Member Struct::*member;
};

template <typename Struct, typename Member>
constexpr FieldRef<Struct, Member> Field(std::string_view name, Member Struct::*member) {
  return {name, member};
}

template <typename T>
concept HasFields = requires {
  T::Fields();
};

}  // namespace tributary
