// What native catalog records become (CatalogTranslator): each decodable
// CloudEvent its one domain event, at the event's own time; anything else is
// quarantined. The translator keeps no state.

#include <catch2/catch.hpp>

#include "ingest/catalog/catalog_encoder.h"
#include "ingest/catalog/catalog_translator.h"
#include "support/binary_cloudevent.h"
#include "support/recording_sink.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::catalog;
using tributary::testing::BinaryCloudEvent;
using tributary::testing::RecordingSink;

namespace {

const Timestamp kPublishedAt = *ParseRfc3339("2026-03-02T09:15:00Z");

std::string Encoded(const DomainEvent& event, Timestamp at = kPublishedAt,
                    std::string source = "https://catalog.example.com/products") {
  auto r =
      EncodeCatalogEvent({"evt-" + std::to_string(ToMillis(at)), std::move(source), at}, event);
  REQUIRE(r.ok());
  return std::move(r).value();
}

ProductPublished Orders() {
  ProductPublished p;
  p.product = "orders";
  p.cluster = "local";
  p.topic = "shop.orders.v1";
  p.domain = "commerce";
  p.owner = "checkout";
  p.description = "Every order placed.";
  p.quality = "authoritative";
  p.sla = "tier-1";
  p.tags = {"pii"};
  p.schema_subject = "shop.orders.v1-value";
  return p;
}

// Translates one record value (nullopt: a tombstone) with its headers into a
// fresh sink.
RecordingSink Translate(std::optional<std::string> value,
                        std::span<const RecordHeader> headers = {}) {
  CatalogTranslator translator;
  RecordingSink sink;
  RawRecord raw;
  raw.topic = "tributary.catalog";
  raw.offset = 7;
  raw.key = "orders";
  if (value) {
    raw.value = *value;
  }
  raw.headers = headers;
  translator.Translate(raw, sink);
  translator.Flush(sink);
  return sink;
}

}  // namespace

TEST_CASE("a catalog record becomes its one domain event at the event's time") {
  SECTION("a published product is a product_published with every field") {
    const auto sink = Translate(Encoded(Orders()));
    REQUIRE(sink.events.size() == 1);
    CHECK(std::get<ProductPublished>(sink.events[0].event) == Orders());
    CHECK(sink.events[0].time == kPublishedAt);
    CHECK_FALSE(sink.events[0].dedup_key.has_value());
    CHECK(sink.quarantined.empty());
  }
  SECTION("a binary-mode record (attributes in ce_* headers) is the same event") {
    const BinaryCloudEvent binary(nlohmann::json::parse(Encoded(Orders())));
    const auto headers = binary.View();
    const auto sink = Translate(binary.value, headers);
    CHECK(sink.quarantined.empty());
    REQUIRE(sink.events.size() == 1);
    CHECK(std::get<ProductPublished>(sink.events[0].event) == Orders());
    CHECK(sink.events[0].time == kPublishedAt);
  }
  SECTION("the event time is the CloudEvent's time, not the record's") {
    const auto later = kPublishedAt + std::chrono::hours(26);
    const auto sink = Translate(Encoded(Orders(), later));
    REQUIRE(sink.events.size() == 1);
    CHECK(sink.events[0].time == later);
  }
  SECTION("a deprecation names the CloudEvent source as its actor") {
    ProductDeprecated d;
    d.product = "orders";
    d.reason = "replaced by orders v2";
    d.sunset = *ParseRfc3339("2026-06-30T00:00:00Z");
    d.replacement = "orders-v2";
    d.actor = "ignored: the encoder writes the source";
    const auto sink = Translate(Encoded(d, kPublishedAt, "/catalog/backstage"));
    const auto deprecated = sink.Of<ProductDeprecated>();
    REQUIRE(deprecated.size() == 1);
    CHECK(deprecated[0].product == "orders");
    CHECK(deprecated[0].sunset == d.sunset);
    CHECK(deprecated[0].replacement == "orders-v2");
    CHECK(deprecated[0].actor == "/catalog/backstage");
  }
  SECTION("an acl.created is an acl_granted and an acl.deleted an acl_revoked") {
    AclBinding acl;
    acl.cluster = "local";
    acl.principal = "User:svc-billing";
    acl.resource_type = "TOPIC";
    acl.resource_name = "shop.orders.v1";
    acl.pattern_type = "LITERAL";
    acl.operation = "READ";
    acl.permission = "ALLOW";
    const auto granted = Translate(Encoded(AclGranted{acl, ""}, kPublishedAt, "/iam"));
    REQUIRE(granted.Of<AclGranted>().size() == 1);
    CHECK(granted.Of<AclGranted>()[0] == AclGranted{acl, "/iam"});
    const auto revoked = Translate(Encoded(AclRevoked{acl, ""}, kPublishedAt, "/iam"));
    REQUIRE(revoked.Of<AclRevoked>().size() == 1);
    CHECK(revoked.Of<AclRevoked>()[0] == AclRevoked{acl, "/iam"});
  }
  SECTION("teams and ownership pass through as they were published") {
    const TeamUpserted team{"checkout", "Checkout", {"checkout-slack"}};
    const auto t = Translate(Encoded(team));
    REQUIRE(t.Of<TeamUpserted>().size() == 1);
    CHECK(t.Of<TeamUpserted>()[0] == team);
    const OwnershipAssigned owner{NodeId::Topic("local", "shop.orders.v1"), "checkout"};
    const auto o = Translate(Encoded(owner));
    REQUIRE(o.Of<OwnershipAssigned>().size() == 1);
    CHECK(o.Of<OwnershipAssigned>()[0] == owner);
  }
  SECTION("the translator writes no fold state") {
    const auto sink = Translate(Encoded(Orders()));
    CHECK(sink.fold.empty());
    CHECK(CatalogTranslator().fold_prefix().empty());
    CHECK(CatalogTranslator().Restore({}).ok());
  }
}

TEST_CASE("catalog records that cannot be used are quarantined, tombstones skipped") {
  SECTION("a value that is not a CloudEvent is quarantined, nothing emitted") {
    const auto sink = Translate(std::string("orders,local,shop.orders.v1"));
    REQUIRE(sink.quarantined.size() == 1);
    CHECK(sink.events.empty());
  }
  SECTION("an unknown event type is quarantined naming the type") {
    auto value = Encoded(Orders());
    const auto at = value.find("tributary.product.published");
    REQUIRE(at != std::string::npos);
    value.replace(at, std::string("tributary.product.published").size(),
                  "tributary.product.renamed");
    const auto sink = Translate(value);
    REQUIRE(sink.quarantined.size() == 1);
    CHECK(sink.quarantined[0].find("tributary.product.renamed") != std::string::npos);
    CHECK(sink.events.empty());
  }
  SECTION("a published product with a bad enum is quarantined naming the field") {
    auto bad = Orders();
    bad.sla = "tier-9";
    const auto sink = Translate(Encoded(bad));
    REQUIRE(sink.quarantined.size() == 1);
    CHECK(sink.quarantined[0].find("sla") != std::string::npos);
    CHECK(sink.events.empty());
  }
  SECTION("a binary-mode record without ce_type is quarantined naming binary mode") {
    BinaryCloudEvent binary(nlohmann::json::parse(Encoded(Orders())));
    binary.Without("ce_type");
    const auto headers = binary.View();
    const auto sink = Translate(binary.value, headers);
    REQUIRE(sink.quarantined.size() == 1);
    CHECK(sink.quarantined[0] == "binary-mode CloudEvent: ce_type: missing");
    CHECK(sink.events.empty());
  }
  SECTION("a null value (a compaction tombstone) is neither an event nor quarantined") {
    const auto sink = Translate(std::nullopt);
    CHECK(sink.events.empty());
    CHECK(sink.quarantined.empty());
  }
}
