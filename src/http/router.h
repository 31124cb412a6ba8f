#pragma once
// Router: maps (method, path pattern) to a pure request -> response handler.
// Patterns are literal segments and `{name}` segments ("/api/v1/products/{name}");
// a matched segment is stored in Request::params. Unknown paths answer 404 and
// known paths with another method 405, both in the JSON error shape.
//
// Routes are added before the server starts; Handle() is then safe to call
// from many threads at once (it only reads the table).

#include <functional>
#include <string>
#include <vector>

#include "http/http_types.h"

namespace tributary::http {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  Response Handle(Request request) const;
  // The same, and stores the pattern of the route whose path matched (e.g.
  // "/api/v1/products/{name}", also for a 405) in `matched_pattern`, or ""
  // when no route's path matched. REQUIRES: matched_pattern != nullptr.
  Response Handle(Request request, std::string* matched_pattern) const;
  // "GET /healthz" style lines, for the OpenAPI coverage test and /api listing.
  std::vector<std::string> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace tributary::http
