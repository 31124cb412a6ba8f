#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "ingest/schema_registry/schemas_decoder.h"
#include "ingest/schema_registry/schemas_encoder.h"

using namespace tributary;
using namespace tributary::ingest::schema_registry;

namespace {

struct RawRecord {
  std::string key;
  std::optional<std::string> value;
};

// tests/fixtures/schema_registry/schemas_topic.tsv: one record a line,
// key<TAB>value, "<null>" for a Kafka null value.
std::vector<RawRecord> TopicFixture() {
  std::ifstream in(TRIBUTARY_SOURCE_DIR "/tests/fixtures/schema_registry/schemas_topic.tsv");
  REQUIRE(in.good());
  std::vector<RawRecord> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const auto value = line.substr(tab + 1);
    out.push_back({line.substr(0, tab),
                   value == "<null>" ? std::nullopt : std::optional<std::string>(value)});
  }
  return out;
}

Result<SchemasRecord> Decode(std::string_view key, std::optional<std::string_view> value) {
  return DecodeSchemasRecord(key, value);
}

std::string ErrorOf(std::optional<std::string_view> key, std::optional<std::string_view> value) {
  const auto r = DecodeSchemasRecord(key, value);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("a registry's _schemas log decodes record by record") {
  const auto records = TopicFixture();
  REQUIRE(records.size() == 12);
  std::vector<SchemasRecord> decoded;
  for (const auto& r : records) {
    auto d = DecodeSchemasRecord(
        r.key, r.value ? std::optional<std::string_view>(*r.value) : std::nullopt);
    INFO(r.key);
    REQUIRE(d.ok());
    decoded.push_back(std::move(d).value());
  }
  CHECK(decoded[0] == SchemasRecord(Noop{}));
  CHECK(decoded[1] == SchemasRecord(ConfigChanged{std::nullopt, "BACKWARD"}));
  const auto& v1 = std::get<SchemaVersion>(decoded[2]);
  CHECK(v1.subject == "shop.orders.v1-value");
  CHECK(v1.version == 1);
  CHECK(v1.id == 1);
  CHECK(v1.schema_type == "AVRO");
  CHECK(v1.schema.rfind("{\"type\":\"record\"", 0) == 0);
  CHECK_FALSE(v1.deleted);
  CHECK(decoded[3] ==
        SchemasRecord(ConfigChanged{std::string("shop.orders.v1-value"), "FULL_TRANSITIVE"}));
  CHECK(std::get<SchemaVersion>(decoded[4]).schema_type == "PROTOBUF");
  const auto& payments = std::get<SchemaVersion>(decoded[5]);
  CHECK(payments.references ==
        std::vector<SchemaRef>{{"common/money.proto", "common/money.proto", 1}});
  CHECK(std::get<SchemaVersion>(decoded[6]).deleted);
  CHECK(decoded[7] == SchemasRecord(SubjectDeleted{"shop.orders.v1-value", 1}));
  CHECK(decoded[8] == SchemasRecord(SchemaHardDeleted{"shop.orders.v1-value", 1}));
  CHECK(decoded[9] == SchemasRecord(SubjectCleared{"shop.orders.v1-value"}));
  CHECK(decoded[10] == SchemasRecord(ModeChanged{std::nullopt, "READONLY"}));
  CHECK(decoded[11] ==
        SchemasRecord(ConfigChanged{std::string("shop.orders.v1-value"), std::nullopt}));
}

TEST_CASE("SCHEMA records") {
  const std::string key = R"({"keytype":"SCHEMA","subject":"s","version":2,"magic":1})";
  SECTION("schemaType defaults to AVRO; deleted defaults to false; references to none") {
    const auto r = Decode(key, R"({"subject":"s","version":2,"id":7,"schema":"\"string\""})");
    REQUIRE(r.ok());
    CHECK(std::get<SchemaVersion>(*r) == SchemaVersion{"s", 2, 7, "AVRO", {}, "\"string\"", false});
  }
  SECTION("a null value is a hard delete of that version") {
    CHECK(*Decode(key, std::nullopt) == SchemasRecord(SchemaHardDeleted{"s", 2}));
    CHECK(*Decode(key, "null") == SchemasRecord(SchemaHardDeleted{"s", 2}));
  }
  SECTION("the value must name the key's subject and version") {
    CHECK(ErrorOf(key, R"({"subject":"t","version":2,"id":7,"schema":"x"})") ==
          "value: subject \"t\" version 2 does not match the key's \"s\" version 2");
  }
  SECTION("missing and mistyped fields are named") {
    CHECK(ErrorOf(key, R"({"subject":"s","version":2,"schema":"x"})") == "value.id: missing");
    CHECK(ErrorOf(key, R"({"subject":"s","version":2,"id":"7","schema":"x"})") ==
          "value.id: expected an integer, got a string");
    CHECK(ErrorOf(key, R"({"subject":"s","version":2,"id":7})") == "value.schema: missing");
    CHECK(ErrorOf(key, R"({"subject":"s","version":2,"id":7,"schema":"x","deleted":"no"})") ==
          "value.deleted: expected a boolean, got a string");
    CHECK(
        ErrorOf(key,
                R"({"subject":"s","version":2,"id":7,"schema":"x","references":[{"name":"a"}]})") ==
        "value.references[0].subject: missing");
    CHECK(ErrorOf(R"({"keytype":"SCHEMA","subject":"s","magic":1})", std::nullopt) ==
          "key.version: missing");
    CHECK(ErrorOf(R"({"keytype":"SCHEMA","version":1,"magic":1})", std::nullopt) ==
          "key.subject: missing");
  }
  SECTION("versions start at 1 and ids fit in 32 bits") {
    CHECK(ErrorOf(R"({"keytype":"SCHEMA","subject":"s","version":0})", std::nullopt) ==
          "key.version: 0 is out of range [1, 2147483647]");
    CHECK(ErrorOf(key, R"({"subject":"s","version":2,"id":4294967296,"schema":"x"})") ==
          "value.id: 4294967296 is out of range [0, 2147483647]");
  }
}

TEST_CASE("CONFIG and MODE records, global when the key has no subject") {
  SECTION("a null subject is global; levels are upper-cased") {
    CHECK(*Decode(R"({"keytype":"CONFIG","subject":null,"magic":0})",
                  R"({"compatibilityLevel":"backward_transitive"})") ==
          SchemasRecord(ConfigChanged{std::nullopt, "BACKWARD_TRANSITIVE"}));
  }
  SECTION("a config value without a level leaves the level unset") {
    CHECK(*Decode(R"({"keytype":"CONFIG","subject":"s","magic":0})", R"({"normalize":true})") ==
          SchemasRecord(ConfigChanged{std::string("s"), std::nullopt}));
  }
  SECTION("an unknown level is named") {
    CHECK(ErrorOf(R"({"keytype":"CONFIG","magic":0})", R"({"compatibilityLevel":"SIDEWAYS"})")
              .rfind("value.compatibilityLevel: \"SIDEWAYS\" is not one of NONE", 0) == 0);
  }
  SECTION("modes") {
    CHECK(*Decode(R"({"keytype":"MODE","subject":"s","magic":0})", R"({"mode":"IMPORT"})") ==
          SchemasRecord(ModeChanged{std::string("s"), "IMPORT"}));
    CHECK(*Decode(R"({"keytype":"MODE","magic":0})", std::nullopt) ==
          SchemasRecord(ModeChanged{std::nullopt, std::nullopt}));
    CHECK(ErrorOf(R"({"keytype":"MODE","magic":0})", R"({"mode":"SOMETIMES"})")
              .rfind("value.mode:", 0) == 0);
  }
}

TEST_CASE("DELETE_SUBJECT, CLEAR_SUBJECT and NOOP records") {
  CHECK(*Decode(R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})",
                R"({"subject":"s","version":3})") == SchemasRecord(SubjectDeleted{"s", 3}));
  CHECK(ErrorOf(R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})", R"({"subject":"s"})") ==
        "value.version: missing");
  CHECK(*Decode(R"({"keytype":"CLEAR_SUBJECT","subject":"s","magic":0})", R"({"subject":"s"})") ==
        SchemasRecord(SubjectCleared{"s"}));
  SECTION("tombstones of these keys carry nothing") {
    CHECK(*Decode(R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})", std::nullopt) ==
          SchemasRecord(Noop{}));
    CHECK(*Decode(R"({"keytype":"NOOP","magic":0})", std::nullopt) == SchemasRecord(Noop{}));
  }
}

TEST_CASE("unknown key types and malformed records are errors for the quarantine") {
  CHECK(ErrorOf(R"({"keytype":"CONTEXT","magic":0})", "{}")
            .rfind("key.keytype: \"CONTEXT\" is not a known key type", 0) == 0);
  CHECK(ErrorOf(std::nullopt, "{}") == "key: null (every _schemas record has a JSON key)");
  CHECK(ErrorOf("not json", std::nullopt).rfind("key is not valid JSON", 0) == 0);
  CHECK(ErrorOf("[1]", std::nullopt) == "key: expected an object, got an array");
  CHECK(ErrorOf(R"({"subject":"s"})", std::nullopt) == "key.keytype: missing");
  CHECK(ErrorOf(R"({"keytype":7})", std::nullopt) ==
        "key.keytype: expected a string, got an integer");
  CHECK(ErrorOf(R"({"keytype":"SCHEMA","subject":"s","version":1})", "{\"subject\":")
            .rfind("value is not valid JSON", 0) == 0);
  CHECK(ErrorOf(R"({"keytype":"SCHEMA","subject":"s","version":1})", "[]") ==
        "value: expected an object, got an array");
  const std::string huge(2 << 20, 'x');
  CHECK(ErrorOf(R"({"keytype":"NOOP"})", huge).find("over the limit") != std::string::npos);
}

TEST_CASE("the encoder writes the registry's bytes and the decoder reads them back") {
  SECTION("a SCHEMA record has the registry's key order and magic byte") {
    const auto rec = EncodeSchemasRecord(SchemaVersion{"s", 1, 5, "AVRO", {}, "\"int\"", false});
    CHECK(rec.key == R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})");
    CHECK(rec.value == R"({"subject":"s","version":1,"id":5,"schema":"\"int\"","deleted":false})");
  }
  SECTION("the global CONFIG key has no subject") {
    const auto rec = EncodeSchemasRecord(ConfigChanged{std::nullopt, "FULL"});
    CHECK(rec.key == R"({"keytype":"CONFIG","magic":0})");
    CHECK(rec.value == R"({"compatibilityLevel":"FULL"})");
  }
  const std::vector<SchemasRecord> all{
      SchemaVersion{"s", 3, 9, "JSON", {{"r", "rs", 2}}, "{}", true},
      SchemaHardDeleted{"s", 3},
      ConfigChanged{std::string("s"), "NONE"},
      ConfigChanged{std::nullopt, std::nullopt},
      ModeChanged{std::string("s"), "READONLY"},
      ModeChanged{std::nullopt, std::nullopt},
      SubjectDeleted{"s", 4},
      SubjectCleared{"s"},
      Noop{},
  };
  for (const auto& record : all) {
    const auto enc = EncodeSchemasRecord(record);
    INFO(enc.key);
    const auto dec = DecodeSchemasRecord(
        enc.key, enc.value ? std::optional<std::string_view>(*enc.value) : std::nullopt);
    REQUIRE(dec.ok());
    CHECK(*dec == record);
  }
}
