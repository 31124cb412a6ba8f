// `tributary check-policy`, run as a pre-commit hook would run it: the
// configured policies against a product descriptor and its schema file,
// offline; exit 0 compliant, 1 violations, 2 bad input.

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/temp_dir.h"

using tributary::testing::TempDir;

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Run CheckPolicy(const std::string& args) {
  Run run;
  const std::string command =
      std::string(TRIBUTARY_BINARY_DIR) + "/tributary check-policy " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (const auto n = fread(buf.data(), 1, buf.size(), pipe)) {
    run.output.append(buf.data(), n);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

constexpr const char* kPolicies = R"([[clusters]]
name = "local"
bootstrap_servers = "127.0.0.1:9092"
region = "eu-west-1"

[governance]
team = "governance"

[[policies]]
id = "required-metadata"
kind = "required_fields"
severity = "block"
fields = ["domain", "owner", "description", "sla"]

[[policies]]
id = "gdpr-pii"
kind = "pii"
severity = "block"

[[policies]]
id = "no-none"
kind = "min_compatibility"
level = "BACKWARD"
severity = "warn"

[[policies]]
id = "eu-only"
kind = "locality"
severity = "warn"

[[policies]]
id = "described-well"
kind = "expression"
severity = "info"
expression = '(.product.description | length) >= 20'
message = "descriptions say what a record is"
)";

constexpr const char* kProduct = R"({"product":"payments.orders","cluster":"local",
  "topic":"payments.orders","domain":"payments","owner":"payments",
  "description":"one record per order as placed by the checkout","quality":"authoritative",
  "sla":"tier-1","tags":["pii"],"allowed_regions":["eu-west-1"]})";

// The declaration of the field option Confluent's data contracts tag fields
// with, written here as a test fixture: a message with `tags`, extending
// FieldOptions as `confluent.field_meta`.
constexpr const char* kFieldMetaProto = R"(syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message FieldMeta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FieldOptions {
  FieldMeta field_meta = 1088;
})";

constexpr const char* kTaggedAvro = R"({"type":"record","name":"Order","fields":[
  {"name":"id","type":"string"},
  {"name":"email","type":"string","confluent:tags":["PII"]}]})";

}  // namespace

TEST_CASE("check-policy: a compliant product and schema exit 0") {
  TempDir dir;
  const auto config = Write(dir, "tributary.toml", kPolicies);
  const auto product = Write(dir, "product.json", kProduct);
  const auto schema = Write(dir, "order.avsc", kTaggedAvro);
  const auto r = CheckPolicy("--config " + config + " " + product + " " + schema);
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::StartsWith("payments.orders: 0 violations of 5 policies"));
}

TEST_CASE("check-policy: violations exit 1 and name the policy, the subject and what is wrong") {
  TempDir dir;
  const auto config = Write(dir, "tributary.toml", kPolicies);
  const auto schema = Write(dir, "order.avsc", kTaggedAvro);

  SECTION("a required field missed, personal data without the pii tag") {
    const auto product = Write(dir, "product.json", R"({"product":"payments.orders",
      "cluster":"local","domain":"payments","owner":"payments",
      "description":"one record per order as placed by the checkout","quality":"raw"})");
    const auto r = CheckPolicy("--config " + config + " " + product + " " + schema);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("block  required-metadata  product:payments.orders: "
                                         "missing or empty: sla"));
    CHECK_THAT(r.output, Catch::Contains("block  gdpr-pii  product:payments.orders: schema fields "
                                         "tagged as personal data (email)"));
    // Fixed, it passes: the product tagged, the SLA declared.
    const auto fixed = Write(dir, "fixed.json", kProduct);
    CHECK(CheckPolicy("--config " + config + " " + fixed + " " + schema).exit_code == 0);
  }
  SECTION("Protobuf field meta tags, the schema type from the extension") {
    auto untagged = nlohmann::json::parse(kProduct);
    untagged["tags"] = nlohmann::json::array();
    const auto product = Write(dir, "product.json", untagged.dump());
    const auto proto = Write(dir, "order.proto", R"(syntax = "proto3";
import "confluent/meta.proto";
message Order {
  string id = 1;
  string phone = 2 [(confluent.field_meta) = { tags: ["PII"] }];
})");
    // Field meta tags are an option declared by an imported file: without it
    // the schema does not parse.
    const auto unresolved = CheckPolicy("--config " + config + " " + product + " " + proto);
    CHECK(unresolved.exit_code == 2);
    CHECK_THAT(unresolved.output, Catch::Contains("order.proto: not a valid PROTOBUF schema"));
    const auto meta = Write(dir, "meta.proto", kFieldMetaProto);
    const auto r = CheckPolicy("--config " + config + " --ref confluent/meta.proto=" + meta +
                               " --json " + product + " " + proto);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    const auto result = nlohmann::json::parse(r.output);
    REQUIRE(result["violations"].size() == 1);
    CHECK(result["violations"][0]["policy"] == "gdpr-pii");
    CHECK(result["violations"][0]["kind"] == "pii");
    CHECK_THAT(result["violations"][0]["message"].get<std::string>(), Catch::Contains("(phone)"));
    CHECK(result["failed"] == true);
  }
  SECTION("the compatibility level the subject will have, and the regions it may live in") {
    const auto product = Write(dir, "product.json", kProduct);
    auto r = CheckPolicy("--config " + config + " --compatibility none " + product + " " + schema);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("warn  no-none"));
    auto elsewhere = nlohmann::json::parse(kProduct);
    elsewhere["allowed_regions"] = {"us-east-1"};
    const auto us = Write(dir, "us.json", elsewhere.dump());
    r = CheckPolicy("--config " + config + " " + us);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("warn  eu-only  product:payments.orders"));
  }
  SECTION("info violations fail only with --fail-on info; warnings pass with --fail-on block") {
    auto terse = nlohmann::json::parse(kProduct);
    terse["description"] = "orders";
    const auto product = Write(dir, "product.json", terse.dump());
    auto r = CheckPolicy("--config " + config + " " + product + " " + schema);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("info  described-well  product:payments.orders: "
                                         "descriptions say what a record is"));
    CHECK(
        CheckPolicy("--config " + config + " --fail-on info " + product + " " + schema).exit_code ==
        1);
    CHECK(CheckPolicy("--config " + config + " --fail-on block --compatibility NONE " + product +
                      " " + schema)
              .exit_code == 0);
  }
  SECTION("an expression that throws is a violation of kind error; the others still run") {
    const auto throwing = Write(dir, "throwing.toml", std::string(kPolicies) + R"(
[[policies]]
id = "owner-known"
kind = "expression"
severity = "block"
expression = 'if .product.owner == "payments" then error("no owner lookup offline") else true end'
)");
    const auto product = Write(dir, "product.json", kProduct);
    const auto r = CheckPolicy("--config " + throwing + " --json " + product + " " + schema);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    const auto result = nlohmann::json::parse(r.output);
    REQUIRE(result["violations"].size() == 1);
    CHECK(result["violations"][0]["kind"] == "error");
    CHECK(result["violations"][0]["message"] == "error: no owner lookup offline");
    CHECK(result["policies"] == 6);
  }
}

TEST_CASE("check-policy: bad input exits 2 and says what and where") {
  TempDir dir;
  const auto config = Write(dir, "tributary.toml", kPolicies);
  const auto product = Write(dir, "product.json", kProduct);
  const auto schema = Write(dir, "order.avsc", kTaggedAvro);
  const auto expect = [&](const std::string& args, const std::string& message) {
    const auto r = CheckPolicy(args);
    INFO(args << "\n" << r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(message));
  };
  expect(product, "--config FILE is required");
  expect("--config " + config, "expected PRODUCT.json");
  expect("--config " + config + " " + (dir / "nope.json").string(),
         "nope.json: cannot read: No such file or directory");
  expect("--config " + config + " " + Write(dir, "broken.json", "{\"product\":"),
         "broken.json: not JSON");
  expect("--config " + config + " " + Write(dir, "typed.json", R"({"product":"x","tags":"pii"})"),
         "typed.json: tags: expected an array of strings");
  expect("--config " + config + " " + Write(dir, "nameless.json", R"({"owner":"payments"})"),
         "nameless.json: product: the product's name is required");
  expect("--config " + config + " " + product + " " + Write(dir, "bad.avsc", R"({"type":"rec"})"),
         "bad.avsc: not a valid AVRO schema");
  expect("--config " + config + " " + product + " " + Write(dir, "order.txt", kTaggedAvro),
         "order.txt: cannot tell the schema type from the file name; pass --type");
  expect("--config " + config + " --type yaml " + product, "--type: ");
  expect("--config " + config + " --fail-on never " + product, "--fail-on: info, warn or block");
  const auto broken = Write(dir, "broken.toml", R"([[policies]]
id = "typo"
kind = "expression"
expression = '.product.sla =='
)");
  expect("--config " + broken + " " + product, "broken.toml:4: policies[0].expression: jq: ");
  // --type names the type of a file without a telling extension.
  const auto r = CheckPolicy("--config " + config + " --type avro " + product + " " +
                             (dir / "order.txt").string());
  CHECK(r.exit_code == 0);
}
