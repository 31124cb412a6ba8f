#pragma once
// Bearer-token authentication and the read/write authorization rules of the
// HTTP API (DESIGN.md §5, `[auth]` / `[[auth.tokens]]`).
//
// The configuration holds only the hex SHA-256 of each token. A presented
// token is hashed and compared in constant time against every configured hash
// (all of them, whichever matches), so neither the token nor which entry it
// matched leaks through timing. Tokens are never logged, stored or echoed in a
// response; only a token's configured name is.
//
// Authentication comes before any lookup: a handler calls Authenticate(), then
// AuthorizeRead() or AuthorizeWrite(), and answers ErrorResponse(status) when
// one of them fails (401 with `WWW-Authenticate: Bearer`, or 403).
//
// An Authenticator is immutable after Create(); every method is safe to call
// from many threads at once. The Clock passed to Create() must outlive it.

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_types.h"
#include "tributary/clock.h"
#include "tributary/result.h"
#include "tributary/writer.h"

namespace tributary::http {

enum class Role { kReader, kOwner, kAdmin };

// "reader", "owner", "admin".
std::string_view ToString(Role role);
std::optional<Role> ParseRole(std::string_view text);

// One `[[auth.tokens]]` entry; the fields mirror tributary::TokenConfig.
struct BearerTokenConfig {
  std::string name;    // recorded as the actor of writes made with the token
  std::string sha256;  // hex SHA-256 of the token (either case)
  std::string role;    // reader | owner | admin
  std::string team;    // the team an owner token acts for
  std::optional<Timestamp> expires;
  std::vector<std::string> lineage_namespaces;  // unowned jobs it may write lineage for
};

struct AuthOptions {
  bool anonymous_read = true;
  std::vector<BearerTokenConfig> tokens;
};

// Who made a request.
struct Principal {
  std::string name;  // the token's configured name; "anonymous" without a token
  Role role = Role::kReader;
  std::string team;  // owner tokens only
  bool anonymous = false;
  std::vector<std::string> lineage_namespaces;  // owner tokens only
};

class Authenticator {
 public:
  // InvalidArgument naming the entry when a hash is not 64 hex digits, a role
  // is unknown, or an owner token has no team.
  static Result<Authenticator> Create(const AuthOptions& options, const Clock& clock);

  // No Authorization header: the anonymous principal (whether it may read is
  // AuthorizeRead's decision). Otherwise the header must be `Bearer <token>`
  // naming a configured token that has not expired; anything else is
  // Unauthenticated.
  Result<Principal> Authenticate(const Request& request) const;

  // Unauthenticated for the anonymous principal when anonymous_read is off.
  Status AuthorizeRead(const Principal& principal) const;

  // Every write needs a token (Unauthenticated otherwise). Readers never
  // write; admins write anything; an owner writes only where `owning_team` is
  // its own team (PermissionDenied otherwise). `owning_team` is std::nullopt
  // for a write that targets no team's resource (e.g. lineage ingest), which
  // any owner may make; pass "" for a resource that exists but has no owning
  // team, which only an admin may change.
  Status AuthorizeWrite(const Principal& principal,
                        std::optional<std::string_view> owning_team) const;

  // The leader's check of a replica's write (DESIGN.md §8): the token named by
  // `grant.actor` is configured here, has not expired, and may write for
  // `grant.team` (AuthorizeWrite's rule). PermissionDenied otherwise.
  Status AuthorizeGrant(const WriteGrant& grant) const;

  bool anonymous_read() const { return anonymous_read_; }

 private:
  struct Entry {
    std::array<unsigned char, 32> digest{};
    std::string name;
    Role role = Role::kReader;
    std::string team;
    std::optional<Timestamp> expires;
    std::vector<std::string> lineage_namespaces;
  };
  Authenticator(bool anonymous_read, std::vector<Entry> entries, const Clock& clock);

  bool anonymous_read_;
  std::vector<Entry> entries_;
  const Clock* clock_;
};

// A non-ok Status as the JSON error shape {"error":{"code","message"}}:
// InvalidArgument 400, NotFound 404, AlreadyExists 409, Unauthenticated 401
// (with `WWW-Authenticate: Bearer`), PermissionDenied 403, Unavailable 503,
// anything else 500. A 500 or 503 never shows the status's message (paths,
// SQLite errors): it is logged with a request id, which the answer names. The code is the ErrorCode
// in snake_case
// ("invalid_argument", "permission_denied", ...).
Response ErrorResponse(const Status& status);

// A short id for a request whose failure is logged rather than shown.
std::string NewRequestId();

// The snake_case code string ErrorResponse uses.
std::string_view ErrorCodeName(ErrorCode code);

}  // namespace tributary::http
