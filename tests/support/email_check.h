#pragma once
// Reads composed email messages as a mail client would: Python's email
// package with the strict policy (tests/support/email_check.py), which raises
// on any defect it finds. One process for many messages.

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tributary::testing {

struct EmailCheck {
  bool ok = false;
  std::string error;
  std::string subject;                    // decoded
  std::vector<std::string> header_lines;  // physical lines, without CRLF
  std::vector<std::string> encoded_words;
  std::string html;  // the decoded text/html part
};

// Writes each message to `dir` and checks them all.
inline std::vector<EmailCheck> CheckEmails(const std::filesystem::path& dir,
                                           const std::vector<std::string>& messages) {
  std::string command = "/usr/bin/python3 " TRIBUTARY_SOURCE_DIR "/tests/support/email_check.py";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto file = dir / ("message-" + std::to_string(i) + ".eml");
    std::ofstream(file, std::ios::binary) << messages[i];
    command += " '" + file.string() + "'";
  }
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[8192];
  while (const auto n = fread(buf, 1, sizeof buf, pipe)) {
    out.append(buf, n);
  }
  REQUIRE(pclose(pipe) == 0);
  std::vector<EmailCheck> checks;
  std::size_t start = 0;
  while (start < out.size()) {
    const auto end = out.find('\n', start);
    const auto j = nlohmann::json::parse(out.substr(start, end - start));
    EmailCheck c;
    c.ok = j["ok"].get<bool>();
    c.error = j["error"].is_null() ? "" : j["error"].get<std::string>();
    c.subject = j["subject"].is_null() ? "" : j["subject"].get<std::string>();
    c.header_lines = j["header_lines"].get<std::vector<std::string>>();
    c.encoded_words = j["encoded_words"].get<std::vector<std::string>>();
    c.html = j["html"].is_null() ? "" : j["html"].get<std::string>();
    checks.push_back(std::move(c));
    start = end == std::string::npos ? out.size() : end + 1;
  }
  REQUIRE(checks.size() == messages.size());
  return checks;
}

}  // namespace tributary::testing
