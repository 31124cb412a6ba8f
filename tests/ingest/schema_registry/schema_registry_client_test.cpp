#include <catch2/catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "http/server.h"
#include "ingest/schema_registry/schema_registry_client.h"

using namespace tributary;
using namespace tributary::http;
using namespace tributary::ingest::schema_registry;
using nlohmann::json;

namespace {

// A Schema Registry serving the documented REST answers from an in-memory
// state that tests change between polls.
class FakeRegistry {
 public:
  struct Version {
    std::int32_t id;
    std::string schema;
    std::string type;  // "" for AVRO (the registry omits schemaType then)
    bool deleted = false;
  };

  explicit FakeRegistry(std::string expected_authorization = "")
      : expected_authorization_(std::move(expected_authorization)) {
    router_.Add("GET", "/subjects", [this](const Request& r) {
      return Guarded(r, [&] {
        const bool deleted = IsDeletedQuery(r);
        json out = json::array();
        for (const auto& [subject, versions] : subjects_) {
          for (const auto& [n, v] : versions) {
            if (deleted || !v.deleted) {
              out.push_back(subject);
              break;
            }
          }
        }
        return Response::Json(200, out);
      });
    });
    router_.Add("GET", "/subjects/{subject}/versions", [this](const Request& r) {
      return Guarded(r, [&] {
        const auto it = subjects_.find(r.params.at("subject"));
        json out = json::array();
        if (it != subjects_.end()) {
          for (const auto& [n, v] : it->second) {
            if (IsDeletedQuery(r) || !v.deleted) {
              out.push_back(n);
            }
          }
        }
        if (out.empty()) {
          return Error(404, 40401, "Subject '" + r.params.at("subject") + "' not found.");
        }
        return Response::Json(200, out);
      });
    });
    router_.Add("GET", "/subjects/{subject}/versions/{version}", [this](const Request& r) {
      return Guarded(r, [&] {
        const auto& subject = r.params.at("subject");
        const auto it = subjects_.find(subject);
        const auto n = std::stoi(r.params.at("version"));
        if (it == subjects_.end() || it->second.count(n) == 0 ||
            (it->second.at(n).deleted && !IsDeletedQuery(r))) {
          return Error(404, 40402, "Version " + std::to_string(n) + " not found.");
        }
        const auto& v = it->second.at(n);
        json out = {{"subject", subject}, {"version", n}, {"id", v.id}};
        if (!v.type.empty()) {
          out["schemaType"] = v.type;
        }
        out["schema"] = v.schema;
        return Response::Json(200, out);
      });
    });
    router_.Add("GET", "/config", [this](const Request& r) {
      return Guarded(r, [&] { return Response::Json(200, {{"compatibilityLevel", global_}}); });
    });
    router_.Add("GET", "/config/{subject}", [this](const Request& r) {
      return Guarded(r, [&] {
        const auto it = levels_.find(r.params.at("subject"));
        if (it == levels_.end()) {
          return Error(404, 40408,
                       "Subject '" + r.params.at("subject") +
                           "' does not have subject-level "
                           "compatibility configured");
        }
        return Response::Json(200, {{"compatibilityLevel", it->second}});
      });
    });
    router_.Add("GET", "/mode", [this](const Request& r) {
      return Guarded(r, [&] { return Response::Json(200, {{"mode", mode_}}); });
    });
    auto server = HttpServer::Start({}, [this](const Request& r) { return router_.Handle(r); });
    REQUIRE(server.ok());
    server_ = std::move(server).value();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  int requests() const { return requests_.load(); }

  void Put(const std::string& subject, std::int32_t n, Version v) {
    std::lock_guard lock(mu_);
    subjects_[subject][n] = std::move(v);
  }
  void SoftDelete(const std::string& subject, std::int32_t n) {
    std::lock_guard lock(mu_);
    subjects_[subject][n].deleted = true;
  }
  void HardDelete(const std::string& subject, std::int32_t n) {
    std::lock_guard lock(mu_);
    subjects_[subject].erase(n);
  }
  void SetLevel(const std::string& subject, const std::string& level) {
    std::lock_guard lock(mu_);
    levels_[subject] = level;
  }
  void SetGlobal(const std::string& level) {
    std::lock_guard lock(mu_);
    global_ = level;
  }
  void FailWith(int status) { fail_with_ = status; }

 private:
  static bool IsDeletedQuery(const Request& r) {
    const auto* d = r.Query("deleted");
    return d != nullptr && *d == "true";
  }
  static Response Error(int status, int code, const std::string& message) {
    Response res = Response::Json(status, {{"error_code", code}, {"message", message}});
    res.content_type = "application/vnd.schemaregistry.v1+json";
    return res;
  }
  template <typename F>
  Response Guarded(const Request& r, F&& f) {
    ++requests_;
    if (fail_with_ != 0) {
      return Error(fail_with_, fail_with_ * 100, "Internal Server Error");
    }
    if (!expected_authorization_.empty()) {
      const auto* auth = r.Header("authorization");
      if (auth == nullptr || *auth != expected_authorization_) {
        return Error(401, 40101, "Unauthorized");
      }
    }
    std::lock_guard lock(mu_);
    auto res = f();
    res.content_type = "application/vnd.schemaregistry.v1+json";
    return res;
  }

  std::string expected_authorization_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::map<std::string, std::map<std::int32_t, Version>> subjects_;
  std::map<std::string, std::string> levels_;
  std::string global_ = "BACKWARD";
  std::string mode_ = "READWRITE";
  std::atomic<int> requests_{0};
  std::atomic<int> fail_with_{0};
};

std::unique_ptr<SchemaRegistryClient> Client(const std::string& url, RegistryAuth auth = {}) {
  SchemaRegistryClientOptions options;
  options.url = url;
  options.auth = std::move(auth);
  options.request_timeout = std::chrono::milliseconds(5000);
  auto client = SchemaRegistryClient::Create(options);
  REQUIRE(client.ok());
  return std::move(client).value();
}

}  // namespace

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
