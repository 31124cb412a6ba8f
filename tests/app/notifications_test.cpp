// The composition root's part of notifications: where a notification links to.

#include <catch2/catch.hpp>

#include "app/notifications.h"

using namespace tributary;
using nlohmann::json;

TEST_CASE("a notification links to the UI page about it") {
  const auto link = UiLinks("https://tributary.example:8443");
  auto intent = [](const std::string& kind) {
    OutboxIntent i;
    i.kind = kind;
    return i;
  };
  SECTION("deprecation kinds link to the migration board") {
    for (const char* kind :
         {"deprecation", "reminder", "sunset_escalation", "new_consumer_on_deprecated"}) {
      CHECK(link(intent(kind), {{"product", "orders"}}) ==
            "https://tributary.example:8443/ui/deprecations/orders");
    }
  }
  SECTION("other product notifications link to the product") {
    CHECK(link(intent("breaking_change"), {{"product", "orders"}}) ==
          "https://tributary.example:8443/ui/products/orders");
  }
  SECTION("without a product: the principal's, else the topic's lineage, else the overview") {
    CHECK(link(intent("access_revoked"), {{"principal", "principal:User:svc"}}) ==
          "https://tributary.example:8443/ui/node?id=principal:User:svc");
    CHECK(link(intent("breaking_change"), {{"topic", "topic:local/t"}}) ==
          "https://tributary.example:8443/ui/node?id=topic:local/t");
    CHECK(link(intent("breaking_change"), json::object()) == "https://tributary.example:8443/");
  }
}

TEST_CASE("a notification link keeps hostile ids inside the URL") {
  const auto link = UiLinks("https://t.example");
  OutboxIntent intent;
  intent.kind = "access_revoked";
  CHECK(link(intent, {{"principal", "principal:User:a|b> <!channel>&x"}}) ==
        "https://t.example/ui/node?id=principal:User:a%7Cb%3E%20%3C%21channel%3E%26x");
}
