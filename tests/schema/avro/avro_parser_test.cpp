// Parsing Avro schemas: what is a valid schema, how names resolve, references,
// Parsing Canonical Form and the CRC-64-AVRO fingerprint.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "schema/avro/avro_engine.h"
#include "schema/compatibility.h"

namespace tributary::schema {
namespace {

Status ParseError(std::string_view text, const std::vector<SchemaReference>& references = {},
                  bool strict_defaults = false) {
  CheckOptions options;
  options.strict_defaults = strict_defaults;
  auto parsed = AvroEngine().Parse(text, references, options);
  return parsed.status();
}

bool Valid(std::string_view text) { return ParseError(text).ok(); }

std::string Canonical(std::string_view text, const std::vector<SchemaReference>& refs = {}) {
  auto canonical = AvroCanonicalForm(text, refs);
  INFO(text);
  REQUIRE(canonical.ok());
  return *canonical;
}

TEST_CASE("invalid schemas are errors that name the problem, never verdicts") {
  struct Case {
    const char* schema;
    const char* message;
  };
  const std::vector<Case> cases = {
      {R"({"type":"record","name":"R","fields":[{"name":"a","type":"strng"}]})",
       R"(invalid Avro schema: unknown type "strng" at /fields/0/type)"},
      {R"({"type":"record","name":"R","fields":[)",
       "invalid Avro schema: not valid JSON: parse error"},
      {R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]})",
       R"(invalid Avro schema: duplicate field name "a" in record "R" at /fields/1/name)"},
      {R"(["int",{"type":"record","name":"R","fields":[]},{"type":"enum","name":"R","symbols":["A"]}])",
       R"(invalid Avro schema: duplicate name "R" at /2/name)"},
      {R"({"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]})",
       R"(invalid Avro schema: unknown type "Missing" at /fields/0/type)"},
      {R"({"type":"record","name":"9lives","fields":[]})",
       R"(invalid Avro schema: invalid name "9lives" at /name)"},
      {R"({"type":"record","name":"R","namespace":"a..b","fields":[]})",
       R"(invalid Avro schema: invalid namespace "a..b" at /namespace)"},
      {R"({"type":"record","name":"R","fields":[{"name":"my-field","type":"int"}]})",
       R"(invalid Avro schema: invalid field name "my-field" at /fields/0/name)"},
      {R"({"type":"record","name":"R"})",
       R"(invalid Avro schema: record "R" without "fields" at /)"},
      {R"({"type":"record","fields":[]})", R"(invalid Avro schema: record without "name" at /)"},
      {R"({"type":"record","name":"R","fields":[{"type":"int"}]})",
       R"(invalid Avro schema: field without "name" at /fields/0)"},
      {R"({"type":"record","name":"R","fields":[{"name":"a"}]})",
       R"(invalid Avro schema: field "a" without "type" at /fields/0)"},
      {R"({"type":"enum","name":"E","symbols":["A","A"]})",
       R"(invalid Avro schema: duplicate enum symbol "A" at /symbols)"},
      {R"({"type":"enum","name":"E","symbols":["A"],"default":"B"})",
       R"(invalid Avro schema: enum default "B" is not one of the symbols of "E" at /default)"},
      {R"({"type":"fixed","name":"F","size":-1})",
       R"(invalid Avro schema: "size" of fixed "F" must be a non-negative integer at /size)"},
      {R"({"type":"fixed","name":"F"})", R"(invalid Avro schema: fixed "F" without "size" at /)"},
      {R"({"type":"array"})", R"(invalid Avro schema: array without "items" at /)"},
      {R"({"type":"map","values":"nope"})",
       R"(invalid Avro schema: unknown type "nope" at /values)"},
      {R"(["int","int"])",
       R"(invalid Avro schema: union has more than one branch of type "int" at /1)"},
      {R"(["int",["null"]])",
       "invalid Avro schema: a union may not directly contain another union at /1"},
      {R"({"name":"x"})", R"(invalid Avro schema: missing "type" at /)"},
      {R"({"type":{"type":"int"}})", R"(invalid Avro schema: "type" must be a string at /type)"},
      {"42",
       "invalid Avro schema: expected a type name, a schema object or a union array, found number "
       "at /"},
      {R"({"type":"record","name":"int","fields":[]})",
       R"(invalid Avro schema: a named type may not be called "int", a primitive type name at /name)"},
      {R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]})",
       R"(invalid Avro schema: "order" must be "ascending", "descending" or "ignore" at /fields/0/order)"},
  };
  for (const auto& c : cases) {
    SECTION(c.message) {
      const Status status = ParseError(c.schema);
      CHECK(status.code() == ErrorCode::kInvalidArgument);
      CHECK_THAT(status.message(), Catch::StartsWith(c.message));
    }
  }
  SECTION("a named type must be defined before it is used") {
    CHECK_FALSE(Valid(R"(["A",{"type":"fixed","name":"A","size":1}])"));
    CHECK(Valid(R"([{"type":"fixed","name":"A","size":1},{"type":"array","items":"A"}])"));
  }
  SECTION("absurdly deep nesting is an error, not a stack overflow") {
    std::string deep;
    for (int i = 0; i < 5000; ++i) {
      deep += R"({"type":"array","items":)";
    }
    deep += "\"int\"";
    deep += std::string(5000, '}');
    CHECK(ParseError(deep).code() == ErrorCode::kInvalidArgument);
  }
  SECTION("garbage never crashes the parser") {
    for (const char* garbage :
         {"", "null", "{}", "[", "\"", "{\"type\":null}", "[[]]",
          "{\"type\":\"record\",\"name\":\"R\",\"fields\":{}}",
          "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[1]}",
          "{\"type\":\"record\",\"name\":\"R\",\"fields\":[1]}",
          "{\"type\":\"fixed\",\"name\":\"F\",\"size\":1.5}",
          "{\"type\":\"record\",\"name\":\"R\",\"aliases\":\"x\",\"fields\":[]}", "\xff\xfe"}) {
      CHECK(ParseError(garbage).code() == ErrorCode::kInvalidArgument);
    }
  }
}

TEST_CASE("names resolve as the specification says") {
  SECTION("a short name refers to the enclosing namespace") {
    CHECK(Valid(R"({"type":"record","name":"R","namespace":"a","fields":[
        {"name":"x","type":{"type":"fixed","name":"F","size":2}},
        {"name":"y","type":"F"},{"name":"z","type":"a.F"}]})"));
  }
  SECTION("a dotted name sets the namespace for nested definitions") {
    CHECK(
        Canonical(R"({"type":"record","name":"a.b.R","fields":[
        {"name":"x","type":{"type":"enum","name":"E","symbols":["A"]}}]})") ==
        R"({"name":"a.b.R","type":"record","fields":[{"name":"x","type":{"name":"a.b.E","type":"enum","symbols":["A"]}}]})");
  }
  SECTION("a short name from inside a namespace falls back to the null namespace, as in Java") {
    CHECK(Valid(R"({"type":"record","name":"Outer","fields":[
        {"name":"x","type":{"type":"fixed","name":"F","size":2}},
        {"name":"y","type":{"type":"record","name":"Inner","namespace":"n","fields":[
          {"name":"z","type":"F"}]}}]})"));
  }
  SECTION("a record may refer to itself") {
    CHECK(Valid(
        R"({"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]})"));
  }
  SECTION("the same name in different namespaces is two types") {
    CHECK(Valid(R"([{"type":"fixed","name":"F","namespace":"a","size":1},
                    {"type":"fixed","name":"F","namespace":"b","size":1}])"));
  }
}

TEST_CASE("schema references supply named types defined elsewhere") {
  const SchemaReference address{"com.acme.Address", "address-value", 1,
                                R"({"type":"record","name":"Address","namespace":"com.acme",
                                    "fields":[{"name":"city","type":"string"}]})"};
  const SchemaReference country{"com.acme.Country", "country-value", 1,
                                R"({"type":"enum","name":"Country","namespace":"com.acme",
                                    "symbols":["NL","BE"]})"};
  const SchemaReference located{"com.acme.Located", "located-value", 1,
                                R"({"type":"record","name":"Located","namespace":"com.acme",
                                    "fields":[{"name":"country","type":"com.acme.Country"}]})"};
  const std::string customer = R"({"type":"record","name":"Customer","fields":[
      {"name":"address","type":"com.acme.Address"}]})";

  SECTION("a referenced type is usable by its full name") {
    CHECK(ParseError(customer, {address}).ok());
  }
  SECTION("without the reference the name is unknown") {
    CHECK_THAT(ParseError(customer).message(),
               Catch::Contains("unknown type \"com.acme.Address\""));
  }
  SECTION("references may use each other, given in any order") {
    const std::string schema = R"({"type":"record","name":"Customer","fields":[
        {"name":"where","type":"com.acme.Located"}]})";
    CHECK(ParseError(schema, {located, country}).ok());
  }
  SECTION("an invalid reference is an error naming the reference") {
    const SchemaReference broken{"com.acme.Broken", "broken-value", 1, R"({"type":"record"})"};
    CHECK_THAT(ParseError(customer, {address, broken}).message(),
               Catch::StartsWith(R"(invalid Avro schema: reference "com.acme.Broken": )"));
  }
  SECTION("the canonical form writes referenced types out where they are first used") {
    CHECK(
        Canonical(customer, {address}) ==
        R"({"name":"Customer","type":"record","fields":[{"name":"address","type":{"name":"com.acme.Address","type":"record","fields":[{"name":"city","type":"string"}]}}]})");
  }
}

TEST_CASE("defaults are type-checked only with strict defaults") {
  const std::string bad_default =
      R"({"type":"record","name":"R","fields":[{"name":"n","type":"int","default":"seven"}]})";
  SECTION("by default a mistyped default is accepted, as Schema Registry does") {
    CHECK(ParseError(bad_default).ok());
  }
  SECTION("with strict defaults a mistyped default is an error") {
    CHECK_THAT(
        ParseError(bad_default, {}, true).message(),
        Catch::Contains(R"(default "seven" of field "n" is not a valid int at /fields/0/default)"));
  }
  SECTION("with strict defaults valid defaults of every type are accepted") {
    CHECK(ParseError(R"({"type":"record","name":"R","fields":[
        {"name":"a","type":"null","default":null},
        {"name":"b","type":"boolean","default":true},
        {"name":"c","type":"int","default":-3},
        {"name":"d","type":"long","default":9000000000},
        {"name":"e","type":"double","default":1.5},
        {"name":"f","type":"bytes","default":"\u00ff"},
        {"name":"g","type":{"type":"fixed","name":"F","size":2},"default":"ab"},
        {"name":"h","type":{"type":"enum","name":"E","symbols":["X"]},"default":"X"},
        {"name":"i","type":{"type":"array","items":"int"},"default":[1,2]},
        {"name":"j","type":{"type":"map","values":"string"},"default":{"k":"v"}},
        {"name":"k","type":["null","string"],"default":null},
        {"name":"l","type":{"type":"record","name":"S","fields":[{"name":"x","type":"int"}]},
         "default":{"x":1}}]})",
                     {}, true)
              .ok());
  }
  SECTION("with strict defaults a union default must match the first branch") {
    CHECK_FALSE(ParseError(R"({"type":"record","name":"R","fields":[
        {"name":"k","type":["null","string"],"default":"x"}]})",
                           {}, true)
                    .ok());
  }
  SECTION("with strict defaults an int default must fit in 32 bits") {
    CHECK_FALSE(ParseError(R"({"type":"record","name":"R","fields":[
        {"name":"k","type":"int","default":3000000000}]})",
                           {}, true)
                    .ok());
  }
}

TEST_CASE("Parsing Canonical Form follows the specification's transformations") {
  SECTION("[PRIMITIVES] primitives take their simple form") {
    CHECK(Canonical(R"({"type":"int"})") == R"("int")");
    CHECK(Canonical(R"({"type":"long","logicalType":"timestamp-millis"})") == R"("long")");
  }
  SECTION("[FULLNAMES] names are full names and namespace attributes go") {
    CHECK(Canonical(R"({"type":"fixed","name":"F","namespace":"a.b","size":4})") ==
          R"({"name":"a.b.F","type":"fixed","size":4})");
  }
  SECTION("[STRIP] and [ORDER] only parsing attributes, in the canonical order") {
    CHECK(Canonical(R"({"fields":[{"type":"int","doc":"d","default":1,"name":"a","aliases":["b"]}],
                        "doc":"x","aliases":["Y"],"name":"R","type":"record"})") ==
          R"({"name":"R","type":"record","fields":[{"name":"a","type":"int"}]})");
    CHECK(Canonical(R"({"symbols":["A","B"],"type":"enum","default":"A","name":"E"})") ==
          R"({"name":"E","type":"enum","symbols":["A","B"]})");
    CHECK(Canonical(R"({"values":{"items":"int","type":"array"},"type":"map"})") ==
          R"({"type":"map","values":{"type":"array","items":"int"}})");
  }
  SECTION("[WHITESPACE] no whitespace outside strings") {
    CHECK(Canonical(" [ \"null\" ,\n\t\"string\" ] ") == R"(["null","string"])");
  }
  SECTION("a named type is written out once, then by full name") {
    CHECK(
        Canonical(R"({"type":"record","name":"Node","namespace":"x","fields":[
        {"name":"next","type":["null","Node"]}]})") ==
        R"({"name":"x.Node","type":"record","fields":[{"name":"next","type":["null","x.Node"]}]})");
  }
  SECTION("two texts of the same schema have the same canonical form") {
    CHECK(
        Canonical(
            R"({"type":"record","name":"R","doc":"v2","fields":[{"name":"a","type":{"type":"string"}}]})") ==
        Canonical(R"({"name":"R","type":"record","fields":[{"type":"string","name":"a"}]})"));
  }
}

TEST_CASE("fingerprints are the specification's CRC-64-AVRO") {
  // Published in Apache Avro's share/test/data/schema-tests.txt (signed 64-bit).
  struct Case {
    const char* schema;
    int64_t fingerprint;
  };
  const std::vector<Case> cases = {
      {R"("null")", 7195948357588979594},
      {R"({"type":"null"})", 7195948357588979594},
      {R"("boolean")", -6970731678124411036},
      {R"("int")", 8247732601305521295},
      {R"("long")", -3434872931120570953},
      {R"("float")", 5583340709985441680},
      {R"("double")", -8181574048448539266},
      {R"("bytes")", 5746618253357095269},
      {R"("string")", -8142146995180207161},
      {R"(["int","boolean"])", 5392556393470105090},
      {R"({"type":"fixed","name":"foo","size":15})", 1756455273707447556},
      {R"({"type":"enum","name":"foo","symbols":["A1"]})", -6342190197741309591},
      {R"({"type":"record","name":"foo","fields":[]})", -4824392279771201922},
      {R"({"type":"record","name":"foo","fields":[{"name":"f1","type":"boolean"}]})",
       7843277075252814651},
      {R"({"type":"record","name":"foo","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]})",
       -4860222112080293046},
      {R"({"type":"record","name":"PigValue","fields":[{"name":"value","type":["null","int","long","PigValue"]}]})",
       -1759257747318642341},
  };
  for (const auto& c : cases) {
    SECTION(c.schema) {
      auto fingerprint = AvroFingerprint(c.schema);
      REQUIRE(fingerprint.ok());
      CHECK(static_cast<int64_t>(*fingerprint) == c.fingerprint);
    }
  }
  SECTION("the fingerprint of no bytes is the algorithm's EMPTY constant") {
    CHECK(AvroRabinFingerprint("") == 0xc15d213aa4d7a795ULL);
  }
  SECTION("a re-registration with different formatting has the same fingerprint") {
    CHECK(
        *AvroFingerprint(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})") ==
        *AvroFingerprint(R"({ "name" : "R", "doc": "d", "type" : "record",
                                "fields" : [ { "type" : {"type":"int"}, "name" : "a" } ] })"));
  }
}

}  // namespace
// Found by avro_schema_fuzz: a default with more digits than the fast JSON
// reader accepts overflowed its accumulator before the length check.
TEST_CASE("integers longer than the fast reader accepts do not overflow it") {
  CHECK(Valid(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":"long","default":66666666666666666666666666}]})"));
  CHECK(Valid(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":"long","default":-6666666666666666666}]})"));
  CHECK(Valid(R"({"type":"fixed","name":"F","size":1000000000000000000000000}]})") == false);
}

// Found by avro_schema_fuzz: nlohmann::json reports a number beyond double as
// out_of_range, not as a parse error, and it escaped the parser.
TEST_CASE("a number beyond double is an invalid schema, not an exception") {
  CHECK(ParseError(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":"double","default":3E13111}]})")
            .code() == ErrorCode::kInvalidArgument);
}

}  // namespace tributary::schema
