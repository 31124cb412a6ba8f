// Schema Registry's compatibility levels over a subject's history, with Avro
// schemas: which earlier versions are compared, in which direction.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "schema/compatibility.h"

namespace tributary::schema {
namespace {

SchemaVersion Avro(int version, std::string text, bool deleted = false) {
  SchemaVersion v;
  v.version = version;
  v.type = SchemaType::kAvro;
  v.text = std::move(text);
  v.deleted = deleted;
  return v;
}

std::string Record(const std::string& fields) {
  return R"({"type":"record","name":"Order","fields":[)" + fields + "]}";
}

// v1: {id}; v2: {id, note=default}; new: {id, note (no default)}.
const std::string kId = R"({"name":"id","type":"long"})";
const std::string kNoteDefault = R"({"name":"note","type":"string","default":""})";
const std::string kNoteRequired = R"({"name":"note","type":"string"})";

CompatibilityResult MustCheck(CompatibilityLevel level, const std::vector<SchemaVersion>& history,
                              const SchemaVersion& candidate) {
  auto result = CheckCompatibility(level, history, candidate);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->level == level);
  CHECK(result->compatible == result->incompatibilities.empty());
  return *result;
}

TEST_CASE("levels choose the direction of the check") {
  const auto v1 = Avro(1, Record(kId));
  const auto added_required = Avro(2, Record(kId + "," + kNoteRequired));
  const auto removed = Avro(2, Record(R"({"name":"other","type":"int","default":0})"));

  SECTION("NONE accepts anything") {
    CHECK(MustCheck(CompatibilityLevel::kNone, {v1}, added_required).compatible);
  }
  SECTION("BACKWARD: the new schema must read the old data") {
    const auto result = MustCheck(CompatibilityLevel::kBackward, {v1}, added_required);
    REQUIRE(result.incompatibilities.size() == 1);
    CHECK(result.incompatibilities[0].kind == "READER_FIELD_MISSING_DEFAULT_VALUE");
    CHECK(result.incompatibilities[0].version == 1);
    CHECK(MustCheck(CompatibilityLevel::kBackward, {v1}, removed).compatible);
  }
  SECTION("FORWARD: the old schema must read the new data") {
    CHECK(MustCheck(CompatibilityLevel::kForward, {v1}, added_required).compatible);
    const auto result = MustCheck(CompatibilityLevel::kForward, {v1}, removed);
    REQUIRE(result.incompatibilities.size() == 1);
    CHECK(result.incompatibilities[0].message ==
          "field `id` was removed but has no default in the old schema");
  }
  SECTION("FULL: both directions") {
    CHECK_FALSE(MustCheck(CompatibilityLevel::kFull, {v1}, added_required).compatible);
    CHECK_FALSE(MustCheck(CompatibilityLevel::kFull, {v1}, removed).compatible);
    const auto with_default = Avro(2, Record(kId + "," + kNoteDefault));
    CHECK(MustCheck(CompatibilityLevel::kFull, {v1}, with_default).compatible);
  }
  SECTION("a type change breaks both directions, reported once per direction") {
    const auto changed = Avro(2, Record(R"({"name":"id","type":"string"})"));
    const auto result = MustCheck(CompatibilityLevel::kFull, {v1}, changed);
    REQUIRE(result.incompatibilities.size() == 2);
    CHECK(result.incompatibilities[0].message == "field `id` changed from long to string");
    CHECK(result.incompatibilities[1].message == "field `id` changed from long to string");
  }
}

TEST_CASE("transitive levels compare with every earlier version, others with the latest") {
  // v1 has no `note`; v2 adds it with a default; the candidate drops the default.
  // Against v2 the candidate reads fine (the field is there); against v1 it cannot.
  const std::vector<SchemaVersion> history = {Avro(1, Record(kId)),
                                              Avro(2, Record(kId + "," + kNoteDefault))};
  const auto candidate = Avro(3, Record(kId + "," + kNoteRequired));

  SECTION("BACKWARD checks only the latest version") {
    CHECK(MustCheck(CompatibilityLevel::kBackward, history, candidate).compatible);
  }
  SECTION("BACKWARD_TRANSITIVE checks every version and names the one that fails") {
    const auto result = MustCheck(CompatibilityLevel::kBackwardTransitive, history, candidate);
    REQUIRE(result.incompatibilities.size() == 1);
    CHECK(result.incompatibilities[0].version == 1);
  }
  SECTION("FORWARD_TRANSITIVE checks every version in the forward direction") {
    const std::vector<SchemaVersion> forward_history = {Avro(1, Record(kId + "," + kNoteRequired)),
                                                        Avro(2, Record(kId + "," + kNoteDefault))};
    const auto dropped = Avro(3, Record(kId));
    CHECK(MustCheck(CompatibilityLevel::kForward, forward_history, dropped).compatible);
    const auto result = MustCheck(CompatibilityLevel::kForwardTransitive, forward_history, dropped);
    REQUIRE(result.incompatibilities.size() == 1);
    CHECK(result.incompatibilities[0].version == 1);
  }
  SECTION("FULL_TRANSITIVE checks both directions against every version") {
    const auto result = MustCheck(CompatibilityLevel::kFullTransitive, history, candidate);
    REQUIRE(result.incompatibilities.size() == 1);
    CHECK(result.incompatibilities[0].version == 1);
    CHECK(MustCheck(CompatibilityLevel::kFull, history, candidate).compatible);
  }
  SECTION("soft-deleted versions take no part") {
    std::vector<SchemaVersion> with_deleted = history;
    with_deleted[0].deleted = true;
    CHECK(MustCheck(CompatibilityLevel::kBackwardTransitive, with_deleted, candidate).compatible);
  }
  SECTION("a soft-deleted latest version is skipped for the non-transitive levels") {
    const std::vector<SchemaVersion> latest_deleted = {
        Avro(1, Record(kId)), Avro(2, Record(kId + "," + kNoteDefault), /*deleted=*/true)};
    CHECK_FALSE(MustCheck(CompatibilityLevel::kBackward, latest_deleted, candidate).compatible);
  }
  SECTION("an empty history is compatible at every level") {
    CHECK(MustCheck(CompatibilityLevel::kFullTransitive, {}, candidate).compatible);
  }
}

TEST_CASE("different schema types are always incompatible") {
  SchemaVersion json_version;
  json_version.version = 1;
  json_version.type = SchemaType::kJson;
  json_version.text = R"({"type":"object"})";
  const auto result =
      MustCheck(CompatibilityLevel::kBackward, {json_version}, Avro(2, Record(kId)));
  REQUIRE(result.incompatibilities.size() == 1);
  CHECK(result.incompatibilities[0].kind == "SCHEMA_TYPE_MISMATCH");
  CHECK(result.incompatibilities[0].version == 1);
  CHECK(result.incompatibilities[0].message == "schema type changed from JSON to AVRO");
}

TEST_CASE("invalid schemas are errors naming the version, not verdicts") {
  SECTION("an invalid candidate") {
    const auto result = CheckCompatibility(CompatibilityLevel::kNone, {}, Avro(1, "{"));
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(result.status().message(), Catch::StartsWith("new schema: invalid Avro schema:"));
  }
  SECTION("an invalid earlier version") {
    const auto result = CheckCompatibility(CompatibilityLevel::kBackward,
                                           {Avro(4, R"({"type":"nope"})")}, Avro(5, Record(kId)));
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.status().message(),
               Catch::StartsWith(R"(version 4: invalid Avro schema: unknown type "nope")"));
  }
  SECTION("strict defaults apply to the new schema only") {
    CheckOptions strict;
    strict.strict_defaults = true;
    const auto bad = Record(R"({"name":"n","type":"int","default":"x"})");
    CHECK(CheckCompatibility(CompatibilityLevel::kBackward, {Avro(1, bad)}, Avro(2, bad), strict)
              .status()
              .code() == ErrorCode::kInvalidArgument);
    CHECK(CheckCompatibility(CompatibilityLevel::kBackward, {Avro(1, bad)},
                             Avro(2, Record(R"({"name":"n","type":"int","default":1})")), strict)
              .ok());
  }
}

TEST_CASE("levels and schema types parse from their names") {
  SECTION("levels are case-insensitive and round-trip") {
    for (auto level : {CompatibilityLevel::kNone, CompatibilityLevel::kBackward,
                       CompatibilityLevel::kBackwardTransitive, CompatibilityLevel::kForward,
                       CompatibilityLevel::kForwardTransitive, CompatibilityLevel::kFull,
                       CompatibilityLevel::kFullTransitive}) {
      CHECK(*ParseCompatibilityLevel(ToString(level)) == level);
    }
    CHECK(*ParseCompatibilityLevel("backward_transitive") ==
          CompatibilityLevel::kBackwardTransitive);
    CHECK(ParseCompatibilityLevel("SIDEWAYS").status().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("schema types accept the registry's and the CLI's names") {
    CHECK(*ParseSchemaType("AVRO") == SchemaType::kAvro);
    CHECK(*ParseSchemaType("json") == SchemaType::kJson);
    CHECK(*ParseSchemaType("protobuf") == SchemaType::kProtobuf);
    CHECK(ToString(SchemaType::kProtobuf) == "PROTOBUF");
    CHECK_FALSE(ParseSchemaType("xml").ok());
  }
}

}  // namespace
}  // namespace tributary::schema
