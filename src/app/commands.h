#pragma once
// The subcommands of the `tributary` executable. Each takes its arguments
// (after the subcommand name) and returns the process exit code; output goes
// to the given streams so tests can run them in-process.

#include <iosfwd>
#include <string>
#include <vector>

namespace tributary {

using Args = std::vector<std::string>;

int RunServe(const Args& args, std::ostream& out, std::ostream& err);
int RunReplay(const Args& args, std::ostream& out, std::ostream& err);
int RunBackup(const Args& args, std::ostream& out, std::ostream& err);
int RunDemo(const Args& args, std::ostream& out, std::ostream& err);
int RunDevbroker(const Args& args, std::ostream& out, std::ostream& err);
int RunVersion(const Args& args, std::ostream& out, std::ostream& err);

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it starts
// later) so that WaitForShutdownSignal() can receive them. Call first in main.
void BlockShutdownSignals();
// Waits for SIGINT or SIGTERM; returns the signal number.
int WaitForShutdownSignal();

}  // namespace tributary
