#pragma once
// `tributary check-compat`: an offline compatibility check for CI pipelines.
//
//   tributary check-compat --type avro|json|protobuf --level LEVEL [--json]
//       [--strict-defaults] [--ref NAME=FILE]... PREVIOUS... NEW
//
// PREVIOUS files are the earlier versions, oldest first (versions 1..n); NEW is
// version n+1. Exit status: 0 compatible, 1 incompatible (one line per problem,
// or a JSON object with --json), 2 invalid input (the error names the file).

#include <ostream>
#include <string>
#include <vector>

namespace tributary::app {

// `args` are the arguments after "check-compat". Writes results to `out` and
// errors to `err`; returns the exit status.
int RunCheckCompat(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tributary::app
