// Self-service catalog writes (DESIGN.md §5): publish (POST /products), update
// (PATCH /products/{name}), retire (POST /products/{name}/retire) and the
// next version (POST /products/{name}/next-version).
//
// Each write, in order: the token (401 without one, 403 for a reader), the
// body (400 for malformed JSON or a wrong type, with the field), the owner
// (403 unless the token's team owns the product, or admin), the state (404,
// 409), then the metadata: missing, null or empty required metadata and every
// violation of a blocking policy answer 422 with the violations. What passes
// is written through the CatalogWrites port (the catalog topic, else the log)
// and answered once this replica's catalog shows it.

#include <array>
#include <regex>
#include <thread>

#include "core/field_codec.h"
#include "core/input_rules.h"
#include "core/text_codec.h"
#include "governance/schema_fields.h"
#include "http/routes/route_support.h"
#include "schema/compatibility.h"

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
                                   nullptr,  o.regions, Approvals(ctx)};
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

// ---- next version ------------------------------------------------------------------

// The next version's name and number: "<base>.v<k+1>" after "<base>.v<k>",
// else "<name>.v2" (base: the name).
std::pair<std::string, std::string> NextName(const std::string& name, int& n) {
  static const std::regex versioned(R"(^(.+)\.v([0-9]{1,6})$)");
  std::smatch m;
  if (std::regex_match(name, m, versioned)) {
    n = std::stoi(m[2]) + 1;
    return {m[1].str() + ".v" + std::to_string(n), m[1].str()};
  }
  n = 2;
  return {name + ".v2", name};
}

std::string NextTopic(const std::string& pattern, const std::string& product,
                      const std::string& base, int n) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 9, "{product}") == 0) {
      out += product;
      i += 9;
    } else if (pattern.compare(i, 6, "{base}") == 0) {
      out += base;
      i += 6;
    } else if (pattern.compare(i, 3, "{n}") == 0) {
      out += std::to_string(n);
      i += 3;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

// The old product's schema: the latest live version of its subject, else the
// schema declared when it was itself published as a next version.
std::optional<std::pair<std::string, std::string>> CurrentSchema(const ApiContext& ctx,
                                                                 const std::string& name,
                                                                 const ProductPublished& p) {
  const auto schemas = ctx.schemas();
  if (auto s = schemas->subjects.find(governance::SubjectOf(p)); s != schemas->subjects.end()) {
    for (auto v = s->second.versions.rbegin(); v != s->second.versions.rend(); ++v) {
      if (!v->second.deleted) {
        return std::pair{v->second.schema_type, v->second.schema};
      }
    }
  }
  if (const auto tracking = ctx.tracking ? ctx.tracking() : nullptr) {
    for (const auto& [old, v] : tracking->versioned) {
      if (v.product == name) {
        return std::pair{v.schema_type, v.schema};
      }
    }
  }
  return std::nullopt;
}

Response NextVersion(const ApiContext& ctx, const Request& r) {
  auto target = AdmitProductWrite(ctx, r);
  if (!target.ok()) {
    return FromStatus(target.status());
  }
  const auto& name = r.params.at("name");
  const auto& principal = target->principal;
  const auto& current = *target->product;
  auto parsed = BodyObject(r);
  if (!parsed.ok()) {
    return FromStatus(parsed.status());
  }
  const json body = std::move(parsed).value();
  for (const char* key : {"schema", "reason"}) {
    if (!body.contains(key) || !body[key].is_string() || body[key].get<std::string>().empty()) {
      return Response::Error(400, "bad_request",
                             std::string(key) + ": a non-empty string is required");
    }
  }
  if (auto s = CheckText(body["reason"].get_ref<const std::string&>(), "reason", kMaxFreeTextBytes,
                         /*multiline=*/true);
      !s.ok()) {
    return FromStatus(s);
  }
  if (body.contains("schemaType") && !body["schemaType"].is_string()) {
    return Response::Error(400, "bad_request", "schemaType: AVRO, JSON or PROTOBUF");
  }
  auto type = schema::ParseSchemaType(body.value("schemaType", std::string("AVRO")));
  if (!type.ok()) {
    return Response::Error(400, "bad_request", "schemaType: " + type.status().message());
  }
  const Timestamp now = ctx.clock->Now();
  Timestamp sunset = now + ctx.default_deprecation_period;
  if (body.contains("sunset") && !body["sunset"].is_null()) {
    auto given = body["sunset"].is_string() ? ParseRfc3339(body["sunset"].get<std::string>())
                                            : Result<Timestamp>(InvalidArgument("not a string"));
    if (!given.ok()) {
      return Response::Error(400, "bad_request",
                             "sunset: an RFC 3339 time (" + given.status().message() + ")");
    }
    if (*given <= now || *given > now + kMaxSunsetAhead) {
      return Response::Error(400, "bad_request", "sunset: in the future, within 5 years");
    }
    sunset = *given;
  }
  std::string proposal;
  if (body.contains("proposal") && !body["proposal"].is_null()) {
    if (!body["proposal"].is_string()) {
      return Response::Error(400, "bad_request", "proposal: a proposal id");
    }
    proposal = body["proposal"].get<std::string>();
    const auto state = ctx.governance ? ctx.governance() : nullptr;
    const governance::ProposalState* p = nullptr;
    if (state != nullptr) {
      if (auto it = state->proposals.find(proposal); it != state->proposals.end()) {
        p = &it->second;
      }
    }
    if (p == nullptr || p->opened.product != name) {
      return Response::Error(
          422, "unprocessable",
          "proposal: no proposal \"" + DisplaySafe(proposal.substr(0, 64)) + "\" for " + name);
    }
  }
  if (current.status != "active") {
    return Response::Error(409, "conflict",
                           "product \"" + name + "\" is " + current.status +
                               ": only an active product gets a next version");
  }
  int n = 2;
  const auto [next, base] = NextName(name, n);
  const std::string topic = NextTopic(ctx.next_version_topic, next, base, n);
  // A retry after a partial failure finds its own next version: it goes on.
  const auto tracking = ctx.tracking ? ctx.tracking() : nullptr;
  const bool resumed = tracking != nullptr && tracking->versioned.contains(name) &&
                       tracking->versioned.at(name).product == next;
  if (target->catalog->products.contains(next) && !resumed) {
    return Response::Error(409, "conflict", "product \"" + next + "\" exists already");
  }
  const std::string type_name(schema::ToString(*type));
  const std::string text = body["schema"].get<std::string>();
  auto fields = governance::SchemaFields(type_name, text);
  if (!fields.ok()) {
    return Response::Error(422, "invalid_schema", fields.status().message());
  }
  std::vector<FieldChange> diff;
  if (const auto old = CurrentSchema(ctx, name, current.published)) {
    if (auto before = governance::SchemaFields(old->first, old->second); before.ok()) {
      diff = governance::FieldDiff(*before, *fields);
    }
  }
  // The new product: the old one's metadata, its own name and topic.
  ProductState candidate = current;
  candidate.published.product = next;
  candidate.published.topic = topic;
  candidate.published.schema_subject.reset();
  candidate.status = "active";
  candidate.deprecation.reset();
  json violations = json::array();
  AddPolicyViolations(ctx, candidate, violations);
  if (!violations.empty()) {
    return Unprocessable(violations);
  }
  const WriteGrant grant{principal.name, current.published.owner};
  const std::string reason = body["reason"].get<std::string>();
  ProductVersioned versioned{next,     name,   type_name, text,          diff,
                             proposal, sunset, reason,    principal.name};
  NewEvent event{versioned, now, "api:" + principal.name, std::nullopt,
                 "next-version/" + name + "/" + next};
  if (auto appended = CommitEvent(ctx, std::move(event), grant); !appended.ok()) {
    return FromStatus(appended.status());
  }
  if (!target->catalog->products.contains(next)) {
    if (auto s = Write(ctx, candidate.published, grant); !s.ok()) {
      return FromStatus(s);
    }
  }
  if (auto s = Write(ctx, ProductDeprecated{name, reason, sunset, next, principal.name}, grant);
      !s.ok()) {
    return FromStatus(s);
  }
  if (auto s = AwaitShown(ctx,
                          [&name, &next = next](const CatalogState& c) {
                            auto o = c.products.find(name);
                            return c.products.contains(next) && o != c.products.end() &&
                                   o->second.status == "deprecated";
                          });
      !s.ok()) {
    return FromStatus(s);
  }
  return Response::Json(201, {{"product", next},
                              {"replaces", name},
                              {"topic", NodeId::Topic(candidate.published.cluster, topic).str()},
                              {"sunset", FormatRfc3339(sunset)},
                              {"diff", codec::ToJson(diff)},
                              {"proposal", proposal.empty() ? json(nullptr) : json(proposal)}});
}

}  // namespace

void AddProductWriteRoutes(Router& router, const ApiContext& ctx) {
  router.Add("POST", "/api/v1/products",
             [&ctx](const Request& r) { return PublishProduct(ctx, r); });
  router.Add("PATCH", "/api/v1/products/{name}",
             [&ctx](const Request& r) { return UpdateProduct(ctx, r); });
  router.Add("POST", "/api/v1/products/{name}/retire",
             [&ctx](const Request& r) { return RetireProduct(ctx, r); });
  router.Add("POST", "/api/v1/products/{name}/next-version",
             [&ctx](const Request& r) { return NextVersion(ctx, r); });
}

}  // namespace tributary::http
