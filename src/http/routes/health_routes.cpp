// Health routes of the HTTP API (DESIGN.md §5). Liveness, readiness and the OpenAPI document.

#include "http/routes/route_support.h"

#include "http/openapi.h"

namespace tributary::http {
namespace {

using nlohmann::json;

Response GetHealth(const ApiContext&, const Request&) {
  return Response::Json(200, {{"status", "ok"}});
}

Response GetReady(const ApiContext& ctx, const Request&) {
  // Gaps do not make the service unready (it reads on), but are shown: an
  // operator must know that records were lost before they were read.
  json gaps = json::array();
  if (ctx.source_gaps) {
    for (const auto& g : ctx.source_gaps()) {
      gaps.push_back({{"cluster", g.cluster},
                      {"topic", g.topic},
                      {"partition", g.partition},
                      {"from_offset", g.from_offset},
                      {"to_offset", g.to_offset},
                      {"records_lost", g.to_offset - g.from_offset}});
    }
  }
  // Appends fail (disk full, read-only file system): reads go on from memory,
  // ingestion and writes wait until an append succeeds again.
  if (ctx.storage_fault) {
    if (auto fault = ctx.storage_fault()) {
      return Response::Json(
          503, {{"status", "storage unavailable"}, {"reason", *fault}, {"source_gaps", gaps}});
    }
  }
  if (!ctx.ready || ctx.ready()) {
    return Response::Json(200, {{"status", "ready"}, {"source_gaps", gaps}});
  }
  return Response::Json(503, {{"status", "catching up"}, {"source_gaps", gaps}});
}

Response GetReplica(const ApiContext& ctx, const Request& request) {
  if (auto p = Admit(ctx, request, false); !p.ok()) {
    return FromStatus(p.status());
  }
  return Response::Json(200, ctx.replica ? ctx.replica() : json{{"role", "single"}});
}

Response GetOpenApi(const ApiContext& ctx, const Request& request) {
  if (auto p = Admit(ctx, request, false); !p.ok()) {
    return FromStatus(p.status());
  }
  Response r;
  r.body = std::string(OpenApiDocument());
  return r;
}

}  // namespace

void AddHealthRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/healthz", [&ctx](const Request& r) { return GetHealth(ctx, r); });
  router.Add("GET", "/readyz", [&ctx](const Request& r) { return GetReady(ctx, r); });
  // The document and /metrics are reads like any other: with anonymous_read
  // off they need a token (Prometheus scrapes with a bearer token).
  router.Add("GET", "/api/v1/replica", [&ctx](const Request& r) { return GetReplica(ctx, r); });
  router.Add("GET", "/api/v1/openapi.json",
             [&ctx](const Request& r) { return GetOpenApi(ctx, r); });
}

}  // namespace tributary::http
