// The policy kinds of DESIGN.md §9, each over the policy input document:
// violating, compliant, and becoming compliant once the input is fixed.

#include <catch2/catch.hpp>

#include "governance/jq_program.h"
#include "governance/policy_input.h"
#include "governance/policy_set.h"
#include "governance/schema_fields.h"

namespace tributary::governance {
namespace {

using nlohmann::json;

json Input() {
  return {{"product",
           {{"name", "payments.orders"},
            {"domain", "payments"},
            {"owner", "payments"},
            {"description", "orders as placed"},
            {"quality", "authoritative"},
            {"sla", "tier-1"},
            {"tags", json::array()},
            {"status", "active"},
            {"allowed_regions", json::array()},
            {"history", nullptr}}},
          {"schema", nullptr},
          {"consumers", json::array()},
          {"acls", json::array()},
          {"cluster", {{"name", "local"}, {"region", "eu-west-1"}}}};
}

std::shared_ptr<const PolicySet> One(PolicySpec spec, std::vector<std::string> pii = {"PII"}) {
  auto set = PolicySet::Compile({std::move(spec)}, std::move(pii));
  REQUIRE(set.ok());
  return *set;
}

PolicySpec Spec(std::string id, std::string kind) {
  PolicySpec s;
  s.id = std::move(id);
  s.kind = std::move(kind);
  s.severity = "warn";
  return s;
}

json AvroSchema(bool tagged) {
  json email = {{"name", "email"}, {"type", "string"}};
  if (tagged) {
    email["confluent:tags"] = {"PII"};
  }
  return {
      {"type", "AVRO"},
      {"subject", "orders-value"},
      {"version", 1},
      {"compatibility", "BACKWARD"},
      {"fields",
       {{{"path", "id"}, {"type", "string"}, {"tags", json::array()}},
        {{"path", "email"}, {"type", "string"}, {"tags", tagged ? json{"PII"} : json::array()}}}}};
}

}  // namespace

TEST_CASE("required_fields: missing or empty metadata is a violation of the product") {
  auto spec = Spec("required-metadata", "required_fields");
  spec.fields = {"domain", "owner", "description", "sla"};
  const auto set = One(spec);
  auto input = Input();
  SECTION("complete metadata is compliant") { CHECK(set->Evaluate(input).empty()); }
  SECTION("an empty description and a null sla violate, named in the message") {
    input["product"]["description"] = "";
    input["product"]["sla"] = nullptr;
    const auto v = set->Evaluate(input);
    REQUIRE(v.size() == 1);
    CHECK(v[0].policy == "required-metadata");
    CHECK(v[0].subject == "product:payments.orders");
    CHECK(v[0].message == "missing or empty: description, sla");
    input["product"]["description"] = "fixed";
    input["product"]["sla"] = "tier-2";
    CHECK(set->Evaluate(input).empty());  // becomes compliant
  }
}

TEST_CASE("naming: the product name must match the pattern of its scope") {
  auto spec = Spec("naming", "naming");
  spec.pattern = "^[a-z]+\\.[a-z_]+$";
  spec.scope = "domain:payments";
  const auto set = One(spec);
  auto input = Input();
  CHECK(set->Evaluate(input).empty());
  input["product"]["name"] = "Payments-Orders";
  REQUIRE(set->Evaluate(input).size() == 1);
  SECTION("renamed to the pattern, it is compliant") {
    input["product"]["name"] = "payments.orders_placed";
    CHECK(set->Evaluate(input).empty());
  }
  SECTION("a product outside the scope is not evaluated") {
    input["product"]["domain"] = "marketing";
    CHECK(set->Evaluate(input).empty());
  }
  SECTION("an invalid pattern is refused at compile time with the key at fault") {
    spec.pattern = "([a-z";
    auto bad = PolicySet::Compile({spec}, {});
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.status().message(), Catch::StartsWith("policies[0].pattern: "));
  }
}

TEST_CASE("schema_types: only the allowed schema types") {
  auto spec = Spec("typed", "schema_types");
  spec.allowed = {"AVRO", "PROTOBUF"};
  const auto set = One(spec);
  auto input = Input();
  CHECK(set->Evaluate(input).empty());  // no schema: nothing to judge
  input["schema"] = AvroSchema(false);
  CHECK(set->Evaluate(input).empty());
  input["schema"]["type"] = "JSON";
  const auto v = set->Evaluate(input);
  REQUIRE(v.size() == 1);
  CHECK(v[0].message == "schema type JSON is not allowed (allowed: AVRO, PROTOBUF)");
  input["schema"]["type"] = "PROTOBUF";  // moved to an allowed type
  CHECK(set->Evaluate(input).empty());
}

TEST_CASE("min_compatibility: the subject's level promises at least the required one") {
  auto spec = Spec("no-none", "min_compatibility");
  spec.level = "BACKWARD";
  const auto set = One(spec);
  auto input = Input();
  input["schema"] = AvroSchema(false);
  input["schema"]["compatibility"] = "NONE";
  REQUIRE(set->Evaluate(input).size() == 1);
  input["schema"]["compatibility"] = "FULL_TRANSITIVE";
  CHECK(set->Evaluate(input).empty());
  input["schema"]["compatibility"] = "FORWARD";
  CHECK(set->Evaluate(input).size() == 1);
  CHECK(LevelAtLeast("BACKWARD_TRANSITIVE", "BACKWARD"));
  CHECK_FALSE(LevelAtLeast("BACKWARD", "BACKWARD_TRANSITIVE"));
  CHECK(LevelAtLeast("NONE", "NONE"));
}

TEST_CASE("pii: tagged fields need the product tag pii and approved consumers") {
  const auto set = One(Spec("gdpr", "pii"));
  auto input = Input();
  input["schema"] = AvroSchema(true);
  input["consumers"] = json::array({{{"id", "group:local/billing"},
                                     {"team", "billing"},
                                     {"cluster", "local"},
                                     {"region", "eu-west-1"},
                                     {"approved", true}},
                                    {{"id", "group:local/adtech"},
                                     {"team", "ads"},
                                     {"cluster", "local"},
                                     {"region", "eu-west-1"},
                                     {"approved", false}}});
  auto v = set->Evaluate(input);
  REQUIRE(v.size() == 2);
  CHECK(v[0].subject == "product:payments.orders");
  CHECK(v[0].message ==
        "schema fields tagged as personal data (email) but the product has no `pii` tag");
  CHECK(v[1].subject == "group:local/adtech");
  SECTION("tagging the product and approving the consumer makes it compliant") {
    input["product"]["tags"] = {"pii"};
    input["consumers"][1]["approved"] = true;
    CHECK(set->Evaluate(input).empty());
  }
  SECTION("no tagged field: nothing to protect") {
    input["schema"] = AvroSchema(false);
    CHECK(set->Evaluate(input).empty());
  }
}

TEST_CASE("locality: a consumer, job or mirror outside the allowed regions") {
  const auto set = One(Spec("eu-only", "locality"));
  auto input = Input();
  input["consumers"] = json::array({{{"id", "job:mm2/orders-mirror"},
                                     {"team", "platform"},
                                     {"cluster", "us"},
                                     {"region", "us-east-1"},
                                     {"approved", false}}});
  CHECK(set->Evaluate(input).empty());  // no allowed_regions: anywhere
  input["product"]["allowed_regions"] = {"eu-west-1", "eu-central-1"};
  const auto v = set->Evaluate(input);
  REQUIRE(v.size() == 1);
  CHECK(v[0].subject == "job:mm2/orders-mirror");
  CHECK_THAT(v[0].message, Catch::Contains("region us-east-1"));
  input["consumers"][0]["region"] = "eu-central-1";
  CHECK(set->Evaluate(input).empty());
  input["cluster"]["region"] = "us-east-1";
  CHECK(set->Evaluate(input).size() == 1);  // the topic itself is outside
}

TEST_CASE("wildcard_acl: no READ or WRITE on every topic") {
  const auto set = One(Spec("no-wildcards", "wildcard_acl"));
  auto input = Input();
  json acl = {{"cluster", "local"},        {"principal", "User:etl"},
              {"resource_type", "TOPIC"},  {"resource_name", "*"},
              {"pattern_type", "LITERAL"}, {"operation", "READ"},
              {"permission", "ALLOW"},     {"host", "*"}};
  input["acls"] = json::array({acl});
  auto v = set->Evaluate(input);
  REQUIRE(v.size() == 1);
  CHECK(v[0].subject == "principal:User:etl");
  input["acls"][0]["pattern_type"] = "PREFIXED";
  input["acls"][0]["resource_name"] = "";
  CHECK(set->Evaluate(input).size() == 1);
  input["acls"][0]["resource_name"] = "payments.";
  CHECK(set->Evaluate(input).empty());
  input["acls"][0]["resource_name"] = "*";
  input["acls"][0]["pattern_type"] = "LITERAL";
  input["acls"][0]["operation"] = "DESCRIBE";
  CHECK(set->Evaluate(input).empty());
}

TEST_CASE("expression: a jq program over the policy input") {
  auto spec = Spec("tier1-typed", "expression");
  spec.expression = R"(.product.sla != "tier-1" or .schema.type != "JSON")";
  spec.message = "tier-1 products need Avro or Protobuf schemas";
  const auto set = One(spec);
  auto input = Input();
  input["schema"] = AvroSchema(false);
  CHECK(set->Evaluate(input).empty());
  input["schema"]["type"] = "JSON";
  auto v = set->Evaluate(input);
  REQUIRE(v.size() == 1);
  CHECK(v[0].message == "tier-1 products need Avro or Protobuf schemas");
  CHECK(v[0].kind == "expression");
  input["product"]["sla"] = "tier-2";
  CHECK(set->Evaluate(input).empty());

  SECTION("a malformed program does not compile, with jq's message") {
    spec.expression = ".product.sla ==";
    auto bad = PolicySet::Compile({spec}, {});
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.status().message(), Catch::StartsWith("policies[0].expression: jq: "));
    CHECK_THAT(bad.status().message(), Catch::Contains("syntax error"));
  }
  SECTION("a program that throws is a violation of kind error; the rest go on") {
    auto throws = Spec("throws", "expression");
    throws.expression = R"(.product.tags | error("no tags for you"))";
    auto after = Spec("after", "required_fields");
    after.fields = {"description"};
    auto both = PolicySet::Compile({throws, after}, {});
    REQUIRE(both.ok());
    input["product"]["description"] = "";
    const auto out = (*both)->Evaluate(input);
    REQUIRE(out.size() == 2);
    CHECK(out[0].kind == "error");
    CHECK(out[0].message == "error: no tags for you");
    CHECK(out[1].policy == "after");
  }
  SECTION("a type error at run time is an error violation too") {
    auto typed = Spec("typed", "expression");
    typed.expression = ".product.name + 1";
    const auto err = One(typed)->Evaluate(input);
    REQUIRE(err.size() == 1);
    CHECK(err[0].kind == "error");
    CHECK_THAT(err[0].message, Catch::StartsWith("error: "));
  }
  SECTION("constructs that may not end are refused before they can run") {
    for (const auto* program : {"[range(1e12)] | length > 0", "def f: f; f", "repeat(.) | false",
                                "[.[] | until(false; .)]", "recurse(.[]) | true", "$ENV.HOME"}) {
      spec.expression = program;
      auto bad = PolicySet::Compile({spec}, {});
      INFO(program);
      REQUIRE_FALSE(bad.ok());
      CHECK_THAT(bad.status().message(), Catch::Contains("is not allowed in policy expressions"));
    }
    // ... but not as a key or inside a string.
    CHECK(RefusedConstruct(R"(.product.range == "def range")").empty());
    CHECK(RefusedConstruct(R"jq("\(.product.name)" | length > 0)jq").empty());
    CHECK(RefusedConstruct(R"jq("\(range(3))")jq") == "range");
  }
  SECTION("the first output decides; a program with none is a violation") {
    spec.expression = "empty";
    spec.message = "";
    CHECK(One(spec)->Evaluate(input).size() == 1);
    spec.expression = "(true, false)";
    CHECK(One(spec)->Evaluate(input).empty());
  }
}

TEST_CASE("schema fields and their tags, per schema type") {
  SECTION("Avro: confluent:tags on fields, nested records walked") {
    const auto fields = SchemaFields("AVRO", R"({"type":"record","name":"Order","fields":[
      {"name":"id","type":"string"},
      {"name":"customer","type":{"type":"record","name":"Customer","fields":[
        {"name":"email","type":"string","confluent:tags":["PII"]}]}}]})");
    REQUIRE(fields.ok());
    REQUIRE(fields->size() == 3);
    CHECK((*fields)[2].path == "customer.email");
    CHECK((*fields)[2].tags == std::vector<std::string>{"PII"});
  }
  SECTION("JSON Schema: confluent:tags on properties") {
    const auto fields = SchemaFields("JSON", R"({"type":"object","properties":{
      "name":{"type":"string","confluent:tags":["PII","NAME"]},"n":{"type":"integer"}}})");
    REQUIRE(fields.ok());
    REQUIRE(fields->size() == 2);
    CHECK((*fields)[0].path == "n");
    CHECK((*fields)[1].tags == std::vector<std::string>{"PII", "NAME"});
  }
  SECTION("Protobuf: field meta tags, both spellings") {
    const auto fields = SchemaFields("PROTOBUF", R"(syntax = "proto3";
import "confluent/meta.proto";
// a comment with message in it
message Order {
  string id = 1;
  string email = 2 [(confluent.field_meta).tags = "PII"];
  repeated string phones = 3 [(confluent.field_meta) = { tags: ["PII", "PHONE"] }];
  int64 amount = 4 [deprecated = true];
}
message Other { string x = 1 [(confluent.field_meta).tags = "PII"]; })");
    REQUIRE(fields.ok());
    REQUIRE(fields->size() == 4);
    CHECK((*fields)[0].tags.empty());
    CHECK((*fields)[1].path == "email");
    CHECK((*fields)[1].tags == std::vector<std::string>{"PII"});
    CHECK((*fields)[2].tags == std::vector<std::string>{"PII", "PHONE"});
    CHECK((*fields)[3].tags.empty());
  }
}

}  // namespace tributary::governance
