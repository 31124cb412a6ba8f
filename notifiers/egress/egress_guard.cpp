#include "notifiers/egress/egress_guard.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include "core/text_codec.h"

namespace tributary::notifiers {
namespace {

using Ipv6Bytes = std::array<std::uint8_t, 16>;

Status PermissionDenied(std::string message) {
  return {ErrorCode::kPermissionDenied, std::move(message)};
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ToLowerAscii(c); });
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return HexDigitValue(c) >= 0; }

// The URL as far as the end of its authority, without any userinfo, for error
// messages: the path and query of a webhook URL are secrets.
std::string RedactedUrl(std::string_view url) {
  std::size_t start = 0;
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    start = sep + 3;
  }
  std::size_t end = url.find_first_of("/?#", start);
  bool cut = end != std::string_view::npos;
  if (!cut) {
    end = url.size();
  }
  std::string authority(url.substr(start, end - start));
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    authority = "***@" + authority.substr(at + 1);
  }
  std::string out = std::string(url.substr(0, start)) + authority;
  if (out.size() > 200) {
    out.resize(200);
    cut = true;
  }
  for (char& c : out) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      c = '?';
    }
  }
  return cut ? out + "/..." : out;
}

// --- Addresses -------------------------------------------------------------

std::string FormatIpv4(std::uint32_t address) {
  in_addr in{};
  in.s_addr = htonl(address);
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &in, buf, sizeof buf);
  return buf;
}

std::string FormatIpv6(const Ipv6Bytes& address) {
  in6_addr in{};
  std::memcpy(in.s6_addr, address.data(), address.size());
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &in, buf, sizeof buf);
  return buf;
}

std::optional<std::uint32_t> ParseDottedQuad(const std::string& text) {
  in_addr in{};
  if (inet_pton(AF_INET, text.c_str(), &in) != 1) {
    return std::nullopt;
  }
  return ntohl(in.s_addr);
}

std::optional<Ipv6Bytes> ParseIpv6(const std::string& text) {
  in6_addr in{};
  if (inet_pton(AF_INET6, text.c_str(), &in) != 1) {
    return std::nullopt;
  }
  Ipv6Bytes out;
  std::memcpy(out.data(), in.s6_addr, out.size());
  return out;
}

// Reads an IPv4 address the way inet_aton (and so getaddrinfo) does: one to
// four parts separated by dots, each decimal, octal (leading 0) or hex (0x),
// the last part filling the remaining bytes ("127.1", "2130706433").
std::optional<std::uint32_t> ParseInetAton(std::string_view text) {
  std::array<std::uint64_t, 4> parts{};
  std::size_t count = 0;
  std::size_t pos = 0;
  while (true) {
    if (count == parts.size()) {
      return std::nullopt;
    }
    std::size_t end = text.find('.', pos);
    std::string_view part =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (part.empty()) {
      return std::nullopt;
    }
    int base = 10;
    if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
      base = 16;
      part.remove_prefix(2);
      if (part.empty()) {
        return std::nullopt;
      }
    } else if (part.size() >= 2 && part[0] == '0') {
      base = 8;
    }
    std::uint64_t value = 0;
    for (char c : part) {
      int digit = 0;
      if (base == 16 && IsHexDigit(c)) {
        digit = HexDigitValue(c);
      } else if (IsDigit(c) && c - '0' < base) {
        digit = c - '0';
      } else {
        return std::nullopt;
      }
      value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(digit);
      if (value > 0xffffffffULL) {
        return std::nullopt;
      }
    }
    parts[count++] = value;
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  // Every part but the last is one byte; the last fills what is left.
  std::uint64_t result = 0;
  for (std::size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 0xff) {
      return std::nullopt;
    }
    result |= parts[i] << (24 - 8 * i);
  }
  const int last_bits = 32 - 8 * static_cast<int>(count - 1);
  const std::uint64_t last = parts[count - 1];
  if (last_bits < 32 && last >= (1ULL << last_bits)) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(result | last);
}

bool InPrefix(std::uint32_t address, std::uint32_t network, int bits) {
  return (address >> (32 - bits)) == (network >> (32 - bits));
}

// Why connections to `a` are refused; nullopt for an address on the internet.
std::optional<std::string> Ipv4BlockReason(std::uint32_t a) {
  if (InPrefix(a, 0x00000000, 8)) {
    return "an unspecified (0.0.0.0/8) address";
  }
  if (InPrefix(a, 0x7f000000, 8)) {
    return "a loopback address";
  }
  if (InPrefix(a, 0x0a000000, 8) || InPrefix(a, 0xac100000, 12) || InPrefix(a, 0xc0a80000, 16)) {
    return "a private address";
  }
  if (a == 0xa9fea9fe) {
    return "a link-local address (the cloud metadata service)";
  }
  if (InPrefix(a, 0xa9fe0000, 16)) {
    return "a link-local address";
  }
  if (InPrefix(a, 0x64400000, 10)) {
    return "a carrier-grade NAT address";
  }
  if (InPrefix(a, 0xe0000000, 4)) {
    return "a multicast address";
  }
  if (InPrefix(a, 0xf0000000, 4)) {
    return "a reserved or broadcast address";
  }
  return std::nullopt;
}

std::uint32_t Ipv4At(const Ipv6Bytes& b, std::size_t offset) {
  return (std::uint32_t{b[offset]} << 24) | (std::uint32_t{b[offset + 1]} << 16) |
         (std::uint32_t{b[offset + 2]} << 8) | std::uint32_t{b[offset + 3]};
}

bool AllZero(const Ipv6Bytes& b, std::size_t from, std::size_t to) {
  return std::all_of(b.begin() + static_cast<std::ptrdiff_t>(from),
                     b.begin() + static_cast<std::ptrdiff_t>(to),
                     [](std::uint8_t x) { return x == 0; });
}

std::optional<std::string> EmbeddedIpv4Reason(std::string_view form, std::uint32_t embedded) {
  if (auto reason = Ipv4BlockReason(embedded)) {
    return std::string(form) + " of " + FormatIpv4(embedded) + ", " + *reason;
  }
  return std::nullopt;
}

std::optional<std::string> Ipv6BlockReason(const Ipv6Bytes& b) {
  if (AllZero(b, 0, 16)) {
    return "the unspecified address";
  }
  if (AllZero(b, 0, 15) && b[15] == 1) {
    return "a loopback address";
  }
  // ::ffff:a.b.c.d, IPv4-mapped.
  if (AllZero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff) {
    return EmbeddedIpv4Reason("an IPv4-mapped address", Ipv4At(b, 12));
  }
  // ::a.b.c.d, IPv4-compatible (deprecated, still routed by some stacks).
  if (AllZero(b, 0, 12)) {
    return EmbeddedIpv4Reason("an IPv4-compatible address", Ipv4At(b, 12));
  }
  // 64:ff9b::/96, the well-known NAT64 prefix.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && AllZero(b, 4, 12)) {
    return EmbeddedIpv4Reason("a NAT64 address", Ipv4At(b, 12));
  }
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): the network's own translator.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 &&
      b[5] == 0x01) {
    return "a local-use NAT64 address";
  }
  // 2002::/16, 6to4: the IPv4 address follows the prefix.
  if (b[0] == 0x20 && b[1] == 0x02) {
    return EmbeddedIpv4Reason("a 6to4 address", Ipv4At(b, 2));
  }
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {
    return "a link-local address";
  }
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) {
    return "a site-local address";
  }
  if ((b[0] & 0xfe) == 0xfc) {
    return "a unique-local address";
  }
  if (b[0] == 0xff) {
    return "a multicast address";
  }
  return std::nullopt;
}

// A numeric address (canonical text) and why it is blocked, if it is.
struct JudgedAddress {
  std::string text;
  std::optional<std::string> block_reason;
};

std::optional<JudgedAddress> JudgeNumeric(const std::string& text) {
  if (auto v4 = ParseDottedQuad(text)) {
    return JudgedAddress{FormatIpv4(*v4), Ipv4BlockReason(*v4)};
  }
  if (auto v6 = ParseIpv6(text)) {
    return JudgedAddress{FormatIpv6(*v6), Ipv6BlockReason(*v6)};
  }
  return std::nullopt;
}

// --- URLs ------------------------------------------------------------------

struct ParsedUrl {
  std::string scheme;
  std::string host;       // lower-cased, no brackets, trailing dot kept
  std::string bare_host;  // host without a trailing dot: what allow_hosts matches
  std::uint16_t port = 0;
  std::optional<std::string> literal;  // the canonical address when host is numeric
};

std::optional<std::uint16_t> DefaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") {
    return 80;
  }
  if (scheme == "https" || scheme == "wss") {
    return 443;
  }
  if (scheme == "smtp") {
    return 25;
  }
  if (scheme == "smtps") {
    return 465;
  }
  return std::nullopt;
}

bool IsSchemeChar(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return first ? alpha : alpha || IsDigit(c) || c == '+' || c == '-' || c == '.';
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' || c == '.' || c == '_';
}

// Does the last label look like a number ("1", "0x7f")? Then the whole host
// must be an IPv4 address: resolvers would not look such a name up in DNS.
bool EndsInNumber(std::string_view host) {
  std::string_view last =
      host.substr(host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
  if (last.empty()) {
    return false;
  }
  if (std::all_of(last.begin(), last.end(), IsDigit)) {
    return true;
  }
  return last.size() >= 2 && last[0] == '0' && last[1] == 'x' &&
         std::all_of(last.begin() + 2, last.end(), IsHexDigit);
}

// `fail` builds the InvalidArgument for a reason.
template <typename Fail>
Status ValidateHostname(const std::string& bare, Fail fail) {
  if (bare.empty()) {
    return fail("has no host");
  }
  if (bare.size() > 253) {
    return fail("has a host name longer than 253 characters");
  }
  std::size_t label_start = 0;
  while (true) {
    std::size_t dot = bare.find('.', label_start);
    std::size_t len = (dot == std::string::npos ? bare.size() : dot) - label_start;
    if (len == 0) {
      return fail("has an empty label in its host name");
    }
    if (len > 63) {
      return fail("has a host name label longer than 63 characters");
    }
    if (dot == std::string::npos) {
      break;
    }
    label_start = dot + 1;
  }
  return Status::Ok();
}

// Everything but the policy checks. PermissionDenied only for the scheme.
Result<ParsedUrl> ParseUrl(std::string_view url, const std::vector<std::string>& schemes) {
  const std::string shown = RedactedUrl(url);
  auto fail = [&shown](std::string_view why) -> Status {
    return InvalidArgument("URL " + shown + " " + std::string(why));
  };
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return fail("contains whitespace or a control character");
    }
  }

  ParsedUrl out;
  const std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail("has no scheme (expected scheme://host)");
  }
  for (std::size_t i = 0; i < colon; ++i) {
    if (!IsSchemeChar(url[i], i == 0)) {
      return fail("has no scheme (expected scheme://host)");
    }
  }
  out.scheme = ToLowerAscii(url.substr(0, colon));
  if (std::find(schemes.begin(), schemes.end(), out.scheme) == schemes.end()) {
    std::string allowed;
    for (const auto& s : schemes) {
      allowed += (allowed.empty() ? "" : ", ") + s;
    }
    return PermissionDenied("egress to " + shown + " denied: scheme '" + out.scheme +
                            "' is not allowed (allowed: " + allowed + ")");
  }
  if (url.substr(colon + 1, 2) != "//") {
    return fail("has no host (expected scheme://host)");
  }

  const std::size_t auth_start = colon + 3;
  std::size_t auth_end = url.find_first_of("/?#", auth_start);
  if (auth_end == std::string_view::npos) {
    auth_end = url.size();
  }
  const std::string_view authority = url.substr(auth_start, auth_end - auth_start);
  if (authority.find('@') != std::string_view::npos) {
    return fail("has userinfo (user@host), which is not allowed");
  }
  if (authority.find('%') != std::string_view::npos) {
    return fail("has a percent-encoded host, which is not allowed");
  }
  if (authority.empty()) {
    return fail("has no host");
  }

  std::string_view rest;  // ":port" or ""
  if (authority[0] == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail("has an unterminated IPv6 literal");
    }
    const std::string literal = ToLowerAscii(authority.substr(1, close - 1));
    auto v6 = ParseIpv6(literal);
    if (!v6) {
      return fail("has a malformed IPv6 literal");
    }
    out.host = literal;
    out.bare_host = literal;
    out.literal = FormatIpv6(*v6);
    rest = authority.substr(close + 1);
  } else {
    const std::size_t port_sep = authority.find(':');
    out.host = ToLowerAscii(authority.substr(0, port_sep));
    rest = port_sep == std::string_view::npos ? std::string_view() : authority.substr(port_sep);
    if (!std::all_of(out.host.begin(), out.host.end(), IsHostChar)) {
      return fail("has a host with a character that is not allowed");
    }
    out.bare_host = out.host;
    if (!out.bare_host.empty() && out.bare_host.back() == '.') {
      out.bare_host.pop_back();
    }
    if (Status valid = ValidateHostname(out.bare_host, fail); !valid.ok()) {
      return valid;
    }
    if (EndsInNumber(out.bare_host)) {
      auto v4 = ParseInetAton(out.bare_host);
      if (!v4) {
        return fail("has a host that is neither an IPv4 address nor a host name");
      }
      out.literal = FormatIpv4(*v4);
    }
  }

  if (rest.empty()) {
    auto port = DefaultPort(out.scheme);
    if (!port) {
      return fail("has no port and scheme '" + out.scheme + "' has no default one");
    }
    out.port = *port;
  } else {
    std::string_view digits = rest.substr(1);
    if (rest[0] != ':' || digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), IsDigit)) {
      return fail("has a bad port");
    }
    int port = 0;
    for (char c : digits) {
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) {
      return fail("has a port outside 1-65535");
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

struct AddrinfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};

// Every address `host` resolves to, numeric, in resolver order, no duplicates.
Result<std::vector<std::string>> Resolve(const std::string& host, const std::string& shown) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw);
  if (rc != 0) {
    return Unavailable("egress to " + shown + ": cannot resolve '" + host +
                       "': " + gai_strerror(rc));
  }
  std::vector<std::string> out;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    std::string text;
    if (ai->ai_family == AF_INET) {
      const auto* sa = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      text = FormatIpv4(ntohl(sa->sin_addr.s_addr));
    } else if (ai->ai_family == AF_INET6) {
      const auto* sa = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      Ipv6Bytes bytes;
      std::memcpy(bytes.data(), sa->sin6_addr.s6_addr, bytes.size());
      text = FormatIpv6(bytes);
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), text) == out.end()) {
      out.push_back(std::move(text));
    }
  }
  if (out.empty()) {
    return Unavailable("egress to " + shown + ": '" + host + "' has no IPv4 or IPv6 address");
  }
  return out;
}

// An allow_hosts entry as URL hosts are compared: lower-cased, without
// brackets or a trailing dot.
std::string NormalizeAllowEntry(std::string_view entry) {
  std::string out = ToLowerAscii(entry);
  if (out.size() >= 2 && out.front() == '[' && out.back() == ']') {
    out = out.substr(1, out.size() - 2);
  }
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

}  // namespace

EgressGuard::EgressGuard(EgressPolicy policy) : policy_(std::move(policy)) {
  for (auto& host : policy_.allow_hosts) {
    host = NormalizeAllowEntry(host);
    if (auto judged = JudgeNumeric(host)) {
      allowed_ips_.push_back(judged->text);
    }
  }
  for (auto& scheme : policy_.schemes) {
    scheme = ToLowerAscii(scheme);
  }
}

bool EgressGuard::Allowed(std::string_view host) const {
  return std::find(policy_.allow_hosts.begin(), policy_.allow_hosts.end(), host) !=
         policy_.allow_hosts.end();
}

Result<EgressTarget> EgressGuard::Check(std::string_view url) const {
  auto parsed = ParseUrl(url, policy_.schemes);
  if (!parsed.ok()) {
    return parsed.status();
  }
  std::string shown =
      parsed->scheme + "://" +
      (parsed->host.find(':') != std::string::npos ? "[" + parsed->host + "]" : parsed->host) +
      ":" + std::to_string(parsed->port);

  EgressTarget target;
  target.scheme = parsed->scheme;
  target.host = parsed->host;
  target.port = parsed->port;
  if (parsed->literal) {
    target.addresses.push_back(*parsed->literal);
  } else {
    auto addresses = Resolve(parsed->host, shown);
    if (!addresses.ok()) {
      return addresses.status();
    }
    target.addresses = std::move(addresses).value();
  }

  if (Allowed(parsed->bare_host)) {
    return target;
  }
  for (const auto& address : target.addresses) {
    auto judged = JudgeNumeric(address);
    if (!judged) {
      return PermissionDenied("egress to " + shown + " denied: '" + address +
                              "' is not a numeric address");
    }
    if (judged->block_reason) {
      std::string what = parsed->literal
                             ? address + " is "
                             : "host '" + parsed->host + "' resolves to " + address + ", ";
      return PermissionDenied("egress to " + shown + " denied: " + what + *judged->block_reason +
                              " (add the host to [notifications] allow_hosts to permit it)");
    }
  }
  return target;
}

bool EgressGuard::IsBlocked(const std::string& numeric_address) const {
  std::string text = numeric_address;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  auto judged = JudgeNumeric(text);
  if (!judged) {
    return true;
  }
  if (std::find(allowed_ips_.begin(), allowed_ips_.end(), judged->text) != allowed_ips_.end()) {
    return false;
  }
  return judged->block_reason.has_value();
}

std::string CurlResolveEntry(const EgressTarget& target) {
  if (target.host.find(':') != std::string::npos) {
    return "";
  }
  std::string out = target.host + ":" + std::to_string(target.port) + ":";
  for (std::size_t i = 0; i < target.addresses.size(); ++i) {
    const auto& address = target.addresses[i];
    out += i == 0 ? "" : ",";
    out += address.find(':') != std::string::npos ? "[" + address + "]" : address;
  }
  return out;
}

}  // namespace tributary::notifiers
