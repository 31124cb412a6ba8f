#include "http/auth.h"

#include "core/text_codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <utility>

namespace tributary::http {
namespace {

constexpr std::string_view kAnonymous = "anonymous";

Status Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}

Status PermissionDenied(std::string message) {
  return {ErrorCode::kPermissionDenied, std::move(message)};
}

bool DecodeSha256Hex(std::string_view hex, std::array<unsigned char, 32>& out) {
  if (hex.size() != 64) {
    return false;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigitValue(hex[2 * i]);
    const int lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

bool Sha256(std::string_view data, std::array<unsigned char, 32>& out) {
  unsigned int size = 0;
  return EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr) == 1 &&
         size == out.size();
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

// The credentials of `Bearer <token>`, or nullopt when the header has another
// form. The token is only ever hashed; it never reaches a message.
std::optional<std::string_view> BearerCredentials(std::string_view header) {
  while (!header.empty() && IsSpace(header.front())) {
    header.remove_prefix(1);
  }
  while (!header.empty() && IsSpace(header.back())) {
    header.remove_suffix(1);
  }
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() ||
      !EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme) ||
      !IsSpace(header[kScheme.size()])) {
    return std::nullopt;
  }
  auto token = header.substr(kScheme.size());
  while (!token.empty() && IsSpace(token.front())) {
    token.remove_prefix(1);
  }
  if (token.empty()) {
    return std::nullopt;
  }
  for (const char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return std::nullopt;
    }
  }
  return token;
}

}  // namespace

std::string_view ToString(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kOwner:
      return "owner";
    case Role::kAdmin:
      return "admin";
  }
  return "reader";
}

std::optional<Role> ParseRole(std::string_view text) {
  if (text == "reader") {
    return Role::kReader;
  }
  if (text == "owner") {
    return Role::kOwner;
  }
  if (text == "admin") {
    return Role::kAdmin;
  }
  return std::nullopt;
}

Authenticator::Authenticator(bool anonymous_read, std::vector<Entry> entries, const Clock& clock)
    : anonymous_read_(anonymous_read), entries_(std::move(entries)), clock_(&clock) {}

Result<Authenticator> Authenticator::Create(const AuthOptions& options, const Clock& clock) {
  std::vector<Entry> entries;
  std::string errors;
  const auto problem = [&errors](const BearerTokenConfig& token, std::string_view message) {
    errors += (errors.empty() ? "" : "\n") + std::string("auth token \"") + token.name +
              "\": " + std::string(message);
  };
  for (const auto& token : options.tokens) {
    Entry entry;
    entry.name = token.name;
    entry.team = token.team;
    entry.expires = token.expires;
    bool valid = true;
    if (token.name.empty()) {
      problem(token, "name is empty");
      valid = false;
    }
    if (!DecodeSha256Hex(token.sha256, entry.digest)) {
      problem(token, "sha256 must be 64 hex digits");
      valid = false;
    }
    if (const auto role = ParseRole(token.role)) {
      entry.role = *role;
    } else {
      problem(token, "role must be reader, owner or admin, not \"" + token.role + "\"");
      valid = false;
    }
    if (valid && entry.role == Role::kOwner && token.team.empty()) {
      problem(token, "an owner token needs a team");
      valid = false;
    }
    for (const auto& other : entries) {
      if (valid && other.digest == entry.digest) {
        problem(token, "has the same sha256 as token \"" + other.name + "\"");
        valid = false;
      }
    }
    if (valid) {
      entry.lineage_namespaces = token.lineage_namespaces;
      entries.push_back(std::move(entry));
    }
  }
  if (!errors.empty()) {
    return InvalidArgument(errors);
  }
  return Authenticator(options.anonymous_read, std::move(entries), clock);
}

Result<Principal> Authenticator::Authenticate(const Request& request) const {
  const std::string* header = request.Header("authorization");
  if (header == nullptr) {
    return Principal{std::string(kAnonymous), Role::kReader, "", true};
  }
  const auto token = BearerCredentials(*header);
  if (!token) {
    return Unauthenticated("the Authorization header must be \"Bearer <token>\"");
  }
  std::array<unsigned char, 32> digest{};
  if (!Sha256(*token, digest)) {
    return Status(ErrorCode::kInternal, "cannot hash the bearer token");
  }
  // Compare against every entry, without branching on the outcome, so the time
  // taken does not depend on which entry (if any) matched.
  std::size_t matched = 0;
  std::size_t found = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const int differs = CRYPTO_memcmp(digest.data(), entries_[i].digest.data(), digest.size());
    const std::size_t equal_mask =
        static_cast<std::size_t>(0) - static_cast<std::size_t>(differs == 0);
    found = (found & ~equal_mask) | (i & equal_mask);
    matched |= equal_mask;
  }
  OPENSSL_cleanse(digest.data(), digest.size());
  if (matched == 0) {
    return Unauthenticated("the bearer token is not valid");
  }
  const Entry& entry = entries_[found];
  if (entry.expires && clock_->Now() >= *entry.expires) {
    return Unauthenticated("the bearer token \"" + entry.name + "\" has expired");
  }
  return Principal{entry.name, entry.role, entry.team, false, entry.lineage_namespaces};
}

Status Authenticator::AuthorizeGrant(const WriteGrant& grant) const {
  Status refused(ErrorCode::kPermissionDenied,
                 "token \"" + grant.actor + "\" is not configured here");
  for (const auto& entry : entries_) {
    if (entry.name != grant.actor) {
      continue;
    }
    if (entry.expires && clock_->Now() >= *entry.expires) {
      refused = Status(ErrorCode::kPermissionDenied, "token \"" + entry.name + "\" has expired");
      continue;
    }
    const Principal principal{entry.name, entry.role, entry.team, false, entry.lineage_namespaces};
    auto s = AuthorizeWrite(
        principal, grant.team ? std::optional<std::string_view>(*grant.team) : std::nullopt);
    if (s.ok()) {
      return s;
    }
    refused = std::move(s);
  }
  return refused;
}

Status Authenticator::AuthorizeRead(const Principal& principal) const {
  if (principal.anonymous && !anonymous_read_) {
    return Unauthenticated("reading needs a bearer token");
  }
  return Status::Ok();
}

Status Authenticator::AuthorizeWrite(const Principal& principal,
                                     std::optional<std::string_view> owning_team) const {
  if (principal.anonymous) {
    return Unauthenticated("this request changes state and needs a bearer token");
  }
  switch (principal.role) {
    case Role::kAdmin:
      return Status::Ok();
    case Role::kReader:
      return PermissionDenied("token \"" + principal.name +
                              "\" has the reader role and cannot write");
    case Role::kOwner:
      if (!owning_team) {
        return Status::Ok();
      }
      if (!principal.team.empty() && *owning_team == principal.team) {
        return Status::Ok();
      }
      if (owning_team->empty()) {
        return PermissionDenied("token \"" + principal.name + "\" acts for team \"" +
                                principal.team +
                                "\"; only an admin token may change a resource no team owns");
      }
      return PermissionDenied("token \"" + principal.name + "\" acts for team \"" + principal.team +
                              "\", not for the owning team \"" + std::string(*owning_team) + "\"");
  }
  return PermissionDenied("unknown role");
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "bad_request";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "conflict";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kIoError:
      return "io_error";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "forbidden";
    case ErrorCode::kUnimplemented:
      return "unimplemented";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kResourceExhausted:
      return "too_complex";
  }
  return "internal";
}

std::string NewRequestId() {
  static std::atomic<std::uint64_t> counter{0};
  static const std::uint64_t boot =
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  const std::uint64_t n = counter.fetch_add(1) + 1;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%llu",
                static_cast<unsigned long long>(boot & 0xffffffffULL),
                static_cast<unsigned long long>(n));
  return buf;
}

Response ErrorResponse(const Status& status) {
  int http_status = 500;
  switch (status.code()) {
    case ErrorCode::kInvalidArgument:
      http_status = 400;
      break;
    case ErrorCode::kNotFound:
      http_status = 404;
      break;
    case ErrorCode::kAlreadyExists:
      http_status = 409;
      break;
    case ErrorCode::kUnauthenticated:
      http_status = 401;
      break;
    case ErrorCode::kPermissionDenied:
      http_status = 403;
      break;
    case ErrorCode::kUnavailable:
      http_status = 503;
      break;
    case ErrorCode::kResourceExhausted:
      http_status = 422;
      break;
    default:
      http_status = 500;
      break;
  }
  if (http_status == 500 || status.code() == ErrorCode::kUnavailable) {
    // Internal messages (file paths, SQLite errors) stay in the log; the
    // client gets a request id to quote.
    const std::string id = NewRequestId();
    spdlog::error("http: request {} failed: {}", id, status.ToString());
    auto response =
        Response::Error(http_status, ErrorCodeName(status.code()),
                        (http_status == 500 ? "internal error" : "temporarily unavailable; retry") +
                            std::string(" (request id ") + id + ")");
    if (http_status == 503) {
      response.headers.emplace_back("Retry-After", "1");
    }
    return response;
  }
  auto response = Response::Error(http_status, ErrorCodeName(status.code()), status.message());
  if (http_status == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

}  // namespace tributary::http
