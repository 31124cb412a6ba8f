#pragma once
// Runs one of the Python checkers under tests/support (Debian's python3, for
// the standard library's parsers) over many files in one process: the checker
// prints one JSON object per file, in order.

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tributary::testing {

// `script` is a file name under tests/support; one JSON answer per file.
inline std::vector<nlohmann::json> RunPythonCheck(const std::string& script,
                                                  const std::vector<std::filesystem::path>& files) {
  std::string command = "/usr/bin/python3 " TRIBUTARY_SOURCE_DIR "/tests/support/" + script;
  for (const auto& f : files) {
    command += " '" + f.string() + "'";
  }
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[8192];
  while (const auto n = fread(buf, 1, sizeof buf, pipe)) {
    out.append(buf, n);
  }
  REQUIRE(pclose(pipe) == 0);
  std::vector<nlohmann::json> answers;
  std::size_t start = 0;
  while (start < out.size()) {
    const auto end = out.find('\n', start);
    answers.push_back(nlohmann::json::parse(out.substr(start, end - start)));
    start = end == std::string::npos ? out.size() : end + 1;
  }
  REQUIRE(answers.size() == files.size());
  return answers;
}

}  // namespace tributary::testing
