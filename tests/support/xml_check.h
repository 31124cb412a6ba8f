#pragma once
// Well-formedness checks of the XML (SVG, and the UI's XHTML-compatible HTML)
// the service emits, with Python's expat (tests/support/xml_check.py): one
// process for many files.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/python_check.h"

namespace tributary::testing {

struct XmlCheck {
  bool ok = false;
  std::string error;
  std::set<std::string> elements;  // local names of every element
  std::vector<std::string> hrefs;  // href and xlink:href values, in order
};

inline std::vector<XmlCheck> CheckXmlFiles(const std::vector<std::filesystem::path>& files) {
  std::vector<XmlCheck> checks;
  for (const auto& j : RunPythonCheck("xml_check.py", files)) {
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
  }
  return checks;
}

// Writes `text` to `file` and checks it.
inline XmlCheck CheckXml(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
  return CheckXmlFiles({file}).front();
}

}  // namespace tributary::testing
