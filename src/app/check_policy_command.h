#pragma once
// `tributary check-policy`: the configured [[policies]] against one product
// descriptor (and its schema), offline, for pre-commit hooks and CI
// (DESIGN.md §5, §9).
//
//   tributary check-policy --config FILE [--type avro|json|protobuf]
//       [--compatibility LEVEL] [--fail-on info|warn|block] [--ref NAME=FILE]...
//       [--json] PRODUCT.json [SCHEMA]
//
// PRODUCT.json is the `tributary.product.published` data of DESIGN.md §3 (or
// the whole CloudEvent); fields may be missing, that is what required_fields
// checks. SCHEMA is the schema file the product will carry; its type comes from
// --type or the extension (.avsc AVRO, .json JSON, .proto PROTOBUF); it must
// parse, its imports and references resolved through --ref. The
// policy input is built as the service builds it, with what is known offline:
// no consumers and no ACLs, the cluster's region from the config, the
// compatibility level from --compatibility (default BACKWARD, the registry's).
//
// Exit status: 0 no violation at or above --fail-on (default warn), 1 at least
// one, 2 bad input (the config, the product file or the schema, named).
// Connects to nothing.

#include <ostream>
#include <string>
#include <vector>

namespace tributary::app {

int RunCheckPolicy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tributary::app
