// Access requests (DESIGN.md §5): a consumer team asks READ on a product for a
// principal (POST /products/{name}/access-requests), the owning team decides
// (POST /access-requests/{id}/decision), and the request is `applied` once the
// ACL is in place: created here with CreateAcls where the cluster has
// `acl_management = true`, else observed by governance (an ALLOW READ covering
// the principal and the topic, from the catalog, the audit log or the Admin API).
//
// Checks, in order: the token (401, 403 for a reader), the body (400), the
// product or request (404), who may ask or decide (403), the state (409).

#include <random>
#include <set>

#include "core/text_codec.h"
#include "http/routes/governance_json.h"
#include "http/routes/route_support.h"

namespace tributary::http {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPrincipal = 256;
constexpr std::size_t kMaxPurpose = 2000;

std::string NewAccessRequestId() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint64_t> dist;
  char buf[24];
  std::snprintf(buf, sizeof buf, "acc-%012llx",
                static_cast<unsigned long long>(dist(rd) & 0xffffffffffffULL));
  return buf;
}

bool AclManaged(const ApiContext& ctx, const std::string& cluster) {
  return ctx.governance_options != nullptr &&
         ctx.governance_options->acl_managed_clusters.contains(cluster);
}

// A Kafka principal: "<type>:<name>", both non-empty, printable, no spaces.
bool ValidPrincipal(const std::string& p) {
  const auto colon = p.find(':');
  if (p.empty() || p.size() > kMaxPrincipal || colon == 0 || colon == std::string::npos ||
      colon + 1 == p.size()) {
    return false;
  }
  return std::none_of(p.begin(), p.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

std::set<std::string> FilterParam(const Request& r, const char* name) {
  std::set<std::string> out;
  const auto* text = r.Query(name);
  if (text == nullptr) {
    return out;
  }
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    if (const auto item = rest.substr(0, comma); !item.empty()) {
      out.emplace(item);
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

Response NoSuchRequest(const std::string& id) {
  return Response::Error(404, "not_found",
                         "no access request \"" + DisplaySafe(id.substr(0, 64)) + "\"");
}

// The request as this replica's governance shows it, or `fallback` when the
// projection has not published it yet.
json Shown(const ApiContext& ctx, const std::string& id, const json& fallback) {
  if (const auto state = ctx.governance ? ctx.governance() : nullptr) {
    if (auto it = state->access_requests.find(id); it != state->access_requests.end()) {
      return AccessRequestJson(it->second, ctx.governance_options);
    }
  }
  return fallback;
}

Response RequestAccess(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return FromStatus(principal.status());
  }
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Response::Error(400, "bad_request", "the body must be a JSON object");
  }
  for (const char* key : {"principal", "purpose"}) {
    if (!body.contains(key) || !body[key].is_string() || body[key].get<std::string>().empty()) {
      return Response::Error(400, "bad_request",
                             std::string(key) + ": a non-empty string is required");
    }
  }
  if (body.contains("team") && !body["team"].is_null() && !body["team"].is_string()) {
    return Response::Error(400, "bad_request", "team: a string");
  }
  const auto kafka_principal = body["principal"].get<std::string>();
  if (!ValidPrincipal(kafka_principal)) {
    return Response::Error(400, "bad_request",
                           "principal: a Kafka principal \"<type>:<name>\" (e.g. User:svc-app) "
                           "without spaces, at most 256 bytes");
  }
  const auto purpose = body["purpose"].get<std::string>();
  if (purpose.size() > kMaxPurpose) {
    return Response::Error(400, "bad_request", "purpose: at most 2000 bytes");
  }
  std::string team = body.value("team", std::string());
  if (principal->role == Role::kAdmin) {
    if (team.empty()) {
      return Response::Error(400, "bad_request", "team: an admin names the requesting team");
    }
  } else if (team.empty()) {
    team = principal->team;
  } else if (team != principal->team) {
    return Response::Error(403, "forbidden",
                           "an owner token asks access for its own team (" + principal->team +
                               "), not for " + DisplaySafe(team.substr(0, 64)));
  }
  const auto& name = r.params.at("name");
  const auto catalog = ctx.catalog();
  auto it = catalog->products.find(name);
  if (it == catalog->products.end()) {
    return Response::Error(404, "not_found",
                           "no product named \"" + DisplaySafe(name.substr(0, 256)) + "\"");
  }
  const auto& product = it->second;
  if (product.status != "active") {
    std::string message = "product " + name + " is " + product.status;
    if (product.deprecation && product.deprecation->replacement &&
        !product.deprecation->replacement->empty()) {
      message += "; ask for access to its replacement " + *product.deprecation->replacement;
    }
    return Response::Error(409, "conflict", message + ": it takes no new consumers");
  }
  if (const auto state = ctx.governance ? ctx.governance() : nullptr) {
    for (const auto& [id, a] : state->access_requests) {
      if (a.requested.product == name && a.requested.principal == kafka_principal &&
          a.status != "denied") {
        return Response::Error(409, "conflict",
                               "request " + id + " for " + kafka_principal + " on " + name +
                                   " is already " + a.status);
      }
    }
  }
  AccessRequested fact{NewAccessRequestId(),
                       name,
                       product.published.cluster,
                       product.published.topic,
                       kafka_principal,
                       team,
                       purpose,
                       principal->name};
  const auto now = ctx.clock->Now();
  NewEvent event{fact, now, "api:" + principal->name, std::nullopt, "access/" + fact.id};
  // Any owner may ask: the grant names no team (the requesting team is in the event).
  auto appended = CommitEvent(ctx, std::move(event), {principal->name, std::nullopt});
  if (!appended.ok()) {
    return FromStatus(appended.status());
  }
  governance::AccessRequestState pending;
  pending.requested = fact;
  pending.requested_at = now;
  return Response::Json(201,
                        Shown(ctx, fact.id, AccessRequestJson(pending, ctx.governance_options)));
}

Response ListRequests(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  auto limit = LimitParam(r, kDefaultPageLimit, kMaxPageLimit);
  if (!limit.ok()) {
    return FromStatus(limit.status());
  }
  const auto statuses = FilterParam(r, "status");
  for (const auto& s : statuses) {
    if (s != "pending" && s != "approved" && s != "denied" && s != "applied") {
      return Response::Error(400, "bad_request",
                             "status: \"" + DisplaySafe(s.substr(0, 64)) +
                                 "\" is not one of pending, approved, denied, applied");
    }
  }
  const auto products = FilterParam(r, "product");
  const auto teams = FilterParam(r, "team");
  const auto* after = r.Query("after");
  json list = json::array();
  bool more = false;
  if (const auto state = ctx.governance ? ctx.governance() : nullptr) {
    auto it = after == nullptr || after->empty() ? state->access_requests.begin()
                                                 : state->access_requests.upper_bound(*after);
    for (; it != state->access_requests.end(); ++it) {
      const auto& a = it->second;
      if ((!statuses.empty() && !statuses.contains(a.status)) ||
          (!products.empty() && !products.contains(a.requested.product)) ||
          (!teams.empty() && !teams.contains(a.requested.team))) {
        continue;
      }
      if (list.size() == *limit) {
        more = true;
        break;
      }
      list.push_back(AccessRequestJson(a, ctx.governance_options));
    }
  }
  return Response::Json(
      200, {{"access_requests", list}, {"next", more ? list.back()["id"] : json(nullptr)}});
}

Response GetRequest(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto& id = r.params.at("id");
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  if (state == nullptr || !state->access_requests.contains(id)) {
    return NoSuchRequest(id);
  }
  const auto& a = state->access_requests.at(id);
  return Response::Json(200, AccessRequestJson(a, ctx.governance_options));
}

// Creates the request's ACL where its cluster is managed, and records it applied.
// Returns the error to show, or "" when applied (or nothing to do).
std::string ApplyAcl(const ApiContext& ctx, const governance::AccessRequestState& a,
                     const Principal& principal, const std::string& owner) {
  if (!AclManaged(ctx, a.requested.cluster) || !ctx.create_acl) {
    return "";
  }
  const auto acl = governance::RequiredAcl(a.requested);
  if (auto s = ctx.create_acl(acl); !s.ok()) {
    return s.message();
  }
  NewEvent event{AclApplied{a.requested.id, a.requested.product, acl, "create_acls"},
                 ctx.clock->Now(), "api:" + principal.name, std::nullopt,
                 "access/" + a.requested.id + "/applied"};
  if (auto appended = CommitEvent(ctx, std::move(event), {principal.name, owner}); !appended.ok()) {
    return "the ACL was created but its record failed: " + appended.status().message();
  }
  return "";
}

Response Decide(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return FromStatus(principal.status());
  }
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Response::Error(400, "bad_request", "the body must be a JSON object");
  }
  const auto decision = body.contains("decision") && body["decision"].is_string()
                            ? body["decision"].get<std::string>()
                            : std::string();
  if (decision != "approve" && decision != "deny") {
    return Response::Error(400, "bad_request", "decision: \"approve\" or \"deny\"");
  }
  if (body.contains("comment") && !body["comment"].is_string()) {
    return Response::Error(400, "bad_request", "comment: a string");
  }
  const auto& id = r.params.at("id");
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  if (state == nullptr || !state->access_requests.contains(id)) {
    return NoSuchRequest(id);
  }
  const auto& a = state->access_requests.at(id);
  const auto catalog = ctx.catalog();
  std::string owner;
  if (auto p = catalog->products.find(a.requested.product); p != catalog->products.end()) {
    owner = p->second.published.owner;
  }
  if (principal->role != Role::kAdmin) {
    if (principal->team != owner || owner.empty()) {
      return Response::Error(403, "forbidden",
                             "only an owner token of " +
                                 (owner.empty() ? std::string("the owning team") : owner) +
                                 ", the product's owning team, or an admin decides");
    }
    if (principal->team == a.requested.team) {
      return Response::Error(403, "forbidden",
                             "the requesting team cannot decide its own request: an admin does");
    }
  }
  if (a.status == "approved" && decision == "approve" && AclManaged(ctx, a.requested.cluster)) {
    // Approving again retries an ACL that could not be created.
    json out = AccessRequestJson(a, ctx.governance_options);
    if (auto error = ApplyAcl(ctx, a, *principal, owner); !error.empty()) {
      out["acl_error"] = error;
      return Response::Json(200, out);
    }
    return Response::Json(200, Shown(ctx, id, out));
  }
  if (a.status != "pending") {
    return Response::Error(409, "conflict", "request " + id + " is already " + a.status);
  }
  AccessDecided fact{id, a.requested.product, decision, principal->name,
                     body.value("comment", std::string())};
  NewEvent event{fact, ctx.clock->Now(), "api:" + principal->name, std::nullopt,
                 "access/" + id + "/decision"};
  auto appended = CommitEvent(ctx, std::move(event), {principal->name, owner});
  if (!appended.ok()) {
    return FromStatus(appended.status());
  }
  const auto after = ctx.governance();
  const auto& decided = after->access_requests.at(id);
  json out = AccessRequestJson(decided, ctx.governance_options);
  if (decided.status == "approved") {
    if (auto error = ApplyAcl(ctx, decided, *principal, owner); !error.empty()) {
      out["acl_error"] = error;
      return Response::Json(200, out);
    }
  }
  return Response::Json(200, Shown(ctx, id, out));
}

}  // namespace

void AddAccessRoutes(Router& router, const ApiContext& ctx) {
  router.Add("POST", "/api/v1/products/{name}/access-requests",
             [&ctx](const Request& r) { return RequestAccess(ctx, r); });
  router.Add("GET", "/api/v1/access-requests",
             [&ctx](const Request& r) { return ListRequests(ctx, r); });
  router.Add("GET", "/api/v1/access-requests/{id}",
             [&ctx](const Request& r) { return GetRequest(ctx, r); });
  router.Add("POST", "/api/v1/access-requests/{id}/decision",
             [&ctx](const Request& r) { return Decide(ctx, r); });
}

}  // namespace tributary::http
