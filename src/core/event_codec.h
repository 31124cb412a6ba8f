#pragma once
// The event codec: DomainEvent <-> stored payload (MessagePack) and <-> JSON.
//
// Every payload is stored with its type name and the version of its type's
// schema. Decoding a payload of the current version takes the fast path straight
// into the struct; an older version is converted to JSON, upcast step by step
// (UpcastPayload) and read from JSON; a newer version (written by a later
// Tributary) is a Corruption error, never a guess. Pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary::codec {

// The current schema version of an event type; nullopt for an unknown type.
std::optional<int> CurrentVersion(std::string_view type);

// A stable small integer per event type (its position in DomainEvent, which
// only ever grows at the end), for compact storage; nullopt for an unknown type.
std::optional<int> TypeCode(std::string_view type);
// The type name of a code; empty for an unknown code.
std::string_view TypeNameOfCode(int code);
// How many event types this build knows.
int TypeCount();

// Appends the payload of `event` (a MessagePack map) to `out`.
void EncodePayload(const DomainEvent& event, std::string& out);
// Decodes a stored payload. Errors name the type and version.
Result<DomainEvent> DecodePayload(std::string_view type, int version, std::string_view payload);

// The API form of the event's fields (`data` of GET /events).
nlohmann::json ToJson(const DomainEvent& event);
// Builds an event of `type` from its JSON fields (API writes, tests, upcasting).
Result<DomainEvent> EventFromJson(std::string_view type, const nlohmann::json& data);

// Rewrites `data` (the fields of a `type` payload written at `from_version`) into
// the current version's shape. The place where a type's history lives.
Status UpcastPayload(std::string_view type, int from_version, nlohmann::json& data);

}  // namespace tributary::codec
