#pragma once
// What the API's route files share (internal to src/http/routes): the error
// shape, common parameters, authentication first, per-query timing, ownership,
// and one-event commits; and each resource's registration.
//
// Every handler is a pure function of the request and the ApiContext; see
// api_routes.h for the context's thread-safety.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "graph/queries.h"
#include "http/params.h"
#include "http/routes/api_routes.h"
#include "http/routes/graph_render.h"

namespace tributary::http {

// How far ahead a deprecation's sunset may be: five years.
inline constexpr auto kMaxSunsetAhead = std::chrono::hours(24 * (365 * 5 + 1));

// The error shape of DESIGN.md §5 for a Status.
inline Response FromStatus(const Status& status) { return ErrorResponse(status); }

// The `at` parameter (time travel): RFC 3339 or epoch milliseconds.
inline Result<std::optional<Timestamp>> AtParam(const Request& r) { return TimeParam(r, "at"); }

// A node id from outside: "product:<name>", a valid node id, or the id of a
// node the graph holds (Kafka group ids may hold characters Parse refuses);
// never a path.
Result<std::string> NodeParam(const ApiContext& ctx, const Request& r, std::string_view name);

// Authenticates and authorizes a read or a write before anything else.
Result<Principal> Admit(const ApiContext& ctx, const Request& r, bool write,
                        std::optional<std::string_view> owning_team = std::nullopt);

// How a lineage picture is drawn for this request: the nodes of the viewer's
// team highlighted (the `team` parameter, else the principal's team) and each
// group of `result` coloured by its consumer health.
PictureOptions PictureFor(const ApiContext& ctx, const Request& r, const Principal& principal,
                          const graph::LineageResult& result);

// The handler, with its duration observed as query `query` in the metrics.
template <typename F>
Handler Timed(const ApiContext& ctx, std::string query, F handler) {
  return [&ctx, query = std::move(query), handler = std::move(handler)](const Request& r) {
    const auto start = std::chrono::steady_clock::now();
    Response response = handler(r);
    if (ctx.metrics != nullptr) {
      ctx.metrics->ObserveQuery(
          query, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return response;
  };
}

// The team that owns a node: its ownership in the graph when the node exists,
// else an explicit catalog assignment, else the first matching [[routes]] glob.
std::optional<std::string> OwningTeam(const ApiContext& ctx, const NodeId& node);

// One event through the writer.
Result<AppendResult> CommitEvent(const ApiContext& ctx, NewEvent event, const WriteGrant& grant);

// A write to the product named by the path: the token (401, 403 for a
// reader), then the product (404), then the owning team or an admin (403), in
// that order. `product` points into `catalog`.
struct ProductWriteTarget {
  Principal principal;
  std::shared_ptr<const CatalogState> catalog;
  const ProductState* product = nullptr;
};
Result<ProductWriteTarget> AdmitProductWrite(const ApiContext& ctx, const Request& r);

// The approvals the `pii` policy reads: [[approvals]] and approved access requests.
std::vector<governance::Approval> Approvals(const ApiContext& ctx);

// Every team the catalog (declared, owning a product, subscribed, assigned a
// node), the config ([[teams]]) or a [[routes]] entry names (team_routes.cpp).
std::set<std::string> TeamNames(const ApiContext& ctx, const CatalogState& catalog);
// One team of the routing table: {"name","display_name","contacts" (catalog
// and config),"routes","subscriptions"} (team_routes.cpp).
nlohmann::json TeamJson(const ApiContext& ctx, const CatalogState& catalog,
                        const std::string& name);

// GET /products/{name}'s body, or nullopt when there is no such product.
std::optional<nlohmann::json> ProductDetail(const ApiContext& ctx, const std::string& name);

// Each resource's routes (one file each).
void AddHealthRoutes(Router& router, const ApiContext& ctx);
void AddLineageRoutes(Router& router, const ApiContext& ctx);
void AddProductRoutes(Router& router, const ApiContext& ctx);
void AddProductWriteRoutes(Router& router, const ApiContext& ctx);  // product_writes.cpp
void AddLogRoutes(Router& router, const ApiContext& ctx);
void AddTeamRoutes(Router& router, const ApiContext& ctx);
void AddNotificationRoutes(Router& router, const ApiContext& ctx);
void AddDeprecationRoutes(Router& router, const ApiContext& ctx);
void AddCompatibilityRoutes(Router& router, const ApiContext& ctx);
void AddGovernanceRoutes(Router& router, const ApiContext& ctx);
void AddAccessRoutes(Router& router, const ApiContext& ctx);  // access_routes.cpp
void AddConsumerRoutes(Router& router, const ApiContext& ctx);

}  // namespace tributary::http
