// The breaking-change detector as a unit: schema events over a hand-built
// estate (src/tracking/README.md, the rules on schemas).

#include <catch2/catch.hpp>

#include "core/field_codec.h"
#include "tracking/breaking_change_detector.h"
#include "tracking/detector_world.h"

using namespace tributary;
using namespace tributary::tracking;
using namespace tributary::tracking::testing;

namespace {

std::string Trade(const std::string& price_type, const std::string& extra_field = "") {
  return R"({"type":"record","name":"Trade","fields":[{"name":"id","type":"long"},)"
         R"({"name":"price","type":")" +
         price_type + "\"}" + extra_field + "]}";
}

SchemaRegistered Version(std::int32_t version, std::string schema, std::string type = "AVRO") {
  SchemaRegistered s;
  s.subject = "orders-value";
  s.version = version;
  s.schema_id = 100 + version;
  s.schema_type = std::move(type);
  s.schema = std::move(schema);
  return s;
}

// orders (owned by sales) read by analytics-dash (analytics) and risk-limits (risk);
// billing subscribed to it; version 1 registered.
void Estate(World& w) {
  w.Product("orders", "sales", At(0));
  w.Reads("analytics-dash", "orders", "analytics", At(1));
  w.Reads("risk-limits", "orders", "risk", At(1));
  w.Apply(TeamSubscriptionsSet{"billing", {"orders"}, "token:billing"}, At(1));
  w.Apply(Version(1, Trade("double")), At(2));
}

Batch Register(World& w, const SchemaRegistered& version, Timestamp time) {
  const auto record = w.Apply(version, time);
  return w.Decide([&](DecisionContext& ctx) {
    DetectSchemaChange(ctx, record, std::get<SchemaRegistered>(record.event));
  });
}

Batch Delete(World& w, const SchemaDeleted& deletion, Timestamp time) {
  const auto record = w.Apply(deletion, time);
  return w.Decide([&](DecisionContext& ctx) {
    DetectSchemaDeletion(ctx, record, std::get<SchemaDeleted>(record.event));
  });
}

}  // namespace

TEST_CASE("breaking change detector: schema versions") {
  World w;
  Estate(w);

  SECTION("the subject's first version is not a change") {
    World fresh;
    fresh.Product("orders", "sales", At(0));
    CHECK(Register(fresh, Version(1, Trade("double")), At(1)).empty());
  }

  SECTION("a version every reader can read is recorded as compatible, nobody told") {
    const auto out = Register(
        w, Version(2, Trade("double", R"(,{"name":"venue","type":"string","default":""})")), At(3));
    const auto compatible = Decisions<CompatibleChangeRecorded>(out);
    REQUIRE(compatible.size() == 1);
    CHECK(compatible[0] == CompatibleChangeRecorded{"orders-value", 1, 2, "BACKWARD"});
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0].dedup_key == "schema:orders-value:2:102");
    CHECK(out.outbox.empty());
  }

  SECTION("an incompatible version is a breaking change told to each consumer's team") {
    const auto out = Register(w, Version(2, Trade("string")), At(3));
    const auto breaking = Decisions<BreakingChangeDetected>(out);
    REQUIRE(breaking.size() == 1);
    const auto& b = breaking[0];
    CHECK(b.decision_key == "schema:orders-value:2:102");
    CHECK(b.cause == "incompatible_schema");
    CHECK(b.topic == Topic("orders"));
    CHECK(b.from_version == 1);
    CHECK(b.to_version == 2);
    REQUIRE(!b.incompatibilities.empty());
    CHECK(b.incompatibilities[0].type == "TYPE_MISMATCH");
    CHECK(b.incompatibilities[0].version == 1);
    CHECK_THAT(b.incompatibilities[0].path, Catch::Contains("fields/1"));
    CHECK(b.affected == std::vector<AffectedConsumer>{{Group("analytics-dash"), "analytics", 1},
                                                      {Group("risk-limits"), "risk", 1}});
    // Subscribers hear of it too, with no consumers of their own.
    CHECK(TeamsTold(out) == std::vector<std::string>{"analytics", "billing", "risk"});
    const auto& analytics = IntentFor(out, "analytics");
    CHECK(analytics.kind == "breaking_change");
    CHECK(analytics.severity == "critical");
    CHECK(analytics.idempotency_key == "schema:orders-value:2:102/analytics");
    CHECK(analytics.caused_by_event == std::optional<std::size_t>(0));
    CHECK(analytics.facts["product"] == "orders");
    CHECK(analytics.facts["owner"] == "sales");
    CHECK(analytics.facts["mode"] == "READWRITE");
    CHECK(analytics.facts["consumers"] ==
          nlohmann::json::array({{{"id", "group:local/analytics-dash"}, {"depth", 1}}}));
    // The intent's facts carry the incompatibilities as the templates read them.
    CHECK(analytics.facts["incompatibilities"] == codec::ToJson(b.incompatibilities));
    for (const char* key : {"type", "path", "message", "version"}) {
      CHECK(analytics.facts["incompatibilities"][0].contains(key));
    }
    CHECK(analytics.facts["incompatibilities"][0].size() == 4);
    CHECK(IntentFor(out, "billing").facts["role"] == "subscriber");
  }

  SECTION("a change of schema type is a breaking change") {
    const auto out = Register(w, Version(2, R"({"type":"object"})", "JSON"), At(3));
    const auto breaking = Decisions<BreakingChangeDetected>(out);
    REQUIRE(breaking.size() == 1);
    CHECK(breaking[0].cause == "schema_type_changed");
    CHECK(
        breaking[0].incompatibilities ==
        std::vector<SchemaIncompatibility>{{.message = "the schema type changed from AVRO to JSON",
                                            .path = "",
                                            .type = "SCHEMA_TYPE_CHANGED",
                                            .version = 1}});
    CHECK(out.outbox.size() == 3);
  }

  SECTION("a version that does not parse is a breaking change") {
    const auto out = Register(w, Version(2, R"({"type":"record","name":)"), At(3));
    const auto breaking = Decisions<BreakingChangeDetected>(out);
    REQUIRE(breaking.size() == 1);
    CHECK(breaking[0].cause == "invalid_schema");
    REQUIRE(breaking[0].incompatibilities.size() == 1);
    CHECK(breaking[0].incompatibilities[0].type == "INVALID_SCHEMA");
    CHECK(breaking[0].incompatibilities[0].version == 2);
    CHECK(!breaking[0].incompatibilities[0].message.empty());
  }

  SECTION("a breaking change on a subject no topic matches tells nobody") {
    auto other = Version(2, Trade("string"));
    other.subject = "unknown-value";
    auto first = Version(1, Trade("double"));
    first.subject = "unknown-value";
    w.Apply(first, At(2));
    const auto out = Register(w, other, At(3));
    const auto breaking = Decisions<BreakingChangeDetected>(out);
    REQUIRE(breaking.size() == 1);
    CHECK(!breaking[0].topic);
    CHECK(breaking[0].affected.empty());
    CHECK(out.outbox.empty());
  }
}

TEST_CASE("breaking change detector: schema deletions") {
  World w;
  Estate(w);
  w.Apply(Version(2, Trade("double", R"(,{"name":"venue","type":"string","default":""})")), At(3));

  SECTION("soft-deleting the latest version while consumers read is a breaking change") {
    const auto out = Delete(w, SchemaDeleted{"orders-value", 2, false}, At(4));
    const auto breaking = Decisions<BreakingChangeDetected>(out);
    REQUIRE(breaking.size() == 1);
    CHECK(breaking[0].cause == "schema_deleted");
    // The deletion is the estate's ninth event.
    CHECK(breaking[0].decision_key == "schema-deleted:orders-value:2:soft:9");
    CHECK(breaking[0].incompatibilities.empty());
    CHECK(TeamsTold(out) == std::vector<std::string>{"analytics", "billing", "risk"});
    CHECK(IntentFor(out, "risk").facts["cause"] == "schema_deleted");
    CHECK(IntentFor(out, "risk").facts["incompatibilities"] == nlohmann::json::array());
  }

  SECTION("soft-deleting an older version is not") {
    CHECK(Delete(w, SchemaDeleted{"orders-value", 1, false}, At(4)).empty());
  }

  SECTION("hard-deleting any version is") {
    const auto out = Delete(w, SchemaDeleted{"orders-value", 1, true}, At(4));
    const auto breaking = Decisions<BreakingChangeDetected>(out);
    REQUIRE(breaking.size() == 1);
    CHECK(breaking[0].cause == "schema_hard_deleted");
    CHECK(breaking[0].from_version == 1);
  }

  SECTION("deleting the whole subject is") {
    const auto out = Delete(w, SchemaDeleted{"orders-value", std::nullopt, false}, At(4));
    const auto breaking = Decisions<BreakingChangeDetected>(out);
    REQUIRE(breaking.size() == 1);
    CHECK_THAT(breaking[0].decision_key,
               Catch::StartsWith("schema-deleted:orders-value:all:soft:"));
  }

  SECTION("a deletion nobody observed reading is not") {
    w.Apply(ConsumerStopped{Group("analytics-dash"), Topic("orders"), "idle", std::nullopt}, At(4));
    w.Apply(ConsumerStopped{Group("risk-limits"), Topic("orders"), "idle", std::nullopt}, At(4));
    CHECK(Delete(w, SchemaDeleted{"orders-value", 2, true}, At(5)).empty());
  }
}
