#include "core/event_codec.h"

#include <array>
#include <utility>

#include "core/field_codec.h"

namespace tributary::codec {
namespace {

constexpr std::size_t kTypeCount = std::variant_size_v<DomainEvent>;

template <std::size_t... I>
constexpr auto MakeTypeNames(std::index_sequence<I...>) {
  return std::array<std::string_view, kTypeCount>{
      std::variant_alternative_t<I, DomainEvent>::kType...};
}
template <std::size_t... I>
constexpr auto MakeVersions(std::index_sequence<I...>) {
  return std::array<int, kTypeCount>{std::variant_alternative_t<I, DomainEvent>::kVersion...};
}

constexpr auto kTypeNames = MakeTypeNames(std::make_index_sequence<kTypeCount>{});
constexpr auto kVersions = MakeVersions(std::make_index_sequence<kTypeCount>{});

std::optional<std::size_t> TypeIndex(std::string_view type) {
  for (std::size_t i = 0; i < kTypeCount; ++i) {
    if (kTypeNames[i] == type) {
      return i;
    }
  }
  return std::nullopt;
}

using MsgpackDecoder = DomainEvent (*)(msgpack::Reader&);
using JsonDecoder = Status (*)(const nlohmann::json&, DomainEvent&);

template <std::size_t I>
DomainEvent DecodeAlternative(msgpack::Reader& r) {
  std::variant_alternative_t<I, DomainEvent> event{};
  ReadStruct(r, event);
  return DomainEvent(std::in_place_index<I>, std::move(event));
}

template <std::size_t I>
Status JsonAlternative(const nlohmann::json& j, DomainEvent& out) {
  std::variant_alternative_t<I, DomainEvent> event{};
  if (auto s = FromJsonStruct(j, event, ""); !s.ok()) {
    return s;
  }
  out.emplace<I>(std::move(event));
  return Status::Ok();
}

template <std::size_t... I>
constexpr auto MakeMsgpackDecoders(std::index_sequence<I...>) {
  return std::array<MsgpackDecoder, kTypeCount>{&DecodeAlternative<I>...};
}
template <std::size_t... I>
constexpr auto MakeJsonDecoders(std::index_sequence<I...>) {
  return std::array<JsonDecoder, kTypeCount>{&JsonAlternative<I>...};
}

constexpr auto kMsgpackDecoders = MakeMsgpackDecoders(std::make_index_sequence<kTypeCount>{});
constexpr auto kJsonDecoders = MakeJsonDecoders(std::make_index_sequence<kTypeCount>{});

}  // namespace

std::optional<int> TypeCode(std::string_view type) {
  if (auto i = TypeIndex(type)) {
    return static_cast<int>(*i);
  }
  return std::nullopt;
}

std::string_view TypeNameOfCode(int code) {
  if (code < 0 || code >= static_cast<int>(kTypeCount)) {
    return {};
  }
  return kTypeNames[static_cast<std::size_t>(code)];
}

int TypeCount() { return static_cast<int>(kTypeCount); }

std::optional<int> CurrentVersion(std::string_view type) {
  if (auto i = TypeIndex(type)) {
    return kVersions[*i];
  }
  return std::nullopt;
}

void EncodePayload(const DomainEvent& event, std::string& out) {
  msgpack::Writer w(out);
  std::visit([&](const auto& e) { WriteStruct(w, e); }, event);
}

Result<DomainEvent> DecodePayload(std::string_view type, int version, std::string_view payload) {
  const auto index = TypeIndex(type);
  if (!index) {
    return Corruption("unknown event type \"" + std::string(type) + "\"");
  }
  const int current = kVersions[*index];
  if (version > current) {
    return Corruption(std::string(type) + " payload has version " + std::to_string(version) +
                      ", newer than this build knows (" + std::to_string(current) +
                      "); upgrade Tributary");
  }
  if (version == current) {
    msgpack::Reader r(payload);
    DomainEvent event = kMsgpackDecoders[*index](r);
    if (!r.ok()) {
      return Corruption(std::string(type) + " payload: " + r.error());
    }
    return event;
  }
  auto data = nlohmann::json::from_msgpack(payload.begin(), payload.end(), true, false);
  if (data.is_discarded()) {
    return Corruption(std::string(type) + " v" + std::to_string(version) +
                      " payload is not valid MessagePack");
  }
  if (auto s = UpcastPayload(type, version, data); !s.ok()) {
    return s;
  }
  return EventFromJson(type, data);
}

nlohmann::json ToJson(const DomainEvent& event) {
  return std::visit([](const auto& e) { return codec::ToJson(e); }, event);
}

Result<DomainEvent> EventFromJson(std::string_view type, const nlohmann::json& data) {
  const auto index = TypeIndex(type);
  if (!index) {
    return InvalidArgument("unknown event type \"" + std::string(type) + "\"");
  }
  DomainEvent event;
  if (auto s = kJsonDecoders[*index](data, event); !s.ok()) {
    return InvalidArgument(std::string(type) + ": " + s.message());
  }
  return event;
}

Status UpcastPayload(std::string_view type, int from_version, nlohmann::json& data) {
  (void)data;
  // Every type is at version 1 so far. When a type's fields change meaning,
  // bump its kVersion and add a step here that rewrites `data` from the old
  // shape, e.g.  if (type == "x" && from_version == 1) { ...; from_version = 2; }
  const auto current = CurrentVersion(type);
  if (current && from_version == *current) {
    return Status::Ok();
  }
  return Corruption(std::string(type) + " payload has version " + std::to_string(from_version) +
                    " and no upcast to version " + (current ? std::to_string(*current) : "?"));
}

}  // namespace tributary::codec

namespace tributary {

std::string_view TypeName(const DomainEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

}  // namespace tributary
