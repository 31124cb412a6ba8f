// What `_schemas` records become (SchemasTranslator): registrations, soft and
// hard deletes of versions and subjects, compatibility and mode changes, each at
// the record's timestamp; NOOPs carry nothing; bad records are quarantined.

#include <catch2/catch.hpp>

#include "ingest/schema_registry/schemas_encoder.h"
#include "ingest/schema_registry/schemas_translator.h"
#include "support/recording_sink.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::schema_registry;
using tributary::testing::RecordingSink;

namespace {

constexpr std::int64_t kRecordTime = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

const std::string kOrderSchema =
    R"({"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]})";

RecordingSink TranslateRaw(std::optional<std::string_view> key,
                           std::optional<std::string_view> value) {
  SchemasTranslator translator;
  RecordingSink sink;
  RawRecord raw;
  raw.topic = "_schemas";
  raw.offset = 3;
  raw.timestamp_ms = kRecordTime;
  raw.key = key;
  raw.value = value;
  translator.Translate(raw, sink);
  translator.Flush(sink);
  return sink;
}

RecordingSink Translate(const SchemasRecord& record) {
  const auto encoded = EncodeSchemasRecord(record);
  return TranslateRaw(
      encoded.key, encoded.value ? std::optional<std::string_view>(*encoded.value) : std::nullopt);
}

SchemaVersion OrdersV2() {
  SchemaVersion v;
  v.subject = "shop.orders.v1-value";
  v.version = 2;
  v.id = 17;
  v.schema = kOrderSchema;
  return v;
}

// The one event a record became.
template <typename T>
T Only(const RecordingSink& sink) {
  REQUIRE(sink.quarantined.empty());
  REQUIRE(sink.events.size() == 1);
  REQUIRE(std::holds_alternative<T>(sink.events[0].event));
  return std::get<T>(sink.events[0].event);
}

}  // namespace

TEST_CASE("schema versions become schema_registered or a soft delete") {
  SECTION("a registered version is a schema_registered at the record's time") {
    const auto sink = Translate(OrdersV2());
    const auto e = Only<SchemaRegistered>(sink);
    CHECK(e == SchemaRegistered{"shop.orders.v1-value", 2, 17, "AVRO", kOrderSchema, {}});
    CHECK(sink.events[0].time == FromMillis(kRecordTime));
    CHECK_FALSE(sink.events[0].dedup_key.has_value());
  }
  SECTION("the schema type and references are carried over") {
    auto v = OrdersV2();
    v.schema_type = "PROTOBUF";
    v.schema = "syntax = \"proto3\";\nimport \"common/money.proto\";\nmessage Order {}";
    v.references = {SchemaRef{"common/money.proto", "common/money.proto", 1}};
    const auto e = Only<SchemaRegistered>(Translate(v));
    CHECK(e.schema_type == "PROTOBUF");
    CHECK(e.references == v.references);
  }
  SECTION("a version marked deleted is a soft schema_deleted of that version") {
    auto v = OrdersV2();
    v.deleted = true;
    CHECK(Only<SchemaDeleted>(Translate(v)) == SchemaDeleted{"shop.orders.v1-value", 2, false});
  }
  SECTION("a tombstone on a version's key is its permanent delete") {
    CHECK(Only<SchemaDeleted>(Translate(SchemaHardDeleted{"shop.orders.v1-value", 2})) ==
          SchemaDeleted{"shop.orders.v1-value", 2, true});
  }
}

TEST_CASE("subject deletes, compatibility levels and modes become their events") {
  SECTION("DELETE_SUBJECT is a soft delete of the whole subject") {
    CHECK(Only<SchemaDeleted>(Translate(SubjectDeleted{"shop.orders.v1-value", 3})) ==
          SchemaDeleted{"shop.orders.v1-value", std::nullopt, false});
  }
  SECTION("CLEAR_SUBJECT is a permanent delete of the whole subject") {
    CHECK(Only<SchemaDeleted>(Translate(SubjectCleared{"shop.orders.v1-value"})) ==
          SchemaDeleted{"shop.orders.v1-value", std::nullopt, true});
  }
  SECTION("a subject's compatibility level") {
    CHECK(Only<CompatibilityLevelChanged>(
              Translate(ConfigChanged{"shop.orders.v1-value", "FULL_TRANSITIVE"})) ==
          CompatibilityLevelChanged{"shop.orders.v1-value", "FULL_TRANSITIVE"});
  }
  SECTION("the global compatibility level has no subject") {
    CHECK(Only<CompatibilityLevelChanged>(Translate(ConfigChanged{std::nullopt, "BACKWARD"})) ==
          CompatibilityLevelChanged{std::nullopt, "BACKWARD"});
  }
  SECTION("a deleted subject level is a change to the empty level (back to the global one)") {
    CHECK(Only<CompatibilityLevelChanged>(
              Translate(ConfigChanged{"shop.orders.v1-value", std::nullopt})) ==
          CompatibilityLevelChanged{"shop.orders.v1-value", ""});
  }
  SECTION("a mode change, and a deleted mode as the empty mode") {
    CHECK(Only<SchemaModeChanged>(Translate(ModeChanged{std::nullopt, "READONLY"})) ==
          SchemaModeChanged{std::nullopt, "READONLY"});
    CHECK(Only<SchemaModeChanged>(Translate(ModeChanged{"shop.orders.v1-value", std::nullopt})) ==
          SchemaModeChanged{"shop.orders.v1-value", ""});
  }
}

TEST_CASE("_schemas records that carry nothing or cannot be read") {
  SECTION("a NOOP carries nothing and is not quarantined") {
    const auto sink = Translate(Noop{});
    CHECK(sink.events.empty());
    CHECK(sink.quarantined.empty());
  }
  SECTION("an unknown key type is quarantined naming it") {
    const auto sink = TranslateRaw(R"({"keytype":"SOMETHING_NEW","magic":0})", R"({})");
    REQUIRE(sink.quarantined.size() == 1);
    CHECK(sink.quarantined[0].find("SOMETHING_NEW") != std::string::npos);
    CHECK(sink.events.empty());
  }
  SECTION("a key that is not JSON is quarantined") {
    const auto sink = TranslateRaw("shop.orders.v1-value", R"({})");
    CHECK(sink.quarantined.size() == 1);
    CHECK(sink.events.empty());
  }
  SECTION("a null key is quarantined") {
    const auto sink = TranslateRaw(std::nullopt, R"({})");
    CHECK(sink.quarantined.size() == 1);
    CHECK(sink.events.empty());
  }
  SECTION("the translator is stateless: no fold prefix, no fold writes") {
    const auto sink = Translate(OrdersV2());
    CHECK(sink.fold.empty());
    CHECK(SchemasTranslator().fold_prefix().empty());
  }
}
