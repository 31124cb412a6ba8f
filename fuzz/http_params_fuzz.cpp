// libFuzzer target: request targets through the HTTP layer's parsing — the
// target split and percent-decoding, the router's raw-segment matching and
// decoding, and every query parameter parser. Nothing may crash; a parameter
// that parses must be within its documented bounds; the router answers only
// 200, 400, 404 or 405.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/params.h"
#include "http/router.h"

namespace {

using tributary::http::Request;
using tributary::http::Response;

Response CheckParams(const Request& r) {
  using namespace tributary::http;
  if (auto limit = LimitParam(r, kDefaultPageLimit, kMaxPageLimit); limit.ok()) {
    if (*limit < 1 || *limit > kMaxPageLimit) {
      std::abort();
    }
  }
  if (auto after = CursorParam(r, "after", 1, 1000); after.ok() && after->has_value()) {
    if (**after < 1 || **after > 1000) {
      std::abort();
    }
  }
  if (auto depth = IntParam(r, "depth", 3, 1, 100); depth.ok()) {
    if (*depth < 1 || *depth > 100) {
      std::abort();
    }
  }
  (void)TimeParam(r, "at");
  if (auto q = TextParam(r, "q", 64); q.ok() && q->has_value() && (*q)->size() > 64) {
    std::abort();
  }
  return Response::Json(200, {{"params", r.params}});
}

const tributary::http::Router& TheRouter() {
  static const auto* router = [] {
    auto* r = new tributary::http::Router();
    r->Add("GET", "/api/v1/products/{name}", CheckParams);
    r->Add("GET", "/api/v1/products/{name}/deprecate", CheckParams);
    r->Add("GET", "/api/v1/nodes", CheckParams);
    r->Add("POST", "/api/v1/nodes", CheckParams);
    r->Add("GET", "/ui/node", CheckParams, tributary::http::AlwaysHeavy);
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  Request request;
  request.method = (data[0] & 1) != 0 ? "GET" : "POST";
  request.target = std::string(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!tributary::http::ParseTarget(request)) {
    return 0;  // the server answers 400
  }
  (void)TheRouter().IsHeavy(request);
  const auto response = TheRouter().Handle(request);
  if (response.status != 200 && response.status != 400 && response.status != 404 &&
      response.status != 405) {
    std::abort();
  }
  return 0;
}
