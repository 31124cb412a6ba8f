#include <catch2/catch.hpp>

#include "core/catalog_projection.h"

using namespace tributary;

namespace {

EventRecord Record(std::int64_t seq, DomainEvent event) {
  return EventRecord{EventSeq(seq), FromMillis(seq * 1000), FromMillis(seq * 1000), "test",
                     std::move(event)};
}

ProductPublished Product(std::string name, std::string owner) {
  ProductPublished p;
  p.product = std::move(name);
  p.cluster = "local";
  p.topic = p.product;
  p.owner = std::move(owner);
  p.domain = "execution";
  return p;
}

}  // namespace

TEST_CASE("the catalog projection follows a product's life") {
  CatalogProjection catalog;
  catalog.Apply(Record(1, Product("stocktrades", "execution")));
  REQUIRE(catalog.state().products.at("stocktrades").status == "active");

  SECTION("an update merges only the fields it names") {
    catalog.Apply(Record(2, ProductUpdated{"stocktrades", {{"description", "Every trade"}}}));
    const auto& p = catalog.state().products.at("stocktrades").published;
    CHECK(p.description == "Every trade");
    CHECK(p.owner == "execution");
  }
  SECTION("deprecation, undeprecation and retirement change the status") {
    catalog.Apply(Record(2, ProductDeprecated{"stocktrades", "v2", FromMillis(9000),
                                              std::string("stocktrades.v2"), "ops"}));
    CHECK(catalog.state().products.at("stocktrades").status == "deprecated");
    CHECK(catalog.state().products.at("stocktrades").deprecation->replacement == "stocktrades.v2");
    catalog.Apply(Record(3, ProductUndeprecated{"stocktrades", "ops"}));
    CHECK(catalog.state().products.at("stocktrades").status == "active");
    CHECK_FALSE(catalog.state().products.at("stocktrades").deprecation.has_value());
    catalog.Apply(Record(4, ProductRetired{"stocktrades", "ops"}));
    CHECK(catalog.state().products.at("stocktrades").status == "retired");
  }
  SECTION("events about unknown products change nothing") {
    const auto before = catalog.Digest();
    catalog.Apply(Record(2, ProductRetired{"nope", "ops"}));
    catalog.Apply(Record(3, ProductUpdated{"nope", {{"owner", "x"}}}));
    CHECK(catalog.Digest() == before);
  }
  SECTION("teams and ownership are recorded") {
    catalog.Apply(Record(2, TeamUpserted{"payments", "Payments", {"payments-slack"}}));
    catalog.Apply(Record(3, OwnershipAssigned{NodeId::Group("local", "pay"), "payments"}));
    CHECK(catalog.state().teams.at("payments").contacts ==
          std::vector<std::string>{"payments-slack"});
    CHECK(catalog.state().owners.at("group:local/pay") == "payments");
  }
}

TEST_CASE("a projection snapshot restores the same state and digest") {
  CatalogProjection catalog;
  catalog.Apply(Record(1, Product("users", "users")));
  catalog.Apply(Record(2, ProductDeprecated{"users", "old", FromMillis(5000), std::nullopt, "x"}));
  catalog.Apply(Record(3, TeamUpserted{"users", "Users", {"users-email"}}));
  CatalogProjection restored;
  REQUIRE(restored.Restore(catalog.Snapshot()).ok());
  CHECK(restored.state() == catalog.state());
  CHECK(restored.Digest() == catalog.Digest());

  SECTION("digests differ when states differ") {
    restored.Apply(Record(4, ProductRetired{"users", "x"}));
    CHECK(restored.Digest() != catalog.Digest());
  }
  SECTION("a damaged snapshot is an error, not a partial state") {
    CatalogProjection other;
    CHECK_FALSE(other.Restore("\xc1garbage").ok());
  }
}
