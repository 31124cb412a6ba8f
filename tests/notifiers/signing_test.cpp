// Standard Webhooks signing: the worked vector of the reference libraries,
// tampering, and parsing of whsec_ secrets.

#include <catch2/catch.hpp>

#include <string>

#include "notifiers/signing/standard_webhooks.h"

using namespace tributary;
using tributary::notifiers::DecodeWebhookSecret;
using tributary::notifiers::SignWebhook;
using tributary::notifiers::VerifyWebhook;

namespace {

// The signing vector of the Standard Webhooks reference libraries
// (github.com/standard-webhooks/standard-webhooks, libraries/go/webhook_test.go
// TestWebhookSign; the same values appear in the other languages' tests).
// Recomputed with Python's hmac/base64 when this test was written.
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
constexpr const char* kPayload = R"({"test": 2432232314})";
constexpr const char* kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// A second vector, generated with /usr/bin/python3 when this test was written:
//   key = bytes(range(32)); content = f"{id}.{ts}.{body}"
//   "v1," + base64.b64encode(hmac.new(key, content.encode(), hashlib.sha256).digest())
// with the id, timestamp and minified body of the spec's signature-scheme example.
constexpr const char* kSecret2 = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* kMsgId2 = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
constexpr std::int64_t kTimestamp2 = 1674087231;
constexpr const char* kPayload2 =
    R"({"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z",)"
    R"("data":{"id":"1f81eb52-5198-4599-803e-771906343485"}})";
constexpr const char* kSignature2 = "v1,4PMU5Dl90B4kgwxDpwuMZ/cnZ5ztf+Y+kviYQD66rJg=";
constexpr const char* kSignature2EmptyBody = "v1,ET/52+LuqQDyNkDsD8ylJcB7/dWj/MMfGFzSP9D5S+o=";

std::string Key(const char* secret) {
  auto key = DecodeWebhookSecret(secret);
  REQUIRE(key.ok());
  return *key;
}

}  // namespace

TEST_CASE("SignWebhook matches the Standard Webhooks reference vectors") {
  SECTION("the reference libraries' vector") {
    CHECK(SignWebhook(Key(kSecret), kMsgId, kTimestamp, kPayload) == kSignature);
    CHECK(VerifyWebhook(Key(kSecret), kMsgId, kTimestamp, kPayload, kSignature));
  }
  SECTION("a 32-byte key whose secret has base64 padding") {
    const std::string key = Key(kSecret2);
    REQUIRE(key.size() == 32);
    CHECK(SignWebhook(key, kMsgId2, kTimestamp2, kPayload2) == kSignature2);
    CHECK(SignWebhook(key, kMsgId2, kTimestamp2, "") == kSignature2EmptyBody);
  }
  SECTION("signing is deterministic and a signature verifies") {
    const std::string key = Key(kSecret2);
    const std::string body = "line one\nline two \xe2\x9c\x93\n";
    const std::string sig = SignWebhook(key, "msg_1", 1700000000, body);
    CHECK(sig == SignWebhook(key, "msg_1", 1700000000, body));
    CHECK(sig.rfind("v1,", 0) == 0);
    CHECK(sig.size() == 3 + 44);
    CHECK(VerifyWebhook(key, "msg_1", 1700000000, body, sig));
  }
}

TEST_CASE("VerifyWebhook refuses anything that was not signed") {
  const std::string key = Key(kSecret);

  SECTION("a tampered body fails") {
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, R"({"test": 2432232315})", kSignature));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, R"({"test":2432232314})", kSignature));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, "", kSignature));
  }
  SECTION("a tampered id fails") {
    CHECK_FALSE(
        VerifyWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJeK", kTimestamp, kPayload, kSignature));
  }
  SECTION("a tampered timestamp fails") {
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp + 1, kPayload, kSignature));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp - 300, kPayload, kSignature));
  }
  SECTION("moving the delimiters between id timestamp and body fails") {
    // "<id>.<ts>.<body>" must not be reachable from another split.
    const std::string sig = SignWebhook(key, "msg_a", 1, "2.body");
    CHECK(VerifyWebhook(key, "msg_a", 1, "2.body", sig));
    CHECK_FALSE(VerifyWebhook(key, "msg_a", 12, "body", sig));
  }
  SECTION("another key fails") {
    CHECK_FALSE(VerifyWebhook(Key(kSecret2), kMsgId, kTimestamp, kPayload, kSignature));
  }
  SECTION("a damaged signature fails") {
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload,
                              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE"));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload,
                              "v1,G0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload, ""));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload, "v1,"));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload,
                              "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
  }
  SECTION("only v1 entries count") {
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload,
                              "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload,
                              "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
  }
}

TEST_CASE("VerifyWebhook accepts any of several space-separated signatures") {
  const std::string key = Key(kSecret);

  SECTION("a valid signature among others verifies as during key rotation") {
    const std::string header = std::string("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ") +
                               "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7"
                               "AZdpXwVLPo3mNl8EM+m7TBAg== " +
                               kSignature + " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
    CHECK(VerifyWebhook(key, kMsgId, kTimestamp, kPayload, header));
  }
  SECTION("signatures under an old and a new key both verify") {
    const std::string old_key = Key(kSecret2);
    const std::string header = SignWebhook(old_key, kMsgId, kTimestamp, kPayload) + " " +
                               SignWebhook(key, kMsgId, kTimestamp, kPayload);
    CHECK(VerifyWebhook(key, kMsgId, kTimestamp, kPayload, header));
    CHECK(VerifyWebhook(old_key, kMsgId, kTimestamp, kPayload, header));
  }
  SECTION("extra spaces between entries are tolerated") {
    CHECK(VerifyWebhook(key, kMsgId, kTimestamp, kPayload,
                        std::string("  v1,AAAA  ") + kSignature + "  "));
  }
  SECTION("none valid fails") {
    CHECK_FALSE(VerifyWebhook(key, kMsgId, kTimestamp, kPayload,
                              "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
                              "v1,4PMU5Dl90B4kgwxDpwuMZ/cnZ5ztf+Y+kviYQD66rJg="));
  }
}

TEST_CASE("DecodeWebhookSecret parses whsec_ secrets") {
  SECTION("the key is the base64-decoded part after the prefix") {
    CHECK(Key("whsec_AQ==") == std::string("\x01", 1));
    CHECK(Key("whsec_AQI=") == std::string("\x01\x02", 2));
    CHECK(Key("whsec_AQID") == std::string("\x01\x02\x03", 3));
    CHECK(Key("whsec_AAAA") == std::string(3, '\0'));
    CHECK(Key(kSecret).size() == 24);
  }
  SECTION("surrounding whitespace such as a file's newline is ignored") {
    CHECK(Key("  whsec_AQID\n") == std::string("\x01\x02\x03", 3));
  }
  SECTION("a secret without the whsec_ prefix is invalid") {
    for (const char* secret :
         {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "WHSEC_AQID", "whsec", "whsk_AQID", "", "   "}) {
      INFO(secret);
      auto key = DecodeWebhookSecret(secret);
      REQUIRE_FALSE(key.ok());
      CHECK(key.status().code() == ErrorCode::kInvalidArgument);
    }
  }
  SECTION("malformed base64 is invalid") {
    for (const char* secret :
         {"whsec_AQ", "whsec_AQI", "whsec_A===", "whsec_====", "whsec_AQ==AQ==", "whsec_AQ=I",
          "whsec_!!!!", "whsec_AQ-_", "whsec_AQ I=", "whsec_AQID\nAQID"}) {
      INFO(secret);
      auto key = DecodeWebhookSecret(secret);
      REQUIRE_FALSE(key.ok());
      CHECK(key.status().code() == ErrorCode::kInvalidArgument);
    }
  }
  SECTION("an empty key is invalid") {
    auto key = DecodeWebhookSecret("whsec_");
    REQUIRE_FALSE(key.ok());
    CHECK(key.status().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("the error message does not repeat the secret") {
    auto key = DecodeWebhookSecret("whsec_topsecretvalue!");
    REQUIRE_FALSE(key.ok());
    CHECK_THAT(key.status().message(), !Catch::Contains("topsecret"));
    auto unprefixed = DecodeWebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    REQUIRE_FALSE(unprefixed.ok());
    CHECK_THAT(unprefixed.status().message(), !Catch::Contains("MfKQ9r8G"));
  }
}
