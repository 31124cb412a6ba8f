#pragma once
// Reads composed email messages as a mail client would: Python's email
// package with the strict policy (tests/support/email_check.py), which raises
// on any defect it finds. One process for many messages.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/python_check.h"

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
  std::vector<std::filesystem::path> files;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    files.push_back(dir / ("message-" + std::to_string(i) + ".eml"));
    std::ofstream(files.back(), std::ios::binary) << messages[i];
  }
  std::vector<EmailCheck> checks;
  for (const auto& j : RunPythonCheck("email_check.py", files)) {
    EmailCheck c;
    c.ok = j["ok"].get<bool>();
    c.error = j["error"].is_null() ? "" : j["error"].get<std::string>();
    c.subject = j["subject"].is_null() ? "" : j["subject"].get<std::string>();
    c.header_lines = j["header_lines"].get<std::vector<std::string>>();
    c.encoded_words = j["encoded_words"].get<std::vector<std::string>>();
    c.html = j["html"].is_null() ? "" : j["html"].get<std::string>();
    checks.push_back(std::move(c));
  }
  return checks;
}

}  // namespace tributary::testing
