// Parsing `.proto` text: what is accepted (proto2, proto3, nested types, maps,
// enums, oneofs, well-known types, imports through references) and how broken
// input is reported (InvalidArgument naming line:column and the problem).

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "schema/protobuf/protobuf_engine.h"

namespace tributary::schema {
namespace {

Result<std::shared_ptr<const ParsedSchema>> Parse(
    const std::string& text, const std::vector<SchemaReference>& references = {}) {
  return ProtobufEngine().Parse(text, references, {});
}

std::string ErrorOf(const std::string& text, const std::vector<SchemaReference>& references = {}) {
  const auto parsed = Parse(text, references);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == ErrorCode::kInvalidArgument);
  return parsed.status().message();
}

SchemaReference Reference(const std::string& name, const std::string& text) {
  SchemaReference reference;
  reference.name = name;
  reference.subject = name;
  reference.version = 1;
  reference.text = text;
  return reference;
}

TEST_CASE("a proto3 schema with nested messages, maps, enums and oneofs parses") {
  const auto parsed = Parse(R"(syntax = "proto3";
package shop.v1;
option java_package = "com.example.shop";

// An order.
message Order {
  string id = 1;
  repeated Line lines = 2;
  map<string, Money> totals = 3;
  oneof payment {
    string card_token = 4;
    string iban = 5;
  }
  Status status = 6;
  optional string note = 7;
  reserved 8, 10 to 12;
  reserved "legacy";

  message Line {
    string sku = 1;
    uint32 quantity = 2 [deprecated = true];
  }
  enum Status {
    STATUS_UNSPECIFIED = 0;
    STATUS_PLACED = 1;
  }
}

message Money { int64 units = 1; sfixed32 nanos = 2; }

service Orders { rpc Place(Order) returns (Order); }
)");
  REQUIRE(parsed.ok());
  CHECK((*parsed)->type() == SchemaType::kProtobuf);
}

TEST_CASE("a proto2 schema with required fields, defaults, groups and extensions parses") {
  const auto parsed = Parse(R"(syntax = "proto2";
package legacy;
message Event {
  required int64 id = 1;
  optional string source = 2 [default = "unknown"];
  repeated int32 codes = 3 [packed = true];
  optional group Meta = 4 { optional string key = 5; }
  extensions 100 to 199;
}
extend Event { optional string tag = 100; }
)");
  REQUIRE(parsed.ok());
}

TEST_CASE("a schema without a syntax statement is proto2") {
  REQUIRE(Parse("message M { optional int32 n = 1; }").ok());
  CHECK_THAT(ErrorOf("message M { int32 n = 1; }"), Catch::Contains("line 1:13"));
}

TEST_CASE("the canonical text ignores comments and layout") {
  const auto a = Parse("syntax = \"proto3\";\n// comment\nmessage M {   int32 n = 1;  }\n");
  const auto b = Parse("syntax=\"proto3\"; message M {\n  int32 n = 1; /* trailing */ }");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK((*a)->CanonicalText() == (*b)->CanonicalText());
  const auto c = Parse("syntax = \"proto3\";\nmessage M { int64 n = 1; }");
  REQUIRE(c.ok());
  CHECK((*a)->CanonicalText() != (*c)->CanonicalText());
}

TEST_CASE("imports resolve through references") {
  SECTION("an import is served by the reference of that name") {
    const auto parsed = Parse(
        "syntax = \"proto3\";\nimport \"acme/address.proto\";\n"
        "message Customer { acme.Address address = 1; }",
        {Reference("acme/address.proto",
                   "syntax = \"proto3\";\npackage acme;\nmessage Address { string city = 1; }")});
    CHECK(parsed.ok());
  }
  SECTION("references may import other references") {
    const auto parsed =
        Parse("syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { B b = 1; C c = 2; }",
              {Reference("b.proto",
                         "syntax = \"proto3\";\nimport public \"c.proto\";\nmessage B { C c "
                         "= 1; }"),
               Reference("c.proto", "syntax = \"proto3\";\nmessage C { int32 n = 1; }")});
    CHECK(parsed.ok());
  }
  SECTION("a reference may provide a well-known type's file itself") {
    const auto parsed = Parse(
        "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\n"
        "message M { google.protobuf.Timestamp at = 1; }",
        {Reference("google/protobuf/timestamp.proto",
                   "syntax = \"proto3\";\npackage google.protobuf;\nmessage Timestamp { int64 "
                   "seconds = 1; int32 nanos = 2; }")});
    CHECK(parsed.ok());
  }
  SECTION("descriptor.proto resolves, so custom options can be declared") {
    const auto parsed = Parse(R"(syntax = "proto3";
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string pii = 50001; }
message M { string email = 1 [(pii) = "high"]; }
)");
    CHECK(parsed.ok());
  }
  SECTION("an import no reference provides is an error naming the import") {
    const auto error =
        ErrorOf("syntax = \"proto3\";\nimport \"missing.proto\";\nmessage M { Missing m = 1; }");
    CHECK_THAT(error, Catch::Contains("\"missing.proto\""));
    CHECK_THAT(error, Catch::Contains("no reference by that name"));
    CHECK_THAT(error, Catch::Contains("line 2:1"));
  }
  SECTION("an unknown google/protobuf file is an error") {
    CHECK_THAT(ErrorOf("syntax = \"proto3\";\nimport \"google/protobuf/nope.proto\";\nmessage M "
                       "{}"),
               Catch::Contains("not a well-known type"));
  }
  SECTION("an error inside a reference names the reference and its line") {
    const auto error =
        ErrorOf("syntax = \"proto3\";\nimport \"bad.proto\";\nmessage M { int32 n = 1; }",
                {Reference("bad.proto", "syntax = \"proto3\";\nmessage B {\n  int32 = 1;\n}")});
    CHECK_THAT(error, Catch::Contains("reference \"bad.proto\" line 3:9: Expected field name"));
  }
  SECTION("references importing each other are an error") {
    const auto error =
        ErrorOf("syntax = \"proto3\";\nimport \"a.proto\";\nmessage M { int32 n = 1; }",
                {Reference("a.proto", "syntax = \"proto3\";\nimport \"b.proto\";"),
                 Reference("b.proto", "syntax = \"proto3\";\nimport \"a.proto\";")});
    CHECK_THAT(error, Catch::Contains("recursively imports itself"));
  }
}

// Each broken schema is an InvalidArgument naming where and what, never a crash.
TEST_CASE("malformed schemas are errors naming line:column and the problem") {
  struct Case {
    const char* what;
    std::string text;
    std::string expected;  // a part of the error message
  };
  const std::vector<Case> cases = {
      {"a missing semicolon", "syntax = \"proto3\";\nmessage M { int32 n = 1 }",
       "line 2:25: Expected \";\""},
      {"an unknown syntax", "syntax = \"proto4\";\nmessage M {}", "line 1:10: Unrecognized syntax"},
      {"an unclosed message", "syntax = \"proto3\";\nmessage M {\n  int32 n = 1;\n",
       "line 4:1: Reached end of input"},
      {"an undefined type", "syntax = \"proto3\";\nmessage M {\n  Nowhere n = 1;\n}",
       "line 3:3: \"Nowhere\" is not defined"},
      {"a duplicate field number",
       "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  int32 b "
       "= 1;\n}",
       "line 4:13: Field number 1 has already been used"},
      {"a duplicate message name", "syntax = \"proto3\";\nmessage M {}\nmessage M {}",
       "line 3:9: \"M\" is already defined"},
      {"field number zero", "syntax = \"proto3\";\nmessage M { int32 a = 0; }",
       "line 2:23: Field numbers must be positive integers"},
      {"a field number out of range", "syntax = \"proto3\";\nmessage M { int32 a = 536870912; }",
       "line 2:23: Field numbers cannot be greater than 536870911"},
      {"a required field in proto3", "syntax = \"proto3\";\nmessage M { required int32 a = 1; }",
       "line 2:22: Required fields are not allowed in proto3"},
      {"a proto3 enum not starting at zero", "syntax = \"proto3\";\nenum E { A = 1; }",
       "line 2:14: The first enum value must be zero in proto3"},
      {"a proto2 field without a label", "syntax = \"proto2\";\nmessage M { int32 a = 1; }",
       "line 2:13: Expected \"required\", \"optional\", or \"repeated\""},
      {"a map with a message key",
       "syntax = \"proto3\";\nmessage K {}\nmessage M { map<K, int32> m = 1; }",
       "line 3:13: Key in map fields cannot be float/double, bytes or message types"},
      {"an unterminated string", "syntax = \"proto3\";\nimport \"x.proto;\nmessage M {}",
       "line 2:17: String literals cannot cross line boundaries"},
      {"a stray character", "syntax = \"proto3\";\nmessage M { int32 a = 1; } @",
       "line 2:28: Expected top-level statement"},
      {"text that is not protobuf at all", "{\"type\": \"record\"}",
       "line 1:1: Expected top-level statement"},
      {"a reserved number in use", "syntax = \"proto3\";\nmessage M { reserved 1; int32 a = 1; }",
       "Field \"a\" uses reserved number 1"},
  };
  for (const Case& broken : cases) {
    INFO(broken.what << "\n" << broken.text);
    const auto parsed = Parse(broken.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::Contains(broken.expected));
  }
}

TEST_CASE("many errors are summarised: the first three, then a count") {
  std::string text = "syntax = \"proto3\";\nmessage M {\n";
  for (int i = 0; i < 6; ++i) {
    text += "  Unknown" + std::to_string(i) + " f" + std::to_string(i) + " = " +
            std::to_string(i + 1) + ";\n";
  }
  text += "}\n";
  const auto error = ErrorOf(text);
  CHECK_THAT(error, Catch::Contains("\"Unknown0\" is not defined"));
  CHECK_THAT(error, Catch::Contains("\"Unknown2\" is not defined"));
  CHECK_THAT(error, !Catch::Contains("\"Unknown3\""));
  CHECK_THAT(error, Catch::EndsWith("and 3 more"));
}

TEST_CASE("binary garbage is an error, not a crash") {
  std::string garbage;
  for (int i = 0; i < 512; ++i) {
    garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
  }
  const auto parsed = Parse(garbage);
  CHECK_FALSE(parsed.ok());
  CHECK(parsed.status().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tributary::schema
