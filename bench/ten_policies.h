#pragma once
// The ten policies both governance_bench and ingest_bench run: every built-in
// kind and three jq expressions (issue 15's figures).

#include <memory>
#include <vector>

#include "governance/policy_set.h"

namespace tributary::bench {

inline std::shared_ptr<const governance::PolicySet> TenPolicies() {
  std::vector<governance::PolicySpec> specs(10);
  specs[0] = {.id = "required", .kind = "required_fields", .fields = {"domain", "owner", "sla"}};
  specs[1] = {.id = "naming", .kind = "naming", .pattern = "^[a-z0-9.-]+$"};
  specs[2] = {.id = "types", .kind = "schema_types", .allowed = {"AVRO", "PROTOBUF"}};
  specs[3] = {.id = "compat", .kind = "min_compatibility", .level = "BACKWARD"};
  specs[4] = {.id = "pii", .kind = "pii"};
  specs[5] = {.id = "locality", .kind = "locality"};
  specs[6] = {.id = "wildcards", .kind = "wildcard_acl"};
  specs[7] = {.id = "tier1",
              .kind = "expression",
              .expression = R"(.product.sla != "tier-1" or .schema.type != "JSON")"};
  specs[8] = {
      .id = "described", .kind = "expression", .expression = "(.product.description | length) > 3"};
  specs[9] = {.id = "consumers-owned",
              .kind = "expression",
              .expression = "[.consumers[] | select(.team == null)] | length == 0"};
  auto set = governance::PolicySet::Compile(specs, {"PII"});
  return set.ok() ? *set : nullptr;
}

}  // namespace tributary::bench
