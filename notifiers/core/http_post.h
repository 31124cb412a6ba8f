#pragma once
// HttpPoster: POSTs JSON to one webhook endpoint over libcurl, the way every
// HTTP channel needs it: the destination checked by the egress guard and the
// connection pinned to the checked addresses (CURLOPT_RESOLVE, so DNS cannot
// change them between check and connect), redirects never followed, bounded
// connect and total timeouts, the connection kept alive between posts. The
// response is classified into a SendOutcome:
//   2xx delivered; 3xx permanent (not followed); 408, 425, 429, 5xx retry
//   (429/503 with Retry-After pause the endpoint that long); 410 gone;
//   other 4xx permanent; connection errors and timeouts retry.
//
// Thread-compatible: one poster per channel, used by one thread at a time.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary::notifiers {

struct HttpPostOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{10000};
};

class HttpPoster {
 public:
  // `guard` must outlive the poster.
  HttpPoster(std::string url, const EgressGuard& guard, HttpPostOptions options = {});
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  SendOutcome Post(const std::string& body,
                   const std::vector<std::pair<std::string, std::string>>& headers);
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  const EgressGuard& guard_;
  HttpPostOptions options_;
  void* curl_ = nullptr;  // CURL*, kept for connection reuse
};

// "Retry-After" as seconds or an HTTP date, relative to now; nullopt when absent or bad.
std::optional<Duration> ParseRetryAfter(std::string_view value, Timestamp now);

// A short stable hash of a string (hex), for channel fingerprints.
std::string Fingerprint(std::string_view text);

}  // namespace tributary::notifiers
