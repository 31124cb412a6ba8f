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

}  // namespace tributary::http
