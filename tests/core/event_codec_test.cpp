#include <catch2/catch.hpp>

#include "core/event_codec.h"
#include "core/field_codec.h"
#include "core/msgpack.h"
#include "support/sample_events.h"

using namespace tributary;

TEST_CASE("every event type round-trips through its stored payload") {
  const auto events = testing::OneOfEachEventType();
  REQUIRE(events.size() == std::variant_size_v<DomainEvent>);
  for (const auto& event : events) {
    const auto type = std::string(TypeName(event));
    SECTION("msgpack payload of " + type) {
      std::string payload;
      codec::EncodePayload(event, payload);
      auto decoded = codec::DecodePayload(type, *codec::CurrentVersion(type), payload);
      REQUIRE(decoded.ok());
      CHECK(*decoded == event);
    }
    SECTION("JSON form of " + type) {
      const auto json = codec::ToJson(event);
      auto back = codec::EventFromJson(type, json);
      REQUIRE(back.ok());
      CHECK(*back == event);
    }
    SECTION("the stored payload is standard MessagePack for " + type) {
      std::string payload;
      codec::EncodePayload(event, payload);
      const auto generic = nlohmann::json::from_msgpack(payload);
      CHECK(generic.is_object());
      CHECK(generic.size() == codec::ToJson(event).size());
    }
  }
}

TEST_CASE("payload decoding is tolerant of additions and strict about damage") {
  SECTION("unknown fields are ignored and missing fields keep their defaults") {
    nlohmann::json j = {{"team", "payments"}, {"added_later", {1, 2, 3}}};
    const auto bytes = nlohmann::json::to_msgpack(j);
    auto decoded =
        codec::DecodePayload("team_upserted", 1, std::string(bytes.begin(), bytes.end()));
    REQUIRE(decoded.ok());
    const auto& team = std::get<TeamUpserted>(*decoded);
    CHECK(team.team == "payments");
    CHECK(team.contacts.empty());
  }
  SECTION("a payload from a newer Tributary is refused, not guessed") {
    auto decoded = codec::DecodePayload("team_upserted", 99, "\x80");
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == ErrorCode::kCorruption);
    CHECK_THAT(decoded.status().message(), Catch::Contains("version 99"));
  }
  SECTION("an unknown type is an error") {
    CHECK_FALSE(codec::DecodePayload("no_such_event", 1, "\x80").ok());
    CHECK_FALSE(codec::EventFromJson("no_such_event", nlohmann::json::object()).ok());
  }
  SECTION("an older version without an upcast is refused") {
    auto decoded = codec::DecodePayload("team_upserted", 0, "\x80");
    REQUIRE_FALSE(decoded.ok());
    CHECK_THAT(decoded.status().message(), Catch::Contains("no upcast"));
  }
  SECTION("truncated payloads are corruption, never a crash") {
    for (const auto& event : testing::OneOfEachEventType()) {
      std::string payload;
      codec::EncodePayload(event, payload);
      const auto type = std::string(TypeName(event));
      for (std::size_t cut = 0; cut < payload.size(); ++cut) {
        auto decoded = codec::DecodePayload(type, 1, std::string_view(payload).substr(0, cut));
        if (decoded.ok()) {
          // A prefix that happens to be a complete map of fewer fields is valid.
          continue;
        }
        CHECK(decoded.status().code() == ErrorCode::kCorruption);
      }
    }
  }
  SECTION("JSON of the wrong shape names the field") {
    auto bad = codec::EventFromJson("team_upserted", {{"team", 5}});
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.status().message(), Catch::Contains("team"));
    auto bad_id = codec::EventFromJson("ownership_assigned", {{"node", "nope"}, {"team", "t"}});
    REQUIRE_FALSE(bad_id.ok());
    CHECK_THAT(bad_id.status().message(), Catch::Contains("node"));
  }
}

TEST_CASE("the MessagePack writer and reader agree on every integer width") {
  for (std::int64_t v : std::initializer_list<std::int64_t>{
           0LL,           1LL,       127LL,        128LL,        255LL,    256LL,
           65535LL,       65536LL,   4294967295LL, 4294967296LL, -1LL,     -32LL,
           -33LL,         -128LL,    -129LL,       -32768LL,     -32769LL, -2147483648LL,
           -2147483649LL, INT64_MIN, INT64_MAX}) {
    std::string out;
    msgpack::Writer w(out);
    w.Int(v);
    msgpack::Reader r(out);
    CHECK(r.ReadInt() == v);
    CHECK(r.ok());
    CHECK(r.AtEnd());
    CHECK(nlohmann::json::from_msgpack(out).get<std::int64_t>() == v);
  }
}

namespace {

// BreakingChangeDetected as it was before its incompatibilities were typed:
// the tracker built them as JSON objects and the event stored the JSON array.
struct UntypedBreakingChangeDetected {
  std::string decision_key;
  std::string subject;
  std::optional<NodeId> topic;
  std::int32_t from_version = 0;
  std::int32_t to_version = 0;
  std::string level;
  std::string cause;
  nlohmann::json incompatibilities = nlohmann::json::array();
  std::vector<AffectedConsumer> affected;
  static constexpr auto Fields() {
    using E = UntypedBreakingChangeDetected;
    return std::tuple{Field("decision_key", &E::decision_key),
                      Field("subject", &E::subject),
                      Field("topic", &E::topic),
                      Field("from_version", &E::from_version),
                      Field("to_version", &E::to_version),
                      Field("level", &E::level),
                      Field("cause", &E::cause),
                      Field("incompatibilities", &E::incompatibilities),
                      Field("affected", &E::affected)};
  }
};

}  // namespace

TEST_CASE("a breaking change stored before incompatibilities were typed still reads") {
  const auto group = NodeId::Group("local", "analytics-trending");
  UntypedBreakingChangeDetected old;
  old.decision_key = "schema:stocktrades-value:3:17";
  old.subject = "stocktrades-value";
  old.topic = NodeId::Topic("local", "stocktrades");
  old.from_version = 2;
  old.to_version = 3;
  old.level = "NONE";
  old.cause = "incompatible_schema";
  // Exactly as the tracker built them: {type, path, message, version}.
  old.incompatibilities.push_back({{"type", "TYPE_MISMATCH"},
                                   {"path", "/fields/1/type"},
                                   {"message", "field `price` changed from double to string"},
                                   {"version", 2}});
  old.incompatibilities.push_back({{"type", "READER_FIELD_MISSING_DEFAULT_VALUE"},
                                   {"path", "/fields/3"},
                                   {"message", std::string(300, 'x')},  // a str16 string
                                   {"version", 300}});                  // a uint16
  for (int i = 0; i < 16; ++i) {                                        // 18 in all: an array16
    old.incompatibilities.push_back({{"type", "PROPERTY_REMOVED"},
                                     {"path", "#/properties/p" + std::to_string(i)},
                                     {"message", "property removed"},
                                     {"version", 1}});
  }
  old.affected = {{group, "analytics", 1}};
  std::string stored;
  {
    msgpack::Writer w(stored);
    codec::WriteStruct(w, old);
  }

  auto decoded = codec::DecodePayload("breaking_change_detected", 1, stored);
  REQUIRE(decoded.ok());
  const auto& event = std::get<BreakingChangeDetected>(*decoded);

  SECTION("the incompatibilities come back typed") {
    REQUIRE(event.incompatibilities.size() == 18);
    CHECK(event.incompatibilities[0] ==
          SchemaIncompatibility{.message = "field `price` changed from double to string",
                                .path = "/fields/1/type",
                                .type = "TYPE_MISMATCH",
                                .version = 2});
    CHECK(event.incompatibilities[1].type == "READER_FIELD_MISSING_DEFAULT_VALUE");
    CHECK(event.incompatibilities[1].message == std::string(300, 'x'));
    CHECK(event.incompatibilities[1].version == 300);
    CHECK(event.incompatibilities[17].path == "#/properties/p15");
    CHECK(event.cause == "incompatible_schema");
    CHECK(event.affected == old.affected);
  }
  SECTION("GET /events shows the same JSON as before") {
    CHECK(codec::ToJson(*decoded).dump() == codec::ToJson(old).dump());
  }
  SECTION("the typed event is stored with the same bytes as before") {
    std::string now;
    codec::EncodePayload(*decoded, now);
    CHECK(now == stored);
  }
}
