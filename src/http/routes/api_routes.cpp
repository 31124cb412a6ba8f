#include "http/routes/route_support.h"

#include "core/text_codec.h"
#include "graph/glob.h"

namespace tributary::http {

Result<std::string> NodeParam(const ApiContext& ctx, const Request& r, std::string_view name) {
  const auto* text = r.Query(name);
  if (text == nullptr || text->empty()) {
    return InvalidArgument(std::string(name) +
                           " is required (a node id such as topic:local/orders)");
  }
  if (text->rfind("product:", 0) == 0) {
    const auto product = std::string_view(*text).substr(8);
    if (product.empty() || !IsCleanUtf8(product) || product.find('/') != std::string_view::npos ||
        product == "." || product == "..") {
      return InvalidArgument(std::string(name) + ": invalid product name");
    }
    return *text;
  }
  auto id = NodeId::Parse(*text);
  if (!id.ok()) {
    if (ctx.graph()->Find(*text) != graph::kNone) {
      return *text;
    }
    return InvalidArgument(std::string(name) + ": " + id.status().message());
  }
  return id->str();
}

Result<Principal> Admit(const ApiContext& ctx, const Request& r, bool write,
                        std::optional<std::string_view> owning_team) {
  auto principal = ctx.auth->Authenticate(r);
  if (!principal.ok()) {
    return principal.status();
  }
  const auto status = write ? ctx.auth->AuthorizeWrite(*principal, owning_team)
                            : ctx.auth->AuthorizeRead(*principal);
  if (!status.ok()) {
    return status;
  }
  return principal;
}

std::optional<std::string> OwningTeam(const ApiContext& ctx, const NodeId& node) {
  const auto g = ctx.graph();
  if (const auto v = g->Find(node.str()); v != graph::kNone) {
    if (auto owner = g->OwnerOf(v)) {
      return std::string(owner->team);
    }
    return std::nullopt;
  }
  const auto catalog = ctx.catalog();
  if (auto it = catalog->owners.find(node.str()); it != catalog->owners.end()) {
    return it->second;
  }
  for (const auto& [glob, team] : ctx.routes) {
    if (graph::GlobMatch(glob, node.str())) {
      return team;
    }
  }
  return std::nullopt;
}

std::vector<governance::Approval> Approvals(const ApiContext& ctx) {
  const std::vector<governance::Approval> none;
  const auto& configured =
      ctx.governance_options != nullptr ? ctx.governance_options->approvals : none;
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  return state ? governance::ApprovalsOf(*state, configured) : configured;
}

Result<AppendResult> CommitEvent(const ApiContext& ctx, NewEvent event, const WriteGrant& grant) {
  Batch batch;
  batch.events.push_back(std::move(event));
  return ctx.writer->CommitAs(std::move(batch), grant);
}

void AddApiRoutes(Router& router, const ApiContext& context) {
  AddHealthRoutes(router, context);
  AddLineageRoutes(router, context);
  AddProductRoutes(router, context);
  AddConsumerRoutes(router, context);
  AddLogRoutes(router, context);
  AddTeamRoutes(router, context);
  AddNotificationRoutes(router, context);
  AddDeprecationRoutes(router, context);
  AddCompatibilityRoutes(router, context);
  AddGovernanceRoutes(router, context);
  AddAccessRoutes(router, context);
}

}  // namespace tributary::http
