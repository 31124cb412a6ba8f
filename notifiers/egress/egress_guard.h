#pragma once
// EgressGuard: the SSRF check every notification channel runs before it
// connects to a URL from config (webhooks, chat incoming-hooks, SMTP servers).
//
// Check() parses the URL strictly, resolves its host and judges every address
// it resolves to. A destination is refused when any of its addresses is
// internal: loopback, unspecified, private (RFC 1918), link-local (including
// the 169.254.169.254 cloud metadata service), carrier-grade NAT, unique-local,
// multicast, broadcast/reserved. IPv6 forms that carry an IPv4 address
// (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96, 2002::/16) are judged by that IPv4
// address. Hosts written as odd IPv4 numbers the resolver accepts (0x7f.1,
// 0177.0.0.1, 2130706433, 127.1) are read the way inet_aton reads them; the
// judgement is always made on the numeric address, never on the host text.
// A host whose last label is a number but is not an IPv4 address (1.2.3.4.5)
// is refused as invalid rather than handed to a resolver.
//
// Hosts listed in EgressPolicy::allow_hosts are exempt (exact match on the
// host as written in the URL: lower-cased, without brackets or a trailing
// dot); that is how tests and dev setups reach receivers on 127.0.0.1.
//
// The URL grammar is deliberately narrower than RFC 3986, so that the guard
// and libcurl cannot disagree about which host a URL names: no userinfo
// ("user@host" is refused outright), no percent-encoding, backslashes,
// whitespace or non-ASCII in the host (IDNs must be given in punycode), no
// IPv6 zone ids, ports 1-65535 only.
//
// DNS rebinding: the caller must connect to the addresses Check() returned,
// not resolve the name again. With libcurl:
//   * CURLOPT_RESOLVE with CurlResolveEntry(target), which pins host:port to
//     the checked addresses;
//   * CURLOPT_FOLLOWLOCATION off (a redirect would bypass the check) and
//     CURLOPT_PROTOCOLS_STR limited to the target's scheme;
//   * as a second line, CURLOPT_OPENSOCKETFUNCTION refusing a peer address
//     that is neither in target.addresses nor passes !IsBlocked(address), so
//     a name libcurl resolves by itself (a proxy, a cache-key mismatch) is
//     still judged.
// Error messages name the URL as scheme://host[:port] only: webhook URLs carry
// secrets in their path and query (DESIGN.md §3), and these messages end up in
// logs and in a notification's last_error.
//
// Check() blocks on getaddrinfo() (no timeout of its own; the system
// resolver's applies), so call it from a delivery worker, not an I/O loop.
// An EgressGuard is immutable after construction; every method is safe to call
// from many threads at once.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/result.h"

namespace tributary::notifiers {

struct EgressPolicy {
  // Hostnames or literal IP addresses exempt from the guard, matched exactly
  // and case-insensitively against the host as written in the URL (without
  // brackets or a trailing dot), e.g. "127.0.0.1", "localhost", "::1".
  std::vector<std::string> allow_hosts;
  // Schemes a URL may use; compared case-insensitively. Channels that send
  // mail pass {"smtp", "smtps"}.
  std::vector<std::string> schemes = {"https", "http"};
};

// A destination that passed the guard.
struct EgressTarget {
  std::string scheme;  // lower-cased, one of EgressPolicy::schemes
  // Lower-cased, without IPv6 brackets; a trailing dot is kept, because
  // libcurl resolves (and keys its DNS cache on) the name with it.
  std::string host;
  std::uint16_t port = 0;  // explicit, or the scheme's default
  // Every address the host resolved to, numeric (inet_ntop form), in resolver
  // order without duplicates. Each is allowed (or the host is allow-listed).
  std::vector<std::string> addresses;
};

class EgressGuard {
 public:
  explicit EgressGuard(EgressPolicy policy);

  // Parses `url`, resolves its host and returns every address to connect to.
  // Errors (messages name the URL without its path or query):
  //   PermissionDenied  the scheme is not allowed, or the host is or resolves
  //                     to a blocked address and is not in allow_hosts;
  //   InvalidArgument   the URL does not parse: no scheme, no host, userinfo,
  //                     a bad port or host, percent-encoding;
  //   Unavailable       the host did not resolve.
  Result<EgressTarget> Check(std::string_view url) const;

  // Whether a connection to `numeric_address` (an IPv4 dotted quad or an IPv6
  // address, brackets optional) must be refused: true for an address in a blocked
  // range unless that literal address is in allow_hosts, and true for
  // anything that is not a numeric address. Allow-listed hostnames do not
  // exempt their addresses here; a re-check before connecting should accept a
  // peer that is in EgressTarget::addresses.
  bool IsBlocked(const std::string& numeric_address) const;

 private:
  bool Allowed(std::string_view host) const;

  EgressPolicy policy_;                   // schemes and allow_hosts lower-cased
  std::vector<std::string> allowed_ips_;  // allow_hosts entries that are IPs, canonical
};

// The CURLOPT_RESOLVE entry pinning target.host:port to target.addresses:
// "host:port:addr1,addr2", IPv6 addresses in brackets. Empty when the host is
// an IPv6 literal: libcurl connects to it without resolving, and libcurl 7.88
// (Debian 12) fails the transfer with CURLE_SETOPT_OPTION_SYNTAX on any entry
// whose host has colons -- and on an empty entry, so skip appending "".
// (Checked against 7.88.1: "localhost.:1:127.0.0.1" pins http://localhost.:1/.)
std::string CurlResolveEntry(const EgressTarget& target);

}  // namespace tributary::notifiers
