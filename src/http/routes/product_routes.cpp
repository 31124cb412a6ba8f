// Product routes of the HTTP API (DESIGN.md §5). Data products: the list, one product with its
// schema history, and deprecation.

#include "http/routes/consumer_json.h"
#include "http/routes/route_support.h"

#include "core/input_rules.h"
#include "core/text_codec.h"
#include "graph/queries.h"

namespace tributary::http {
namespace {

using nlohmann::json;

json ProductJson(const ProductState& p, const graph::GraphSnapshot& g) {
  const auto& pub = p.published;
  const auto topic = NodeId::Topic(pub.cluster, pub.topic).str();
  int consumers = 0;
  const auto v = g.Find(topic);
  if (v != graph::kNone) {
    g.ForEachOutEdge(v, [&](std::uint32_t e) {
      const auto& edge = g.edge(e);
      if (edge.kind == graph::EdgeKind::kConsumes && g.EvidenceAt(edge, graph::kNow) != 0) {
        ++consumers;
      }
    });
  }
  return {{"name", pub.product}, {"topic", topic},         {"domain", pub.domain},
          {"owner", pub.owner},  {"quality", pub.quality}, {"sla", pub.sla},
          {"status", p.status},  {"consumers", consumers}};
}

Response GetProducts(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  auto limit = LimitParam(r, kDefaultPageLimit, kMaxPageLimit);
  if (!limit.ok()) {
    return FromStatus(limit.status());
  }
  const auto* after = r.Query("after");  // the last name of the previous page
  const auto catalog = ctx.catalog();
  const auto g = ctx.graph();
  json products = json::array();
  auto it = after == nullptr || after->empty() ? catalog->products.begin()
                                               : catalog->products.upper_bound(*after);
  for (; it != catalog->products.end() && products.size() < *limit; ++it) {
    products.push_back(ProductJson(it->second, *g));
  }
  const bool more = it != catalog->products.end();
  return Response::Json(200, {{"products", products},
                              {"next", more ? json(products.back()["name"]) : json(nullptr)}});
}

}  // namespace

Result<ProductWriteTarget> AdmitProductWrite(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return principal.status();
  }
  const auto& name = r.params.at("name");
  ProductWriteTarget target{std::move(principal).value(), ctx.catalog(), nullptr};
  auto it = target.catalog->products.find(name);
  if (it == target.catalog->products.end()) {
    return NotFound("no product named \"" + name + "\"");
  }
  target.product = &it->second;
  if (auto s = ctx.auth->AuthorizeWrite(target.principal, target.product->published.owner);
      !s.ok()) {
    return s;
  }
  return target;
}

std::optional<json> ProductDetail(const ApiContext& ctx, const std::string& name) {
  const auto catalog = ctx.catalog();
  auto it = catalog->products.find(name);
  if (it == catalog->products.end()) {
    return std::nullopt;
  }
  const auto g = ctx.graph();
  json body = ProductJson(it->second, *g);
  const auto& pub = it->second.published;
  body["description"] = pub.description;
  body["tags"] = pub.tags;
  const auto subject = pub.schema_subject.value_or(pub.topic + "-value");
  body["schema_subject"] = subject;
  json versions = json::array();
  const auto schemas = ctx.schemas();
  if (auto s = schemas->subjects.find(subject); s != schemas->subjects.end()) {
    for (const auto& [n, v] : s->second.versions) {
      versions.push_back({{"version", v.version},
                          {"id", v.id},
                          {"schema_type", v.schema_type},
                          {"deleted", v.deleted},
                          {"registered_at", FormatRfc3339(v.registered_at)}});
    }
    body["compatibility_level"] = schemas->LevelOf(subject);
  }
  body["schema_versions"] = versions;
  // A next version's schema as declared when it was published (DESIGN.md §5),
  // and what it replaces.
  body["declared_schema"] = nullptr;
  body["replaces"] = nullptr;
  if (const auto tracking = ctx.tracking ? ctx.tracking() : nullptr) {
    for (const auto& [old, v] : tracking->versioned) {
      if (v.product == name) {
        body["declared_schema"] = {{"schema_type", v.schema_type}, {"schema", v.schema}};
        body["replaces"] = old;
      }
    }
  }
  json producers = json::array();
  json consumers = json::array();
  if (const auto v = g->Find(body["topic"].get<std::string>()); v != graph::kNone) {
    g->ForEachInEdge(v, [&](std::uint32_t e) {
      const auto& edge = g->edge(e);
      if (edge.kind == graph::EdgeKind::kProduces && g->EvidenceAt(edge, graph::kNow) != 0) {
        producers.push_back(std::string(g->id(edge.from)));
      }
    });
    g->ForEachOutEdge(v, [&](std::uint32_t e) {
      const auto& edge = g->edge(e);
      if (edge.kind == graph::EdgeKind::kConsumes && g->EvidenceAt(edge, graph::kNow) != 0) {
        const auto owner = g->OwnerOf(edge.to);
        consumers.push_back({{"id", std::string(g->id(edge.to))},
                             {"team", owner ? json(std::string(owner->team)) : json()}});
      }
    });
  }
  // Consumer health and stream facts (DESIGN.md §10).
  const auto health = ctx.health ? ctx.health() : nullptr;
  if (health) {
    for (auto& c : consumers) {
      const auto id = c["id"].get<std::string>();
      auto found = std::lower_bound(
          health->consumers.begin(), health->consumers.end(), id,
          [](const health::ConsumerView& v, const std::string& k) { return v.id < k; });
      if (found != health->consumers.end() && found->id == id) {
        c["status"] = std::string(health::ToString(found->status));
        c["total_lag"] = found->total_lag;
        c["max_lag_seconds"] = found->max_lag_seconds ? json(*found->max_lag_seconds) : json();
      }
    }
  }
  body["stream"] = StreamJson(health.get(), it->second);
  body["producers"] = producers;
  body["consumer_list"] = consumers;
  if (it->second.deprecation) {
    const auto& d = *it->second.deprecation;
    body["deprecation"] = {{"reason", d.reason},
                           {"sunset", FormatRfc3339(d.sunset)},
                           {"replacement", d.replacement ? json(*d.replacement) : json()}};
  }
  return body;
}

namespace {

Response GetProduct(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto& name = r.params.at("name");
  auto detail = ProductDetail(ctx, name);
  if (!detail) {
    return Response::Error(404, "not_found", "no product named \"" + name + "\"");
  }
  return Response::Json(200, *detail);
}

Response DeprecateProduct(const ApiContext& ctx, const Request& r) {
  // Authentication first: a write without a token is 401 whatever the target;
  // only the product's owner team (or an admin) may deprecate it.
  auto target = AdmitProductWrite(ctx, r);
  if (!target.ok()) {
    return FromStatus(target.status());
  }
  const auto& name = r.params.at("name");
  const auto& catalog = target->catalog;
  const auto* principal = &target->principal;
  const auto* product = target->product;
  if (product->status == "retired") {
    return Response::Error(409, "conflict", "product \"" + name + "\" is retired");
  }
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Response::Error(400, "bad_request", "the body must be a JSON object");
  }
  if (!body.contains("sunset") || !body["sunset"].is_string()) {
    return Response::Error(400, "bad_request", "sunset: an RFC 3339 time is required");
  }
  auto sunset = ParseRfc3339(body["sunset"].get<std::string>());
  if (!sunset.ok()) {
    return Response::Error(400, "bad_request", "sunset: " + sunset.status().message());
  }
  const Timestamp now = ctx.clock->Now();
  if (*sunset <= now) {
    return Response::Error(400, "bad_request", "sunset: must be in the future");
  }
  if (*sunset > now + kMaxSunsetAhead) {
    return Response::Error(
        422, "unprocessable",
        "sunset: must be within 5 years (" + FormatRfc3339(now + kMaxSunsetAhead) + ")");
  }
  if (!body.contains("reason") || !body["reason"].is_string() ||
      body["reason"].get<std::string>().empty()) {
    return Response::Error(400, "bad_request", "reason: a non-empty string is required");
  }
  if (auto s = CheckText(body["reason"].get_ref<const std::string&>(), "reason", kMaxFreeTextBytes,
                         /*multiline=*/true);
      !s.ok()) {
    return FromStatus(s);
  }
  std::optional<std::string> replacement;
  if (body.contains("replacement") && !body["replacement"].is_null()) {
    if (!body["replacement"].is_string() || body["replacement"].get<std::string>().empty()) {
      return Response::Error(400, "bad_request", "replacement: a product name");
    }
    replacement = body["replacement"].get<std::string>();
    if (*replacement == name) {
      return Response::Error(400, "bad_request", "replacement: a product cannot replace itself");
    }
    if (!catalog->products.contains(*replacement)) {
      return Response::Error(
          422, "unprocessable",
          "replacement: no product named \"" + DisplaySafe(replacement->substr(0, 256)) + "\"");
    }
  }
  ProductDeprecated fact{name, body.value("reason", ""), *sunset, replacement, principal->name};
  std::optional<std::string> dedup;
  if (auto h = r.headers.find("idempotency-key"); h != r.headers.end() && !h->second.empty()) {
    dedup = "api-deprecate:" + name + ":" + h->second;
  }
  const WriteGrant grant{principal->name, product->published.owner};
  json seq = nullptr;
  bool duplicate = false;
  if (ctx.catalog_writes != nullptr && ctx.catalog_writes->destination() != "log") {
    // To the catalog topic (the system of record), answered once applied here.
    if (auto s = ctx.catalog_writes->Write(fact, grant, dedup); !s.ok()) {
      return FromStatus(s);
    }
  } else {
    NewEvent event{fact, now, "api:" + principal->name, std::nullopt, dedup};
    auto appended = CommitEvent(ctx, std::move(event), grant);
    if (!appended.ok()) {
      return FromStatus(appended.status());
    }
    seq = appended->seqs.empty() ? 0 : appended->seqs[0].value();
    duplicate = appended->duplicates == 1;
  }
  return Response::Json(202, {{"accepted", true},
                              {"seq", seq},
                              {"duplicate", duplicate},
                              {"product", name},
                              {"reason", fact.reason},
                              {"sunset", FormatRfc3339(fact.sunset)},
                              {"replacement", replacement ? json(*replacement) : json(nullptr)}});
}

}  // namespace

void AddProductRoutes(Router& router, const ApiContext& ctx) {
  AddProductWriteRoutes(router, ctx);
  router.Add("GET", "/api/v1/products", [&ctx](const Request& r) { return GetProducts(ctx, r); });
  router.Add("GET", "/api/v1/products/{name}",
             [&ctx](const Request& r) { return GetProduct(ctx, r); });
  router.Add("POST", "/api/v1/products/{name}/deprecate",
             [&ctx](const Request& r) { return DeprecateProduct(ctx, r); });
}

}  // namespace tributary::http
