#include "http/session_store.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdio>
#include <stdexcept>

#include "core/text_codec.h"

namespace tributary::http {
namespace {

std::string RandomHex() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw std::runtime_error("no randomness for a session id");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

SessionStore::SessionStore(const Clock& clock, Duration lifetime, std::size_t capacity)
    : clock_(clock), lifetime_(lifetime), capacity_(capacity) {}

UiSession SessionStore::Create(std::string token) {
  UiSession s{RandomHex(), std::move(token), RandomHex(), clock_.Now() + lifetime_};
  std::lock_guard lock(mu_);
  const auto now = clock_.Now();
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires <= now; });
  while (sessions_.size() >= capacity_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.expires < oldest->second.expires) {
        oldest = it;
      }
    }
    sessions_.erase(oldest);
  }
  sessions_[s.id] = s;
  return s;
}

std::optional<UiSession> SessionStore::Find(const Request& request) const {
  const auto id = CookieValue(request, kSessionCookie);
  if (!id || id->size() != 64) {
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  auto it = sessions_.find(*id);
  if (it == sessions_.end() || it->second.expires <= clock_.Now()) {
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::End(const std::string& id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

bool SessionStore::CsrfMatches(const UiSession& session, std::string_view csrf) {
  return csrf.size() == session.csrf.size() &&
         CRYPTO_memcmp(csrf.data(), session.csrf.data(), csrf.size()) == 0;
}

std::string SessionStore::Cookie(const UiSession& session, bool secure) const {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(lifetime_).count();
  return std::string(kSessionCookie) + "=" + session.id +
         "; Path=/; Max-Age=" + std::to_string(seconds) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string SessionStore::ClearingCookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::optional<std::string> CookieValue(const Request& request, std::string_view name) {
  const std::string* header = request.Header("cookie");
  if (header == nullptr) {
    return std::nullopt;
  }
  std::string_view rest = *header;
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

Result<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) {
      return InvalidArgument("the form is not valid application/x-www-form-urlencoded");
    }
    out.emplace(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace tributary::http
