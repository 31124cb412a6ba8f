// Parsing JSON Schema: malformed input is an InvalidArgument naming the problem,
// never a crash; hostile nesting and reference cycles are bounded.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "schema/jsonschema/json_schema_engine.h"

namespace tributary::schema {
namespace {

Status ParseStatus(const std::string& text, const std::vector<SchemaReference>& references = {}) {
  return JsonSchemaEngine().Parse(text, references, {}).status();
}

std::shared_ptr<const ParsedSchema> Parse(const std::string& text) {
  auto parsed = JsonSchemaEngine().Parse(text, {}, {});
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  return *parsed;
}

TEST_CASE("malformed schemas are invalid arguments", "[jsonschema][parse]") {
  struct Case {
    const char* text;
    const char* problem;  // expected in the message
  };
  const std::vector<Case> cases = {
      {"", "not valid JSON"},
      {"{\"type\": \"string\"", "not valid JSON"},
      {"{'type': 'string'}", "not valid JSON"},
      {"42", "not a JSON Schema"},
      {"\"string\"", "not a JSON Schema"},
      {"[{\"type\": \"string\"}]", "not a JSON Schema"},
      {"null", "not a JSON Schema"},
      {R"({"type":"strnig"})", "unknown type `strnig`"},
      {R"({"type":7})", "`type` names must be strings"},
      {R"({"type":[]})", "`type` must not be an empty array"},
      {R"({"properties":[]})", "`properties` must be an object of schemas"},
      {R"({"properties":{"a":5}})", "#/properties/a: a schema must be an object or a boolean"},
      {R"({"definitions":{"a":[]}})", "#/definitions/a: a schema must be an object or a boolean"},
      {R"({"required":"a"})", "`required` must be an array"},
      {R"({"required":[1]})", "`required` must contain only strings"},
      {R"({"minLength":-1})", "`minLength` must be a non-negative integer"},
      {R"({"maxItems":1.5})", "`maxItems` must be a non-negative integer"},
      {R"({"multipleOf":0})", "`multipleOf` must be a number greater than 0"},
      {R"({"maximum":"10"})", "`maximum` must be a number"},
      {R"({"enum":"a"})", "`enum` must be an array"},
      {R"({"anyOf":[]})", "`anyOf` must be a non-empty array of schemas"},
      {R"({"allOf":{}})", "`allOf` must be a non-empty array of schemas"},
      {R"({"items":3})", "`items` must be a schema or an array of schemas"},
      {R"({"not":"x"})", "`not` must be a schema"},
      {R"({"pattern":5})", "`pattern` must be a string"},
      {R"({"dependencies":{"a":5}})", "a dependency must be"},
      {R"({"$ref":5})", "`$ref` must be a string"},
      {R"({"$ref":"#/definitions/missing"})", "points at no schema"},
      {R"({"$ref":"#nowhere"})", "unknown anchor"},
      {R"({"$ref":"other.json"})", "names no schema reference"},
      {R"({"properties":{"a":{"$ref":"#/definitions/b"}},"definitions":{"b":{"$ref":"#/definitions/c"},"c":{"$ref":"#/definitions/b"}}})",
       "`$ref` cycle"},
      {R"({"$ref":"#"})", "`$ref` cycle"},
  };
  for (const Case& c : cases) {
    INFO("schema: " << c.text);
    Status status = ParseStatus(c.text);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(status.message(), Catch::Contains(c.problem));
  }
}

TEST_CASE("a malformed reference is an invalid argument naming the reference",
          "[jsonschema][parse]") {
  Status status = ParseStatus(R"({"$ref":"address.json"})",
                              {{"address.json", "addresses-value", 1, R"({"type":"nope"})"}});
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(status.message(), Catch::Contains("reference `address.json`"));
}

TEST_CASE("hostile nesting is refused, not recursed into", "[jsonschema][parse]") {
  SECTION("deeply nested JSON") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    Status status = ParseStatus(deep);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == ErrorCode::kInvalidArgument);
  }
  SECTION("deeply nested schemas") {
    std::string deep;
    for (int i = 0; i < 2000; ++i) {
      deep += R"({"not":)";
    }
    deep += "{}" + std::string(2000, '}');
    Status status = ParseStatus(deep);
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(status.message(), Catch::Contains("nests deeper than"));
  }
  SECTION("deeply nested enum data") {
    const std::string deep =
        R"({"enum":[)" + std::string(5000, '[') + std::string(5000, ']') + "]}";
    CHECK_FALSE(ParseStatus(deep).ok());
  }
}

TEST_CASE("comparisons through references are bounded", "[jsonschema][parse]") {
  SECTION("mutually recursive definitions terminate") {
    const std::string schema =
        R"({"$ref":"#/definitions/A","definitions":{)"
        R"("A":{"type":"object","properties":{"b":{"$ref":"#/definitions/B"}}},)"
        R"("B":{"type":"object","properties":{"a":{"$ref":"#/definitions/A"},)"
        R"("c":{"anyOf":[{"$ref":"#/definitions/A"},{"$ref":"#/definitions/B"}]}}}}})";
    auto parsed = Parse(schema);
    CHECK(JsonSchemaEngine().CheckReadable(*parsed, *parsed, {}).empty());
  }
  SECTION("a long chain of distinct definitions is cut off and reported") {
    std::string definitions;
    const int length = 400;
    for (int i = 0; i < length; ++i) {
      definitions += (i == 0 ? "" : ",") + std::string("\"d") + std::to_string(i) +
                     R"(":{"type":"object","properties":{"next":{"$ref":"#/definitions/d)" +
                     std::to_string(i + 1) + R"("}}})";
    }
    definitions += R"(,"d)" + std::to_string(length) + R"(":{"type":"string"})";
    const std::string schema = R"({"$ref":"#/definitions/d0","definitions":{)" + definitions + "}}";
    auto writer = Parse(schema);
    auto reader = Parse(schema);
    const auto findings = JsonSchemaEngine().CheckReadable(*reader, *writer, {});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == "SCHEMA_TOO_COMPLEX");
  }
  SECTION("many combinator branches stay within the work limit") {
    std::string branches;
    for (int i = 0; i < 60; ++i) {
      branches += (i == 0 ? "" : ",") +
                  std::string(R"({"type":"object","properties":{"k":{"const":)") +
                  std::to_string(i) + R"(}}})";
    }
    auto parsed = Parse(R"({"anyOf":[)" + branches + "]}");
    CHECK(JsonSchemaEngine().CheckReadable(*parsed, *parsed, {}).empty());
  }
}

TEST_CASE("parsed schemas", "[jsonschema][parse]") {
  SECTION("are of type JSON") { CHECK(Parse("{}")->type() == SchemaType::kJson); }
  SECTION("the same schema written differently has the same canonical text") {
    CHECK(Parse(R"({"type": "string",  "maxLength": 3})")->CanonicalText() ==
          Parse(R"({"maxLength":3,"type":"string"})")->CanonicalText());
    CHECK(Parse(R"({"type":"string"})")->CanonicalText() !=
          Parse(R"({"type":"number"})")->CanonicalText());
  }
  SECTION("drafts 4, 6, 7, 2019-09 and 2020-12 are accepted") {
    for (const char* uri :
         {"http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#",
          "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2019-09/schema",
          "https://json-schema.org/draft/2020-12/schema"}) {
      INFO(uri);
      CHECK(ParseStatus(std::string(R"({"$schema":")") + uri + R"(","type":"object"})").ok());
    }
  }
  SECTION("unknown keywords are annotations") {
    CHECK(ParseStatus(R"({"type":"string","x-owner":"payments","id":5})").ok());
  }
}

}  // namespace
}  // namespace tributary::schema
