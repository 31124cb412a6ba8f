#pragma once
// Router: maps (method, path pattern) to a pure request -> response handler.
// Patterns are literal segments and `{name}` segments ("/api/v1/products/{name}").
// Segments are matched on the path as sent and percent-decoded after routing,
// so a name holding '/' travels as %2F; a matched segment is stored decoded in
// Request::params; an encoded literal segment is not the literal. Unknown paths
// answer 404 and known paths with another method 405 with an Allow header
// listing the path's methods, both in the JSON error shape. A GET route also
// answers HEAD (and is as heavy for it).
//
// A route may be marked heavy (CPU-bound work such as schema checks and SVG
// layouts): the server runs heavy requests on its bounded work pool, never on
// the threads that answer probes (see ServerOptions::is_heavy).
//
// Routes are added before the server starts; Handle() and IsHeavy() are then
// safe to call from many threads at once (they only read the table).

#include <functional>
#include <string>
#include <vector>

#include "http/http_types.h"

namespace tributary::http {

using Handler = std::function<Response(const Request&)>;
// Whether one request to a route is heavy; an empty predicate means never.
using HeavyPredicate = std::function<bool(const Request&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler, HeavyPredicate heavy = {});
  Response Handle(Request request) const;
  // The same, and stores the pattern of the route whose path matched (e.g.
  // "/api/v1/products/{name}", also for a 405) in `matched_pattern`, or ""
  // when no route's path matched. REQUIRES: matched_pattern != nullptr.
  Response Handle(Request request, std::string* matched_pattern) const;
  // True when the route the request reaches is heavy for it.
  bool IsHeavy(const Request& request) const;
  // "GET /healthz" style lines, for the OpenAPI coverage test and /api listing.
  std::vector<std::string> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    HeavyPredicate heavy;
  };
  enum class MatchKind { kNone, kPathOnly, kRoute, kBadEncoding };
  struct Match {
    MatchKind kind = MatchKind::kNone;
    const Route* route = nullptr;  // kRoute: the route; kPathOnly: the first path match
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed;  // kPathOnly: the path's methods, for Allow
  };
  Match Find(const Request& request) const;
  std::vector<Route> routes_;
};

// Always heavy.
inline bool AlwaysHeavy(const Request&) { return true; }

}  // namespace tributary::http
