#include "http/router.h"

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

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  auto segments = Split(pattern);
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

Response Router::Handle(Request request) const {
  std::string ignored;
  return Handle(std::move(request), &ignored);
}

Response Router::Handle(Request request, std::string* matched_pattern) const {
  matched_pattern->clear();
  const auto segments = Split(request.path);
  bool path_matched = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      if (IsParam(route.segments[i])) {
        params[route.segments[i].substr(1, route.segments[i].size() - 2)] = segments[i];
      } else {
        match = route.segments[i] == segments[i];
      }
    }
    if (!match) {
      continue;
    }
    if (!path_matched) {
      *matched_pattern = route.pattern;
    }
    path_matched = true;
    if (route.method != request.method && !(request.method == "HEAD" && route.method == "GET")) {
      continue;
    }
    *matched_pattern = route.pattern;
    request.params = std::move(params);
    return route.handler(request);
  }
  if (path_matched) {
    return Response::Error(405, "method_not_allowed",
                           request.method + " is not allowed on " + request.path);
  }
  return Response::Error(404, "not_found", "no such endpoint: " + request.path);
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
