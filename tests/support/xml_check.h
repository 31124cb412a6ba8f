#pragma once
// Well-formedness checks of the XML (SVG, and the UI's XHTML-compatible HTML)
// the service emits, with Python's expat (tests/support/xml_check.py): one
// process for many files.

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tributary::testing {

struct XmlCheck {
  bool ok = false;
  std::string error;
  std::set<std::string> elements;  // local names of every element
  std::vector<std::string> hrefs;  // href and xlink:href values, in order
};

inline std::vector<XmlCheck> CheckXmlFiles(const std::vector<std::filesystem::path>& files) {
  std::string command = "/usr/bin/python3 " TRIBUTARY_SOURCE_DIR "/tests/support/xml_check.py";
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
  std::vector<XmlCheck> checks;
  std::size_t start = 0;
  while (start < out.size()) {
    const auto end = out.find('\n', start);
    const auto j = nlohmann::json::parse(out.substr(start, end - start));
    XmlCheck c;
    c.ok = j["ok"].get<bool>();
    c.error = j["error"].is_null() ? "" : j["error"].get<std::string>();
    for (const auto& e : j["elements"]) {
      c.elements.insert(e.get<std::string>());
    }
    for (const auto& h : j["hrefs"]) {
      c.hrefs.push_back(h.get<std::string>());
    }
    checks.push_back(std::move(c));
    start = end == std::string::npos ? out.size() : end + 1;
  }
  REQUIRE(checks.size() == files.size());
  return checks;
}

// Writes `text` to `file` and checks it.
inline XmlCheck CheckXml(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
  return CheckXmlFiles({file}).front();
}

}  // namespace tributary::testing
