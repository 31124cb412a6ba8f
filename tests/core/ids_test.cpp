#include <catch2/catch.hpp>

#include "tributary/clock.h"
#include "tributary/ids.h"

using namespace tributary;

TEST_CASE("node ids name the kind and the thing") {
  SECTION("factories build the documented forms") {
    CHECK(NodeId::Topic("local", "orders").str() == "topic:local/orders");
    CHECK(NodeId::Group("local", "trending").str() == "group:local/trending");
    CHECK(NodeId::Principal("User:svc-trending").str() == "principal:User:svc-trending");
    CHECK(NodeId::Job("flink", "enrich").str() == "job:flink/enrich");
    CHECK(NodeId::Team("payments").str() == "team:payments");
    // OpenLineage namespace and name kept apart: the namespace's '/' and '%' escaped.
    CHECK(NodeId::Dataset("s3://bucket", "path/to/file").str() ==
          "dataset:s3:%2F%2Fbucket/path/to/file");
    CHECK(NodeId::Dataset("file", "/data/x").str() == "dataset:file//data/x");
    CHECK(NodeId::Dataset("a%b", "c").str() == "dataset:a%25b/c");
  }
  SECTION("kind, body and name are read back") {
    const auto id = NodeId::Topic("local", "a/b");
    CHECK(id.kind() == NodeKind::kTopic);
    CHECK(id.body() == "local/a/b");
    CHECK(id.name() == "a/b");
    CHECK(NodeId::Principal("User:x").name() == "User:x");
    CHECK(id.space() == "local");
    CHECK(NodeId::Principal("User:x").space().empty());
    const auto dataset = NodeId::Dataset("s3://a%b", "c/d");
    CHECK(dataset.name() == "c/d");
    CHECK(dataset.space() == "s3://a%b");
  }
  SECTION("parsing accepts every kind and rejects the rest") {
    CHECK(NodeId::Parse("topic:local/orders").ok());
    CHECK(NodeId::Parse("principal:User:svc").ok());
    CHECK(NodeId::Parse("dataset:s3://bucket/key").ok());
    CHECK_FALSE(NodeId::Parse("orders").ok());
    CHECK_FALSE(NodeId::Parse("widget:x/y").ok());
    CHECK_FALSE(NodeId::Parse("topic:").ok());
    CHECK_FALSE(NodeId::Parse("topic:orders").ok());
    CHECK_FALSE(NodeId::Parse("topic:/orders").ok());
    CHECK_FALSE(NodeId::Parse("team:").ok());
  }
  SECTION("dot segments are rejected so an id can never act as a path") {
    CHECK_FALSE(NodeId::Parse("topic:../etc/passwd").ok());
    CHECK_FALSE(NodeId::Parse("topic:local/..").ok());
    CHECK_FALSE(NodeId::Parse("job:ns/./x").ok());
    CHECK(NodeId::Parse("topic:local/a..b").ok());
    CHECK(NodeId::Parse("topic:local/.hidden").ok());
  }
  SECTION("control characters and invalid UTF-8 are rejected") {
    CHECK_FALSE(NodeId::Parse(std::string("topic:local/a\0b", 16)).ok());
    CHECK_FALSE(NodeId::Parse("topic:local/a\nb").ok());
    CHECK_FALSE(NodeId::Parse("topic:local/\xff").ok());
    CHECK_FALSE(NodeId::Parse("topic:local/\xc0\xaf").ok());  // overlong '/'
    CHECK_FALSE(NodeId::Parse("topic:local/\xe2\x82").ok());  // truncated
    CHECK(NodeId::Parse("topic:local/caf\xc3\xa9").ok());
  }
  SECTION("ids order and compare by text") {
    CHECK(NodeId::Team("a") < NodeId::Team("b"));
    CHECK(NodeId::Team("a") == NodeId::Parse("team:a").value());
  }
}

TEST_CASE("times are RFC 3339 and durations are human") {
  SECTION("formatting is UTC with milliseconds") {
    CHECK(FormatRfc3339(FromMillis(0)) == "1970-01-01T00:00:00.000Z");
    CHECK(FormatRfc3339(FromMillis(1764080206123)) == "2025-11-25T14:16:46.123Z");
  }
  SECTION("parsing accepts Z, offsets and fractions") {
    CHECK(ToMillis(*ParseRfc3339("2025-11-25T14:16:46.123Z")) == 1764080206123);
    CHECK(ToMillis(*ParseRfc3339("2025-11-25T15:16:46.123+01:00")) == 1764080206123);
    CHECK(ToMillis(*ParseRfc3339("2025-11-25T14:16:46Z")) == 1764080206000);
    CHECK(ToMillis(*ParseRfc3339("2025-11-25T14:16:46.123456789Z")) == 1764080206123);
  }
  SECTION("parsing rejects what is not a time") {
    CHECK_FALSE(ParseRfc3339("2025-11-25").ok());
    CHECK_FALSE(ParseRfc3339("2025-13-25T00:00:00Z").ok());
    CHECK_FALSE(ParseRfc3339("2025-02-30T00:00:00Z").ok());
    CHECK_FALSE(ParseRfc3339("2025-11-25T14:16:46").ok());
    CHECK_FALSE(ParseRfc3339("2025-11-25T14:16:46Zjunk").ok());
  }
  SECTION("durations take ms, s, m, h, d and combinations") {
    CHECK(ParseDuration("500ms")->count() == 500);
    CHECK(ParseDuration("15m")->count() == 15 * 60 * 1000);
    CHECK(ParseDuration("30d")->count() == 30LL * 86400 * 1000);
    CHECK(ParseDuration("1h30m")->count() == 90 * 60 * 1000);
    CHECK(ParseDuration("0s")->count() == 0);
    CHECK_FALSE(ParseDuration("").ok());
    CHECK_FALSE(ParseDuration("15").ok());
    CHECK_FALSE(ParseDuration("15x").ok());
    CHECK_FALSE(ParseDuration("-1s").ok());
    CHECK_FALSE(ParseDuration("99999999999999999d").ok());
    CHECK(FormatDuration(std::chrono::days(7)) == "7d");
  }
  SECTION("a fake clock moves only when told") {
    FakeClock clock(FromMillis(1000));
    CHECK(ToMillis(clock.Now()) == 1000);
    clock.Advance(std::chrono::seconds(2));
    CHECK(ToMillis(clock.Now()) == 3000);
  }
}
