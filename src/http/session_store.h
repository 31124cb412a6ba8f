#pragma once
// SessionStore: the web UI's sign-in sessions (DESIGN.md §5, "The UI writes").
//
// A person signs in by pasting a token once; the store keeps, in this
// process's memory only, the token (to authenticate each request exactly as a
// bearer token is, expiry included), when the session ends and its CSRF token.
// The browser holds only the session id, in an `HttpOnly`, `SameSite=Strict`
// cookie; every form carries the CSRF token, compared in constant time. API
// routes never read the cookie: only bearer tokens write through /api/v1.
//
// Sessions end after `lifetime` (absolute, default 8 h) or at sign-out; at
// most `capacity` live at once (the oldest goes first). With [replication]
// each replica keeps its own: a load balancer in front needs sticky sessions.
//
// Thread-safe.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_types.h"
#include "tributary/clock.h"

namespace tributary::http {

inline constexpr std::string_view kSessionCookie = "tributary_session";

struct UiSession {
  std::string id;     // 64 hex digits, the cookie's value
  std::string token;  // the bearer token pasted at sign-in (never shown or logged)
  std::string csrf;   // 64 hex digits, in every form
  Timestamp expires;
};

class SessionStore {
 public:
  explicit SessionStore(const Clock& clock, Duration lifetime = std::chrono::hours(8),
                        std::size_t capacity = 10000);

  // A new session for `token` (already authenticated by the caller).
  UiSession Create(std::string token);
  // The live session the request's cookie names, if any.
  std::optional<UiSession> Find(const Request& request) const;
  // Ends the session (sign-out); unknown ids are ignored.
  void End(const std::string& id);
  // Whether `csrf` is the session's CSRF token (constant time).
  static bool CsrfMatches(const UiSession& session, std::string_view csrf);

  // The Set-Cookie value that stores `session` (Secure when `secure`).
  std::string Cookie(const UiSession& session, bool secure) const;
  // The Set-Cookie value that clears it.
  static std::string ClearingCookie(bool secure);

  Duration lifetime() const { return lifetime_; }

 private:
  const Clock& clock_;
  Duration lifetime_;
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::map<std::string, UiSession> sessions_;
};

// The value of cookie `name` in the request's Cookie header, if present.
std::optional<std::string> CookieValue(const Request& request, std::string_view name);

// The fields of an application/x-www-form-urlencoded body (the first value of
// each name); a malformed encoding is InvalidArgument.
Result<std::map<std::string, std::string>> ParseForm(std::string_view body);

}  // namespace tributary::http
