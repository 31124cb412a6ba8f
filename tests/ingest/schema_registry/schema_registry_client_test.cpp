#include <catch2/catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "http/server.h"
#include "ingest/schema_registry/registry_poller.h"
#include "ingest/schema_registry/schema_registry_client.h"
#include "support/fake_registry.h"
#include "support/recording_sink.h"

using namespace tributary;
using namespace tributary::http;
using namespace tributary::ingest::schema_registry;
using nlohmann::json;

using tributary::testing::Client;
using tributary::testing::FakeRegistry;

TEST_CASE("the REST client reads subjects, versions, levels and mode") {
  FakeRegistry registry;
  registry.Put("orders-value", 1, {1, R"({"type":"string"})", ""});
  registry.Put("orders-value", 2, {4, R"({"type":"long"})", ""});
  registry.Put("pay ments:value", 1, {2, "syntax = \"proto3\";", "PROTOBUF"});
  registry.SetLevel("orders-value", "FULL");
  auto client = Client(registry.url() + "/");

  CHECK(*client->ListSubjects(false) ==
        std::vector<std::string>{"orders-value", "pay ments:value"});
  CHECK(*client->ListVersions("orders-value", false) == std::vector<std::int32_t>{1, 2});
  SECTION("subjects with reserved characters (space, colon) are escaped in the path") {
    const auto v = client->GetVersion("pay ments:value", 1, false);
    REQUIRE(v.ok());
    CHECK(v->schema_type == "PROTOBUF");
    CHECK(v->id == 2);
  }
  SECTION("a version without schemaType is AVRO") {
    const auto v = client->GetVersion("orders-value", 2, false);
    REQUIRE(v.ok());
    CHECK(*v == SchemaVersion{"orders-value", 2, 4, "AVRO", {}, R"({"type":"long"})", false});
  }
  SECTION("a subject without its own level answers 404, which means unset") {
    CHECK(*client->GetSubjectCompatibility("orders-value") == std::optional<std::string>("FULL"));
    CHECK(*client->GetSubjectCompatibility("pay ments:value") == std::nullopt);
    CHECK(*client->GetGlobalCompatibility() == std::optional<std::string>("BACKWARD"));
    CHECK(*client->GetGlobalMode() == std::optional<std::string>("READWRITE"));
  }
  SECTION("an unknown subject has no versions; an unknown version is NotFound naming the URL") {
    CHECK(client->ListVersions("nope", false)->empty());
    const auto v = client->GetVersion("orders-value", 9, false);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == ErrorCode::kNotFound);
    CHECK(v.status().message() == "GET " + registry.url() +
                                      "/subjects/orders-value/versions/9: HTTP 404 (error_code "
                                      "40402): Version 9 not found.");
  }
}

TEST_CASE("polls diff into the records the _schemas topic would carry") {
  FakeRegistry registry;
  registry.Put("orders-value", 1, {1, R"("string")", ""});
  auto client = Client(registry.url());

  const auto first = client->FetchSnapshot();
  REQUIRE(first.ok());
  CHECK(first->includes_deleted);
  CHECK(SchemaRegistrySnapshotDiff(RegistrySnapshot{}, *first) ==
        std::vector<SchemasRecord>{
            ConfigChanged{std::nullopt, "BACKWARD"}, ModeChanged{std::nullopt, "READWRITE"},
            SchemaVersion{"orders-value", 1, 1, "AVRO", {}, R"("string")", false}});

  registry.Put("orders-value", 2, {2, R"("long")", ""});
  registry.SoftDelete("orders-value", 1);
  registry.SetLevel("orders-value", "NONE");
  const int before = registry.requests();
  const auto second = client->FetchSnapshot(&*first);
  REQUIRE(second.ok());
  // Known version 1 is not fetched again: config, mode, subjects, 2 listings,
  // version 2, subject config = 7 requests.
  CHECK(registry.requests() - before == 7);
  CHECK(SchemaRegistrySnapshotDiff(*first, *second) ==
        std::vector<SchemasRecord>{
            ConfigChanged{std::string("orders-value"), "NONE"},
            SchemaVersion{"orders-value", 1, 1, "AVRO", {}, R"("string")", true},
            SchemaVersion{"orders-value", 2, 2, "AVRO", {}, R"("long")", false}});

  registry.HardDelete("orders-value", 1);
  const auto third = client->FetchSnapshot(&*second);
  REQUIRE(third.ok());
  CHECK(SchemaRegistrySnapshotDiff(*second, *third) ==
        std::vector<SchemasRecord>{SchemaHardDeleted{"orders-value", 1}});
}

TEST_CASE("the client authenticates with basic or bearer credentials") {
  SECTION("basic: a Confluent API key and secret") {
    // base64("key:secret") == "a2V5OnNlY3JldA=="
    FakeRegistry registry("Basic a2V5OnNlY3JldA==");
    auto ok = Client(registry.url(), {RegistryAuth::Kind::kBasic, "key:secret"});
    CHECK(ok->ListSubjects(false).ok());
    auto bad = Client(registry.url(), {RegistryAuth::Kind::kBasic, "key:wrong"});
    const auto r = bad->ListSubjects(false);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kUnauthenticated);
    CHECK(r.status().message() ==
          "GET " + registry.url() + "/subjects: HTTP 401 (error_code 40101): Unauthorized");
  }
  SECTION("bearer") {
    FakeRegistry registry("Bearer tok-123");
    CHECK(
        Client(registry.url(), {RegistryAuth::Kind::kBearer, "tok-123"})->ListSubjects(true).ok());
    CHECK_FALSE(Client(registry.url())->ListSubjects(true).ok());
  }
  SECTION("credentials come from an environment variable") {
    ::setenv("TRIBUTARY_TEST_SR_AUTH", "key:secret", 1);
    const auto auth = RegistryAuthFromEnvironment("basic", "TRIBUTARY_TEST_SR_AUTH");
    REQUIRE(auth.ok());
    CHECK(auth->credentials == "key:secret");
    ::setenv("TRIBUTARY_TEST_SR_AUTH", "no-colon", 1);
    CHECK(RegistryAuthFromEnvironment("basic", "TRIBUTARY_TEST_SR_AUTH").status().message() ==
          "schema registry basic auth: TRIBUTARY_TEST_SR_AUTH must hold \"key:secret\" (no ':' "
          "found)");
    ::unsetenv("TRIBUTARY_TEST_SR_AUTH");
    CHECK_FALSE(RegistryAuthFromEnvironment("bearer", "TRIBUTARY_TEST_SR_AUTH").ok());
    CHECK_FALSE(RegistryAuthFromEnvironment("kerberos", "X").ok());
  }
}

TEST_CASE("registry and transport failures are clear errors") {
  SECTION("a 5xx is Unavailable and names the URL and status") {
    FakeRegistry registry;
    registry.FailWith(503);
    const auto r = Client(registry.url())->FetchSnapshot();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kUnavailable);
    CHECK(r.status().message() ==
          "GET " + registry.url() + "/config: HTTP 503 (error_code 50300): Internal Server Error");
  }
  SECTION("nobody listening is Unavailable") {
    std::string url;
    {
      FakeRegistry gone;
      url = gone.url();
    }
    const auto r = Client(url)->ListSubjects(false);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kUnavailable);
    CHECK(r.status().message().rfind("GET " + url + "/subjects: ", 0) == 0);
  }
  SECTION("a bad URL is refused before connecting") {
    SchemaRegistryClientOptions options;
    options.url = "ftp://registry";
    CHECK(SchemaRegistryClient::Create(options).status().message() ==
          "schema registry url \"ftp://registry\" must start with http:// or https://");
  }
}

TEST_CASE("the REST poller yields the events of the topic and resumes from its committed state") {
  FakeRegistry registry;
  registry.Put("orders-value", 1, {1, R"("string")", ""});
  tributary::testing::RecordingSink sink;
  const auto now = FromMillis(1764080206000);
  {
    RegistryPoller poller(Client(registry.url()), registry.url(), std::chrono::seconds(30));
    REQUIRE(poller.Restore({}).ok());
    REQUIRE(poller.Poll(now, sink).ok());
    poller.Flush(sink);
  }
  const auto registered = sink.Of<SchemaRegistered>();
  REQUIRE(registered.size() == 1);
  CHECK(registered[0].subject == "orders-value");
  CHECK(registered[0].schema_type == "AVRO");
  CHECK(sink.Of<CompatibilityLevelChanged>().size() == 1);
  for (const auto& e : sink.events) {
    CHECK(e.dedup_key.has_value());
  }

  // A restarted poller compares with the committed state: nothing new, nothing repeated.
  sink.ClearEvents();
  RegistryPoller restarted(Client(registry.url()), registry.url(), std::chrono::seconds(30));
  REQUIRE(restarted.Restore(sink.FoldEntries()).ok());
  REQUIRE(restarted.Poll(now + std::chrono::seconds(30), sink).ok());
  restarted.Flush(sink);
  CHECK(sink.events.empty());

  registry.Put("orders-value", 2, {2, R"("long")", ""});
  registry.HardDelete("orders-value", 1);
  REQUIRE(restarted.Poll(now + std::chrono::seconds(60), sink).ok());
  restarted.Flush(sink);
  const auto second = sink.Of<SchemaRegistered>();
  REQUIRE(second.size() == 1);
  CHECK(second[0].version == 2);
  const auto deleted = sink.Of<SchemaDeleted>();
  REQUIRE(deleted.size() == 1);
  CHECK(deleted[0].version == 1);
  CHECK(deleted[0].permanent);
}

TEST_CASE("a failed poll is an error and changes nothing") {
  tributary::testing::RecordingSink sink;
  RegistryPoller poller(Client("http://127.0.0.1:9"), "http://127.0.0.1:9",
                        std::chrono::seconds(30));
  REQUIRE(poller.Restore({}).ok());
  const auto status = poller.Poll(FromMillis(0), sink);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == ErrorCode::kUnavailable);
  poller.Flush(sink);
  CHECK(sink.events.empty());
  CHECK(sink.fold.empty());
}
