#pragma once
// The JSON of GET /compliance and of a proposal (DESIGN.md §5), shared by the
// API and the UI's pages. Pure functions of the published governance state.

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "governance/governance.h"

namespace tributary::http {

// {"violations":[{"id","policy","kind","severity","product","domain","subject","message",
//   "status","first_seen","resolved_at"}],
//  "summary":{"open","resolved","by_policy":{id:open},"by_domain":{domain:open},
//   "trend":[{"date","opened","resolved","open"}]}}  — the trend: the last 30 days, by day (UTC).
// Empty filters match everything.
nlohmann::json ComplianceJson(const governance::GovernanceState& state,
                              const std::set<std::string>& statuses,
                              const std::set<std::string>& policies,
                              const std::set<std::string>& domains, Timestamp now);

// {"id","product","subject","status","compatible","incompatibilities","violations",
//  "approvals_needed","unowned","decisions":[{"team","decision","by","at","comment"}],
//  "fingerprint","description","opened_at","expires_at","opened_by"}
nlohmann::json ProposalJson(const governance::ProposalState& proposal);

// {"id","product","principal","team","purpose","status","requested_by","requested_at",
//  "decided_by","decided_at","comment","acl","acl_managed","acl_command","applied_via",
//  "applied_at"} — `acl` is the binding applied once `applied`, else the one needed;
// `acl_command` the kafka-acls line that creates it (null where Tributary does:
// `options` names the clusters with acl_management and their bootstrap servers).
nlohmann::json AccessRequestJson(const governance::AccessRequestState& request,
                                 const governance::GovernanceOptions* options);

}  // namespace tributary::http
