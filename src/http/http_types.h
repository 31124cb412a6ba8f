#pragma once
// Plain request/response values shared by the router, the handlers and the
// server. Deliberately free of Beast so handlers compile fast and are testable
// without a socket.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tributary::http {

struct Request {
  std::string method;    // "GET", "POST", ...
  std::string target;    // as sent: path and query
  std::string path;      // percent-decoded path
  std::string raw_path;  // the path as sent (the router matches its segments, then decodes)
  std::multimap<std::string, std::string> query;  // percent-decoded
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
  std::map<std::string, std::string> params;  // path parameters filled by the router

  // The first value of a query parameter, or nullptr.
  const std::string* Query(std::string_view name) const;
  const std::string* Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, const nlohmann::json& body);
  // The error shape of DESIGN.md §5: {"error":{"code","message"}}.
  static Response Error(int status, std::string_view code, std::string_view message);
};

// The headers every response carries (unless the handler set its own):
// X-Content-Type-Options: nosniff, Referrer-Policy: same-origin,
// X-Frame-Options: DENY, and a Content-Security-Policy by content type. No
// page may run script; HTML may use inline styles and same-origin images;
// standalone SVG and everything else is also sandboxed; nothing may be framed.
void AddSecurityHeaders(Response& response);

// Splits a request target into its decoded path and query; false when the
// target's percent-encoding is malformed.
bool ParseTarget(std::string_view target, std::string& path,
                 std::multimap<std::string, std::string>& query);
// The same, and fills request.path, request.raw_path and request.query from
// request.target.
bool ParseTarget(Request& request);

}  // namespace tributary::http
