#include "http/routes/governance_json.h"

#include <map>

#include "core/field_codec.h"

namespace tributary::http {

using nlohmann::json;

namespace {

std::string Day(Timestamp t) { return FormatRfc3339(t).substr(0, 10); }

}  // namespace

json ComplianceJson(const governance::GovernanceState& state, const std::set<std::string>& statuses,
                    const std::set<std::string>& policies, const std::set<std::string>& domains,
                    Timestamp now) {
  json violations = json::array();
  json by_policy = json::object();
  json by_domain = json::object();
  std::int64_t open = 0;
  std::int64_t resolved = 0;
  // The trend: openings and resolutions per day over the last 30 days.
  constexpr int kDays = 30;
  const auto start = now - std::chrono::days(kDays - 1);
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> per_day;
  for (int d = 0; d < kDays; ++d) {
    per_day[Day(start + std::chrono::days(d))] = {0, 0};
  }
  std::int64_t open_before = 0;
  for (const auto& v : state.violations) {
    if ((!policies.empty() && !policies.contains(v.policy)) ||
        (!domains.empty() && !domains.contains(v.domain))) {
      continue;
    }
    const std::string status = v.resolved_at ? "resolved" : "open";
    if (auto it = per_day.find(Day(v.first_seen)); it != per_day.end()) {
      ++it->second.first;
    } else if (v.first_seen < start && (!v.resolved_at || *v.resolved_at >= start)) {
      ++open_before;
    }
    if (v.resolved_at) {
      if (auto it = per_day.find(Day(*v.resolved_at)); it != per_day.end()) {
        ++it->second.second;
      }
    }
    if (v.resolved_at) {
      ++resolved;
    } else {
      ++open;
      by_policy[v.policy] = by_policy.value(v.policy, 0) + 1;
      by_domain[v.domain] = by_domain.value(v.domain, 0) + 1;
    }
    if (!statuses.empty() && !statuses.contains(status)) {
      continue;
    }
    violations.push_back(
        {{"id", v.id},
         {"policy", v.policy},
         {"kind", v.kind},
         {"severity", v.severity},
         {"product", v.product},
         {"domain", v.domain},
         {"subject", v.subject},
         {"message", v.message},
         {"status", status},
         {"first_seen", FormatRfc3339(v.first_seen)},
         {"resolved_at", v.resolved_at ? json(FormatRfc3339(*v.resolved_at)) : json(nullptr)}});
  }
  json trend = json::array();
  std::int64_t running = open_before;
  for (const auto& [day, counts] : per_day) {
    running += counts.first - counts.second;
    trend.push_back(
        {{"date", day}, {"opened", counts.first}, {"resolved", counts.second}, {"open", running}});
  }
  return {{"violations", violations},
          {"summary",
           {{"open", open},
            {"resolved", resolved},
            {"by_policy", by_policy},
            {"by_domain", by_domain},
            {"trend", trend}}}};
}

json ProposalJson(const governance::ProposalState& p) {
  json decisions = json::array();
  for (const auto& d : p.decisions) {
    decisions.push_back({{"team", d.team},
                         {"decision", d.decision},
                         {"by", d.by},
                         {"at", FormatRfc3339(d.at)},
                         {"comment", d.comment}});
  }
  json incompatibilities = json::array();
  for (const auto& i : p.opened.incompatibilities) {
    incompatibilities.push_back(
        {{"type", i.type}, {"path", i.path}, {"message", i.message}, {"version", i.version}});
  }
  json violations = json::array();
  for (const auto& v : p.opened.violations) {
    violations.push_back({{"policy", v.policy},
                          {"severity", v.severity},
                          {"subject", v.subject},
                          {"message", v.message}});
  }
  return {{"id", p.opened.id},
          {"product", p.opened.product},
          {"subject", p.opened.subject},
          {"status", p.status},
          {"compatible", p.opened.compatible},
          {"incompatibilities", incompatibilities},
          {"violations", violations},
          {"approvals_needed", p.opened.approvals_needed},
          {"unowned", p.opened.unowned},
          {"decisions", decisions},
          {"fingerprint", p.opened.fingerprint},
          {"description", p.opened.description},
          {"opened_at", FormatRfc3339(p.opened_at)},
          {"expires_at", FormatRfc3339(p.opened.expires_at)},
          {"opened_by", p.opened.actor}};
}

json AccessRequestJson(const governance::AccessRequestState& a,
                       const governance::GovernanceOptions* options) {
  const auto& q = a.requested;
  const bool acl_managed = options != nullptr && options->acl_managed_clusters.contains(q.cluster);
  const std::string bootstrap = options != nullptr && options->bootstrap.contains(q.cluster)
                                    ? options->bootstrap.at(q.cluster)
                                    : std::string();
  const auto acl = a.acl.value_or(governance::RequiredAcl(q));
  const auto time = [](const std::optional<Timestamp>& t) {
    return t ? json(FormatRfc3339(*t)) : json(nullptr);
  };
  return {
      {"id", q.id},
      {"product", q.product},
      {"principal", q.principal},
      {"team", q.team},
      {"purpose", q.purpose},
      {"status", a.status},
      {"requested_by", q.actor},
      {"requested_at", FormatRfc3339(a.requested_at)},
      {"decided_by", a.decided_by.empty() ? json(nullptr) : json(a.decided_by)},
      {"decided_at", time(a.decided_at)},
      {"comment", a.comment},
      {"acl", codec::ToJson(acl)},
      {"acl_managed", acl_managed},
      {"acl_command", acl_managed ? json(nullptr) : json(governance::AclCommand(acl, bootstrap))},
      {"applied_via", a.applied_via.empty() ? json(nullptr) : json(a.applied_via)},
      {"applied_at", time(a.applied_at)}};
}

}  // namespace tributary::http
