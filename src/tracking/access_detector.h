#pragma once
// Access taken from active users (src/tracking/README.md, the rule on ACLs).
//
// An ALLOW ACL revoked (and no other ALLOW still grants it) or a DENY added,
// covering a topic the principal actively reads (READ/ALL) or writes
// (WRITE/ALL) -> access_revoked_detected per operation lost, and a critical
// `access_revoked` intent to the principal's team.
//
// Pure functions of the DecisionContext; they add to its batch only.

#include <string_view>

#include "tracking/decision_context.h"
#include "tributary/events.h"

namespace tributary::tracking {

// Decides about an ACL revoked by `record` (only ALLOW bindings matter).
void DetectAccessRevoked(DecisionContext& ctx, const EventRecord& record,
                         const AclRevoked& revoked);
// Decides about an ACL granted by `record` (only DENY bindings matter).
void DetectAccessDenied(DecisionContext& ctx, const EventRecord& record, const AclGranted& granted);

// Does `acl` (on resource_name with pattern_type) cover topic `name`?
bool AclCoversTopic(const AclBinding& acl, std::string_view name);

}  // namespace tributary::tracking
