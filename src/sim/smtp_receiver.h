#pragma once
// SmtpReceiver: a small SMTP server on loopback for `tributary demo`, so the
// demo's email channel delivers somewhere a user can look at (the UI lists what
// it received). Enough of RFC 5321 for libcurl's SMTP client: greeting 220,
// EHLO/HELO (no STARTTLS, no AUTH: the demo's email channel sets
// require_tls = false for this loopback receiver), MAIL FROM, RCPT TO, DATA
// (dot-unstuffing, terminated by a line holding "."), RSET, NOOP, QUIT; 500 for
// an unknown command or an over-long line, 501 for bad arguments, 503 for
// commands out of order, 552 for a message over the size limit (1 MiB).
//
// It keeps the last 500 messages in memory. It is not a mail relay: every
// recipient is accepted and nothing is forwarded.
//
// Lifetime: Start() binds and starts one I/O thread; Stop() (also run by the
// destructor) closes every connection and joins it. Messages() and port() are
// thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::sim {

struct ReceivedEmail {
  std::string helo;  // the client's EHLO/HELO argument
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;  // the message as sent (headers and body), CRLF line ends, unstuffed
  Timestamp received;
};

class SmtpReceiver {
 public:
  static constexpr std::size_t kMaxMessageBytes = 1 << 20;
  static constexpr std::size_t kKeptMessages = 500;

  // Binds `host`:`port` (0 = any free port) and starts serving.
  static Result<std::unique_ptr<SmtpReceiver>> Start(std::string host = "127.0.0.1",
                                                     std::uint16_t port = 0);
  ~SmtpReceiver();
  SmtpReceiver(const SmtpReceiver&) = delete;
  SmtpReceiver& operator=(const SmtpReceiver&) = delete;

  std::uint16_t port() const;
  // Oldest first. Thread-safe.
  std::vector<ReceivedEmail> Messages() const;
  // Closes the listener and every connection; idempotent. Thread-safe.
  void Stop();

 private:
  class Impl;
  explicit SmtpReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What the UI shows of a message: the decoded Subject (RFC 2047 encoded words
// read) and the text/plain part, its transfer encoding (base64,
// quoted-printable) undone; of a multipart message the first text/plain part,
// else the first part. Pure; thread-safe.
struct EmailContent {
  std::string subject;
  std::string from;
  std::string to;
  std::string text;  // the text/plain body; empty when there is none
};
EmailContent ExtractEmailContent(std::string_view data);

}  // namespace tributary::sim
