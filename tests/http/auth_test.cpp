#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstdio>

#include "http/auth.h"
#include "http/server.h"
#include "support/http_client.h"

using namespace tributary;
using namespace tributary::http;

namespace {

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  REQUIRE(EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) == 1);
  std::string hex;
  for (const unsigned char b : digest) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", b);
    hex += two;
  }
  return hex;
}

constexpr std::string_view kAdminSecret = "adm1n-s3cret-value";
constexpr std::string_view kPaymentsSecret = "tok-payments-0123456789";
constexpr std::string_view kReaderSecret = "reader-only-token";
constexpr std::string_view kExpiringSecret = "expiring-token-xyz";

const Timestamp kNow = FromMillis(1'800'000'000'000);

AuthOptions TestOptions(bool anonymous_read = true) {
  AuthOptions options;
  options.anonymous_read = anonymous_read;
  options.tokens = {
      {"ops-admin", Sha256Hex(kAdminSecret), "admin", "", std::nullopt},
      {"payments-ci", Sha256Hex(kPaymentsSecret), "owner", "payments", std::nullopt},
      {"dashboards", Sha256Hex(kReaderSecret), "reader", "", std::nullopt},
      {"temp-owner", Sha256Hex(kExpiringSecret), "owner", "search", kNow + std::chrono::hours(1)},
  };
  return options;
}

Request WithAuthorization(std::string value) {
  Request r;
  r.method = "GET";
  r.path = "/api/v1/products";
  r.headers["authorization"] = std::move(value);
  return r;
}

Authenticator MakeAuthenticator(const Clock& clock, bool anonymous_read = true) {
  auto auth = Authenticator::Create(TestOptions(anonymous_read), clock);
  REQUIRE(auth.ok());
  return std::move(auth).value();
}

}  // namespace

TEST_CASE("bearer tokens are parsed from the Authorization header") {
  FakeClock clock(kNow);
  const auto auth = MakeAuthenticator(clock);

  SECTION("Bearer <token> names the configured token") {
    const auto p = auth.Authenticate(WithAuthorization("Bearer " + std::string(kPaymentsSecret)));
    REQUIRE(p.ok());
    CHECK(p->name == "payments-ci");
    CHECK(p->role == Role::kOwner);
    CHECK(p->team == "payments");
    CHECK_FALSE(p->anonymous);
  }
  SECTION("the scheme is case-insensitive and surrounding spaces are ignored") {
    CHECK(auth.Authenticate(WithAuthorization("bearer " + std::string(kAdminSecret)))->name ==
          "ops-admin");
    CHECK(auth.Authenticate(WithAuthorization("  BEARER   " + std::string(kAdminSecret) + " "))
              ->name == "ops-admin");
  }
  SECTION("every configured token is found, whichever entry it is") {
    CHECK(auth.Authenticate(WithAuthorization("Bearer " + std::string(kReaderSecret)))->name ==
          "dashboards");
    CHECK(auth.Authenticate(WithAuthorization("Bearer " + std::string(kExpiringSecret)))->name ==
          "temp-owner");
  }
  SECTION("no header is the anonymous principal") {
    Request r;
    const auto p = auth.Authenticate(r);
    REQUIRE(p.ok());
    CHECK(p->anonymous);
    CHECK(p->name == "anonymous");
  }
  SECTION("other schemes and malformed headers are unauthenticated") {
    const std::vector<std::string> headers = {"Basic dXNlcjpwYXNz",
                                              "Bearer",
                                              "Bearer ",
                                              "Bearer" + std::string(kAdminSecret),
                                              "Bearer a b",
                                              "Token " + std::string(kAdminSecret),
                                              "",
                                              "Bearer \x01x"};
    for (const auto& header : headers) {
      const auto p = auth.Authenticate(WithAuthorization(header));
      REQUIRE_FALSE(p.ok());
      CHECK(p.status().code() == ErrorCode::kUnauthenticated);
    }
  }
}

TEST_CASE("wrong, expired and missing tokens answer 401") {
  FakeClock clock(kNow);
  const auto auth = MakeAuthenticator(clock);

  SECTION("an unknown token") {
    const auto p = auth.Authenticate(WithAuthorization("Bearer not-a-configured-token"));
    REQUIRE_FALSE(p.ok());
    const auto response = ErrorResponse(p.status());
    CHECK(response.status == 401);
    const auto body = nlohmann::json::parse(response.body);
    CHECK(body["error"]["code"] == "unauthenticated");
    REQUIRE(response.headers.size() == 1);
    CHECK(response.headers[0].first == "WWW-Authenticate");
    CHECK(response.headers[0].second == "Bearer");
  }
  SECTION("a token is valid until its expiry and not from then on") {
    const auto header = "Bearer " + std::string(kExpiringSecret);
    clock.Set(kNow + std::chrono::hours(1) - std::chrono::milliseconds(1));
    CHECK(auth.Authenticate(WithAuthorization(header)).ok());
    clock.Set(kNow + std::chrono::hours(1));
    const auto p = auth.Authenticate(WithAuthorization(header));
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(p.status().message(), Catch::Contains("temp-owner") && Catch::Contains("expired"));
    CHECK(ErrorResponse(p.status()).status == 401);
  }
  SECTION("a write without a token") {
    Request r;
    const auto p = auth.Authenticate(r);
    REQUIRE(p.ok());
    const auto s = auth.AuthorizeWrite(*p, "payments");
    CHECK(s.code() == ErrorCode::kUnauthenticated);
    CHECK(ErrorResponse(s).status == 401);
  }
  SECTION("a read without a token when anonymous reads are off") {
    const auto closed = MakeAuthenticator(clock, /*anonymous_read=*/false);
    Request r;
    const auto p = closed.Authenticate(r);
    REQUIRE(p.ok());
    CHECK(closed.AuthorizeRead(*p).code() == ErrorCode::kUnauthenticated);
    const auto with_token =
        closed.Authenticate(WithAuthorization("Bearer " + std::string(kReaderSecret)));
    REQUIRE(with_token.ok());
    CHECK(closed.AuthorizeRead(*with_token).ok());
  }
  SECTION("anonymous reads are allowed when configured") {
    Request r;
    CHECK(auth.AuthorizeRead(*auth.Authenticate(r)).ok());
  }
}

TEST_CASE("roles decide who may write what") {
  FakeClock clock(kNow);
  const auto auth = MakeAuthenticator(clock);
  const auto as = [&auth](std::string_view secret) {
    auto p = auth.Authenticate(WithAuthorization("Bearer " + std::string(secret)));
    REQUIRE(p.ok());
    return std::move(p).value();
  };

  SECTION("a reader never writes") {
    const auto s = auth.AuthorizeWrite(as(kReaderSecret), "payments");
    CHECK(s.code() == ErrorCode::kPermissionDenied);
    CHECK(ErrorResponse(s).status == 403);
    CHECK(nlohmann::json::parse(ErrorResponse(s).body)["error"]["code"] == "forbidden");
    CHECK(auth.AuthorizeWrite(as(kReaderSecret), std::nullopt).code() ==
          ErrorCode::kPermissionDenied);
  }
  SECTION("an owner writes its own team's products only") {
    CHECK(auth.AuthorizeWrite(as(kPaymentsSecret), "payments").ok());
    const auto other = auth.AuthorizeWrite(as(kPaymentsSecret), "search");
    CHECK(other.code() == ErrorCode::kPermissionDenied);
    CHECK_THAT(other.message(), Catch::Contains("payments") && Catch::Contains("search"));
    CHECK(ErrorResponse(other).status == 403);
  }
  SECTION("an owner may not change what no team owns, but may make team-less writes") {
    CHECK(auth.AuthorizeWrite(as(kPaymentsSecret), "").code() == ErrorCode::kPermissionDenied);
    CHECK(auth.AuthorizeWrite(as(kPaymentsSecret), std::nullopt).ok());
  }
  SECTION("an admin writes anything") {
    CHECK(auth.AuthorizeWrite(as(kAdminSecret), "payments").ok());
    CHECK(auth.AuthorizeWrite(as(kAdminSecret), "search").ok());
    CHECK(auth.AuthorizeWrite(as(kAdminSecret), "").ok());
    CHECK(auth.AuthorizeWrite(as(kAdminSecret), std::nullopt).ok());
  }
  SECTION("every role reads") {
    for (const auto secret : {kAdminSecret, kPaymentsSecret, kReaderSecret}) {
      CHECK(auth.AuthorizeRead(as(secret)).ok());
    }
  }
}

TEST_CASE("a replica's write is checked again by name against the leader's tokens") {
  FakeClock clock(kNow);
  const auto auth = MakeAuthenticator(clock);
  CHECK(auth.AuthorizeGrant({"payments-ci", "payments"}).ok());
  CHECK(auth.AuthorizeGrant({"payments-ci", std::nullopt}).ok());
  CHECK(auth.AuthorizeGrant({"ops-admin", ""}).ok());
  // The rules of AuthorizeWrite, by the token's role here, not the sender's.
  const auto other = auth.AuthorizeGrant({"payments-ci", "search"});
  CHECK(other.code() == ErrorCode::kPermissionDenied);
  CHECK(auth.AuthorizeGrant({"dashboards", std::nullopt}).code() == ErrorCode::kPermissionDenied);
  // A token the leader does not know (revoked there) writes nothing.
  const auto unknown = auth.AuthorizeGrant({"contractor", "payments"});
  CHECK(unknown.code() == ErrorCode::kPermissionDenied);
  CHECK_THAT(unknown.message(), Catch::Contains("\"contractor\" is not configured"));
  CHECK(auth.AuthorizeGrant({"temp-owner", "search"}).ok());
  clock.Advance(std::chrono::hours(2));
  const auto expired = auth.AuthorizeGrant({"temp-owner", "search"});
  CHECK(expired.code() == ErrorCode::kPermissionDenied);
  CHECK_THAT(expired.message(), Catch::Contains("expired"));
}

TEST_CASE("a presented token never appears in an answer") {
  FakeClock clock(kNow + std::chrono::hours(2));  // the expiring token has expired
  const auto auth = MakeAuthenticator(clock);
  const std::string unknown = "zz-unknown-secret-token-42";
  const std::vector<std::string> secrets = {unknown, std::string(kExpiringSecret),
                                            std::string(kReaderSecret)};
  for (const auto& secret : secrets) {
    const auto p = auth.Authenticate(WithAuthorization("Bearer " + secret));
    Status status = p.ok() ? auth.AuthorizeWrite(*p, "payments") : p.status();
    REQUIRE_FALSE(status.ok());
    const auto response = ErrorResponse(status);
    CHECK(response.body.find(secret) == std::string::npos);
    CHECK(status.ToString().find(secret) == std::string::npos);
    for (const auto& [name, value] : response.headers) {
      CHECK(value.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("the token list is validated") {
  FakeClock clock(kNow);
  SECTION("a hash of the wrong length or with non-hex digits") {
    AuthOptions options;
    options.tokens = {{"short", "abcd", "admin", "", std::nullopt},
                      {"nothex", std::string(64, 'g'), "admin", "", std::nullopt}};
    const auto auth = Authenticator::Create(options, clock);
    REQUIRE_FALSE(auth.ok());
    CHECK_THAT(auth.status().message(), Catch::Contains("\"short\"") &&
                                            Catch::Contains("\"nothex\"") &&
                                            Catch::Contains("64 hex digits"));
  }
  SECTION("an unknown role and an owner without a team") {
    AuthOptions options;
    options.tokens = {{"boss", Sha256Hex("a"), "superuser", "", std::nullopt},
                      {"teamless", Sha256Hex("b"), "owner", "", std::nullopt}};
    const auto auth = Authenticator::Create(options, clock);
    REQUIRE_FALSE(auth.ok());
    CHECK_THAT(auth.status().message(),
               Catch::Contains("superuser") && Catch::Contains("needs a team"));
  }
  SECTION("two entries with the same hash") {
    AuthOptions options;
    options.tokens = {{"one", Sha256Hex("same"), "admin", "", std::nullopt},
                      {"two", Sha256Hex("same"), "reader", "", std::nullopt}};
    CHECK_FALSE(Authenticator::Create(options, clock).ok());
  }
  SECTION("upper-case hex is accepted") {
    AuthOptions options;
    std::string upper = Sha256Hex("shout");
    for (auto& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    options.tokens = {{"loud", upper, "admin", "", std::nullopt}};
    auto auth = Authenticator::Create(options, clock);
    REQUIRE(auth.ok());
    CHECK(auth->Authenticate(WithAuthorization("Bearer shout"))->name == "loud");
  }
}

TEST_CASE("errors map to HTTP statuses in the JSON error shape") {
  const std::vector<std::pair<Status, int>> cases = {
      {InvalidArgument("bad node id"), 400},
      {NotFound("no such node"), 404},
      {Status(ErrorCode::kAlreadyExists, "exists"), 409},
      {Status(ErrorCode::kUnauthenticated, "who?"), 401},
      {Status(ErrorCode::kPermissionDenied, "no"), 403},
      {Unavailable("store down"), 503},
      {Internal("bug"), 500},
      {IoError("disk"), 500},
      {Corruption("bad page"), 500},
      {ResourceExhausted("too deep"), 422},
  };
  for (const auto& [status, http_status] : cases) {
    const auto response = ErrorResponse(status);
    CHECK(response.status == http_status);
    CHECK(response.content_type == "application/json");
    const auto body = nlohmann::json::parse(response.body);
    CHECK(body["error"]["code"] == std::string(ErrorCodeName(status.code())));
    if (http_status < 500) {
      CHECK(body["error"]["message"] == status.message());
    } else {
      // Internal messages (paths, SQLite errors) are logged, never answered.
      const auto message = body["error"]["message"].get<std::string>();
      CHECK(message.find(status.message()) == std::string::npos);
      CHECK_THAT(message, Catch::Contains("request id"));
    }
  }
  CHECK(ErrorCodeName(ErrorCode::kInvalidArgument) == "bad_request");
  CHECK(ErrorCodeName(ErrorCode::kPermissionDenied) == "forbidden");
  CHECK(ErrorCodeName(ErrorCode::kIoError) == "io_error");
}

TEST_CASE("authentication guards a write over a real socket before any lookup") {
  FakeClock clock(kNow);
  const auto auth = MakeAuthenticator(clock);
  std::atomic<bool> looked_up{false};
  Router router;
  router.Add("POST", "/api/v1/products/{name}/deprecate", [&](const Request& r) {
    auto principal = auth.Authenticate(r);
    if (!principal.ok()) {
      return ErrorResponse(principal.status());
    }
    if (auto s = auth.AuthorizeWrite(*principal, "payments"); !s.ok()) {
      return ErrorResponse(s);
    }
    looked_up = true;
    return Response::Json(202, {{"actor", principal->name}});
  });
  auto server = HttpServer::Start({}, [&router](const Request& r) { return router.Handle(r); });
  REQUIRE(server.ok());
  testing::HttpConnection c((*server)->port());

  const auto anonymous = c.Request("POST", "/api/v1/products/orders/deprecate", "{}");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.headers.at("www-authenticate") == "Bearer");
  const auto wrong = c.Request("POST", "/api/v1/products/orders/deprecate", "{}",
                               "Authorization: Bearer wrong-token-123\r\n");
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("wrong-token-123") == std::string::npos);
  const auto reader = c.Request("POST", "/api/v1/products/orders/deprecate", "{}",
                                "Authorization: Bearer " + std::string(kReaderSecret) + "\r\n");
  CHECK(reader.status == 403);
  CHECK_FALSE(looked_up);
  const auto owner = c.Request("POST", "/api/v1/products/orders/deprecate", "{}",
                               "Authorization: Bearer " + std::string(kPaymentsSecret) + "\r\n");
  CHECK(owner.status == 202);
  CHECK(nlohmann::json::parse(owner.body)["actor"] == "payments-ci");
  CHECK(looked_up);
}
