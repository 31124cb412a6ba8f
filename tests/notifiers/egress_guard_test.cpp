// The egress guard: which destinations a notification channel may reach.
// Everything here is numeric or answered by /etc/hosts ("localhost"): the
// tests need no DNS and no network.

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

#include "notifiers/egress/egress_guard.h"

using namespace tributary;
using tributary::notifiers::CurlResolveEntry;
using tributary::notifiers::EgressGuard;
using tributary::notifiers::EgressPolicy;
using tributary::notifiers::EgressTarget;

namespace {

ErrorCode CodeOf(const EgressGuard& guard, const std::string& url) {
  auto result = guard.Check(url);
  return result.ok() ? ErrorCode::kOk : result.status().code();
}

void RequireDenied(const EgressGuard& guard, std::initializer_list<const char*> urls) {
  for (const char* url : urls) {
    INFO(url);
    auto result = guard.Check(url);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == ErrorCode::kPermissionDenied);
  }
}

void RequireAllowed(const EgressGuard& guard, std::initializer_list<const char*> urls) {
  for (const char* url : urls) {
    INFO(url);
    auto result = guard.Check(url);
    INFO(result.status().ToString());
    CHECK(result.ok());
  }
}

void RequireInvalid(const EgressGuard& guard, std::initializer_list<const char*> urls) {
  for (const char* url : urls) {
    INFO(url);
    auto result = guard.Check(url);
    INFO(result.status().ToString());
    CHECK(CodeOf(guard, url) == ErrorCode::kInvalidArgument);
  }
}

}  // namespace

TEST_CASE("EgressGuard refuses internal IPv4 and IPv6 literals") {
  const EgressGuard guard{EgressPolicy{}};

  SECTION("loopback 127.0.0.0/8 and ::1 are blocked") {
    RequireDenied(guard, {"http://127.0.0.1/", "https://127.255.255.254:8443/hook",
                          "http://[::1]:8080/", "http://[0:0:0:0:0:0:0:1]/"});
  }
  SECTION("the unspecified addresses 0.0.0.0/8 and :: are blocked") {
    RequireDenied(guard, {"http://0.0.0.0/", "http://0.1.2.3:8080/", "http://[::]/"});
  }
  SECTION("the private ranges 10/8 172.16/12 and 192.168/16 are blocked") {
    RequireDenied(guard,
                  {"http://10.0.0.1/", "http://10.255.255.255/", "http://172.16.0.1/",
                   "http://172.31.255.255/", "http://192.168.0.1/", "http://192.168.255.255/"});
  }
  SECTION("addresses just outside the private ranges are allowed") {
    RequireAllowed(guard, {"http://9.255.255.255/", "http://11.0.0.0/", "http://172.15.255.255/",
                           "http://172.32.0.0/", "http://192.167.255.255/", "http://192.169.0.0/"});
  }
  SECTION("link-local 169.254/16 and fe80::/10 are blocked and so is the metadata service") {
    RequireDenied(guard, {"http://169.254.169.254/latest/meta-data", "http://169.254.0.1/",
                          "http://[fe80::1]/", "http://[febf:ffff::1]/"});
    auto result = guard.Check("http://169.254.169.254/latest/meta-data");
    CHECK_THAT(result.status().message(), Catch::Contains("metadata"));
  }
  SECTION("carrier-grade NAT 100.64/10 is blocked but its neighbours are not") {
    RequireDenied(guard, {"http://100.64.0.1/", "http://100.127.255.255/"});
    RequireAllowed(guard, {"http://100.63.255.255/", "http://100.128.0.0/"});
  }
  SECTION("unique-local fc00::/7 is blocked") {
    RequireDenied(guard, {"http://[fc00::1]/", "http://[fd12:3456:789a::1]/"});
  }
  SECTION("multicast 224/4 and ff00::/8 are blocked") {
    RequireDenied(guard, {"http://224.0.0.1/", "http://239.255.255.250/", "http://[ff02::1]/"});
  }
  SECTION("reserved 240/4 and the broadcast address are blocked") {
    RequireDenied(guard, {"http://240.0.0.1/", "http://255.255.255.255/"});
  }
  SECTION("the refusal names the address and why") {
    auto result = guard.Check("http://10.1.2.3:8080/hook");
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == ErrorCode::kPermissionDenied);
    CHECK_THAT(result.status().message(),
               Catch::Contains("http://10.1.2.3:8080") && Catch::Contains("private address"));
  }
}

TEST_CASE("EgressGuard judges IPv6 forms by the IPv4 address they embed") {
  const EgressGuard guard{EgressPolicy{}};

  SECTION("IPv4-mapped ::ffff:a.b.c.d is judged by a.b.c.d") {
    RequireDenied(guard, {"http://[::ffff:7f00:1]/", "http://[::ffff:127.0.0.1]/",
                          "http://[::ffff:a9fe:a9fe]/", "http://[::ffff:10.0.0.1]:8080/"});
    RequireAllowed(guard, {"http://[::ffff:93.184.216.34]/"});
    auto result = guard.Check("http://[::ffff:7f00:1]/");
    CHECK_THAT(result.status().message(), Catch::Contains("127.0.0.1"));
  }
  SECTION("IPv4-compatible ::a.b.c.d is judged by a.b.c.d") {
    RequireDenied(guard, {"http://[::127.0.0.1]/", "http://[::7f00:1]/", "http://[::a00:1]/"});
  }
  SECTION("NAT64 64:ff9b::/96 is judged by the embedded address") {
    RequireDenied(guard, {"http://[64:ff9b::7f00:1]/", "http://[64:ff9b::10.0.0.1]/",
                          "http://[64:ff9b::a9fe:a9fe]/"});
    RequireAllowed(guard, {"http://[64:ff9b::5db8:d822]/"});
  }
  SECTION("6to4 2002::/16 is judged by the embedded address") {
    RequireDenied(guard, {"http://[2002:7f00:1::]/", "http://[2002:a9fe:a9fe::1]/",
                          "http://[2002:c0a8:101::1]/"});
    RequireAllowed(guard, {"http://[2002:5db8:d822::1]/"});
  }
}

TEST_CASE("EgressGuard reads odd IPv4 spellings the way resolvers do") {
  const EgressGuard guard{EgressPolicy{}};

  SECTION("hex octal decimal and short forms of loopback are blocked as 127.0.0.1") {
    for (const char* url :
         {"http://0x7f.1/", "http://0177.0.0.1/", "http://2130706433/", "http://127.1/",
          "http://0x7f000001/", "http://0X7F.0.0.1/", "http://017700000001/",
          "http://0x7f.0x0.0x0.0x1/", "http://127.0.1/", "http://127.0.0.1./"}) {
      INFO(url);
      auto result = guard.Check(url);
      REQUIRE_FALSE(result.ok());
      CHECK(result.status().code() == ErrorCode::kPermissionDenied);
      CHECK_THAT(result.status().message(), Catch::Contains("127.0.0.1 is a loopback address"));
    }
  }
  SECTION("odd spellings of other blocked ranges are blocked") {
    RequireDenied(guard, {"http://0xa9fea9fe/", "http://0251.0376.0251.0376/", "http://10.1/",
                          "http://0/", "http://3232235777/"});
  }
  SECTION("an odd spelling of a public address is allowed and resolved numerically") {
    auto result = guard.Check("https://1572395042/hook");  // 93.184.216.34
    REQUIRE(result.ok());
    CHECK(result->addresses == std::vector<std::string>{"93.184.216.34"});
  }
  SECTION("a host ending in a number that is not an IPv4 address is invalid") {
    RequireInvalid(guard,
                   {"http://1.2.3.4.5/", "http://256.0.0.1/", "http://08.0.0.1/", "http://0x.1/",
                    "http://4294967296/", "http://127.0.0.65536/", "http://example.123/"});
  }
}

TEST_CASE("EgressGuard resolves host names and judges every address") {
  const EgressGuard guard{EgressPolicy{}};

  SECTION("localhost resolves to loopback and is blocked") {
    auto result = guard.Check("http://localhost:8080/hook");
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == ErrorCode::kPermissionDenied);
    CHECK_THAT(result.status().message(),
               Catch::Contains("host 'localhost' resolves to") && Catch::Contains("loopback"));
  }
  SECTION("host names are lower-cased before they are resolved") {
    RequireDenied(guard, {"http://LocalHost/", "HTTP://LOCALHOST:80/"});
  }
  SECTION("a name that does not resolve is unavailable") {
    CHECK(CodeOf(guard, "https://no-such-host.invalid/hook") == ErrorCode::kUnavailable);
  }
}

TEST_CASE("EgressGuard lets public literal addresses through without DNS") {
  const EgressGuard guard{EgressPolicy{}};

  SECTION("a public IPv4 literal is its own address") {
    auto result = guard.Check("https://93.184.216.34/hook");
    REQUIRE(result.ok());
    CHECK(result->scheme == "https");
    CHECK(result->host == "93.184.216.34");
    CHECK(result->port == 443);
    CHECK(result->addresses == std::vector<std::string>{"93.184.216.34"});
  }
  SECTION("a public IPv6 literal is its own address in canonical form") {
    auto result = guard.Check("https://[2606:4700:0:0::1111]/");
    REQUIRE(result.ok());
    CHECK(result->host == "2606:4700:0:0::1111");
    CHECK(result->port == 443);
    CHECK(result->addresses == std::vector<std::string>{"2606:4700::1111"});
    RequireAllowed(guard, {"https://[2606:4700::1111]/"});
  }
  SECTION("an explicit port is kept and http defaults to 80") {
    auto with_port = guard.Check("http://8.8.8.8:8080/x?y=1#z");
    REQUIRE(with_port.ok());
    CHECK(with_port->port == 8080);
    auto without = guard.Check("http://8.8.8.8");
    REQUIRE(without.ok());
    CHECK(without->port == 80);
  }
  SECTION("a trailing dot is accepted and kept in the host") {
    auto result = guard.Check("https://93.184.216.34./");
    REQUIRE(result.ok());
    CHECK(result->host == "93.184.216.34.");
    CHECK(result->addresses == std::vector<std::string>{"93.184.216.34"});
  }
}

TEST_CASE("EgressGuard exempts allow-listed hosts") {
  SECTION("an allow-listed literal reaches a local receiver") {
    const EgressGuard guard{EgressPolicy{.allow_hosts = {"127.0.0.1"}}};
    auto result = guard.Check("http://127.0.0.1:8080/hook");
    REQUIRE(result.ok());
    CHECK(result->port == 8080);
    CHECK(result->addresses == std::vector<std::string>{"127.0.0.1"});
  }
  SECTION("matching is on the host as written so other spellings stay blocked") {
    const EgressGuard guard{EgressPolicy{.allow_hosts = {"127.0.0.1"}}};
    RequireDenied(guard, {"http://127.1:8080/", "http://0x7f000001/", "http://[::ffff:7f00:1]/",
                          "http://127.0.0.2/", "http://10.0.0.1/"});
  }
  SECTION("an allow-listed name is resolved and exempt") {
    const EgressGuard guard{EgressPolicy{.allow_hosts = {"LocalHost"}}};
    auto result = guard.Check("http://localhost:8025/");
    REQUIRE(result.ok());
    CHECK(result->host == "localhost");
    CHECK_FALSE(result->addresses.empty());
  }
  SECTION("an allow-listed IPv6 literal matches with or without brackets") {
    for (const char* entry : {"::1", "[::1]"}) {
      INFO(entry);
      const EgressGuard guard{EgressPolicy{.allow_hosts = {entry}}};
      auto result = guard.Check("http://[::1]:9000/");
      REQUIRE(result.ok());
      CHECK(result->addresses == std::vector<std::string>{"::1"});
    }
  }
  SECTION("the allow-list does not exempt a scheme") {
    const EgressGuard guard{EgressPolicy{.allow_hosts = {"127.0.0.1"}}};
    CHECK(CodeOf(guard, "ftp://127.0.0.1/") == ErrorCode::kPermissionDenied);
  }
}

TEST_CASE("EgressGuard refuses URLs it cannot parse unambiguously") {
  const EgressGuard guard{EgressPolicy{}};

  SECTION("a URL needs a scheme") {
    RequireInvalid(guard, {"", "93.184.216.34/hook", "//93.184.216.34/", ":80/x"});
  }
  SECTION("a URL needs a host") {
    RequireInvalid(guard, {"http://", "http:///path", "http://:80/", "https:93.184.216.34",
                           "http:/93.184.216.34/", "http://?q", "http://.", "http://a..b/"});
  }
  SECTION("userinfo is refused") {
    RequireInvalid(guard, {"http://user:pass@93.184.216.34/", "http://93.184.216.34@127.0.0.1/",
                           "http://93.184.216.34:80@127.0.0.1/", "http://evil.example\\@127.0.0.1/",
                           "http://@93.184.216.34/"});
    auto result = guard.Check("http://93.184.216.34@127.0.0.1/");
    CHECK_THAT(result.status().message(), Catch::Contains("userinfo"));
  }
  SECTION("a port is 1 to 65535 in decimal digits") {
    RequireInvalid(guard, {"http://93.184.216.34:/", "http://93.184.216.34:0/",
                           "http://93.184.216.34:65536/", "http://93.184.216.34:-1/",
                           "http://93.184.216.34:80a/", "http://93.184.216.34:0x50/",
                           "http://93.184.216.34:123456/", "http://[2606:4700::1111]x/"});
  }
  SECTION("percent-encoded hosts and zone ids are refused") {
    RequireInvalid(guard,
                   {"http://%31%32%37.0.0.1/", "http://local%68ost/", "http://[fe80::1%25eth0]/"});
  }
  SECTION("IPv6 literals must be well-formed and bracketed") {
    RequireInvalid(guard, {"http://[::1/", "http://[127.0.0.1]/", "http://[gggg::1]/",
                           "http://::1/", "http://[]/", "http://[v1.x]/"});
  }
  SECTION("hosts are ASCII letters digits hyphens and dots") {
    RequireInvalid(guard, {"http://ex\xc3\xa4mple.com/", "http://exa mple.com/",
                           "http://example.com\t/", "http://a\\b/", "http://a*b/"});
  }
  SECTION("control characters anywhere are refused") {
    RequireInvalid(guard, {"http://93.184.216.34/\r\nHost: x", "http://93.184.216.34/a b"});
  }
  SECTION("error messages leave out userinfo path and query which may be secrets") {
    auto invalid = guard.Check("http://user:s3cret@hooks.example/services/T0/B0/XXXX?token=abc");
    REQUIRE_FALSE(invalid.ok());
    CHECK_THAT(invalid.status().message(), Catch::Contains("hooks.example"));
    for (const char* secret : {"s3cret", "XXXX", "token"}) {
      CHECK_THAT(invalid.status().message(), !Catch::Contains(secret));
    }
    auto denied = guard.Check("https://127.0.0.1/services/T0/B0/XXXX?token=abc");
    REQUIRE_FALSE(denied.ok());
    CHECK_THAT(denied.status().message(), Catch::Contains("https://127.0.0.1:443"));
    CHECK_THAT(denied.status().message(), !Catch::Contains("XXXX") && !Catch::Contains("token"));
  }
}

TEST_CASE("EgressGuard allows only the policy's schemes") {
  SECTION("by default only http and https are allowed") {
    const EgressGuard guard{EgressPolicy{}};
    RequireDenied(guard, {"ftp://93.184.216.34/", "file:///etc/passwd", "gopher://93.184.216.34/",
                          "smtp://93.184.216.34/", "dict://127.0.0.1:11211/"});
    RequireAllowed(guard, {"HTTPS://93.184.216.34/", "Http://93.184.216.34/"});
    auto result = guard.Check("file:///etc/passwd");
    CHECK_THAT(result.status().message(), Catch::Contains("scheme 'file' is not allowed"));
    CHECK_THAT(result.status().message(), !Catch::Contains("passwd"));
  }
  SECTION("smtp and smtps are allowed when the policy lists them") {
    const EgressGuard guard{EgressPolicy{.schemes = {"smtp", "SMTPS"}}};
    auto smtps = guard.Check("smtps://93.184.216.34");
    REQUIRE(smtps.ok());
    CHECK(smtps->scheme == "smtps");
    CHECK(smtps->port == 465);
    auto smtp = guard.Check("smtp://93.184.216.34");
    REQUIRE(smtp.ok());
    CHECK(smtp->port == 25);
    auto submission = guard.Check("smtp://93.184.216.34:587");
    REQUIRE(submission.ok());
    CHECK(submission->port == 587);
    RequireDenied(guard, {"https://93.184.216.34/", "smtp://127.0.0.1:25", "smtps://[::1]:465"});
  }
}

TEST_CASE("IsBlocked judges numeric addresses before connecting") {
  const EgressGuard guard{EgressPolicy{.allow_hosts = {"127.0.0.1", "localhost"}}};

  SECTION("blocked ranges are blocked") {
    for (const char* address : {"127.0.0.2", "::1", "::ffff:127.0.0.1", "169.254.169.254",
                                "fd00::1", "10.1.2.3", "64:ff9b::a00:1", "2002:7f00:1::"}) {
      INFO(address);
      CHECK(guard.IsBlocked(address));
    }
  }
  SECTION("public addresses are not") {
    CHECK_FALSE(guard.IsBlocked("93.184.216.34"));
    CHECK_FALSE(guard.IsBlocked("2606:4700::1111"));
  }
  SECTION("an allow-listed literal address is exempt but an allow-listed name exempts nothing") {
    CHECK_FALSE(guard.IsBlocked("127.0.0.1"));
    const EgressGuard names_only{EgressPolicy{.allow_hosts = {"localhost"}}};
    CHECK(names_only.IsBlocked("127.0.0.1"));
  }
  SECTION("anything that is not a numeric address is blocked") {
    const EgressGuard strict{EgressPolicy{}};
    for (const char* text : {"", "localhost", "0x7f.1", "93.184.216.34:80", "example.com"}) {
      INFO(text);
      CHECK(strict.IsBlocked(text));
    }
  }
}

TEST_CASE("CurlResolveEntry pins the checked addresses") {
  SECTION("a name maps to every address with IPv6 in brackets") {
    EgressTarget target{.scheme = "https",
                        .host = "hooks.example.com",
                        .port = 443,
                        .addresses = {"93.184.216.34", "2606:4700::1111"}};
    CHECK(CurlResolveEntry(target) == "hooks.example.com:443:93.184.216.34,[2606:4700::1111]");
  }
  SECTION("the entry for a checked URL uses its port") {
    const EgressGuard guard{EgressPolicy{}};
    auto result = guard.Check("https://93.184.216.34:8443/hook");
    REQUIRE(result.ok());
    CHECK(CurlResolveEntry(*result) == "93.184.216.34:8443:93.184.216.34");
  }
  SECTION("an IPv6 literal host needs no entry") {
    const EgressGuard guard{EgressPolicy{}};
    auto result = guard.Check("https://[2606:4700::1111]/");
    REQUIRE(result.ok());
    CHECK(CurlResolveEntry(*result).empty());
  }
}
