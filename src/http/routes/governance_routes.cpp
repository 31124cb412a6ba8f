// Governance routes of the HTTP API (DESIGN.md §5, §9): GET /compliance, and
// proposals with their sign-off (POST /proposals, GET /proposals[/{id}],
// POST /proposals/{id}/decisions).

#include <algorithm>
#include <random>
#include <set>

#include "core/field_codec.h"
#include "core/text_codec.h"
#include "http/routes/governance_json.h"
#include "http/routes/route_support.h"
#include "schema/compatibility.h"
#include "tracking/breaking_change_detector.h"

namespace tributary::http {
namespace {

using nlohmann::json;

std::set<std::string> ListParam(const Request& r, const std::string& name) {
  std::set<std::string> out;
  auto it = r.query.find(name);
  if (it == r.query.end()) {
    return out;
  }
  std::string_view rest = it->second;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    if (!item.empty()) {
      out.emplace(item);
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

Response GetCompliance(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  if (state == nullptr) {
    return Response::Json(
        200, ComplianceJson(governance::GovernanceState{}, {}, {}, {}, ctx.clock->Now()));
  }
  return Response::Json(200, ComplianceJson(*state, ListParam(r, "status"), ListParam(r, "policy"),
                                            ListParam(r, "domain"), ctx.clock->Now()));
}

Response GetProposals(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto products = ListParam(r, "product");
  const auto statuses = ListParam(r, "status");
  json list = json::array();
  if (const auto state = ctx.governance ? ctx.governance() : nullptr) {
    for (const auto& [id, p] : state->proposals) {
      if ((!products.empty() && !products.contains(p.opened.product)) ||
          (!statuses.empty() && !statuses.contains(p.status))) {
        continue;
      }
      list.push_back(ProposalJson(p));
    }
  }
  return Response::Json(200, {{"proposals", list}});
}

Response GetProposal(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto& id = r.params.at("id");
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  if (state == nullptr || !state->proposals.contains(id)) {
    return Response::Error(404, "not_found",
                           "no proposal \"" + DisplaySafe(id.substr(0, 64)) + "\"");
  }
  return Response::Json(200, ProposalJson(state->proposals.at(id)));
}

std::string NewProposalId() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint64_t> dist;
  char buf[24];
  std::snprintf(buf, sizeof buf, "prop-%012llx",
                static_cast<unsigned long long>(dist(rd) & 0xffffffffffffULL));
  return buf;
}

// The teams of the product's direct consumers (owner excluded), and the
// consumers without a team.
void AffectedTeams(const graph::GraphSnapshot& g, const std::string& topic,
                   const std::string& owner, std::vector<std::string>& teams,
                   std::vector<std::string>& unowned) {
  std::set<std::string> t;
  std::set<std::string> u;
  const auto v = g.Find(topic);
  if (v != graph::kNone) {
    g.ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
      const auto& edge = g.edge(e);
      if (edge.kind != graph::EdgeKind::kConsumes ||
          (g.EvidenceAt(edge, graph::kNow) & (graph::kObserved | graph::kPermitted)) == 0) {
        return;
      }
      if (auto o = g.OwnerOf(to)) {
        if (std::string(o->team) != owner) {
          t.insert(std::string(o->team));
        }
      } else {
        u.insert(std::string(g.id(to)));
      }
    });
  }
  teams.assign(t.begin(), t.end());
  unowned.assign(u.begin(), u.end());
}

Response OpenProposal(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return FromStatus(principal.status());
  }
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Response::Error(400, "bad_request", "the body must be a JSON object");
  }
  for (const char* key : {"product", "schema"}) {
    if (!body.contains(key) || !body[key].is_string() || body[key].get<std::string>().empty()) {
      return Response::Error(400, "bad_request",
                             std::string(key) + ": a non-empty string is required");
    }
  }
  const auto type_text = body.value("schemaType", std::string("AVRO"));
  auto type = schema::ParseSchemaType(type_text);
  if (!type.ok()) {
    return Response::Error(400, "bad_request", "schemaType: " + type.status().message());
  }
  const auto name = body["product"].get<std::string>();
  const auto catalog = ctx.catalog();
  auto it = catalog->products.find(name);
  if (it == catalog->products.end()) {
    return Response::Error(404, "not_found",
                           "no product named \"" + DisplaySafe(name.substr(0, 256)) + "\"");
  }
  const auto& product = it->second.published;
  if (auto s = ctx.auth->AuthorizeWrite(*principal, product.owner); !s.ok()) {
    return FromStatus(s);
  }
  const std::string type_name(schema::ToString(*type));
  const std::string text = body["schema"].get<std::string>();
  if (auto parsed = schema::EngineFor(*type).Parse(text, {}, {}); !parsed.ok()) {
    return Response::Error(422, "invalid_schema", parsed.status().message());
  }
  const auto schemas = ctx.schemas();
  const auto subject = governance::SubjectOf(product);

  ProposalOpened fact;
  fact.id = NewProposalId();
  fact.product = name;
  fact.subject = subject;
  fact.schema_type = type_name;
  fact.schema = text;
  fact.fingerprint = governance::SchemaFingerprint(type_name, text);
  fact.description = body.value("description", std::string());
  fact.actor = principal->name;
  // The verdict by the tracker's own rule: FULL_TRANSITIVE against the live versions.
  if (auto s = schemas->subjects.find(subject); s != schemas->subjects.end()) {
    std::vector<const SubjectVersion*> history;
    const SubjectVersion* previous = nullptr;
    std::int32_t last = 0;
    for (const auto& [n, v] : s->second.versions) {
      history.push_back(&v);
      last = n;
      if (!v.deleted) {
        previous = &v;
      }
    }
    if (previous != nullptr) {
      SubjectVersion candidate;
      candidate.version = last + 1;
      candidate.schema_type = type_name;
      candidate.schema = text;
      if (auto verdict = tracking::JudgeSchemaChange(*schemas, history, *previous, candidate)) {
        fact.compatible = false;
        fact.incompatibilities = std::move(verdict->incompatibilities);
      }
    }
  }
  const auto graph = ctx.graph();
  if (ctx.governance_options != nullptr && ctx.governance_options->policies) {
    const auto& o = *ctx.governance_options;
    governance::InputSources sources{*catalog, *schemas,  graph.get(),
                                     nullptr,  o.regions, Approvals(ctx)};
    const auto input = governance::BuildPolicyInput(
        sources, name, it->second, governance::CandidateSchema{type_name, text, subject});
    for (const auto& v : o.policies->Evaluate(input)) {
      fact.violations.push_back({v.policy, v.severity, v.subject, v.message});
    }
  }
  AffectedTeams(*graph, NodeId::Topic(product.cluster, product.topic).str(), product.owner,
                fact.approvals_needed, fact.unowned);
  const auto now = ctx.clock->Now();
  const auto ttl = ctx.governance_options != nullptr ? ctx.governance_options->proposal_ttl
                                                     : Duration(std::chrono::days(14));
  fact.expires_at = now + ttl;
  const auto id = fact.id;
  NewEvent event{fact, now, "api:" + principal->name, std::nullopt, "proposal/" + id};
  auto appended = CommitEvent(ctx, std::move(event), {principal->name, product.owner});
  if (!appended.ok()) {
    return FromStatus(appended.status());
  }
  governance::ProposalState opened;
  opened.opened = fact;
  opened.opened_at = now;
  opened.status = governance::ProposalStatus(fact, {});
  if (const auto state = ctx.governance ? ctx.governance() : nullptr) {
    if (auto p = state->proposals.find(id); p != state->proposals.end()) {
      opened = p->second;
    }
  }
  return Response::Json(201, ProposalJson(opened));
}

Response DecideProposal(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return FromStatus(principal.status());
  }
  const auto& id = r.params.at("id");
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  if (state == nullptr || !state->proposals.contains(id)) {
    return Response::Error(404, "not_found",
                           "no proposal \"" + DisplaySafe(id.substr(0, 64)) + "\"");
  }
  const auto& p = state->proposals.at(id);
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Response::Error(400, "bad_request", "the body must be a JSON object");
  }
  const auto decision = body.value("decision", std::string());
  if (decision != "approve" && decision != "reject") {
    return Response::Error(400, "bad_request", "decision: \"approve\" or \"reject\"");
  }
  if (body.contains("comment") && !body["comment"].is_string()) {
    return Response::Error(400, "bad_request", "comment: a string");
  }
  // Who decides: an owner token of an affected team; an admin names the team.
  const auto& needed = p.opened.approvals_needed;
  std::string team = principal->team;
  if (principal->role == Role::kAdmin && body.contains("team") && body["team"].is_string()) {
    team = body["team"].get<std::string>();
  }
  const bool affected = std::find(needed.begin(), needed.end(), team) != needed.end();
  if (!affected || (principal->role != Role::kAdmin && principal->role != Role::kOwner)) {
    return Response::Error(
        403, "forbidden",
        "only an owner token of a team in approvals_needed decides this proposal");
  }
  if (p.status != "pending") {
    return Response::Error(409, "conflict", "proposal " + id + " is " + p.status);
  }
  if (std::any_of(p.decisions.begin(), p.decisions.end(),
                  [&](const auto& d) { return d.team == team; })) {
    return Response::Error(409, "conflict", "team " + team + " has already decided");
  }
  ProposalDecided fact{id, team, decision, principal->name, body.value("comment", std::string())};
  NewEvent event{fact, ctx.clock->Now(), "api:" + principal->name, std::nullopt,
                 "proposal-decision/" + id + "/" + team};
  auto appended = CommitEvent(ctx, std::move(event), {principal->name, team});
  if (!appended.ok()) {
    return FromStatus(appended.status());
  }
  const auto after = ctx.governance();
  return Response::Json(200, ProposalJson(after->proposals.at(id)));
}

}  // namespace

void AddGovernanceRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/compliance",
             [&ctx](const Request& r) { return GetCompliance(ctx, r); });
  router.Add("GET", "/api/v1/proposals", [&ctx](const Request& r) { return GetProposals(ctx, r); });
  router.Add("POST", "/api/v1/proposals",
             [&ctx](const Request& r) { return OpenProposal(ctx, r); });
  router.Add("GET", "/api/v1/proposals/{id}",
             [&ctx](const Request& r) { return GetProposal(ctx, r); });
  router.Add("POST", "/api/v1/proposals/{id}/decisions",
             [&ctx](const Request& r) { return DecideProposal(ctx, r); });
}

}  // namespace tributary::http
