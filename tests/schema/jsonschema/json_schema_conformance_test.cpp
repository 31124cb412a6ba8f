// Apicurio Registry's JSON Schema compatibility cases, run against the engine.
//
// Each case gives a verdict for `updated` following `original`: "backward"
// (backward compatible only), "both" (backward and forward) or "none". Every
// enabled case must match, except those listed in kDisagreements: there
// Apicurio's checker and Confluent Schema Registry's documented rules differ,
// Tributary follows Confluent, and the test checks it reaches Confluent's verdict.

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "schema/jsonschema/json_schema_engine.h"

namespace tributary::schema {
namespace {

struct Disagreement {
  const char* confluent_verdict;
  const char* reason;
};

// Keyed by case id (each listed id occurs once in the data).
const std::map<std::string, Disagreement> kDisagreements = {
    {"Number: exclusiveMinimum 1",
     {"none",
      "Confluent compares minimum and exclusiveMinimum as separate keywords: dropping the "
      "(draft-4) exclusive bound for `minimum: 10` is MINIMUM_ADDED, which it rejects"}},
    {"Number: exclusiveMinimum 2",
     {"none",
      "Confluent compares minimum and exclusiveMinimum as separate keywords: "
      "exclusiveMinimum 10 -> minimum 10 is MINIMUM_ADDED, which it rejects"}},
    {"Number: exclusiveMinimum 3",
     {"none",
      "Confluent compares minimum and exclusiveMinimum as separate keywords: "
      "exclusiveMinimum 10 -> minimum 5 is MINIMUM_ADDED, which it rejects"}},
    {"Number: exclusiveMaximum 1",
     {"none",
      "Confluent compares maximum and exclusiveMaximum as separate keywords: dropping the "
      "(draft-4) exclusive bound for `maximum: 10` is MAXIMUM_ADDED, which it rejects"}},
    {"Number: exclusiveMaximum 2",
     {"none",
      "Confluent compares maximum and exclusiveMaximum as separate keywords: "
      "exclusiveMaximum 10 -> maximum 10 is MAXIMUM_ADDED, which it rejects"}},
    {"Number: exclusiveMaximum 3",
     {"none",
      "Confluent compares maximum and exclusiveMaximum as separate keywords: "
      "exclusiveMaximum 5 -> maximum 10 is MAXIMUM_ADDED, which it rejects"}},
};

nlohmann::json LoadCases() {
  std::ifstream in(TRIBUTARY_SOURCE_DIR
                   "/tests/fixtures/conformance/apicurio/jsonschema-compatibility-test-data.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::shared_ptr<const ParsedSchema> ParseCase(const nlohmann::json& schema, const std::string& id) {
  // A schema is stored either as JSON or as a string holding JSON.
  const std::string text = schema.is_string() ? schema.get<std::string>() : schema.dump();
  auto parsed = JsonSchemaEngine().Parse(text, {}, {});
  INFO(id << ": " << parsed.status().ToString());
  REQUIRE(parsed.ok());
  return *parsed;
}

std::string Describe(const std::vector<Incompatibility>& findings) {
  std::ostringstream out;
  for (const Incompatibility& finding : findings) {
    out << "\n    " << finding.kind << " at " << finding.path << ": " << finding.message;
  }
  return out.str();
}

TEST_CASE("Apicurio JSON Schema compatibility cases", "[jsonschema][conformance]") {
  const nlohmann::json data = LoadCases();
  const nlohmann::json& cases = data.at("tests");
  REQUIRE(cases.size() == 145);

  std::map<std::string, int> occurrences;
  for (const nlohmann::json& test : cases) {
    ++occurrences[test.at("id").get<std::string>()];
  }
  for (const auto& [id, disagreement] : kDisagreements) {
    INFO("listed disagreement " << id);
    CHECK(occurrences[id] == 1);
  }

  int enabled = 0;
  int passed = 0;
  int disagreed = 0;
  for (const nlohmann::json& test : cases) {
    if (!test.value("enabled", true)) {
      continue;
    }
    ++enabled;
    const std::string id = test.at("id").get<std::string>();
    const std::string expected = test.at("compatibility").get<std::string>();
    auto original = ParseCase(test.at("original"), id);
    auto updated = ParseCase(test.at("updated"), id);

    const auto backward = JsonSchemaEngine().CheckReadable(*updated, *original, {});
    const auto forward = JsonSchemaEngine().CheckReadable(*original, *updated, {});
    std::string verdict = "none";
    if (backward.empty() && forward.empty()) {
      verdict = "both";
    } else if (backward.empty()) {
      verdict = "backward";
    } else if (forward.empty()) {
      verdict = "forward";
    }

    auto listed = kDisagreements.find(id);
    INFO("case \"" << id << "\"\n  original: " << test.at("original").dump() << "\n  updated:  "
                   << test.at("updated").dump() << "\n  backward findings:" << Describe(backward)
                   << "\n  forward findings:" << Describe(forward));
    if (listed != kDisagreements.end()) {
      INFO("documented disagreement: " << listed->second.reason);
      CHECK(expected != listed->second.confluent_verdict);
      CHECK(verdict == listed->second.confluent_verdict);
      ++disagreed;
    } else {
      CHECK(verdict == expected);
      passed += verdict == expected ? 1 : 0;
    }
  }
  WARN("Apicurio JSON Schema cases: " << passed << " of " << enabled << " agree, " << disagreed
                                      << " documented disagreements");
  CHECK(passed + disagreed == enabled);
}

}  // namespace
}  // namespace tributary::schema
