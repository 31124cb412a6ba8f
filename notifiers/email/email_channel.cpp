#include "notifiers/email/email_channel.h"

#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <mutex>

#include "core/text_codec.h"
#include "notifiers/core/html_escape.h"
#include "notifiers/core/http_post.h"

namespace tributary::notifiers {
namespace {

// A header value on one line: CR and LF removed (no header injection).
std::string OneLine(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != '\r' && c != '\n') {
      out += c;
    }
  }
  return out;
}

// RFC 5322 §2.1.1: a line SHOULD be at most 78 characters without its CRLF;
// a long field is folded by a CRLF before whitespace (§2.2.3).
constexpr std::size_t kMaxLine = 78;
// RFC 2047 §2: an encoded-word is at most 75 characters.
constexpr std::size_t kMaxEncodedWord = 75;
constexpr std::string_view kEncodedWordStart = "=?UTF-8?B?";
constexpr std::string_view kEncodedWordEnd = "?=";

// `name: value` folded at the spaces of `value` into lines of at most kMaxLine;
// empty when some piece between spaces does not fit on a line.
std::string FoldAtSpaces(std::string_view name, std::string_view value) {
  std::string out = std::string(name) + ": ";
  std::size_t room = kMaxLine - out.size();
  std::size_t start = 0;
  while (value.size() - start > room) {
    // The last space that leaves the line within the limit; the continuation
    // line starts with it.
    const auto fold = value.rfind(' ', start + room);
    if (fold == std::string_view::npos || fold <= start ||
        value.substr(start, fold - start).find_first_not_of(' ') == std::string_view::npos) {
      return {};
    }
    out += std::string(value.substr(start, fold - start)) + "\r\n";
    start = fold;
    room = kMaxLine;
  }
  return out + std::string(value.substr(start));
}

// `name: value` as RFC 2047 encoded-words (base64 of UTF-8), one per line, each
// of whole characters (§5) and at most kMaxEncodedWord long, every line at
// most kMaxLine. Whitespace between encoded-words is not part of the text
// (§6.2), so the value is split anywhere between characters.
std::string EncodedWords(std::string_view name, std::string_view value) {
  std::string out = std::string(name) + ":";
  const std::size_t overhead = kEncodedWordStart.size() + kEncodedWordEnd.size();
  std::size_t pos = 0;
  bool first = true;
  while (pos < value.size() || first) {
    // " " before each word; the first line also holds the name.
    const std::size_t line_room = kMaxLine - (first ? out.size() : 0) - 1;
    const std::size_t word = std::min(kMaxEncodedWord, line_room);
    const std::size_t max_bytes = (word - overhead) / 4 * 3;
    std::size_t end = std::min(pos + max_bytes, value.size());
    // Back to a character's first byte (never a continuation byte 10xxxxxx).
    while (end < value.size() && end > pos &&
           (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
      --end;
    }
    out += std::string(first ? " " : "\r\n ") + std::string(kEncodedWordStart) +
           Base64Encode(value.substr(pos, end - pos)) + std::string(kEncodedWordEnd);
    pos = end;
    first = false;
  }
  return out;
}

// The Subject header line(s), without the final CRLF: printable ASCII folded at
// its spaces; anything else (other characters, text that would read as an
// encoded-word, a word too long to fold) as encoded-words.
std::string SubjectHeader(std::string_view subject) {
  const std::string value = OneLine(subject);
  const bool ascii = std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (ascii && value.find("=?") == std::string::npos) {
    if (auto folded = FoldAtSpaces("Subject", value); !folded.empty()) {
      return folded;
    }
  }
  return EncodedWords("Subject", value);
}

std::string Rfc5322Date(Timestamp t) {
  const std::time_t secs = static_cast<std::time_t>(ToMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t len = std::min(size * n, up->data.size() - up->pos);
  std::memcpy(buffer, up->data.data() + up->pos, len);
  up->pos += len;
  return len;
}

std::size_t DiscardResponse(char*, std::size_t size, std::size_t n, void*) { return size * n; }

class EmailChannel final : public Channel {
 public:
  EmailChannel(EmailConfig config, const EgressGuard& guard, const Clock& clock)
      : config_(std::move(config)),
        guard_(guard),
        clock_(clock),
        fingerprint_(Fingerprint(config_.smtp_url + "|" + config_.from)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  const std::string& name() const override { return config_.name; }
  std::string_view type() const override { return "email"; }
  std::string fingerprint() const override { return fingerprint_; }

  SendOutcome Send(const OutgoingMessage& message) override {
    auto target = guard_.Check(config_.smtp_url);
    if (!target.ok()) {
      return target.status().code() == ErrorCode::kUnavailable
                 ? SendOutcome::Retry(target.status().message())
                 : SendOutcome::Permanent(target.status().message());
    }
    const std::string mail = ComposeEmail(config_, message, clock_.Now());
    CURL* c = curl_easy_init();
    if (c == nullptr) {
      return SendOutcome::Retry("libcurl: cannot create a handle");
    }
    // Pinned to the checked addresses (an IPv6 literal needs no pinning).
    const std::string pin = CurlResolveEntry(*target);
    curl_slist* resolve = pin.empty() ? nullptr : curl_slist_append(nullptr, pin.c_str());
    curl_slist* rcpt = nullptr;
    for (const auto& to : config_.to) {
      rcpt = curl_slist_append(rcpt, ("<" + OneLine(to) + ">").c_str());
    }
    Upload upload{mail};
    const std::string from = "<" + OneLine(config_.from) + ">";
    curl_easy_setopt(c, CURLOPT_URL, config_.smtp_url.c_str());
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // a proxy would resolve the name itself
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     static_cast<long>(config_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (!config_.ca_file.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
    }
    if (!config_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, config_.password.c_str());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardResponse);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
    const CURLcode rc = curl_easy_perform(c);
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    curl_easy_cleanup(c);
    curl_slist_free_all(resolve);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) {
      return SendOutcome::Delivered();
    }
    const std::string what = std::string("SMTP: ") + curl_easy_strerror(rc) +
                             (reply != 0 ? " (reply " + std::to_string(reply) + ")" : "");
    if (rc == CURLE_USE_SSL_FAILED) {
      return SendOutcome::Permanent(what + ": the server does not offer TLS and require_tls is on");
    }
    if (rc == CURLE_LOGIN_DENIED || rc == CURLE_PEER_FAILED_VERIFICATION ||
        rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_UNSUPPORTED_PROTOCOL) {
      return SendOutcome::Permanent(what);
    }
    if (reply >= 500 && reply < 600) {
      return SendOutcome::Permanent(what);
    }
    return SendOutcome::Retry(what);
  }

 private:
  EmailConfig config_;
  const EgressGuard& guard_;
  const Clock& clock_;
  std::string fingerprint_;
};

}  // namespace

std::string EmailMessageId(const std::string& idempotency_key, const std::string& from) {
  std::string domain = "tributary.invalid";
  if (const auto at = from.rfind('@'); at != std::string::npos && at + 1 < from.size()) {
    domain = OneLine(from.substr(at + 1));
    domain.erase(std::remove(domain.begin(), domain.end(), '>'), domain.end());
  }
  return "<" + Fingerprint(idempotency_key) + "." + Fingerprint("#" + idempotency_key) + "@" +
         domain + ">";
}

std::string ComposeEmail(const EmailConfig& config, const OutgoingMessage& m, Timestamp date) {
  const std::string boundary = "tributary-" + Fingerprint(m.id + "|boundary");
  std::string to;
  for (const auto& r : config.to) {
    to += (to.empty() ? "" : ", ") + OneLine(r);
  }
  std::string html = m.html;
  if (html.empty()) {
    // A body rendered without an HTML template: a document showing it as
    // preformatted text.
    html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" +
           HtmlEscape(m.title) + "</title></head>\n<body>\n<pre>" + HtmlEscape(m.body) +
           "</pre>\n</body>\n</html>";
  }
  std::string out;
  out += "Date: " + Rfc5322Date(date) + "\r\n";
  out += "From: " + OneLine(config.from) + "\r\n";
  out += "To: " + to + "\r\n";
  out += SubjectHeader(m.title) + "\r\n";
  out += "Message-ID: " + EmailMessageId(m.id, config.from) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "X-Tributary-Kind: " + OneLine(m.kind) + "\r\n";
  out += "X-Tributary-Severity: " + OneLine(m.severity) + "\r\n";
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  out += "\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += Base64Encode(m.body, /*wrap_mime_lines=*/true) + "\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += Base64Encode(html, /*wrap_mime_lines=*/true) + "\r\n";
  out += "--" + boundary + "--\r\n";
  return out;
}

std::unique_ptr<Channel> MakeEmailChannel(EmailConfig config, const EgressGuard& guard,
                                          const Clock& clock) {
  return std::make_unique<EmailChannel>(std::move(config), guard, clock);
}

}  // namespace tributary::notifiers
