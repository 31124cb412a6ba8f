#include <catch2/catch.hpp>

#include "core/event_codec.h"
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
