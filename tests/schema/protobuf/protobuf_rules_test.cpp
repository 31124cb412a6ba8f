// Confluent Schema Registry's Protobuf compatibility rules, one SECTION per rule.
//
// Backward compatible = a consumer on the new schema reads data written with the
// old one = CheckReadable(reader = new, writer = old) finds nothing. Forward is
// the same call with the roles swapped.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "schema/protobuf/protobuf_engine.h"

namespace tributary::schema {
namespace {

using Kinds = std::vector<std::string>;

std::shared_ptr<const ParsedSchema> Parse(const std::string& text,
                                          const std::vector<SchemaReference>& references = {}) {
  auto parsed = ProtobufEngine().Parse(text, references, {});
  INFO(text << "\n" << parsed.status().ToString());
  REQUIRE(parsed.ok());
  return *parsed;
}

std::vector<Incompatibility> Backward(const std::string& old_text, const std::string& new_text,
                                      const std::vector<SchemaReference>& old_refs = {},
                                      const std::vector<SchemaReference>& new_refs = {}) {
  CheckOptions options;
  options.reader_is_newer = true;
  return ProtobufEngine().CheckReadable(*Parse(new_text, new_refs), *Parse(old_text, old_refs),
                                        options);
}

std::vector<Incompatibility> Forward(const std::string& old_text, const std::string& new_text) {
  CheckOptions options;
  options.reader_is_newer = false;
  return ProtobufEngine().CheckReadable(*Parse(old_text), *Parse(new_text), options);
}

Kinds KindsOf(const std::vector<Incompatibility>& found) {
  Kinds kinds;
  for (const Incompatibility& incompatibility : found) {
    kinds.push_back(incompatibility.kind);
  }
  return kinds;
}

std::string Proto3(const std::string& body) { return "syntax = \"proto3\";\n" + body; }
std::string Proto2(const std::string& body) { return "syntax = \"proto2\";\n" + body; }

TEST_CASE("an identical schema is compatible both ways") {
  const std::string schema = Proto3(R"(
    package shop;
    import "google/protobuf/timestamp.proto";
    message Order {
      string id = 1;
      repeated Line lines = 2;
      map<string, int64> totals = 3;
      oneof payment { string card = 4; string iban = 5; }
      Status status = 6;
      google.protobuf.Timestamp placed_at = 7;
      optional int32 priority = 8;
      message Line { string sku = 1; int32 quantity = 2; }
    }
    enum Status { UNKNOWN = 0; PLACED = 1; }
  )");
  CHECK(Backward(schema, schema).empty());
  CHECK(Forward(schema, schema).empty());
}

TEST_CASE("package") {
  SECTION("changing the package is not compatible") {
    const auto found = Backward(Proto3("package foo;\nmessage M { string s = 1; }"),
                                Proto3("package bar;\nmessage M { string s = 1; }"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "PACKAGE_CHANGED");
    CHECK(found[0].path == "#/");
    CHECK(found[0].message == "package changed from `foo` to `bar`");
  }
  SECTION("adding a package is not compatible") {
    CHECK(KindsOf(Backward(Proto3("message M { string s = 1; }"),
                           Proto3("package foo;\nmessage M { string s = 1; }"))) ==
          Kinds{"PACKAGE_CHANGED"});
  }
  SECTION("qualifying a type name differently is no change") {
    CHECK(Backward(Proto3("package foo;\nmessage M { S s = 1; message S { string t = 1; } }"),
                   Proto3("package foo;\nmessage M { .foo.M.S s = 1; message S { string t = 1; } "
                          "}"))
              .empty());
  }
}

TEST_CASE("messages") {
  SECTION("removing a message is not backward compatible") {
    const auto found = Backward(Proto3("message A { string s = 1; }\nmessage B { string s = 1; }"),
                                Proto3("message A { string s = 1; }"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "MESSAGE_REMOVED");
    CHECK(found[0].path == "#/B");
    CHECK(found[0].message == "message `B` is in the old schema but not in the new one");
  }
  SECTION("adding a message is backward compatible but not forward compatible") {
    const auto old_text = Proto3("message A { string s = 1; }");
    const auto new_text = Proto3("message A { string s = 1; }\nmessage B { string s = 1; }");
    CHECK(Backward(old_text, new_text).empty());
    const auto found = Forward(old_text, new_text);
    REQUIRE(KindsOf(found) == Kinds{"MESSAGE_REMOVED"});
    CHECK(found[0].message == "message `B` is in the new schema but not in the old one");
  }
  SECTION("renaming a message is not compatible (messages match by name)") {
    CHECK(KindsOf(Backward(Proto3("message A { string s = 1; }"),
                           Proto3("message Renamed { string s = 1; }"))) ==
          Kinds{"MESSAGE_REMOVED"});
  }
  SECTION("reordering messages is compatible") {
    CHECK(Backward(Proto3("message A { string s = 1; }\nmessage B { string s = 1; }"),
                   Proto3("message B { string s = 1; }\nmessage A { string s = 1; }"))
              .empty());
  }
  SECTION("removing a nested message is not backward compatible") {
    const auto found =
        Backward(Proto3("message A { message Inner { string s = 1; } string s = 1; }"),
                 Proto3("message A { string s = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"MESSAGE_REMOVED"});
    CHECK(found[0].path == "#/A/Inner");
  }
  SECTION("moving a nested message to the top level is not compatible") {
    CHECK(KindsOf(Backward(Proto3("message A { message Inner { string s = 1; } }"),
                           Proto3("message A { }\nmessage Inner { string s = 1; }"))) ==
          Kinds{"MESSAGE_REMOVED"});
  }
  SECTION("a change deep inside nested messages is found at its path") {
    const auto found = Backward(Proto3("message A { message B { message C { int32 x = 4; } } }"),
                                Proto3("message A { message B { message C { string x = 4; } } }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].path == "#/A/B/C/4");
  }
  SECTION("moving a message into an imported reference is not backward compatible") {
    const SchemaReference home{"home.proto", "home", 1,
                               Proto3("package acme;\nmessage Home { int32 id = 1; }")};
    const auto found =
        Backward(Proto3("message M { Home home = 1; }\nmessage Home { int32 id = 1; }"),
                 Proto3("import \"home.proto\";\nmessage M { acme.Home home = 1; }"), {}, {home});
    CHECK(KindsOf(found) == Kinds{"MESSAGE_REMOVED"});
  }
  SECTION("moving a message out of an imported reference is compatible") {
    const SchemaReference home{"home.proto", "home", 1,
                               Proto3("package acme;\nmessage Home { int32 id = 1; }")};
    CHECK(Backward(Proto3("import \"home.proto\";\nmessage M { acme.Home home = 1; }"),
                   Proto3("message M { Home home = 1; }\nmessage Home { int32 id = 1; }"), {home},
                   {})
              .empty());
  }
}

TEST_CASE("fields") {
  SECTION("adding a field is compatible both ways") {
    const auto old_text = Proto3("message M { string a = 1; }");
    const auto new_text = Proto3("message M { string a = 1; int64 b = 2; }");
    CHECK(Backward(old_text, new_text).empty());
    CHECK(Forward(old_text, new_text).empty());
  }
  SECTION("removing a field is compatible both ways") {
    const auto old_text = Proto3("message M { string a = 1; int64 b = 2; }");
    const auto new_text = Proto3("message M { string a = 1; reserved 2; }");
    CHECK(Backward(old_text, new_text).empty());
    CHECK(Forward(old_text, new_text).empty());
  }
  SECTION("renaming a field is compatible (fields match by number)") {
    CHECK(Backward(Proto3("message M { string name = 1; }"),
                   Proto3("message M { string full_name = 1; }"))
              .empty());
  }
  SECTION("changing a field's number is a removal and an addition, compatible") {
    CHECK(Backward(Proto3("message M { string s = 1; }"), Proto3("message M { string s = 2; }"))
              .empty());
  }
  SECTION("reusing a field number for a type of another wire group is not compatible") {
    const auto found = Backward(Proto3("message M { int32 count = 2; }"),
                                Proto3("message M { string label = 2; }"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "FIELD_SCALAR_KIND_CHANGED");
    CHECK(found[0].path == "#/M/2");
    CHECK(found[0].message ==
          "`M.label` (#2) changed from int32 to string, which do not share a wire encoding");
  }
  SECTION("reusing a field number for a type of the same wire group is compatible") {
    CHECK(Backward(Proto3("message M { int32 count = 2; }"),
                   Proto3("message M { uint64 total = 2; }"))
              .empty());
  }
}

TEST_CASE("scalar types change within their wire-compatible groups only") {
  const std::vector<std::vector<std::string>> groups = {
      {"int32", "uint32", "int64", "uint64", "bool"},
      {"sint32", "sint64"},
      {"string", "bytes"},
      {"fixed32", "sfixed32"},
      {"fixed64", "sfixed64"},
      {"float"},
      {"double"},
  };
  auto schema = [](const std::string& type) {
    return Proto3("message M { " + type + " value = 1; }");
  };
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t h = 0; h < groups.size(); ++h) {
      for (const std::string& from : groups[g]) {
        for (const std::string& to : groups[h]) {
          INFO(from << " -> " << to);
          const auto found = Backward(schema(from), schema(to));
          if (g == h) {
            CHECK(found.empty());
          } else {
            CHECK(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
          }
        }
      }
    }
  }
}

TEST_CASE("changing a field from int32 to int64 is compatible") {
  CHECK(
      Backward(Proto3("message M { int32 n = 1; }"), Proto3("message M { int64 n = 1; }")).empty());
  CHECK(
      Forward(Proto3("message M { int32 n = 1; }"), Proto3("message M { int64 n = 1; }")).empty());
}

TEST_CASE("changing a field from int32 to sint32 is not compatible") {
  CHECK(KindsOf(Backward(Proto3("message M { int32 n = 1; }"),
                         Proto3("message M { sint32 n = 1; }"))) ==
        Kinds{"FIELD_SCALAR_KIND_CHANGED"});
}

TEST_CASE("enums") {
  const std::string status = "enum Status { UNKNOWN = 0; ACTIVE = 1; INACTIVE = 2; }\n";
  SECTION("an enum field reads as int32: enum to int32 and back is compatible") {
    CHECK(Backward(Proto3("message M { int32 s = 1; }"),
                   Proto3("message M { Status s = 1; }\n" + status))
              .empty());
    CHECK(Backward(Proto3("message M { Status s = 1; }\n" + status),
                   Proto3("message M { int64 s = 1; }"))
              .empty());
  }
  SECTION("changing an enum field to a zigzag or fixed type is not compatible") {
    CHECK(KindsOf(Backward(Proto3("message M { Status s = 1; }\n" + status),
                           Proto3("message M { sint32 s = 1; }"))) ==
          Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(KindsOf(Backward(Proto3("message M { Status s = 1; }\n" + status),
                           Proto3("message M { fixed32 s = 1; }"))) ==
          Kinds{"FIELD_SCALAR_KIND_CHANGED"});
  }
  SECTION("changing an enum field to a message is not compatible") {
    const auto found = Backward(Proto3("message M { Status s = 1; }\n" + status),
                                Proto3("message M { Box s = 1; }\nmessage Box { int32 v = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_KIND_CHANGED"});
    CHECK(found[0].message == "`M.s` (#1) changed from enum Status to message Box");
  }
  SECTION("adding an enum constant is compatible both ways") {
    const auto old_text = Proto3("message M { Status s = 1; }\n" + status);
    const auto new_text = Proto3(
        "message M { Status s = 1; }\nenum Status { UNKNOWN = 0; "
        "ACTIVE = 1; INACTIVE = 2; SUSPENDED = 3; }");
    CHECK(Backward(old_text, new_text).empty());
    CHECK(Forward(old_text, new_text).empty());
  }
  SECTION("removing an enum constant is compatible both ways") {
    const auto old_text = Proto3("message M { Status s = 1; }\n" + status);
    const auto new_text = Proto3(
        "message M { Status s = 1; }\nenum Status { UNKNOWN = 0; "
        "ACTIVE = 1; }");
    CHECK(Backward(old_text, new_text).empty());
    CHECK(Forward(old_text, new_text).empty());
  }
  SECTION("renaming an enum constant is compatible") {
    CHECK(Backward(Proto3("message M { Status s = 1; }\n" + status),
                   Proto3("message M { Status s = 1; }\nenum Status { UNKNOWN = 0; "
                          "ENABLED = 1; DISABLED = 2; }"))
              .empty());
  }
  SECTION("removing an unused enum is compatible") {
    CHECK(Backward(Proto3("message M { int32 s = 1; }\n" + status),
                   Proto3("message M { int32 s = 1; }"))
              .empty());
  }
  SECTION("switching a field to another enum is compatible") {
    CHECK(Backward(Proto3("message M { Status s = 1; }\n" + status),
                   Proto3("message M { Color s = 1; }\nenum Color { NONE = 0; RED = 1; }"))
              .empty());
  }
  SECTION("nested enums follow the same rules") {
    CHECK(Backward(Proto3("message M { enum E { A = 0; B = 1; } E e = 1; }"),
                   Proto3("message M { enum E { A = 0; } E e = 1; }"))
              .empty());
  }
}

TEST_CASE("message-typed fields") {
  SECTION("changing a scalar field to a message is not compatible") {
    const auto found = Backward(Proto3("message M { int32 v = 2; }"),
                                Proto3("message M { Box v = 2; }\nmessage Box { int32 v = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_KIND_CHANGED"});
    CHECK(found[0].path == "#/M/2");
  }
  SECTION("changing a field to a message type of another name is not compatible") {
    const auto found = Backward(Proto3("message M { A v = 2; }\nmessage A { string s = 1; }\n"
                                       "message B { string s = 1; }"),
                                Proto3("message M { B v = 2; }\nmessage A { string s = 1; }\n"
                                       "message B { string s = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_NAMED_TYPE_CHANGED"});
    CHECK(found[0].path == "#/M/2");
    CHECK(found[0].message == "`M.v` (#2) changed from message A to message B");
  }
  SECTION("an incompatible change in a field's message type also breaks the field") {
    const auto found = Backward(Proto3("message M { A v = 2; }\nmessage A { int32 n = 1; }"),
                                Proto3("message M { A v = 2; }\nmessage A { string n = 1; }"));
    CHECK(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED", "FIELD_NAMED_TYPE_CHANGED"});
    CHECK(found[0].path == "#/A/1");
    CHECK(found[1].path == "#/M/2");
  }
  SECTION("a recursive message type is compared once, without looping") {
    // The field `next` meets Node while Node's own fields are being compared:
    // the change is reported there, not again through the field.
    const auto found = Backward(Proto3("message Node { int32 v = 1; Node next = 2; }"),
                                Proto3("message Node { sint32 v = 1; Node next = 2; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].path == "#/Node/1");
  }
  SECTION("mutually recursive message types terminate") {
    const std::string schema =
        Proto3("message A { B b = 1; int32 x = 2; }\nmessage B { A a = 1; repeated B more = 2; }");
    CHECK(Backward(schema, schema).empty());
  }
  SECTION("a message field may turn repeated: labels of message fields are not compared") {
    CHECK(Backward(Proto3("message M { optional S s = 1; }\nmessage S { string t = 1; }"),
                   Proto3("message M { repeated S s = 1; }\nmessage S { string t = 1; }"))
              .empty());
  }
  SECTION("a message type in a reference is compared through the field that uses it") {
    const SchemaReference v1{"home.proto", "home", 1,
                             Proto3("package acme;\nmessage Home { int32 id = 1; }")};
    const SchemaReference v2{"home.proto", "home", 2,
                             Proto3("package acme;\nmessage Home { string id = 1; }")};
    const std::string schema = Proto3("import \"home.proto\";\nmessage M { acme.Home h = 1; }");
    const auto found = Backward(schema, schema, {v1}, {v2});
    CHECK(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED", "FIELD_NAMED_TYPE_CHANGED"});
    CHECK(found[0].path == "#/Home/1");
    CHECK(found[1].path == "#/M/1");
  }
  SECTION("a referenced message type may move to another package") {
    const SchemaReference v1{"home.proto", "home", 1,
                             Proto3("package acme;\nmessage Outer { message Home { int32 id = 1; "
                                    "} }")};
    const SchemaReference v2{"home2.proto", "home2", 1,
                             Proto3("package acme2;\nmessage Outer { message Home { int32 id = "
                                    "1; } }")};
    CHECK(Backward(Proto3("import \"home.proto\";\nmessage M { acme.Outer.Home h = 1; }"),
                   Proto3("import \"home2.proto\";\nmessage M { acme2.Outer.Home h = 1; }"), {v1},
                   {v2})
              .empty());
  }
  SECTION("a well-known type field changed to another well-known type is not compatible") {
    CHECK(KindsOf(Backward(Proto3("import \"google/protobuf/timestamp.proto\";\n"
                                  "message M { google.protobuf.Timestamp t = 1; }"),
                           Proto3("import \"google/protobuf/duration.proto\";\n"
                                  "message M { google.protobuf.Duration t = 1; }"))) ==
          Kinds{"FIELD_NAMED_TYPE_CHANGED"});
  }
  SECTION("a wrapper type is not its scalar") {
    CHECK(KindsOf(Backward(Proto3("message M { int64 n = 1; }"),
                           Proto3("import \"google/protobuf/wrappers.proto\";\n"
                                  "message M { google.protobuf.Int64Value n = 1; }"))) ==
          Kinds{"FIELD_KIND_CHANGED"});
  }
}

TEST_CASE("maps") {
  SECTION("changing a map's value type within its wire group is compatible") {
    CHECK(Backward(Proto3("message M { map<string, int32> m = 1; }"),
                   Proto3("message M { map<string, int64> m = 1; }"))
              .empty());
  }
  SECTION("changing a map's value type across wire groups is not compatible") {
    const auto found = Backward(Proto3("message M { map<string, int32> m = 2; }"),
                                Proto3("message M { map<string, string> renamed = 2; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].path == "#/M/2");
    CHECK(found[0].message ==
          "the value of `M.renamed` (#2) changed from int32 to string, which do not share a wire "
          "encoding");
  }
  SECTION("changing a map's key type across wire groups is not compatible") {
    CHECK(KindsOf(Backward(Proto3("message M { map<string, int32> m = 1; }"),
                           Proto3("message M { map<int32, int32> m = 1; }"))) ==
          Kinds{"FIELD_SCALAR_KIND_CHANGED"});
  }
  SECTION("turning a map into a repeated message is not compatible") {
    const auto found =
        Backward(Proto3("message M { map<string, int32> m = 1; }"),
                 Proto3("message M { repeated E m = 1; }\nmessage E { string key = 1; int32 value "
                        "= 2; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_KIND_CHANGED"});
    CHECK(found[0].message == "`M.m` (#1) changed from map<string, int32> to message E");
  }
  SECTION("a map of messages compares the value message") {
    CHECK(KindsOf(Backward(
              Proto3("message M { map<string, V> m = 1; }\nmessage V { int32 n = 1; }"),
              Proto3("message M { map<string, V> m = 1; }\nmessage V { double n = 1; }"))) ==
          Kinds{"FIELD_SCALAR_KIND_CHANGED", "FIELD_NAMED_TYPE_CHANGED"});
  }
  SECTION("qualifying a map value type differently is no change") {
    CHECK(Backward(Proto3("message M { map<string, S> m = 2; message S { string t = 1; } }"),
                   Proto3("message M { map<string, M.S> m = 2; message S { string t = 1; } }"))
              .empty());
  }
  SECTION("removing a map field is compatible (its entry type is not a message of its own)") {
    CHECK(Backward(Proto3("message M { map<string, int32> m = 1; int32 x = 2; }"),
                   Proto3("message M { int32 x = 2; }"))
              .empty());
  }
}

TEST_CASE("labels") {
  SECTION("changing a numeric field from optional to repeated is not compatible") {
    const auto found = Backward(Proto3("message M { optional int32 n = 1; }"),
                                Proto3("message M { repeated int32 n = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_NUMERIC_LABEL_CHANGED"});
    CHECK(found[0].path == "#/M/1");
    CHECK(found[0].message == "`M.n` (#1) changed from optional to repeated");
    CHECK(KindsOf(Forward(Proto3("message M { optional int32 n = 1; }"),
                          Proto3("message M { repeated int32 n = 1; }"))) ==
          Kinds{"FIELD_NUMERIC_LABEL_CHANGED"});
  }
  SECTION("changing float, double and enum fields to repeated is not compatible") {
    for (const std::string type : {"float", "double", "E"}) {
      INFO(type);
      const std::string e = "enum E { Z = 0; }\n";
      CHECK(KindsOf(Backward(Proto3(e + "message M { optional " + type + " n = 1; }"),
                             Proto3(e + "message M { repeated " + type + " n = 1; }"))) ==
            Kinds{"FIELD_NUMERIC_LABEL_CHANGED"});
    }
  }
  SECTION("changing a string or bytes field from optional to repeated is compatible") {
    CHECK(Backward(Proto3("message M { optional string s = 1; }"),
                   Proto3("message M { repeated string s = 1; }"))
              .empty());
    CHECK(Backward(Proto3("message M { optional bytes s = 1; }"),
                   Proto3("message M { repeated bytes s = 1; }"))
              .empty());
  }
  SECTION("a proto3 field without a label has none to compare") {
    CHECK(Backward(Proto3("message M { int32 n = 1; }"), Proto3("message M { repeated int32 n = "
                                                                "1; }"))
              .empty());
    CHECK(Backward(Proto3("message M { int32 n = 1; }"), Proto3("message M { optional int32 n = "
                                                                "1; }"))
              .empty());
  }
  SECTION("changing a proto2 numeric field from required to optional is not compatible") {
    CHECK(KindsOf(Backward(Proto2("message M { required int64 n = 1; }"),
                           Proto2("message M { optional int64 n = 1; }"))) ==
          Kinds{"FIELD_NUMERIC_LABEL_CHANGED"});
  }
  SECTION("changing a proto2 string field from required to optional is compatible") {
    CHECK(Backward(Proto2("message M { required string s = 1; }"),
                   Proto2("message M { optional string s = 1; }"))
              .empty());
  }
}

TEST_CASE("required fields (proto2)") {
  SECTION("adding a required field is not backward compatible") {
    const auto found = Backward(Proto2("message M { optional string a = 1; }"),
                                Proto2("message M { optional string a = 1; required string b = "
                                       "2; }"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "REQUIRED_FIELD_ADDED");
    CHECK(found[0].path == "#/M/2");
    CHECK(found[0].message ==
          "required field `M.b` (#2) is in the new schema but not in the old one");
  }
  SECTION("removing a required field is not backward compatible") {
    const auto found = Backward(Proto2("message M { optional string a = 1; required string b = "
                                       "2; }"),
                                Proto2("message M { optional string a = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"REQUIRED_FIELD_REMOVED"});
    CHECK(found[0].message ==
          "required field `M.b` (#2) is in the old schema but not in the new one");
  }
  SECTION("adding a required field is not forward compatible either") {
    CHECK(KindsOf(Forward(Proto2("message M { optional string a = 1; }"),
                          Proto2("message M { optional string a = 1; required string b = 2; "
                                 "}"))) == Kinds{"REQUIRED_FIELD_REMOVED"});
  }
  SECTION("adding an optional or repeated proto2 field is compatible") {
    CHECK(Backward(Proto2("message M { optional string a = 1; }"),
                   Proto2("message M { optional string a = 1; optional int32 b = 2; repeated "
                          "int32 c = 3; }"))
              .empty());
  }
  SECTION("proto2 groups are not compared, as the registry's parser lists them apart") {
    CHECK(Backward(Proto2("message M { optional group G = 1 { optional int32 x = 2; } }"),
                   Proto2("message M { }"))
              .empty());
  }
}

TEST_CASE("oneofs") {
  SECTION("moving one field into a new oneof is compatible") {
    CHECK(Backward(Proto3("message M { string a = 1; string b = 2; }"),
                   Proto3("message M { string a = 1; oneof choice { string b = 2; int32 c = 3; "
                          "} }"))
              .empty());
  }
  SECTION("moving several fields into a oneof is not compatible") {
    const auto found = Backward(Proto3("message M { string a = 1; string b = 2; }"),
                                Proto3("message M { oneof choice { string a = 1; string b = 2; "
                                       "int32 c = 3; } }"));
    REQUIRE(KindsOf(found) == Kinds{"MULTIPLE_FIELDS_MOVED_TO_ONEOF"});
    CHECK(found[0].path == "#/M/choice");
  }
  SECTION("moving a field into an existing oneof is not compatible") {
    const auto found = Backward(Proto3("message M { string a = 1; oneof choice { string b = 2; "
                                       "string c = 3; } }"),
                                Proto3("message M { oneof choice { string a = 1; string b = 2; "
                                       "string c = 3; } }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_MOVED_TO_EXISTING_ONEOF"});
    CHECK(found[0].path == "#/M/choice");
  }
  SECTION("moving a field into an existing oneof under a new name is not compatible") {
    CHECK(KindsOf(Backward(Proto3("message M { string a = 1; oneof choice { string b = 2; "
                                  "string c = 3; } }"),
                           Proto3("message M { oneof renamed { string a = 1; string b = 2; "
                                  "string c = 3; } }"))) == Kinds{"FIELD_MOVED_TO_EXISTING_ONEOF"});
  }
  SECTION("adding a field to a oneof is backward compatible") {
    CHECK(Backward(Proto3("message M { oneof choice { string a = 1; string b = 2; } }"),
                   Proto3("message M { oneof choice { string a = 1; string b = 2; int32 c = 3; "
                          "} }"))
              .empty());
  }
  SECTION("removing a field from a oneof is not backward compatible") {
    const auto found = Backward(Proto3("message M { oneof choice { string a = 1; string b = 2; "
                                       "int32 c = 3; } }"),
                                Proto3("message M { oneof choice { string a = 1; string b = 2; "
                                       "} }"));
    REQUIRE(KindsOf(found) == Kinds{"ONEOF_FIELD_REMOVED"});
    CHECK(found[0].path == "#/M/choice/3");
    CHECK(found[0].message ==
          "field `M.c` (#3) of oneof `M.choice` is in the old schema but not in the new one");
  }
  SECTION("adding a field to a oneof is not forward compatible") {
    CHECK(KindsOf(Forward(Proto3("message M { oneof choice { string a = 1; } }"),
                          Proto3("message M { oneof choice { string a = 1; int32 c = 3; } }"))) ==
          Kinds{"ONEOF_FIELD_REMOVED"});
  }
  SECTION("removing a whole oneof is compatible") {
    CHECK(Backward(Proto3("message M { string a = 1; oneof choice { string b = 2; } }"),
                   Proto3("message M { string a = 1; }"))
              .empty());
  }
  SECTION("taking the fields out of a removed oneof is compatible") {
    CHECK(Backward(Proto3("message M { oneof choice { string a = 1; string b = 2; } }"),
                   Proto3("message M { string a = 1; string b = 2; }"))
              .empty());
  }
  SECTION("removing a field from a renamed oneof is not backward compatible") {
    // Oneof names are not on the wire: the renamed oneof is the same oneof, and a
    // reader of old data that set #2 finds it unset.
    const auto found =
        Backward(Proto3("message M { oneof choice { string a = 1; string b = 2; } }"),
                 Proto3("message M { oneof renamed { string a = 1; } }"));
    REQUIRE(KindsOf(found) == Kinds{"ONEOF_FIELD_REMOVED"});
    CHECK(found[0].path == "#/M/choice/2");
    CHECK(found[0].message ==
          "field `M.b` (#2) of oneof `M.choice` is in the old schema but not in the new one");
  }
  SECTION("renaming a oneof is compatible both ways") {
    const auto old_text = Proto3("message M { oneof choice { string a = 1; int32 b = 2; } }");
    const auto new_text = Proto3("message M { oneof renamed { string a = 1; int32 b = 2; } }");
    CHECK(Backward(old_text, new_text).empty());
    CHECK(Forward(old_text, new_text).empty());
  }
  SECTION("a oneof member's type is compared like a field's") {
    const auto found = Backward(Proto3("message M { oneof choice { int32 a = 1; } }"),
                                Proto3("message M { oneof choice { double a = 1; } }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].path == "#/M/choice/1");
  }
  SECTION("a proto3 optional field is not a oneof") {
    CHECK(Backward(Proto3("message M { optional string a = 1; optional int32 b = 2; }"),
                   Proto3("message M { string a = 1; }"))
              .empty());
  }
}

// Issue 19 (8a): fields were matched through their oneof by name, so a type change
// hidden behind a renamed, moved or merged oneof was reported compatible. Fields
// match by number whatever their oneof; the wire carries numbers, not oneofs.
TEST_CASE("a field's type change is found whatever happens to its oneof") {
  // The one finding that names field #1 and its type change.
  auto type_change = [](const std::vector<Incompatibility>& found) -> const Incompatibility* {
    const Incompatibility* match = nullptr;
    for (const Incompatibility& incompatibility : found) {
      if (incompatibility.path == "#/M/1") {
        CHECK(match == nullptr);
        match = &incompatibility;
      }
    }
    return match;
  };
  const std::string int32_to_string =
      "`M.a` (#1) changed from int32 to string, which do not share a wire encoding";

  SECTION("in a renamed oneof") {
    const auto old_text = Proto3("message M { oneof choice { int32 a = 1; string b = 2; } }");
    const auto new_text = Proto3("message M { oneof renamed { string a = 1; string b = 2; } }");
    const auto found = Backward(old_text, new_text);
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].path == "#/M/1");
    CHECK(found[0].message == int32_to_string);
    CHECK(KindsOf(Forward(old_text, new_text)) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
  }
  SECTION("moved into a new oneof") {
    const auto found =
        Backward(Proto3("message M { int32 a = 1; string b = 2; }"),
                 Proto3("message M { string b = 2; oneof choice { string a = 1; int64 c = 3; } }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].message == int32_to_string);
  }
  SECTION("moved out of a oneof that remains") {
    const auto found =
        Backward(Proto3("message M { oneof choice { int32 a = 1; string b = 2; } }"),
                 Proto3("message M { string a = 1; oneof choice { string b = 2; } }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].path == "#/M/1");
    CHECK(found[0].message == int32_to_string);
  }
  SECTION("moved out of a removed oneof") {
    const auto found = Backward(Proto3("message M { oneof choice { int32 a = 1; } }"),
                                Proto3("message M { string a = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].message == int32_to_string);
  }
  SECTION("moved from one oneof into a new one") {
    const auto found =
        Backward(Proto3("message M { oneof x { int32 a = 1; string b = 2; } }"),
                 Proto3("message M { oneof x { string b = 2; } oneof z { string a = 1; } }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED"});
    CHECK(found[0].message == int32_to_string);
  }
  SECTION("moved from one oneof into another existing one") {
    const auto found = Backward(
        Proto3("message M { oneof x { int32 a = 1; string b = 2; } oneof y { string c = 3; } }"),
        Proto3("message M { oneof x { string b = 2; } oneof y { string a = 1; string c = 3; } }"));
    const Incompatibility* change = type_change(found);
    REQUIRE(change != nullptr);
    CHECK(change->kind == "FIELD_SCALAR_KIND_CHANGED");
    CHECK(change->message == int32_to_string);
  }
  SECTION("when two oneofs merge") {
    const auto found =
        Backward(Proto3("message M { oneof x { int32 a = 1; } oneof y { string c = 3; } }"),
                 Proto3("message M { oneof xy { string a = 1; string c = 3; } }"));
    const Incompatibility* change = type_change(found);
    REQUIRE(change != nullptr);
    CHECK(change->kind == "FIELD_SCALAR_KIND_CHANGED");
    CHECK(change->message == int32_to_string);
  }
  SECTION("when a member is dropped and the oneof renamed") {
    const auto found =
        Backward(Proto3("message M { oneof choice { int32 a = 1; string b = 2; string c = 3; } }"),
                 Proto3("message M { oneof renamed { string a = 1; string b = 2; } }"));
    const Incompatibility* change = type_change(found);
    REQUIRE(change != nullptr);
    CHECK(change->kind == "FIELD_SCALAR_KIND_CHANGED");
    CHECK(change->message == int32_to_string);
    CHECK(KindsOf(found) == Kinds{"ONEOF_FIELD_REMOVED", "FIELD_SCALAR_KIND_CHANGED"});
  }
  SECTION("a scalar moved into a oneof as a message") {
    const auto found =
        Backward(Proto3("message M { int32 a = 1; }"),
                 Proto3("message M { oneof choice { Box a = 1; } }\nmessage Box { int32 v = 1; }"));
    REQUIRE(KindsOf(found) == Kinds{"FIELD_KIND_CHANGED"});
    CHECK(found[0].path == "#/M/1");
    CHECK(found[0].message == "`M.a` (#1) changed from int32 to message Box");
  }
  SECTION("a message type that changed incompatibly, moved out of a oneof") {
    const auto found =
        Backward(Proto3("message M { oneof choice { A a = 1; } }\nmessage A { int32 n = 1; }"),
                 Proto3("message M { A a = 1; }\nmessage A { string n = 1; }"));
    CHECK(KindsOf(found) == Kinds{"FIELD_SCALAR_KIND_CHANGED", "FIELD_NAMED_TYPE_CHANGED"});
    REQUIRE(found.size() == 2);
    CHECK(found[1].path == "#/M/1");
  }
}

// Issue 19 (8b): which oneof a field belongs to is judged apart from its type, by
// what a reader loses: a reader's oneof keeps only the last of its members on the
// wire, so it must not gather fields the writer can set together.
TEST_CASE("oneof membership changes are judged by what the reader can lose") {
  SECTION("moving one field out of a multi-field oneof to the top level is backward compatible") {
    const auto old_text = Proto3("message M { oneof choice { string a = 1; string b = 2; } }");
    const auto new_text = Proto3("message M { string a = 1; oneof choice { string b = 2; } }");
    CHECK(Backward(old_text, new_text).empty());
    // The new schema can write #1 and #2 together; the old one keeps only one.
    const auto found = Forward(old_text, new_text);
    REQUIRE(KindsOf(found) == Kinds{"FIELD_MOVED_TO_EXISTING_ONEOF"});
    CHECK(found[0].path == "#/M/choice");
  }
  SECTION("moving one field out of a multi-field oneof into a new oneof is backward compatible") {
    const auto old_text = Proto3("message M { oneof choice { string a = 1; string b = 2; } }");
    const auto new_text =
        Proto3("message M { oneof choice { string b = 2; } oneof single { string a = 1; } }");
    CHECK(Backward(old_text, new_text).empty());
    const auto found = Forward(old_text, new_text);
    REQUIRE(KindsOf(found) == Kinds{"ONEOFS_MERGED"});
    CHECK(found[0].path == "#/M/choice");
  }
  SECTION("splitting a oneof in two is backward compatible but not forward compatible") {
    const auto old_text = Proto3("message M { oneof x { string a = 1; string b = 2; } }");
    const auto new_text =
        Proto3("message M { oneof x { string a = 1; } oneof y { string b = 2; } }");
    CHECK(Backward(old_text, new_text).empty());
    CHECK(KindsOf(Forward(old_text, new_text)) == Kinds{"ONEOFS_MERGED"});
  }
  SECTION("merging two oneofs is not backward compatible") {
    const auto found =
        Backward(Proto3("message M { oneof x { string a = 1; } oneof y { string b = 2; } }"),
                 Proto3("message M { oneof x { string a = 1; string b = 2; } }"));
    REQUIRE(KindsOf(found) == Kinds{"ONEOFS_MERGED"});
    CHECK(found[0].path == "#/M/x");
    CHECK(found[0].message ==
          "oneof `M.x` in the new schema holds fields of 2 oneofs of the old schema (`M.x`, "
          "`M.y`), which data can set together; the reader keeps only the last");
  }
  SECTION("moving a field from one oneof into another existing one is not backward compatible") {
    const auto found = Backward(
        Proto3("message M { oneof x { string a = 1; string b = 2; } oneof y { string c = 3; } }"),
        Proto3("message M { oneof x { string b = 2; } oneof y { string a = 1; string c = 3; } }"));
    REQUIRE(KindsOf(found) == Kinds{"ONEOFS_MERGED"});
    CHECK(found[0].path == "#/M/y");
  }
}

TEST_CASE("well-known types resolve without references") {
  const std::string schema = Proto3(R"(
    import "google/protobuf/any.proto";
    import "google/protobuf/duration.proto";
    import "google/protobuf/empty.proto";
    import "google/protobuf/field_mask.proto";
    import "google/protobuf/struct.proto";
    import "google/protobuf/timestamp.proto";
    import "google/protobuf/wrappers.proto";
    message M {
      google.protobuf.Any any = 1;
      google.protobuf.Duration duration = 2;
      google.protobuf.Empty empty = 3;
      google.protobuf.FieldMask mask = 4;
      google.protobuf.Struct struct = 5;
      google.protobuf.Value value = 6;
      google.protobuf.Timestamp at = 7;
      google.protobuf.StringValue name = 8;
    })");
  CHECK(Backward(schema, schema).empty());
}

TEST_CASE("messages name the newer schema's field and orient old to new") {
  SECTION("forward: the old schema reads, the message still says old to new") {
    const auto found = Forward(Proto3("message M { int32 old_name = 1; }"),
                               Proto3("message M { string new_name = 1; }"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].message ==
          "`M.new_name` (#1) changed from int32 to string, which do not share a wire encoding");
  }
}

TEST_CASE("a schema that references one message type many times is checked in bounded time") {
  // Levels of messages each holding four fields of the next level: the registry
  // compares a message type again at every field that uses it, 4^levels times.
  auto layered = [](int levels, const std::string& leaf_type) {
    std::string text = "syntax = \"proto3\";\nmessage L" + std::to_string(levels) + " { " +
                       leaf_type + " v = 1; }\n";
    for (int level = levels - 1; level >= 0; --level) {
      const std::string next = "L" + std::to_string(level + 1);
      text += "message L" + std::to_string(level) + " { " + next + " a = 1; " + next + " b = 2; " +
              next + " c = 3; " + next + " d = 4; }\n";
    }
    return text;
  };
  SECTION("a few levels are compared in full") {
    const auto found = Backward(layered(4, "int32"), layered(4, "string"));
    REQUIRE_FALSE(found.empty());
    CHECK(found[0].kind == "FIELD_SCALAR_KIND_CHANGED");
    CHECK(found[0].path == "#/L4/1");
    CHECK(found.back().kind == "FIELD_NAMED_TYPE_CHANGED");
  }
  SECTION("too many levels stop the comparison and count as incompatible") {
    const auto found = Backward(layered(12, "int32"), layered(12, "int32"));
    REQUIRE(KindsOf(found) == Kinds{"SCHEMA_TOO_COMPLEX"});
    CHECK(found[0].path == "#/");
  }
}

}  // namespace
}  // namespace tributary::schema
