#include "http/http_types.h"

#include <algorithm>
#include <cctype>

#include "core/text_codec.h"

namespace tributary::http {
namespace {

bool PercentDecodeInto(std::string_view in, std::string& out, bool plus_is_space) {
  auto decoded = tributary::PercentDecode(in, plus_is_space);
  if (!decoded) {
    return false;
  }
  out = std::move(*decoded);
  return true;
}

}  // namespace

const std::string* Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? nullptr : &it->second;
}

const std::string* Request::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? nullptr : &it->second;
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  return Json(status, {{"error", {{"code", code}, {"message", message}}}});
}

bool ParseTarget(std::string_view target, std::string& path,
                 std::multimap<std::string, std::string>& query) {
  const auto q = target.find('?');
  if (!PercentDecodeInto(target.substr(0, q), path, false)) {
    return false;
  }
  query.clear();
  if (q == std::string_view::npos) {
    return true;
  }
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    std::string key;
    std::string value;
    if (!PercentDecodeInto(pair.substr(0, eq), key, true) ||
        !PercentDecodeInto(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                           value, true)) {
      return false;
    }
    query.emplace(std::move(key), std::move(value));
  }
  return true;
}

void AddSecurityHeaders(Response& response) {
  const auto has = [&](std::string_view name) {
    for (const auto& [n, v] : response.headers) {
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return true;
      }
    }
    return false;
  };
  const bool html = response.content_type.rfind("text/html", 0) == 0;
  if (!has("content-security-policy")) {
    response.headers.emplace_back(
        "Content-Security-Policy",
        html ? "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
               "img-src 'self' data:; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
             : "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox");
  }
  if (!has("x-content-type-options")) {
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  if (!has("referrer-policy")) {
    // same-origin: nothing leaks to other sites, and the UI's own form posts
    // carry their Origin (no-referrer would make it "null"; see write_pages.cpp).
    response.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  if (!has("x-frame-options")) {
    response.headers.emplace_back("X-Frame-Options", "DENY");
  }
}

bool ParseTarget(Request& request) {
  const std::string_view target = request.target;
  request.raw_path = std::string(target.substr(0, target.find('?')));
  return ParseTarget(target, request.path, request.query);
}

}  // namespace tributary::http
