#include "notifiers/core/http_post.h"

#include <curl/curl.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <mutex>

#include "core/projection.h"

namespace tributary::notifiers {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Response {
  std::string retry_after;
};

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  const std::size_t len = size * n;
  std::string_view line(data, len);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kName.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) {
        match = false;
        break;
      }
    }
    if (match) {
      auto value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() &&
             (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
        value.remove_suffix(1);
      }
      static_cast<Response*>(user)->retry_after = std::string(value);
    }
  }
  return len;
}

std::size_t Discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

}  // namespace

std::string_view ToString(SendOutcome::Kind kind) {
  switch (kind) {
    case SendOutcome::Kind::kDelivered:
      return "delivered";
    case SendOutcome::Kind::kRetry:
      return "retry";
    case SendOutcome::Kind::kPermanent:
      return "permanent";
    case SendOutcome::Kind::kGone:
      return "gone";
  }
  return "unknown";
}

std::optional<Duration> ParseRetryAfter(std::string_view value, Timestamp now) {
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) {
      return std::chrono::hours(24);
    }
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  // An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const std::string text(value);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) {
    return std::nullopt;
  }
  const auto at = FromMillis(static_cast<std::int64_t>(timegm(&tm)) * 1000);
  return at > now ? std::chrono::duration_cast<Duration>(at - now) : Duration(0);
}

std::string Fingerprint(std::string_view text) {
  Fnv1a64 h;
  h.Add(text);
  return h.Hex();
}

HttpPoster::HttpPoster(std::string url, const EgressGuard& guard, HttpPostOptions options)
    : url_(std::move(url)), guard_(guard), options_(options) {
  GlobalInit();
}

HttpPoster::~HttpPoster() {
  if (curl_ != nullptr) {
    curl_easy_cleanup(static_cast<CURL*>(curl_));
  }
}

SendOutcome HttpPoster::Post(const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  auto target = guard_.Check(url_);
  if (!target.ok()) {
    if (target.status().code() == ErrorCode::kUnavailable) {
      return SendOutcome::Retry(target.status().message());
    }
    return SendOutcome::Permanent(target.status().message());
  }
  if (curl_ == nullptr) {
    curl_ = curl_easy_init();
    if (curl_ == nullptr) {
      return SendOutcome::Retry("libcurl: cannot create a handle");
    }
  }
  CURL* c = static_cast<CURL*>(curl_);
  // Pinned to the checked addresses (an IPv6 literal needs no pinning).
  const std::string pin = CurlResolveEntry(*target);
  curl_slist* resolve = pin.empty() ? nullptr : curl_slist_append(nullptr, pin.c_str());
  curl_slist* header_list = curl_slist_append(nullptr, "Content-Type: application/json");
  header_list = curl_slist_append(header_list, "Expect:");
  for (const auto& [name, value] : headers) {
    header_list = curl_slist_append(header_list, (name + ": " + value).c_str());
  }
  Response response;
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // a proxy would resolve the name itself
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "tributary-notifier");
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(c, CURLOPT_RESOLVE, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(resolve);
  curl_slist_free_all(header_list);
  if (rc != CURLE_OK) {
    // The connection may be half-used: start the next post on a fresh handle.
    curl_easy_cleanup(c);
    curl_ = nullptr;
    return SendOutcome::Retry(std::string("HTTP: ") + curl_easy_strerror(rc));
  }
  const std::string what = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) {
    return SendOutcome::Delivered();
  }
  if (status >= 300 && status < 400) {
    return SendOutcome::Permanent(what + ": redirects are not followed");
  }
  if (status == 410) {
    return SendOutcome::Gone(what + ": the endpoint is gone");
  }
  if (status == 429 || status == 503) {
    const auto after = ParseRetryAfter(response.retry_after, SystemClock().Now());
    return SendOutcome::Retry(what, after, after.has_value());
  }
  if (status == 408 || status == 425 || status >= 500) {
    return SendOutcome::Retry(what);
  }
  return SendOutcome::Permanent(what);
}

}  // namespace tributary::notifiers
