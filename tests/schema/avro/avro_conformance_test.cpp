// Conformance: Apicurio Registry's Avro compatibility cases
// (tests/fixtures/conformance/apicurio/, see its README for provenance).
//
// Each case gives an original and an updated schema and the expected verdict:
// "backward" (backward compatible, not forward), "both" (full) or "none". Every
// enabled case must pass unless it is listed in kDisagreements with the reason
// Tributary follows Confluent's documented behaviour instead.

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "schema/compatibility.h"

namespace tributary::schema {
namespace {

using Json = nlohmann::json;

// Case id -> why Tributary's verdict differs from Apicurio's. None so far.
const std::map<std::string, std::string> kDisagreements = {};

Json LoadCases() {
  const std::string path =
      TRIBUTARY_SOURCE_DIR "/tests/fixtures/conformance/apicurio/avro-compatibility-test-data.json";
  std::ifstream in(path);
  INFO(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

bool Compatible(CompatibilityLevel level, const Json& original, const Json& updated) {
  SchemaVersion previous;
  previous.version = 1;
  previous.text = original.dump();
  SchemaVersion candidate;
  candidate.version = 2;
  candidate.text = updated.dump();
  const auto result = CheckCompatibility(level, {previous}, candidate);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return result->compatible;
}

TEST_CASE("Apicurio's Avro compatibility cases pass") {
  const Json cases = LoadCases();
  REQUIRE(cases.at("tests").size() >= 4);
  int run = 0;
  for (const auto& c : cases.at("tests")) {
    if (!c.value("enabled", true)) {
      continue;
    }
    const std::string id = c.at("id");
    const std::string expected = c.at("compatibility");
    const bool backward =
        Compatible(CompatibilityLevel::kBackward, c.at("original"), c.at("updated"));
    const bool forward =
        Compatible(CompatibilityLevel::kForward, c.at("original"), c.at("updated"));
    const std::string verdict = backward && forward ? "both"
                                : backward          ? "backward"
                                : forward           ? "forward"
                                                    : "none";
    INFO("case " << id);
    if (const auto it = kDisagreements.find(id); it != kDisagreements.end()) {
      INFO("documented disagreement: " << it->second);
      CHECK(verdict != expected);  // remove the entry once it agrees
    } else {
      CHECK(verdict == expected);
    }
    ++run;
  }
  CHECK(run >= 4);
}

}  // namespace
}  // namespace tributary::schema
