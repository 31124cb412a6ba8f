#pragma once
// Email over SMTP (libcurl): one multipart/alternative message (plain text and
// HTML) per notification to the channel's recipient list.
//
// TLS: `smtps://` is TLS from the first byte; `smtp://` upgrades with STARTTLS,
// and with `require_tls` (the default) a server that does not offer STARTTLS
// is refused before anything is sent. Headers: Date (RFC 5322), From, To,
// Subject (folded at its spaces into lines of at most 78 characters, RFC 5322
// §2.1.1; when not ASCII, RFC 2047 encoded-words of at most 75 characters that
// never split a UTF-8 character), Message-ID derived from the
// notification's idempotency key (a re-send carries the same id, so mail
// systems and people can see the duplicate), MIME-Version, Content-Type.
// SMTP 4xx replies and connection failures are retried; 5xx replies, refused
// TLS and refused logins are permanent.
//
// Thread-compatible: used by one worker thread at a time.

#include <memory>
#include <string>
#include <vector>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary::notifiers {

struct EmailConfig {
  std::string name;
  std::string smtp_url;  // smtps://host:465 or smtp://host:587
  bool require_tls = true;
  std::string from;
  std::vector<std::string> to;
  std::string username;  // optional: AUTH when set
  std::string password;
  std::string ca_file;  // optional: trust anchors for the server's certificate
  std::chrono::milliseconds timeout{20000};
};

// The complete RFC 5322 message as sent (CRLF line ends).
std::string ComposeEmail(const EmailConfig& config, const OutgoingMessage& message, Timestamp date);
// "<hex.hex@domain>" from the idempotency key and the From address's domain.
std::string EmailMessageId(const std::string& idempotency_key, const std::string& from);

// `guard` must allow the smtp/smtps schemes and outlive the channel.
std::unique_ptr<Channel> MakeEmailChannel(EmailConfig config, const EgressGuard& guard,
                                          const Clock& clock);

}  // namespace tributary::notifiers
