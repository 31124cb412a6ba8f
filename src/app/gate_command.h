#pragma once
// `tributary gate --url URL --proposal ID [--token-env VAR] [--wait SECONDS]`
// (DESIGN.md §5): whether a proposed schema may ship, for CI pipelines. One
// read of GET URL/api/v1/proposals/ID, then the exit code at once: 0 when the
// proposal is approved, not_needed or versioned; 1 when it is pending,
// rejected or expired; 2 on any error (unreachable, 4xx/5xx, bad answer).
// --wait polls every 2 s while it is pending, up to SECONDS.

#include <iosfwd>
#include <string>
#include <vector>

namespace tributary::app {

int RunGate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tributary::app
