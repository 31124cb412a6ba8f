#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "ingest/catalog/catalog_decoder.h"
#include "ingest/catalog/catalog_encoder.h"
#include "support/binary_cloudevent.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::catalog;
using nlohmann::json;
using tributary::testing::BinaryCloudEvent;

namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(TRIBUTARY_SOURCE_DIR "/tests/fixtures/catalog/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json Envelope(const std::string& type, json data) {
  return json{{"specversion", "1.0"},           {"id", "evt-1"},
              {"source", "/catalog/tests"},     {"type", type},
              {"time", "2026-03-02T09:15:00Z"}, {"data", std::move(data)}};
}

json PublishedData() {
  return json{{"product", "orders"},  {"cluster", "local"},  {"topic", "orders"},
              {"domain", "commerce"}, {"owner", "checkout"}, {"quality", "curated"},
              {"sla", "tier-2"}};
}

// The error message of decoding `doc`; fails the test when it decodes.
std::string ErrorOf(const json& doc) {
  const auto r = DecodeCatalogEvent(doc.dump());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  return r.status().message();
}

template <typename T>
const T& EventAs(const Result<DecodedCatalogEvent>& r) {
  REQUIRE(r.ok());
  REQUIRE(std::holds_alternative<T>(r->event));
  return std::get<T>(r->event);
}

}  // namespace

TEST_CASE("a published product decodes with every documented field") {
  const auto r = DecodeCatalogEvent(Fixture("product_published.json"));
  REQUIRE(r.ok());
  CHECK(r->id == "3f6c1f0e-8a4b-4f59-9d0c-2b7e5a9c1d42");
  CHECK(r->source == "https://catalog.example.com/products");
  CHECK(r->type == "tributary.product.published");
  CHECK(FormatRfc3339(r->time) == "2026-03-02T09:15:00.000Z");
  const auto& e = EventAs<ProductPublished>(r);
  CHECK(e.product == "orders");
  CHECK(e.cluster == "local");
  CHECK(e.topic == "shop.orders.v1");
  CHECK(e.domain == "commerce");
  CHECK(e.owner == "checkout");
  CHECK(e.description.find('\n') != std::string::npos);
  CHECK(e.quality == "authoritative");
  CHECK(e.sla == "tier-1");
  CHECK(e.tags == std::vector<std::string>{"pii", "finance"});
  CHECK(e.schema_subject == "shop.orders.v1-value");
}

TEST_CASE("a published product needs its required fields and valid enums") {
  SECTION("description, tags and schema_subject are optional") {
    const auto r =
        DecodeCatalogEvent(Envelope("tributary.product.published", PublishedData()).dump());
    const auto& e = EventAs<ProductPublished>(r);
    CHECK(e.description.empty());
    CHECK(e.tags.empty());
    CHECK_FALSE(e.schema_subject.has_value());
  }
  SECTION("each required field missing is named") {
    for (const char* field : {"product", "cluster", "topic", "domain", "owner", "quality", "sla"}) {
      auto data = PublishedData();
      data.erase(field);
      CHECK(ErrorOf(Envelope("tributary.product.published", data)) ==
            std::string("tributary.product.published: data.") + field + ": missing");
    }
  }
  SECTION("quality and sla must be one of the documented values") {
    auto data = PublishedData();
    data["quality"] = "gold";
    CHECK(ErrorOf(Envelope("tributary.product.published", data)) ==
          "tributary.product.published: data.quality: \"gold\" is not one of authoritative | "
          "curated | raw");
    data = PublishedData();
    data["sla"] = "tier-9";
    CHECK(ErrorOf(Envelope("tributary.product.published", data)).find("data.sla") !=
          std::string::npos);
  }
  SECTION("the topic must be a legal Kafka topic name and the cluster has no '/'") {
    auto data = PublishedData();
    data["topic"] = "orders/v1";
    CHECK(ErrorOf(Envelope("tributary.product.published", data)).find("data.topic") !=
          std::string::npos);
    data = PublishedData();
    data["cluster"] = "a/b";
    CHECK(ErrorOf(Envelope("tributary.product.published", data)).find("data.cluster") !=
          std::string::npos);
  }
  SECTION("a field of the wrong type is named with what was expected") {
    auto data = PublishedData();
    data["tags"] = "pii";
    CHECK(ErrorOf(Envelope("tributary.product.published", data)) ==
          "tributary.product.published: data.tags: expected an array of strings, got a string");
    data = PublishedData();
    data["tags"] = json::array({"ok", 3});
    CHECK(ErrorOf(Envelope("tributary.product.published", data)) ==
          "tributary.product.published: data.tags[1]: expected a string, got an integer");
  }
}

TEST_CASE("an updated product carries exactly the fields given as changes") {
  SECTION("only the given published fields become changes") {
    const auto r = DecodeCatalogEvent(
        Envelope("tributary.product.updated",
                 {{"product", "orders"}, {"sla", "tier-1"}, {"tags", {"a"}}, {"color", "red"}})
            .dump());
    const auto& e = EventAs<ProductUpdated>(r);
    CHECK(e.product == "orders");
    CHECK(e.changes == json{{"sla", "tier-1"}, {"tags", {"a"}}});
  }
  SECTION("a null schema_subject clears it") {
    const auto r = DecodeCatalogEvent(
        Envelope("tributary.product.updated", {{"product", "orders"}, {"schema_subject", nullptr}})
            .dump());
    CHECK(EventAs<ProductUpdated>(r).changes == json{{"schema_subject", nullptr}});
  }
  SECTION("changed fields are validated like published ones") {
    CHECK(ErrorOf(Envelope("tributary.product.updated", {{"product", "orders"}, {"quality", "x"}}))
              .find("data.quality") != std::string::npos);
  }
  SECTION("an update that changes nothing is refused") {
    CHECK(ErrorOf(Envelope("tributary.product.updated", {{"product", "orders"}}))
              .rfind("tributary.product.updated: data: names no field", 0) == 0);
  }
}

TEST_CASE("a deprecation needs a reason and an RFC 3339 sunset, the source is the actor") {
  SECTION("the documented example decodes") {
    const auto r = DecodeCatalogEvent(Fixture("product_deprecated.json"));
    const auto& e = EventAs<ProductDeprecated>(r);
    CHECK(e.product == "orders");
    CHECK(FormatRfc3339(e.sunset) == "2026-06-30T00:00:00.000Z");
    CHECK(e.replacement == "orders-v2");
    CHECK(e.actor == "https://catalog.example.com/products");
    CHECK(FormatRfc3339(r->time) == "2026-03-10T11:00:00.000Z");  // offset applied
  }
  SECTION("a sunset that is not an RFC 3339 time is named") {
    const auto msg =
        ErrorOf(Envelope("tributary.product.deprecated",
                         {{"product", "orders"}, {"reason", "r"}, {"sunset", "next week"}}));
    CHECK(msg.rfind(
              "tributary.product.deprecated: data.sunset: \"next week\" is not an RFC 3339 time",
              0) == 0);
  }
  SECTION("a missing reason is named") {
    CHECK(ErrorOf(Envelope("tributary.product.deprecated",
                           {{"product", "orders"}, {"sunset", "2026-06-30T00:00:00Z"}})) ==
          "tributary.product.deprecated: data.reason: missing");
  }
}

TEST_CASE("undeprecate and retire name the product, the source is the actor") {
  const auto u = DecodeCatalogEvent(
      Envelope("tributary.product.undeprecated", {{"product", "orders"}}).dump());
  CHECK(EventAs<ProductUndeprecated>(u) == ProductUndeprecated{"orders", "/catalog/tests"});
  const auto r =
      DecodeCatalogEvent(Envelope("tributary.product.retired", {{"product", "orders"}}).dump());
  CHECK(EventAs<ProductRetired>(r) == ProductRetired{"orders", "/catalog/tests"});
  CHECK(ErrorOf(Envelope("tributary.product.retired", json::object())) ==
        "tributary.product.retired: data.product: missing");
  CHECK(ErrorOf(Envelope("tributary.product.retired", {{"product", ""}})) ==
        "tributary.product.retired: data.product: must not be empty");
}

TEST_CASE("teams and ownership decode, node ids are validated") {
  SECTION("a team with contacts; display_name defaults to the team name") {
    const auto r = DecodeCatalogEvent(
        Envelope("tributary.team.upserted", {{"team", "checkout"}, {"contacts", {"email", "chat"}}})
            .dump());
    CHECK(EventAs<TeamUpserted>(r) ==
          TeamUpserted{"checkout", "checkout", std::vector<std::string>{"email", "chat"}});
  }
  SECTION("ownership of a node") {
    const auto r =
        DecodeCatalogEvent(Envelope("tributary.ownership.assigned",
                                    {{"node", "principal:User:svc-trending"}, {"team", "trending"}})
                               .dump());
    CHECK(EventAs<OwnershipAssigned>(r) ==
          OwnershipAssigned{NodeId::Principal("User:svc-trending"), "trending"});
  }
  SECTION("a malformed node id is named") {
    const auto msg = ErrorOf(
        Envelope("tributary.ownership.assigned", {{"node", "group:trending"}, {"team", "t"}}));
    CHECK(msg.rfind("tributary.ownership.assigned: data.node: node id \"group:trending\"", 0) == 0);
  }
}

TEST_CASE("native ACL changes become grants and revocations by the event source") {
  SECTION("the documented example decodes") {
    const auto r = DecodeCatalogEvent(Fixture("acl_created.json"));
    const auto& e = EventAs<AclGranted>(r);
    CHECK(e.actor == "terraform://platform/kafka-acls");
    CHECK(e.acl == AclBinding{"local", "User:svc-trending", "TOPIC", "shop.orders.", "PREFIXED",
                              "READ", "ALLOW", "*"});
  }
  json acl = {{"cluster", "local"},        {"principal", "User:a"},     {"resource_type", "topic"},
              {"resource_name", "orders"}, {"pattern_type", "literal"}, {"operation", "read"},
              {"permission", "allow"}};
  SECTION("a deletion revokes; enum case is normalised; host defaults to *") {
    const auto r = DecodeCatalogEvent(Envelope("tributary.acl.deleted", acl).dump());
    const auto& e = EventAs<AclRevoked>(r);
    CHECK(e.acl ==
          AclBinding{"local", "User:a", "TOPIC", "orders", "LITERAL", "READ", "ALLOW", "*"});
  }
  SECTION("pattern_type and permission must be documented values") {
    acl["pattern_type"] = "MATCH";
    CHECK(ErrorOf(Envelope("tributary.acl.created", acl)) ==
          "tributary.acl.created: data.pattern_type: \"MATCH\" is not one of LITERAL | PREFIXED");
    acl["pattern_type"] = "LITERAL";
    acl["permission"] = "MAYBE";
    CHECK(ErrorOf(Envelope("tributary.acl.created", acl)).find("data.permission") !=
          std::string::npos);
  }
}

TEST_CASE("the CloudEvents envelope is validated") {
  const auto good = Envelope("tributary.product.retired", {{"product", "orders"}});
  SECTION("specversion must be 1.0") {
    auto doc = good;
    doc["specversion"] = "0.3";
    CHECK(ErrorOf(doc) ==
          "structured-mode CloudEvent: specversion: \"0.3\" is not a supported CloudEvents "
          "version (1.0)");
    doc.erase("specversion");
    CHECK(ErrorOf(doc) == "structured-mode CloudEvent: specversion: missing");
  }
  SECTION("id, source, time and data are required") {
    for (const char* attr : {"id", "source", "time", "data"}) {
      auto doc = good;
      doc.erase(attr);
      CHECK(ErrorOf(doc) == std::string("tributary.product.retired: structured-mode CloudEvent: ") +
                                attr + ": missing");
    }
  }
  SECTION("an unknown type is refused") {
    auto doc = good;
    doc["type"] = "com.example.other";
    CHECK(ErrorOf(doc) == "type: \"com.example.other\" is not a catalog event type");
  }
  SECTION("a bad time is named") {
    auto doc = good;
    doc["time"] = "yesterday";
    CHECK(ErrorOf(doc).rfind(
              "tributary.product.retired: structured-mode CloudEvent: time: \"yesterday\"", 0) ==
          0);
  }
  SECTION("data must be an object") {
    auto doc = good;
    doc["data"] = json::array();
    CHECK(ErrorOf(doc) ==
          "tributary.product.retired: structured-mode CloudEvent: data: expected an object, got an "
          "array");
  }
}

// Regression: binary-mode events (attributes in ce_* headers) were quarantined
// as "specversion: missing" because the headers never reached the decoder.
TEST_CASE("both content modes of the CloudEvents Kafka binding decode to the same event") {
  const auto structured = json::parse(Fixture("product_published.json"));
  const auto expected = DecodeCatalogEvent(structured.dump());
  REQUIRE(expected.ok());
  const auto decode = [](const BinaryCloudEvent& binary) {
    const auto headers = binary.View();
    return DecodeCatalogEvent(binary.value, headers);
  };
  const auto error_of = [&](const BinaryCloudEvent& binary) {
    const auto r = decode(binary);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    return r.status().message();
  };

  SECTION("binary mode: attributes in ce_* headers, content-type, data as the value") {
    BinaryCloudEvent binary(structured);
    binary.With("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .With("ce_partitionkey", "orders");  // an extension attribute
    const auto r = decode(binary);
    INFO((r.ok() ? std::string() : r.status().message()));
    REQUIRE(r.ok());
    CHECK(r->id == expected->id);
    CHECK(r->source == expected->source);
    CHECK(r->type == expected->type);
    CHECK(r->time == expected->time);
    CHECK(std::get<ProductPublished>(r->event) == std::get<ProductPublished>(expected->event));
  }
  SECTION("binary mode without content-type reads the value as JSON") {
    const auto r = decode(BinaryCloudEvent(structured).Without("content-type"));
    REQUIRE(r.ok());
    CHECK(std::get<ProductPublished>(r->event) == std::get<ProductPublished>(expected->event));
  }
  SECTION("content-type application/cloudevents+json is structured mode, whatever the headers") {
    const std::vector<RecordHeader> headers{
        {"content-type", "application/cloudevents+json; charset=UTF-8"}, {"ce_specversion", "1.0"}};
    const auto r = DecodeCatalogEvent(structured.dump(), headers);
    REQUIRE(r.ok());
    CHECK(std::get<ProductPublished>(r->event) == std::get<ProductPublished>(expected->event));
  }
  SECTION("a missing attribute header is named with the mode and the header") {
    CHECK(error_of(BinaryCloudEvent(structured).Without("ce_type")) ==
          "binary-mode CloudEvent: ce_type: missing");
    CHECK(error_of(BinaryCloudEvent(structured).Without("ce_id")) ==
          "tributary.product.published: binary-mode CloudEvent: ce_id: missing");
    CHECK(error_of(BinaryCloudEvent(structured).Without("ce_specversion")) ==
          "binary-mode CloudEvent: ce_specversion: missing");
    CHECK(
        error_of(
            BinaryCloudEvent(structured).Without("ce_specversion").With("ce_specversion", "0.3")) ==
        "binary-mode CloudEvent: ce_specversion: \"0.3\" is not a supported CloudEvents "
        "version (1.0)");
  }
  SECTION("the value must be a JSON object of the declared JSON content type") {
    auto binary = BinaryCloudEvent(structured);
    binary.value = "{not json";
    CHECK(error_of(binary).rfind("tributary.product.published: binary-mode CloudEvent: data (the "
                                 "record value) is not valid JSON",
                                 0) == 0);
    binary.value = "[1]";
    CHECK(error_of(binary) ==
          "tributary.product.published: binary-mode CloudEvent: data (the record value): "
          "expected an object, got an array");
    CHECK(error_of(BinaryCloudEvent(structured)
                       .Without("content-type")
                       .With("content-type", "application/avro")) ==
          "tributary.product.published: binary-mode CloudEvent: content-type: "
          "\"application/avro\" is not JSON");
  }
  SECTION("an attribute header that is not UTF-8 text is refused") {
    CHECK(error_of(BinaryCloudEvent(structured).Without("ce_source").With("ce_source", "a\x01b"))
              .rfind("binary-mode CloudEvent: ce_source: ", 0) == 0);
  }
  SECTION("a structured record without headers names structured mode") {
    auto doc = structured;
    doc.erase("specversion");
    CHECK(ErrorOf(doc) == "structured-mode CloudEvent: specversion: missing");
  }
  SECTION("an event format other than JSON is refused") {
    const std::vector<RecordHeader> headers{{"content-type", "application/cloudevents+avro"}};
    const auto r = DecodeCatalogEvent(structured.dump(), headers);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          "structured-mode CloudEvent: content-type: \"application/cloudevents+avro\" is not an "
          "event format Tributary reads (application/cloudevents+json)");
  }
}

TEST_CASE("bad input is an error, never a crash") {
  const auto err = [](std::string_view text) {
    const auto r = DecodeCatalogEvent(text);
    REQUIRE_FALSE(r.ok());
    return r.status().message();
  };
  CHECK(err("").rfind("catalog event is not valid JSON", 0) == 0);
  CHECK(err("{\"specversion\":").rfind("catalog event is not valid JSON", 0) == 0);
  CHECK(err("[1,2]") == "catalog event: expected an object, got an array");
  CHECK(err("null") == "catalog event: expected an object, got null");
  CHECK(err("\"\xff\"").rfind("catalog event is not valid JSON", 0) == 0);  // invalid UTF-8
  CHECK(err(std::string(2 << 20, ' ')).find("over the limit") != std::string::npos);
  CHECK(err(std::string(100, '[') + std::string(100, ']')).find("nested deeper") !=
        std::string::npos);
}

TEST_CASE("the encoder writes what the decoder reads") {
  const CatalogEnvelope env{"id-9", "/catalog/sim", FromMillis(1'772'000'000'000)};
  const std::vector<DomainEvent> events{
      ProductPublished{"orders",
                       "local",
                       "orders",
                       "commerce",
                       "checkout",
                       "All orders",
                       "curated",
                       "tier-2",
                       {"pii"},
                       std::string("orders-value")},
      ProductUpdated{"orders", json{{"owner", "platform"}}},
      ProductDeprecated{"orders", "replaced", FromMillis(1'780'000'000'000),
                        std::string("orders-v2"), "/catalog/sim"},
      ProductUndeprecated{"orders", "/catalog/sim"},
      ProductRetired{"orders", "/catalog/sim"},
      TeamUpserted{"checkout", "Checkout", {"email"}},
      OwnershipAssigned{NodeId::Group("local", "trending"), "trending"},
      AclGranted{AclBinding{"local", "User:a", "TOPIC", "orders", "LITERAL", "READ", "ALLOW", "*"},
                 "/catalog/sim"},
      AclRevoked{AclBinding{"local", "User:a", "GROUP", "g", "PREFIXED", "ALL", "DENY", "10.0.0.1"},
                 "/catalog/sim"},
  };
  for (const auto& event : events) {
    const auto encoded = EncodeCatalogEvent(env, event);
    REQUIRE(encoded.ok());
    const auto decoded = DecodeCatalogEvent(*encoded);
    INFO(*encoded);
    REQUIRE(decoded.ok());
    CHECK(decoded->event == event);
    CHECK(decoded->id == "id-9");
    CHECK(decoded->time == env.time);
  }
  CHECK_FALSE(EncodeCatalogEvent(env, GroupDeleted{NodeId::Group("local", "g")}).ok());
}

TEST_CASE("the encoder keeps a product's declared history and retention (the demo lost them)") {
  const CatalogEnvelope env{"id-10", "/catalog/sim", FromMillis(1'772'000'000'000)};
  ProductPublished p;
  p.product = "ticks";
  p.cluster = "local";
  p.topic = "ticks";
  p.domain = "execution";
  p.owner = "gateway";
  p.description = "Quotes";
  p.quality = "raw";
  p.sla = "tier-2";
  p.history = "recent";
  p.retention_ms = 6 * 3'600'000;
  const auto encoded = EncodeCatalogEvent(env, p);
  REQUIRE(encoded.ok());
  const auto decoded = DecodeCatalogEvent(*encoded);
  INFO(*encoded);
  REQUIRE(decoded.ok());
  const auto& back = std::get<ProductPublished>(decoded->event);
  CHECK(back.history == std::optional<std::string>("recent"));
  CHECK(back.retention_ms == std::optional<std::int64_t>(6 * 3'600'000));
  CHECK(decoded->event == DomainEvent(p));
}
