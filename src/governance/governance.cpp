#include "governance/governance.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/field_codec.h"
#include "core/text_codec.h"
#include "schema/compatibility.h"
#include "tributary/notification_kind.h"
#include "tributary/overloaded.h"

namespace tributary::governance {
namespace {

using nlohmann::json;

constexpr std::string_view kSource = "governance";
constexpr char kSep = '\x1f';

std::string IntentSeverity(const std::string& severity) {
  if (severity == "block") {
    return "high";
  }
  return severity == "warn" ? "warning" : "info";
}

// Appends one intent per team (deduplicated, "" skipped), caused by the event
// at `index` of the batch when there is one.
void Tell(Batch& out, std::optional<std::size_t> index, Timestamp time, const std::string& key,
          NotificationKind kind, const std::string& severity, const json& facts,
          const std::vector<std::pair<std::string, std::string>>& teams_and_roles) {
  std::set<std::string> told;
  for (const auto& [team, role] : teams_and_roles) {
    if (team.empty() || !told.insert(team).second) {
      continue;
    }
    OutboxIntent intent;
    intent.idempotency_key = key + "/" + team;
    intent.kind = std::string(ToString(kind));
    intent.team = team;
    intent.severity = severity;
    intent.facts = facts;
    intent.facts["kind"] = intent.kind;
    intent.facts["team"] = team;
    intent.facts["role"] = role;
    intent.facts["decision_key"] = key;
    intent.facts["event_time"] = FormatRfc3339(time);
    intent.caused_by_event = index;
    out.outbox.push_back(std::move(intent));
  }
}

// Appends a decision and one intent per team (deduplicated, "" skipped).
void Record(Batch& out, DomainEvent event, Timestamp time, const std::string& key,
            NotificationKind kind, const std::string& severity, const json& facts,
            const std::vector<std::pair<std::string, std::string>>& teams_and_roles) {
  const std::size_t index = out.events.size();
  out.events.push_back(NewEvent{std::move(event), time, std::string(kSource), std::nullopt, key});
  Tell(out, index, time, key, kind, severity, facts, teams_and_roles);
}

json OptionalMillis(const std::optional<Timestamp>& t) {
  return t ? json(ToMillis(*t)) : json(nullptr);
}

std::optional<Timestamp> MillisOrNull(const json& j) {
  if (j.is_null()) {
    return std::nullopt;
  }
  return FromMillis(j.get<std::int64_t>());
}

json ViolationJson(const ViolationRecord& v) {
  return {{"id", v.id},
          {"policy", v.policy},
          {"kind", v.kind},
          {"severity", v.severity},
          {"product", v.product},
          {"domain", v.domain},
          {"subject", v.subject},
          {"message", v.message},
          {"first_seen", ToMillis(v.first_seen)},
          {"resolved_at", v.resolved_at ? json(ToMillis(*v.resolved_at)) : json(nullptr)}};
}

json StateToJson(const GovernanceState& state, const AclIndex& acls) {
  json violations = json::array();
  for (const auto& v : state.violations) {
    violations.push_back(ViolationJson(v));
  }
  json proposals = json::object();
  for (const auto& [id, p] : state.proposals) {
    json decisions = json::array();
    for (const auto& d : p.decisions) {
      decisions.push_back({{"team", d.team},
                           {"decision", d.decision},
                           {"by", d.by},
                           {"at", ToMillis(d.at)},
                           {"comment", d.comment}});
    }
    proposals[id] = {{"opened", codec::ToJson(p.opened)},
                     {"opened_at", ToMillis(p.opened_at)},
                     {"status", p.status},
                     {"decisions", decisions},
                     {"closed", p.closed}};
  }
  json access = json::object();
  for (const auto& [id, a] : state.access_requests) {
    access[id] = {{"requested", codec::ToJson(a.requested)},
                  {"requested_at", ToMillis(a.requested_at)},
                  {"status", a.status},
                  {"decided_by", a.decided_by},
                  {"decided_at", OptionalMillis(a.decided_at)},
                  {"comment", a.comment},
                  {"acl", a.acl ? codec::ToJson(*a.acl) : json(nullptr)},
                  {"applied_via", a.applied_via},
                  {"applied_at", OptionalMillis(a.applied_at)}};
  }
  json literal = json::object();
  for (const auto& [k, list] : acls.literal) {
    literal[k] = codec::ToJson(list);
  }
  return {{"violations", violations},
          {"openings", state.openings},
          {"proposals", proposals},
          {"access_requests", access},
          {"acls", {{"literal", literal}, {"patterns", codec::ToJson(acls.patterns)}}}};
}

}  // namespace

std::string ViolationKey(const std::string& product, const std::string& policy,
                         const std::string& subject) {
  return product + kSep + policy + kSep + subject;
}

std::string ProposalStatus(const ProposalOpened& opened,
                           const std::vector<ProposalDecision>& decisions) {
  for (const auto& d : decisions) {
    if (d.decision == "reject") {
      return "rejected";
    }
  }
  const bool blocked =
      std::any_of(opened.violations.begin(), opened.violations.end(),
                  [](const ProposalViolation& v) { return v.severity == "block"; });
  if (blocked) {
    return "rejected";
  }
  if (opened.compatible) {
    return "not_needed";
  }
  for (const auto& team : opened.approvals_needed) {
    const bool approved = std::any_of(decisions.begin(), decisions.end(), [&](const auto& d) {
      return d.team == team && d.decision == "approve";
    });
    if (!approved) {
      return "pending";
    }
  }
  return "approved";
}

std::string SchemaFingerprint(const std::string& type, const std::string& schema) {
  // Avro and JSON Schema: the JSON with layout and key order normalised, every
  // attribute kept (tags matter to governance even where they do not to
  // compatibility); Protobuf: the text as libprotobuf prints it back.
  std::string canonical = schema;
  if (type == "PROTOBUF") {
    auto parsed = schema::EngineFor(schema::SchemaType::kProtobuf).Parse(schema, {}, {});
    if (parsed.ok()) {
      canonical = (*parsed)->CanonicalText();
    }
  } else if (auto doc = json::parse(schema, nullptr, false); !doc.is_discarded()) {
    canonical = doc.dump();
  }
  const std::string text = type + "\n" + canonical;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

AclBinding RequiredAcl(const AccessRequested& request) {
  return AclBinding{request.cluster, request.principal, "TOPIC", request.topic, "LITERAL",
                    "READ",          "ALLOW",           "*"};
}

std::string AclCommand(const AclBinding& acl, const std::string& bootstrap) {
  const auto quoted = [](const std::string& text) {
    std::string out = "'";
    for (char c : text) {
      out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
  };
  std::string op;  // READ -> Read, as kafka-acls spells operations
  for (std::size_t i = 0; i < acl.operation.size(); ++i) {
    const auto c = static_cast<unsigned char>(acl.operation[i]);
    op += static_cast<char>(i == 0 ? c : std::tolower(c));
  }
  std::string command = "kafka-acls --bootstrap-server " +
                        (bootstrap.empty() ? std::string("BOOTSTRAP") : quoted(bootstrap)) +
                        " --add --" + (acl.permission == "DENY" ? "deny" : "allow") +
                        "-principal " + quoted(acl.principal) + " --operation " + op + " --topic " +
                        quoted(acl.resource_name);
  if (acl.pattern_type == "PREFIXED") {
    command += " --resource-pattern-type prefixed";
  }
  return command;
}

bool Covers(const AclBinding& acl, const AccessRequested& request) {
  if (acl.cluster != request.cluster || acl.resource_type != "TOPIC" || acl.permission != "ALLOW" ||
      (acl.operation != "READ" && acl.operation != "ALL") ||
      (acl.principal != request.principal && acl.principal != "User:*") ||
      (!acl.host.empty() && acl.host != "*")) {
    return false;
  }
  if (acl.pattern_type == "PREFIXED") {
    return request.topic.starts_with(acl.resource_name);
  }
  return acl.pattern_type == "LITERAL" &&
         (acl.resource_name == request.topic || acl.resource_name == "*");
}

std::vector<Approval> ApprovalsOf(const GovernanceState& state,
                                  const std::vector<Approval>& configured) {
  std::vector<Approval> out = configured;
  for (const auto& [id, a] : state.access_requests) {
    if (a.status == "approved" || a.status == "applied") {
      out.push_back({a.requested.principal, a.requested.product});
    }
  }
  return out;
}

Governance::Governance(GovernanceOptions options, const CatalogProjection& catalog,
                       const SchemaProjection& schemas, GraphSource graph)
    : options_(std::move(options)),
      catalog_(catalog),
      schemas_(schemas),
      graph_(std::move(graph)) {}

// ---- the projection ------------------------------------------------------------------

void Governance::Reset() {
  state_ = {};
  acls_ = {};
  job_inputs_.clear();
  dropped_inputs_.clear();
  changed_ = true;
  index_dirty_ = true;
}

void Governance::IndexProduct(const std::string& name, const ProductPublished& p) const {
  if (auto it = indexed_.find(name); it != indexed_.end()) {
    by_topic_[it->second.first].erase(name);
    by_subject_[it->second.second].erase(name);
  }
  const auto topic = NodeId::Topic(p.cluster, p.topic).str();
  const auto subject = SubjectOf(p);
  by_topic_[topic].insert(name);
  by_subject_[subject].insert(name);
  indexed_[name] = {topic, subject};
}

void Governance::EnsureIndex() const {
  if (!index_dirty_) {
    return;
  }
  by_topic_.clear();
  by_subject_.clear();
  indexed_.clear();
  for (const auto& [name, p] : catalog_.state().products) {
    IndexProduct(name, p.published);
  }
  index_dirty_ = false;
}

void Governance::Apply(const EventRecord& record) {
  std::visit(Overloaded{
                 [&](const PolicyViolationOpened& e) {
                   const auto key = ViolationKey(e.product, e.policy, e.subject);
                   if (state_.open.contains(key)) {
                     return;
                   }
                   state_.violations.push_back({e.decision_key, e.policy, e.kind, e.severity,
                                                e.product, e.domain, e.subject, e.message,
                                                record.event_time, std::nullopt});
                   state_.open[key] = state_.violations.size() - 1;
                   ++state_.openings[key];
                   changed_ = true;
                 },
                 [&](const PolicyViolationResolved& e) {
                   const auto key = ViolationKey(e.product, e.policy, e.subject);
                   if (auto it = state_.open.find(key); it != state_.open.end()) {
                     state_.violations[it->second].resolved_at = record.event_time;
                     state_.open.erase(it);
                     changed_ = true;
                   }
                 },
                 [&](const ProposalOpened& e) {
                   ProposalState p;
                   p.opened = e;
                   p.opened_at = record.event_time;
                   p.status = ProposalStatus(e, {});
                   state_.proposals[e.id] = std::move(p);
                   changed_ = true;
                 },
                 [&](const ProposalDecided& e) {
                   auto it = state_.proposals.find(e.proposal);
                   if (it == state_.proposals.end() || it->second.status != "pending") {
                     return;
                   }
                   auto& p = it->second;
                   const auto& needed = p.opened.approvals_needed;
                   if (std::find(needed.begin(), needed.end(), e.team) == needed.end() ||
                       std::any_of(p.decisions.begin(), p.decisions.end(),
                                   [&](const auto& d) { return d.team == e.team; })) {
                     return;
                   }
                   p.decisions.push_back({e.team, e.decision, e.by, record.event_time, e.comment});
                   p.status = ProposalStatus(p.opened, p.decisions);
                   changed_ = true;
                 },
                 [&](const ProposalClosed& e) {
                   if (auto it = state_.proposals.find(e.proposal); it != state_.proposals.end()) {
                     it->second.closed = true;
                     if (e.status == "expired") {
                       it->second.status = "expired";
                     }
                     changed_ = true;
                   }
                 },
                 [&](const AccessRequested& e) {
                   AccessRequestState a;
                   a.requested = e;
                   a.requested_at = record.event_time;
                   state_.access_requests.emplace(e.id, std::move(a));
                   changed_ = true;
                 },
                 [&](const AccessDecided& e) {
                   auto it = state_.access_requests.find(e.request);
                   if (it == state_.access_requests.end() || it->second.status != "pending") {
                     return;
                   }
                   auto& a = it->second;
                   a.status = e.decision == "approve" ? "approved" : "denied";
                   a.decided_by = e.by;
                   a.decided_at = record.event_time;
                   a.comment = e.comment;
                   changed_ = true;
                 },
                 [&](const AclApplied& e) {
                   auto it = state_.access_requests.find(e.request);
                   if (it == state_.access_requests.end() || it->second.status != "approved") {
                     return;
                   }
                   auto& a = it->second;
                   a.status = "applied";
                   a.acl = e.acl;
                   a.applied_via = e.via;
                   a.applied_at = record.event_time;
                   changed_ = true;
                 },
                 [&](const ProductVersioned& e) {
                   auto it = state_.proposals.find(e.proposal);
                   if (e.proposal.empty() || it == state_.proposals.end() ||
                       it->second.status == "approved" || it->second.status == "not_needed") {
                     return;
                   }
                   it->second.status = "versioned";
                   it->second.closed = true;
                   changed_ = true;
                 },
                 [&](const JobObserved& e) {
                   auto& previous = job_inputs_[e.job.str()];
                   for (const auto& t : previous) {
                     if (std::find(e.inputs.begin(), e.inputs.end(), t) == e.inputs.end()) {
                       dropped_inputs_.insert(t.str());
                     }
                   }
                   previous = e.inputs;
                 },
                 [&](const AclGranted& e) { acls_.Grant(e.acl); },
                 [&](const AclRevoked& e) { acls_.Revoke(e.acl); },
                 [&](const ProductPublished& e) {
                   if (!index_dirty_) {
                     IndexProduct(e.product, catalog_.state().products.at(e.product).published);
                   }
                 },
                 [&](const ProductUpdated& e) {
                   auto it = catalog_.state().products.find(e.product);
                   if (!index_dirty_ && it != catalog_.state().products.end()) {
                     IndexProduct(e.product, it->second.published);
                   }
                 },
                 [](const auto&) {},
             },
             record.event);
}

std::string Governance::Digest() const {
  Fnv1a64 h;
  h.Add(StateToJson(state_, acls_).dump());
  return h.Hex();
}

std::string Governance::Snapshot() const {
  const auto bytes = json::to_msgpack(StateToJson(state_, acls_));
  return std::string(bytes.begin(), bytes.end());
}

SnapshotJob Governance::CaptureSnapshot() const {
  return [state = std::make_shared<const GovernanceState>(state_),
          acls = std::make_shared<const AclIndex>(acls_)] {
    return JsonSnapshotImage(StateToJson(*state, *acls));
  };
}

Status Governance::Restore(std::string_view snapshot) {
  auto j = json::from_msgpack(snapshot.begin(), snapshot.end(), true, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("governance snapshot is not valid MessagePack");
  }
  GovernanceState state;
  AclIndex acls;
  try {
    for (const auto& v : j.at("violations")) {
      ViolationRecord r;
      r.id = v.at("id").get<std::string>();
      r.policy = v.at("policy").get<std::string>();
      r.kind = v.at("kind").get<std::string>();
      r.severity = v.at("severity").get<std::string>();
      r.product = v.at("product").get<std::string>();
      r.domain = v.at("domain").get<std::string>();
      r.subject = v.at("subject").get<std::string>();
      r.message = v.at("message").get<std::string>();
      r.first_seen = FromMillis(v.at("first_seen").get<std::int64_t>());
      if (!v.at("resolved_at").is_null()) {
        r.resolved_at = FromMillis(v.at("resolved_at").get<std::int64_t>());
      } else {
        state.open[ViolationKey(r.product, r.policy, r.subject)] = state.violations.size();
      }
      state.violations.push_back(std::move(r));
    }
    state.openings = j.at("openings").get<std::map<std::string, std::int32_t>>();
    for (const auto& [id, p] : j.at("proposals").items()) {
      ProposalState ps;
      if (auto s = codec::FromJson(p.at("opened"), ps.opened, "opened"); !s.ok()) {
        return Corruption("governance snapshot: " + s.message());
      }
      ps.opened_at = FromMillis(p.at("opened_at").get<std::int64_t>());
      ps.status = p.at("status").get<std::string>();
      ps.closed = p.at("closed").get<bool>();
      for (const auto& d : p.at("decisions")) {
        ps.decisions.push_back({d.at("team").get<std::string>(),
                                d.at("decision").get<std::string>(), d.at("by").get<std::string>(),
                                FromMillis(d.at("at").get<std::int64_t>()),
                                d.at("comment").get<std::string>()});
      }
      state.proposals.emplace(id, std::move(ps));
    }
    for (const auto& [id, a] : j.at("access_requests").items()) {
      AccessRequestState as;
      if (auto s = codec::FromJson(a.at("requested"), as.requested, "requested"); !s.ok()) {
        return Corruption("governance snapshot: " + s.message());
      }
      as.requested_at = FromMillis(a.at("requested_at").get<std::int64_t>());
      as.status = a.at("status").get<std::string>();
      as.decided_by = a.at("decided_by").get<std::string>();
      as.decided_at = MillisOrNull(a.at("decided_at"));
      as.comment = a.at("comment").get<std::string>();
      if (!a.at("acl").is_null()) {
        as.acl.emplace();
        if (auto s = codec::FromJson(a.at("acl"), *as.acl, "acl"); !s.ok()) {
          return Corruption("governance snapshot: " + s.message());
        }
      }
      as.applied_via = a.at("applied_via").get<std::string>();
      as.applied_at = MillisOrNull(a.at("applied_at"));
      state.access_requests.emplace(id, std::move(as));
    }
    for (const auto& [k, list] : j.at("acls").at("literal").items()) {
      if (auto s = codec::FromJson(list, acls.literal[k], "acls"); !s.ok()) {
        return Corruption("governance snapshot: " + s.message());
      }
    }
    if (auto s = codec::FromJson(j.at("acls").at("patterns"), acls.patterns, "acls"); !s.ok()) {
      return Corruption("governance snapshot: " + s.message());
    }
  } catch (const json::exception& e) {
    return Corruption(std::string("governance snapshot: ") + e.what());
  }
  state_ = std::move(state);
  acls_ = std::move(acls);
  changed_ = true;
  index_dirty_ = true;
  return Status::Ok();
}

void Governance::Publish() {
  // Every violation ever opened is copied: throttled (see PublishThrottle).
  if (changed_ && throttle_.Due()) {
    throttle_.Run([this] { published_.Set(state_); });
    changed_ = false;
  }
}

// ---- decisions ------------------------------------------------------------------------

InputSources Governance::Sources(const graph::GraphSnapshot* graph) const {
  return InputSources{catalog_.state(), schemas_.state(), graph,
                      &acls_,           options_.regions, ApprovalsOf(state_, options_.approvals)};
}

json Governance::InputOf(const std::string& product) const {
  const auto& products = catalog_.state().products;
  auto it = products.find(product);
  if (it == products.end()) {
    return nullptr;
  }
  const auto g = graph_ ? graph_() : nullptr;
  return BuildPolicyInput(Sources(g.get()), product, it->second);
}

void Governance::Touch(const DomainEvent& event, std::set<std::string>& touched) const {
  const auto add_all = [&](const std::set<std::string>* names) {
    if (names != nullptr) {
      touched.insert(names->begin(), names->end());
    }
  };
  const auto on_topic = [&](const std::string& topic) {
    auto it = by_topic_.find(topic);
    add_all(it == by_topic_.end() ? nullptr : &it->second);
  };
  const auto on_subject = [&](const std::string& subject) {
    auto it = by_subject_.find(subject);
    add_all(it == by_subject_.end() ? nullptr : &it->second);
  };
  const auto on_acl = [&](const AclBinding& acl) {
    if (acl.resource_type != "TOPIC") {
      return;
    }
    if (acl.pattern_type == "LITERAL" && acl.resource_name != "*") {
      on_topic(NodeId::Topic(acl.cluster, acl.resource_name).str());
      return;
    }
    const std::string prefix = "topic:" + acl.cluster + "/" +
                               (acl.resource_name == "*" ? std::string() : acl.resource_name);
    for (auto it = by_topic_.lower_bound(prefix);
         it != by_topic_.end() && it->first.starts_with(prefix); ++it) {
      add_all(&it->second);
    }
  };
  std::visit(Overloaded{
                 [&](const ProductPublished& e) { touched.insert(e.product); },
                 [&](const ProductUpdated& e) { touched.insert(e.product); },
                 [&](const ProductDeprecated& e) { touched.insert(e.product); },
                 [&](const ProductUndeprecated& e) { touched.insert(e.product); },
                 [&](const ProductRetired& e) { touched.insert(e.product); },
                 [&](const SchemaRegistered& e) { on_subject(e.subject); },
                 [&](const SchemaDeleted& e) { on_subject(e.subject); },
                 [&](const CompatibilityLevelChanged& e) {
                   if (e.subject) {
                     on_subject(*e.subject);
                   } else {  // the global level: every product that follows it
                     for (const auto& [name, p] : catalog_.state().products) {
                       touched.insert(name);
                     }
                   }
                 },
                 [&](const AclGranted& e) { on_acl(e.acl); },
                 [&](const AclRevoked& e) { on_acl(e.acl); },
                 [&](const AccessDecided& e) { touched.insert(e.product); },
                 [&](const AclApplied& e) { touched.insert(e.product); },
                 [&](const ConsumerStarted& e) { on_topic(e.topic.str()); },
                 [&](const ConsumerStopped& e) { on_topic(e.topic.str()); },
                 [&](const JobObserved& e) {
                   for (const auto& t : e.inputs) {
                     on_topic(t.str());
                   }
                 },
                 [](const auto&) {},
             },
             event);
}

void Governance::EvaluateProduct(const std::string& name, Timestamp time, Batch& out) const {
  const auto& products = catalog_.state().products;
  const auto it = products.find(name);
  std::map<std::string, Violation> desired;
  std::string domain;
  std::string owner;
  if (it != products.end()) {
    domain = it->second.published.domain;
    owner = it->second.published.owner;
    if (it->second.status != "retired" && options_.policies) {
      const auto input = BuildPolicyInput(Sources(graph_now_.get()), name, it->second);
      for (auto& v : options_.policies->Evaluate(input)) {
        desired.emplace(ViolationKey(name, v.policy, v.subject), std::move(v));
      }
    }
  }
  const std::string prefix = name + kSep;
  std::vector<std::pair<std::string, const ViolationRecord*>> current;
  for (auto o = state_.open.lower_bound(prefix);
       o != state_.open.end() && o->first.starts_with(prefix); ++o) {
    current.emplace_back(o->first, &state_.violations[o->second]);
  }
  for (const auto& [key, v] : current) {
    if (desired.contains(key)) {
      continue;
    }
    const std::string reason =
        it == products.end() || it->second.status == "retired" ? "product_retired" : "compliant";
    const auto n = state_.openings.contains(key) ? state_.openings.at(key) : 1;
    const auto decision_key = "policy/" + v->policy + "/" + name + "/" + v->subject + "/" +
                              std::to_string(n) + "/resolved";
    out.events.push_back(
        NewEvent{PolicyViolationResolved{decision_key, v->id, v->policy, name, v->subject, reason},
                 time, std::string(kSource), std::nullopt, decision_key});
  }
  for (const auto& [key, v] : desired) {
    if (state_.open.contains(key)) {
      continue;
    }
    const auto n = (state_.openings.contains(key) ? state_.openings.at(key) : 0) + 1;
    const auto decision_key =
        "policy/" + v.policy + "/" + name + "/" + v.subject + "/" + std::to_string(n);
    json facts = {{"product", name},           {"policy", v.policy},
                  {"policy_kind", v.kind},     {"severity_level", v.severity},
                  {"subject", v.subject},      {"message", v.message},
                  {"domain", domain},          {"owner", owner},
                  {"violation", decision_key}, {"block", v.severity == "block"}};
    std::vector<std::pair<std::string, std::string>> teams = {{owner, "owner"}};
    if (v.severity == "block") {
      teams.emplace_back(options_.team, "governance");
    }
    Record(out,
           PolicyViolationOpened{decision_key, v.policy, v.kind, v.severity, name, domain,
                                 v.subject, v.message},
           time, decision_key, NotificationKind::kPolicyViolation, IntentSeverity(v.severity),
           facts, teams);
  }
}

void Governance::DecideProposal(const std::string& id, Timestamp time, Batch& out) const {
  auto it = state_.proposals.find(id);
  if (it == state_.proposals.end()) {
    return;
  }
  const auto& p = it->second;
  const auto owner = [&] {
    auto prod = catalog_.state().products.find(p.opened.product);
    return prod == catalog_.state().products.end() ? std::string() : prod->second.published.owner;
  }();
  json facts = {{"proposal", id},
                {"product", p.opened.product},
                {"subject", p.opened.subject},
                {"owner", owner},
                {"description", p.opened.description},
                {"status", p.status},
                {"incompatibilities", codec::ToJson(p.opened.incompatibilities)},
                {"approvals_needed", p.opened.approvals_needed},
                {"expires_at", FormatRfc3339(p.opened.expires_at)}};
  if (p.status == "pending" && p.decisions.empty()) {
    std::vector<std::pair<std::string, std::string>> teams;
    for (const auto& team : p.opened.approvals_needed) {
      teams.emplace_back(team, "consumer");
    }
    const auto key = "signoff/" + id;
    Record(out, SignoffRequested{key, id, p.opened.product, p.opened.approvals_needed}, time, key,
           NotificationKind::kSignoffRequested, "high", facts, teams);
  }
  if ((p.status == "approved" || p.status == "rejected") && !p.closed) {
    json decisions = json::array();
    for (const auto& d : p.decisions) {
      decisions.push_back({{"team", d.team},
                           {"decision", d.decision},
                           {"by", d.by},
                           {"at", FormatRfc3339(d.at)},
                           {"comment", d.comment}});
    }
    facts["decisions"] = decisions;
    facts["approved"] = p.status == "approved";
    facts["rejected"] = p.status == "rejected";
    const auto key = "proposal-closed/" + id;
    Record(out, ProposalClosed{key, id, p.opened.product, p.status}, time, key,
           NotificationKind::kProposalDecided, p.status == "rejected" ? "warning" : "info", facts,
           {{owner, "owner"}});
  }
}

void Governance::EscalateBreaking(const std::vector<EventRecord>& records, Batch& out) const {
  (void)records;
  const auto& subjects = schemas_.state().subjects;
  const std::size_t n = out.events.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto* b = std::get_if<BreakingChangeDetected>(&out.events[i].event);
    if (b == nullptr || (b->cause != "incompatible_schema" && b->cause != "schema_type_changed")) {
      continue;
    }
    auto s = subjects.find(b->subject);
    if (s == subjects.end()) {
      continue;
    }
    auto v = s->second.versions.find(b->to_version);
    if (v == s->second.versions.end()) {
      continue;
    }
    const auto fingerprint = SchemaFingerprint(v->second.schema_type, v->second.schema);
    std::string product;
    if (auto bs = by_subject_.find(b->subject); bs != by_subject_.end() && !bs->second.empty()) {
      product = *bs->second.begin();
    }
    const ProposalState* approved = nullptr;
    for (const auto& [id, p] : state_.proposals) {
      if (p.opened.fingerprint == fingerprint && p.status == "approved" &&
          (p.opened.subject == b->subject || p.opened.product == product)) {
        approved = &p;
        break;
      }
    }
    if (approved != nullptr) {
      for (auto& intent : out.outbox) {
        if (intent.caused_by_event == i) {
          intent.facts["proposal"] = approved->opened.id;
          intent.facts["proposal_approved"] = true;
        }
      }
      continue;
    }
    std::string owner;
    if (auto prod = catalog_.state().products.find(product);
        prod != catalog_.state().products.end()) {
      owner = prod->second.published.owner;
    }
    const auto key = "unapproved/" + b->subject + "/" + std::to_string(b->to_version);
    json facts = {
        {"product", product},         {"subject", b->subject},
        {"version", b->to_version},   {"from_version", b->from_version},
        {"fingerprint", fingerprint}, {"owner", owner},
        {"cause", b->cause},          {"incompatibilities", codec::ToJson(b->incompatibilities)}};
    json others = json::array();
    for (const auto& [id, p] : state_.proposals) {
      if (p.opened.fingerprint == fingerprint) {
        others.push_back({{"id", id}, {"status", p.status}});
      }
    }
    facts["proposals"] = others;
    Record(out, UnapprovedBreakingChange{key, product, b->subject, b->to_version, fingerprint},
           out.events[i].event_time, key, NotificationKind::kUnapprovedBreakingChange, "critical",
           facts, {{owner, "owner"}, {options_.team, "governance"}});
  }
}

void Governance::DecideAccess(const std::vector<EventRecord>& records, Batch& out) const {
  const auto owner_of = [&](const std::string& product) {
    auto prod = catalog_.state().products.find(product);
    return prod == catalog_.state().products.end() ? std::string() : prod->second.published.owner;
  };
  const auto facts_of = [&](const AccessRequestState& a) {
    const auto& q = a.requested;
    const auto acl = RequiredAcl(q);
    return json{{"request", q.id},
                {"product", q.product},
                {"topic", NodeId::Topic(q.cluster, q.topic).str()},
                {"topic_name", q.topic},
                {"cluster", q.cluster},
                {"principal", q.principal},
                {"requester", q.team},
                {"purpose", q.purpose},
                {"owner", owner_of(q.product)},
                {"status", a.status},
                {"decided_by", a.decided_by},
                {"comment", a.comment},
                {"approved", a.status == "approved" || a.status == "applied"},
                {"denied", a.status == "denied"},
                {"acl_managed", options_.acl_managed_clusters.contains(q.cluster)},
                {"acl", codec::ToJson(acl)},
                {"acl_command", AclCommand(acl, options_.bootstrap.contains(q.cluster)
                                                    ? options_.bootstrap.at(q.cluster)
                                                    : std::string())}};
  };
  std::set<std::string> check;  // approved requests to match against the ACLs seen
  for (const auto& r : records) {
    if (const auto* q = std::get_if<AccessRequested>(&r.event)) {
      auto it = state_.access_requests.find(q->id);
      if (it == state_.access_requests.end()) {
        continue;
      }
      const auto key = "access/" + q->id + "/requested";
      Tell(out, std::nullopt, r.event_time, key, NotificationKind::kAccessRequested, "info",
           facts_of(it->second), {{owner_of(q->product), "owner"}});
    } else if (const auto* d = std::get_if<AccessDecided>(&r.event)) {
      auto it = state_.access_requests.find(d->request);
      if (it == state_.access_requests.end() || it->second.decided_at != r.event_time) {
        continue;  // refused by Apply (not pending)
      }
      const auto key = "access/" + d->request + "/decided";
      Tell(out, std::nullopt, r.event_time, key, NotificationKind::kAccessDecided,
           d->decision == "approve" ? "info" : "warning", facts_of(it->second),
           {{it->second.requested.team, "requester"}});
      check.insert(d->request);
    } else if (std::holds_alternative<AclGranted>(r.event)) {
      for (const auto& [id, a] : state_.access_requests) {
        if (a.status == "approved") {
          check.insert(id);
        }
      }
    }
  }
  const auto time = records.back().event_time;
  for (const auto& id : check) {
    const auto& a = state_.access_requests.at(id);
    if (a.status != "approved") {
      continue;
    }
    for (const auto& acl : acls_.Covering(a.requested.cluster, a.requested.topic)) {
      if (Covers(acl, a.requested)) {
        const auto key = "access/" + id + "/applied";
        out.events.push_back(NewEvent{AclApplied{id, a.requested.product, acl, "observed"}, time,
                                      std::string(kSource), std::nullopt, key});
        break;
      }
    }
  }
}

void Governance::Decide(const std::vector<EventRecord>& records, Batch& out) {
  if (records.empty()) {
    return;
  }
  EnsureIndex();
  graph_now_ = graph_ ? graph_() : nullptr;
  std::set<std::string> touched;
  std::set<std::string> proposals;
  for (const auto& r : records) {
    Touch(r.event, touched);
    if (const auto* o = std::get_if<ProposalOpened>(&r.event)) {
      proposals.insert(o->id);
    } else if (const auto* d = std::get_if<ProposalDecided>(&r.event)) {
      proposals.insert(d->proposal);
    }
  }
  for (const auto& topic : dropped_inputs_) {
    if (auto it = by_topic_.find(topic); it != by_topic_.end()) {
      touched.insert(it->second.begin(), it->second.end());
    }
  }
  dropped_inputs_.clear();
  const auto time = records.back().event_time;
  for (const auto& name : touched) {
    EvaluateProduct(name, time, out);
  }
  for (const auto& id : proposals) {
    DecideProposal(id, time, out);
  }
  EscalateBreaking(records, out);
  DecideAccess(records, out);
  graph_now_.reset();
}

void Governance::Tick(Timestamp now, Batch& out) {
  for (const auto& [id, p] : state_.proposals) {
    if (p.status == "pending" && !p.closed && p.opened.expires_at <= now) {
      const auto key = "proposal-closed/" + id;
      std::string owner;
      if (auto prod = catalog_.state().products.find(p.opened.product);
          prod != catalog_.state().products.end()) {
        owner = prod->second.published.owner;
      }
      json facts = {{"proposal", id},
                    {"product", p.opened.product},
                    {"subject", p.opened.subject},
                    {"owner", owner},
                    {"status", "expired"},
                    {"expired", true},
                    {"description", p.opened.description},
                    {"decisions", json::array()}};
      Record(out, ProposalClosed{key, id, p.opened.product, "expired"}, now, key,
             NotificationKind::kProposalDecided, "warning", facts, {{owner, "owner"}});
    }
  }
}

std::size_t Governance::EvaluateAll() const {
  if (!options_.policies) {
    return 0;
  }
  const auto g = graph_ ? graph_() : nullptr;
  const auto sources = Sources(g.get());
  std::size_t found = 0;
  for (const auto& [name, p] : catalog_.state().products) {
    if (p.status == "retired") {
      continue;
    }
    found += options_.policies->Evaluate(BuildPolicyInput(sources, name, p)).size();
  }
  return found;
}

}  // namespace tributary::governance
