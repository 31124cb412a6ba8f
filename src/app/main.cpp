// tributary: the command-line entry point. Dispatches to the subcommands.

#include <iostream>
#include <string>
#include <vector>

#include "app/check_compat_command.h"
#include "app/check_policy_command.h"
#include "app/commands.h"
#include "app/gate_command.h"

namespace {

constexpr const char* kUsage =
    "usage: tributary <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve --config FILE [--check-config]   run the service (or only validate FILE)\n"
    "  demo [--port N] [--seed N] [--speed X] [--data-dir D]\n"
    "                                         embedded Kafka + the service on 127.0.0.1\n"
    "  replay --config FILE [--verify]        rebuild projections from the event log\n"
    "  backup --config FILE OUT               a consistent copy of the event log\n"
    "  check-compat --type T --level L [--json] PREVIOUS... NEW\n"
    "                                         offline schema compatibility check\n"
    "  check-policy --config FILE PRODUCT.json [SCHEMA]\n"
    "                                         the policies against a product, offline (exit "
    "0/1/2)\n"
    "  gate --url URL --proposal ID [--token-env VAR] [--wait SECONDS]\n"
    "                                         may a proposed schema ship? (exit 0/1/2)\n"
    "  devbroker [--brokers N]                a mock Kafka cluster on loopback\n"
    "  version                                version and build information\n"
    "\n"
    "`tributary <command> --help` describes a command.\n";

}  // namespace

int main(int argc, char** argv) {
  tributary::BlockShutdownSignals();
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "serve") {
    return tributary::RunServe(args, std::cout, std::cerr);
  }
  if (command == "demo") {
    return tributary::RunDemo(args, std::cout, std::cerr);
  }
  if (command == "replay") {
    return tributary::RunReplay(args, std::cout, std::cerr);
  }
  if (command == "backup") {
    return tributary::RunBackup(args, std::cout, std::cerr);
  }
  if (command == "check-compat") {
    return tributary::app::RunCheckCompat(args, std::cout, std::cerr);
  }
  if (command == "check-policy") {
    return tributary::app::RunCheckPolicy(args, std::cout, std::cerr);
  }
  if (command == "gate") {
    return tributary::app::RunGate(args, std::cout, std::cerr);
  }
  if (command == "devbroker") {
    return tributary::RunDevbroker(args, std::cout, std::cerr);
  }
  if (command == "version" || command == "--version") {
    return tributary::RunVersion(args, std::cout, std::cerr);
  }
  std::cerr << "tributary: unknown command \"" << command << "\"\n\n" << kUsage;
  return 2;
}
