#include "http/router.h"

#include "core/text_codec.h"

#include <algorithm>

namespace tributary::http {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) {
      out.emplace_back(path.substr(start, end - start));
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// A GET route answers HEAD too.
bool MethodMatches(const std::string& route_method, const std::string& method) {
  return route_method == method || (method == "HEAD" && route_method == "GET");
}

// The methods of a path, for a 405's Allow (HEAD follows GET).
void AddAllowed(std::vector<std::string>& allowed, const std::string& method) {
  for (const auto& m : method == "GET" ? std::vector<std::string>{"GET", "HEAD"}
                                       : std::vector<std::string>{method}) {
    if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) {
      allowed.push_back(m);
    }
  }
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, HeavyPredicate heavy) {
  auto segments = Split(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler),
                     std::move(heavy)});
}

Router::Match Router::Find(const Request& request) const {
  Match found;
  // Segments are split and matched on the path as sent, so "%2F" inside a name
  // stays in its segment and an encoded literal ("%70roducts") is not the
  // literal (IsHeavy reads the same raw segments); parameters are decoded.
  const bool raw = !request.raw_path.empty();
  const auto segments = Split(raw ? request.raw_path : request.path);
  auto decoded = segments;
  if (raw) {
    for (auto& segment : decoded) {
      auto d = PercentDecode(segment);
      if (!d) {
        found.kind = MatchKind::kBadEncoding;
        return found;
      }
      segment = std::move(*d);
    }
  }
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      if (IsParam(route.segments[i])) {
        params[route.segments[i].substr(1, route.segments[i].size() - 2)] = decoded[i];
      } else {
        match = route.segments[i] == segments[i];
      }
    }
    if (!match) {
      continue;
    }
    if (found.kind == MatchKind::kNone) {
      found.kind = MatchKind::kPathOnly;
      found.route = &route;
    }
    if (!MethodMatches(route.method, request.method)) {
      AddAllowed(found.allowed, route.method);
      continue;
    }
    found.kind = MatchKind::kRoute;
    found.route = &route;
    found.params = std::move(params);
    return found;
  }
  return found;
}

Response Router::Handle(Request request) const {
  std::string ignored;
  return Handle(std::move(request), &ignored);
}

Response Router::Handle(Request request, std::string* matched_pattern) const {
  matched_pattern->clear();
  auto match = Find(request);
  switch (match.kind) {
    case MatchKind::kBadEncoding:
      return Response::Error(400, "bad_request", "malformed percent-encoding in the URL");
    case MatchKind::kNone:
      return Response::Error(404, "not_found", "no such endpoint: " + request.path);
    case MatchKind::kPathOnly: {
      *matched_pattern = match.route->pattern;
      auto response = Response::Error(405, "method_not_allowed",
                                      request.method + " is not allowed on " + request.path);
      std::string allow;
      for (const auto& m : match.allowed) {
        allow += (allow.empty() ? "" : ", ") + m;
      }
      response.headers.emplace_back("Allow", std::move(allow));
      return response;
    }
    case MatchKind::kRoute:
      break;
  }
  *matched_pattern = match.route->pattern;
  request.params = std::move(match.params);
  return match.route->handler(request);
}

// Called for every request: only the heavy routes are looked at, on the raw
// path without copying it. (No light route shadows a heavy one in the table:
// each heavy pattern is the only route of its method and shape.)
bool Router::IsHeavy(const Request& request) const {
  const std::string_view path = request.raw_path.empty() ? request.path : request.raw_path;
  for (const auto& route : routes_) {
    if (!route.heavy || !MethodMatches(route.method, request.method)) {
      continue;
    }
    std::size_t i = 0;
    std::size_t start = 0;
    bool match = true;
    while (match && start <= path.size()) {
      const auto slash = path.find('/', start);
      const auto end = slash == std::string_view::npos ? path.size() : slash;
      if (end > start) {
        const auto segment = path.substr(start, end - start);
        match = i < route.segments.size() &&
                (IsParam(route.segments[i]) || route.segments[i] == segment);
        ++i;
      }
      if (slash == std::string_view::npos) {
        break;
      }
      start = slash + 1;
    }
    if (match && i == route.segments.size()) {
      return route.heavy(request);
    }
  }
  return false;
}

std::vector<std::string> Router::Routes() const {
  std::vector<std::string> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) {
    out.push_back(r.method + " " + r.pattern);
  }
  return out;
}

}  // namespace tributary::http
