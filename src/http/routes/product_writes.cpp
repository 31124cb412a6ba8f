// Self-service catalog writes (DESIGN.md §5): publish (POST /products), update
// (PATCH /products/{name}) and retire (POST /products/{name}/retire).
//
// Each write, in order: the token (401 without one, 403 for a reader), the
// body (400 for malformed JSON or a wrong type, with the field), the owner
// (403 unless the token's team owns the product, or admin), the state (404,
// 409), then the metadata: missing, null or empty required metadata and every
// violation of a blocking policy answer 422 with the violations. What passes
// is written through the CatalogWrites port (the catalog topic, else the log)
// and answered once this replica's catalog shows it.

#include <array>
#include <thread>

#include "http/routes/route_support.h"

namespace tributary::http {
namespace {

using nlohmann::json;

// The metadata a self-service product must have (a built-in blocking policy).
constexpr std::array<std::string_view, 7> kRequiredMetadata{
    "product", "topic", "domain", "owner", "description", "quality", "sla"};
constexpr std::string_view kRequiredPolicy = "required_metadata";

// How long a write the log has stored may take to show in the catalog.
constexpr auto kShowTimeout = std::chrono::seconds(5);

const json* Field(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

bool Empty(const json* v) {
  return v == nullptr || v->is_null() ||
         (v->is_string() && v->get_ref<const std::string&>().empty());
}

json ViolationJson(std::string_view policy, std::string_view severity, std::string_view message) {
  return {{"policy", policy}, {"severity", severity}, {"message", message}};
}

Response Unprocessable(const json& violations) {
  std::string first = violations.empty() ? "" : violations[0]["message"].get<std::string>();
  json body = {{"error",
                {{"code", "policy_violation"},
                 {"message", "the product breaks " + std::to_string(violations.size()) +
                                 " blocking rule" + (violations.size() == 1 ? "" : "s") +
                                 (first.empty() ? "" : ": " + first)}}},
               {"violations", violations}};
  return Response::Json(422, body);
}

// The blocking policies' violations of `candidate` as it would be.
void AddPolicyViolations(const ApiContext& ctx, const ProductState& candidate, json& out) {
  if (ctx.governance_options == nullptr || !ctx.governance_options->policies) {
    return;
  }
  const auto& o = *ctx.governance_options;
  const auto catalog = ctx.catalog();
  const auto schemas = ctx.schemas();
  const auto graph = ctx.graph();
  governance::InputSources sources{*catalog, *schemas,  graph.get(),
                                   nullptr,  o.regions, o.approvals};
  const auto input = governance::BuildPolicyInput(sources, candidate.published.product, candidate);
  for (const auto& v : o.policies->Evaluate(input)) {
    if (v.severity == "block") {
      out.push_back(ViolationJson(v.policy, v.severity, v.message));
    }
  }
}

// Waits until this replica's catalog shows a write: `shown` over the catalog.
template <typename Shown>
Status AwaitShown(const ApiContext& ctx, Shown shown) {
  const auto deadline = std::chrono::steady_clock::now() + kShowTimeout;
  for (auto pause = std::chrono::milliseconds(1);;
       pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    if (shown(*ctx.catalog())) {
      return Status::Ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Unavailable("the write was stored but is not shown yet; it will be");
    }
    std::this_thread::sleep_for(pause);
  }
}

Status Write(const ApiContext& ctx, const DomainEvent& event, const WriteGrant& grant) {
  if (ctx.catalog_writes != nullptr) {
    return ctx.catalog_writes->Write(event, grant, std::nullopt);
  }
  NewEvent e{event, ctx.clock->Now(), "api:" + grant.actor, std::nullopt, std::nullopt};
  auto appended = CommitEvent(ctx, std::move(e), grant);
  return appended.ok() ? Status::Ok() : appended.status();
}

Result<DomainEvent> Decode(const ApiContext& ctx, std::string_view type, const json& data,
                           const std::string& actor) {
  if (ctx.catalog_writes == nullptr) {
    return Unimplemented("catalog writes are not available on this server");
  }
  return ctx.catalog_writes->Decode(type, data, actor);
}

Result<json> BodyObject(const Request& r) {
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return InvalidArgument("the body must be a JSON object");
  }
  return body;
}

Response Created(const ApiContext& ctx, int status, const std::string& name) {
  auto detail = ProductDetail(ctx, name);
  if (!detail) {
    return Response::Error(503, "unavailable", "written; not shown yet");
  }
  return Response::Json(status, *detail);
}

Response PublishProduct(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return FromStatus(principal.status());
  }
  auto body = BodyObject(r);
  if (!body.ok()) {
    return FromStatus(body.status());
  }
  json data = std::move(body).value();
  if (Empty(Field(data, "cluster")) && !ctx.clusters.empty()) {
    data["cluster"] = ctx.clusters.front();
  }
  // Who may publish for the owner comes before what is wrong with the rest.
  if (const auto* owner = Field(data, "owner");
      owner != nullptr && owner->is_string() && !owner->get_ref<const std::string&>().empty()) {
    if (auto s = ctx.auth->AuthorizeWrite(*principal, owner->get<std::string>()); !s.ok()) {
      return FromStatus(s);
    }
  }
  // Missing or empty required metadata: checked for type with a stand-in, then
  // reported with the policies' violations.
  json violations = json::array();
  json checked = data;
  for (const auto key : kRequiredMetadata) {
    if (Empty(Field(data, key))) {
      violations.push_back(ViolationJson(kRequiredPolicy, "block",
                                         std::string(key) + ": required, and must not be empty"));
      checked[std::string(key)] = key == "quality" ? "raw" : key == "sla" ? "tier-3" : "x";
      data.erase(std::string(key));
    }
  }
  auto decoded = Decode(ctx, "tributary.product.published", checked, principal->name);
  if (!decoded.ok()) {
    return FromStatus(decoded.status());
  }
  ProductState candidate;
  candidate.published = std::get<ProductPublished>(std::move(decoded).value());
  for (const auto key : kRequiredMetadata) {  // the candidate as sent, stand-ins removed
    if (key == "product" && !data.contains("product")) {
      candidate.published.product.clear();
    } else if (!data.contains(std::string(key))) {
      MergeProductUpdate(candidate.published, {{std::string(key), ""}});
    }
  }
  const auto& name = candidate.published.product;
  if (violations.empty() || data.contains("product")) {
    const auto catalog = ctx.catalog();
    if (catalog->products.contains(name)) {
      return Response::Error(
          409, "conflict",
          "product \"" + name + "\" exists; change it with PATCH /products/" + name);
    }
  }
  AddPolicyViolations(ctx, candidate, violations);
  if (!violations.empty()) {
    return Unprocessable(violations);
  }
  const WriteGrant grant{principal->name, candidate.published.owner};
  if (auto s = Write(ctx, candidate.published, grant); !s.ok()) {
    return FromStatus(s);
  }
  if (auto s = AwaitShown(ctx, [&](const CatalogState& c) { return c.products.contains(name); });
      !s.ok()) {
    return FromStatus(s);
  }
  return Created(ctx, 201, name);
}

Response UpdateProduct(const ApiContext& ctx, const Request& r) {
  auto target = AdmitProductWrite(ctx, r);
  if (!target.ok()) {
    return FromStatus(target.status());
  }
  const auto& name = r.params.at("name");
  const auto* principal = &target->principal;
  const auto& current = *target->product;
  auto body = BodyObject(r);
  if (!body.ok()) {
    return FromStatus(body.status());
  }
  json data = std::move(body).value();
  if (const auto* p = Field(data, "product");
      p != nullptr && !(p->is_string() && p->get_ref<const std::string&>() == name)) {
    return Response::Error(400, "bad_request",
                           "product: a product cannot be renamed (publish a new one)");
  }
  data["product"] = name;
  if (current.status == "retired") {
    return Response::Error(409, "conflict", "product \"" + name + "\" is retired");
  }
  // Required metadata set to null or "": a violation, not a type error.
  json violations = json::array();
  json checked = data;
  json emptied = json::object();
  for (const auto key : kRequiredMetadata) {
    const auto* v = Field(data, key);
    if (v != nullptr && Empty(v)) {
      violations.push_back(ViolationJson(kRequiredPolicy, "block",
                                         std::string(key) + ": required, and must not be empty"));
      checked.erase(std::string(key));
      emptied[std::string(key)] = "";
    }
  }
  if (const auto* owner = Field(data, "owner");
      owner != nullptr && owner->is_string() && !owner->get_ref<const std::string&>().empty()) {
    // Handing a product to another team is the current owner's (or an admin's) call;
    // the new owner need not agree, as with a catalog event.
    if (owner->get_ref<const std::string&>() != current.published.owner &&
        principal->role != Role::kAdmin && principal->team != current.published.owner) {
      return Response::Error(403, "forbidden", "only the owning team or an admin may hand over");
    }
  }
  ProductUpdated update{name, json::object()};
  if (checked.size() > 1) {
    auto decoded = Decode(ctx, "tributary.product.updated", checked, principal->name);
    if (!decoded.ok()) {
      return FromStatus(decoded.status());
    }
    update = std::get<ProductUpdated>(std::move(decoded).value());
  } else if (emptied.empty()) {
    return Response::Error(400, "bad_request",
                           "the body names no field to change (cluster, topic, domain, owner, "
                           "description, quality, sla, tags, schema_subject, allowed_regions, "
                           "history, retention_ms)");
  }
  ProductState candidate = current;
  MergeProductUpdate(candidate.published, update.changes);
  MergeProductUpdate(candidate.published, emptied);
  AddPolicyViolations(ctx, candidate, violations);
  if (!violations.empty()) {
    return Unprocessable(violations);
  }
  const auto before = current.last_changed;
  const WriteGrant grant{principal->name, current.published.owner};
  if (auto s = Write(ctx, update, grant); !s.ok()) {
    return FromStatus(s);
  }
  if (auto s = AwaitShown(ctx,
                          [&](const CatalogState& c) {
                            auto p = c.products.find(name);
                            return p != c.products.end() && p->second.last_changed > before;
                          });
      !s.ok()) {
    return FromStatus(s);
  }
  return Created(ctx, 200, name);
}

Response RetireProduct(const ApiContext& ctx, const Request& r) {
  auto target = AdmitProductWrite(ctx, r);
  if (!target.ok()) {
    return FromStatus(target.status());
  }
  const auto& name = r.params.at("name");
  const auto* principal = &target->principal;
  if (target->product->status == "retired") {
    return Response::Error(409, "conflict", "product \"" + name + "\" is already retired");
  }
  const WriteGrant grant{principal->name, target->product->published.owner};
  if (auto s = Write(ctx, ProductRetired{name, principal->name}, grant); !s.ok()) {
    return FromStatus(s);
  }
  if (auto s = AwaitShown(ctx,
                          [&](const CatalogState& c) {
                            auto p = c.products.find(name);
                            return p != c.products.end() && p->second.status == "retired";
                          });
      !s.ok()) {
    return FromStatus(s);
  }
  return Created(ctx, 200, name);
}

}  // namespace

void AddProductWriteRoutes(Router& router, const ApiContext& ctx) {
  router.Add("POST", "/api/v1/products",
             [&ctx](const Request& r) { return PublishProduct(ctx, r); });
  router.Add("PATCH", "/api/v1/products/{name}",
             [&ctx](const Request& r) { return UpdateProduct(ctx, r); });
  router.Add("POST", "/api/v1/products/{name}/retire",
             [&ctx](const Request& r) { return RetireProduct(ctx, r); });
}

}  // namespace tributary::http
