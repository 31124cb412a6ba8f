// Apicurio Registry's JSON Schema compatibility cases, run against the engine.
//
// Each case gives a verdict for `updated` following `original`: "backward"
// (backward compatible only), "both" (backward and forward) or "none". That is
// two checks per case, backward and forward, and every one must agree: there is
// no list of accepted disagreements. (Until issue 19 six backward checks, the
// exclusiveMinimum/exclusiveMaximum cases, were listed as disagreements because
// bounds were compared keyword by keyword; they are judged by effect now.)

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "schema/jsonschema/json_schema_engine.h"

namespace tributary::schema {
namespace {

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

  int checks = 0;
  int agreed = 0;
  for (const nlohmann::json& test : cases) {
    if (!test.value("enabled", true)) {
      continue;
    }
    const std::string id = test.at("id").get<std::string>();
    const std::string expected = test.at("compatibility").get<std::string>();
    REQUIRE((expected == "both" || expected == "backward" || expected == "none"));
    auto original = ParseCase(test.at("original"), id);
    auto updated = ParseCase(test.at("updated"), id);

    const auto backward = JsonSchemaEngine().CheckReadable(*updated, *original, {});
    const auto forward = JsonSchemaEngine().CheckReadable(*original, *updated, {});
    INFO("case \"" << id << "\" expects " << expected << "\n  original: "
                   << test.at("original").dump() << "\n  updated:  " << test.at("updated").dump()
                   << "\n  backward findings:" << Describe(backward)
                   << "\n  forward findings:" << Describe(forward));
    const bool backward_expected = expected != "none";
    const bool forward_expected = expected == "both";
    CHECK(backward.empty() == backward_expected);
    CHECK(forward.empty() == forward_expected);
    checks += 2;
    agreed += (backward.empty() == backward_expected ? 1 : 0) +
              (forward.empty() == forward_expected ? 1 : 0);
  }
  WARN("Apicurio JSON Schema checks: " << agreed << " of " << checks << " agree");
  CHECK(checks == 290);
  CHECK(agreed == checks);
}

}  // namespace
}  // namespace tributary::schema
