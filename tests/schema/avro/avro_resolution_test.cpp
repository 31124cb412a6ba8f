// The Avro specification's "Schema Resolution" rules, one SECTION per rule.
// Reader and writer are named as in the specification: the reader reads data
// the writer wrote. Backward compatibility = the new schema as reader.

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "schema/avro/avro_engine.h"
#include "schema/compatibility.h"

namespace tributary::schema {
namespace {

std::shared_ptr<const ParsedSchema> MustParse(std::string_view text) {
  auto parsed = AvroEngine().Parse(text, {}, {});
  INFO(text);
  REQUIRE(parsed.ok());
  return *parsed;
}

// What stops `reader` from reading `writer`'s data (reader = new schema).
std::vector<Incompatibility> Check(std::string_view reader, std::string_view writer) {
  return AvroEngine().CheckReadable(*MustParse(reader), *MustParse(writer), {});
}

bool CanRead(std::string_view reader, std::string_view writer) {
  return Check(reader, writer).empty();
}

std::string Record(std::string_view fields, std::string_view name = "Order") {
  return R"({"type":"record","name":")" + std::string(name) + R"(","fields":[)" +
         std::string(fields) + "]}";
}

const std::string kPriceDouble = Record(R"({"name":"id","type":"long"},
                                          {"name":"price","type":"double"})");

TEST_CASE("record fields resolve by name, with defaults filling the gaps") {
  SECTION("adding a field with a default is backward compatible") {
    const auto with_currency = Record(R"({"name":"id","type":"long"},
        {"name":"price","type":"double"},
        {"name":"currency","type":"string","default":"EUR"})");
    CHECK(CanRead(with_currency, kPriceDouble));
  }
  SECTION("adding a field without a default is not backward compatible") {
    const auto with_currency = Record(R"({"name":"id","type":"long"},
        {"name":"price","type":"double"},
        {"name":"currency","type":"string"})");
    const auto found = Check(with_currency, kPriceDouble);
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "READER_FIELD_MISSING_DEFAULT_VALUE");
    CHECK(found[0].path == "/fields/2");
    CHECK(found[0].message == "field `currency` was added without a default");
  }
  SECTION("a null default counts as a default") {
    const auto with_note = Record(R"({"name":"id","type":"long"},
        {"name":"price","type":"double"},
        {"name":"note","type":["null","string"],"default":null})");
    CHECK(CanRead(with_note, kPriceDouble));
  }
  SECTION("removing a field is backward compatible: the reader ignores it") {
    CHECK(CanRead(Record(R"({"name":"id","type":"long"})"), kPriceDouble));
  }
  SECTION("removing a field without a default is not forward compatible") {
    // Forward: the old schema reads the new schema's data.
    const auto found = Check(kPriceDouble, Record(R"({"name":"id","type":"long"})"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "READER_FIELD_MISSING_DEFAULT_VALUE");
    CHECK(found[0].path == "/fields/1");
  }
  SECTION("field order does not matter") {
    CHECK(CanRead(Record(R"({"name":"price","type":"double"},{"name":"id","type":"long"})"),
                  kPriceDouble));
  }
  SECTION("a renamed field is found through its alias") {
    const auto renamed = Record(R"({"name":"id","type":"long"},
        {"name":"amount","type":"double","aliases":["price"]})");
    CHECK(CanRead(renamed, kPriceDouble));
  }
  SECTION("a renamed field without an alias is a new field without a default") {
    const auto renamed = Record(R"({"name":"id","type":"long"},{"name":"amount","type":"double"})");
    const auto found = Check(renamed, kPriceDouble);
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "READER_FIELD_MISSING_DEFAULT_VALUE");
  }
  SECTION("a field's type change is reported with its path and both types") {
    const auto changed = Record(R"({"name":"id","type":"long"},{"name":"price","type":"string"})");
    const auto found = Check(changed, kPriceDouble);
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "TYPE_MISMATCH");
    CHECK(found[0].path == "/fields/1/type");
    CHECK(found[0].message == "field `price` changed from double to string");
  }
  SECTION("every problem is reported, not just the first") {
    const auto changed = Record(R"({"name":"id","type":"string"},{"name":"price","type":"string"},
                                   {"name":"x","type":"int"})");
    CHECK(Check(changed, kPriceDouble).size() == 3);
  }
}

TEST_CASE("primitive promotions follow the specification") {
  struct Case {
    const char* writer;
    const char* reader;
    bool readable;
  };
  const std::vector<Case> cases = {
      {"int", "long", true},      {"int", "float", true},     {"int", "double", true},
      {"long", "float", true},    {"long", "double", true},   {"float", "double", true},
      {"string", "bytes", true},  {"bytes", "string", true},  {"long", "int", false},
      {"double", "float", false}, {"float", "long", false},   {"double", "int", false},
      {"int", "string", false},   {"boolean", "int", false},  {"null", "boolean", false},
      {"string", "int", false},   {"bytes", "double", false}, {"int", "boolean", false},
  };
  for (const auto& c : cases) {
    SECTION(std::string(c.writer) + " written, " + c.reader + " reading") {
      const auto found =
          Check(std::string("\"") + c.reader + "\"", std::string("\"") + c.writer + "\"");
      CHECK(found.empty() == c.readable);
      if (!c.readable) {
        REQUIRE(found.size() == 1);
        CHECK(found[0].kind == "TYPE_MISMATCH");
        CHECK(found[0].path == "/");
      }
    }
  }
  SECTION("promotions apply inside records, arrays and maps") {
    CHECK(CanRead(R"({"type":"array","items":"long"})", R"({"type":"array","items":"int"})"));
    CHECK(CanRead(R"({"type":"map","values":"double"})", R"({"type":"map","values":"float"})"));
    CHECK_FALSE(CanRead(R"({"type":"map","values":"int"})", R"({"type":"map","values":"long"})"));
  }
  SECTION("logical types are ignored: only the underlying type matters") {
    CHECK(CanRead(R"({"type":"long","logicalType":"timestamp-millis"})", R"("int")"));
    CHECK(CanRead(R"("int")", R"({"type":"int","logicalType":"date"})"));
  }
}

TEST_CASE("enums resolve by symbol") {
  const auto writer = R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]})";
  SECTION("adding a symbol is backward compatible") {
    CHECK(CanRead(R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE","PINK"]})",
                  writer));
  }
  SECTION("symbol order does not matter") {
    CHECK(CanRead(R"({"type":"enum","name":"Color","symbols":["BLUE","RED","GREEN"]})", writer));
  }
  SECTION("a writer symbol missing from the reader is an incompatibility") {
    const auto found = Check(R"({"type":"enum","name":"Color","symbols":["RED"]})", writer);
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "MISSING_ENUM_SYMBOLS");
    CHECK(found[0].path == "/symbols");
    CHECK(found[0].message ==
          "the schema: enum `Color` lost symbols GREEN, BLUE and has no default");
  }
  SECTION("a reader with an enum default reads unknown symbols as the default") {
    CHECK(CanRead(R"({"type":"enum","name":"Color","symbols":["RED","OTHER"],"default":"OTHER"})",
                  writer));
  }
  SECTION("enums match by unqualified name") {
    CHECK(CanRead(
        R"({"type":"enum","name":"Color","namespace":"a","symbols":["RED","GREEN","BLUE"]})",
        R"({"type":"enum","name":"Color","namespace":"b","symbols":["RED","GREEN","BLUE"]})"));
  }
}

TEST_CASE("unions resolve branch by branch, in any order") {
  SECTION("reordering union branches is compatible") {
    CHECK(CanRead(R"(["string","null","int"])", R"(["null","int","string"])"));
  }
  SECTION("a reader union reads a writer type that one of its branches reads") {
    CHECK(CanRead(R"(["null","long"])", R"("int")"));
  }
  SECTION("a reader union without a branch for the writer type is an incompatibility") {
    const auto found = Check(R"(["null","string"])", R"("int")");
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "MISSING_UNION_BRANCH");
    CHECK(found[0].path == "/");
  }
  SECTION("every branch of a writer union must be readable by a non-union reader") {
    CHECK(CanRead(R"("long")", R"(["int","long"])"));
    const auto found = Check(R"("string")", R"(["null","string"])");
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "TYPE_MISMATCH");
    CHECK(found[0].message ==
          "the schema changed from union [null, string] to string: the new schema cannot "
          "read its null branch");
  }
  SECTION("a writer union branch missing from the reader union is reported at its index") {
    const auto found = Check(R"(["null","int"])", R"(["null","string","int"])");
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "MISSING_UNION_BRANCH");
    CHECK(found[0].path == "/1");
  }
  SECTION("widening a field to an optional union is backward but not forward compatible") {
    const auto old_schema = Record(R"({"name":"note","type":"string"})");
    const auto new_schema = Record(R"({"name":"note","type":["null","string"],"default":null})");
    CHECK(CanRead(new_schema, old_schema));
    CHECK_FALSE(CanRead(old_schema, new_schema));
  }
  SECTION("union branches are matched with promotions too") {
    CHECK(CanRead(R"(["null","double"])", R"(["null","int","float"])"));
  }
}

TEST_CASE("named types match by unqualified name or the reader's aliases") {
  SECTION("a renamed record is not compatible") {
    const auto found = Check(Record(R"({"name":"id","type":"long"})", "Purchase"),
                             Record(R"({"name":"id","type":"long"})", "Order"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "NAME_MISMATCH");
    CHECK(found[0].path == "/name");
  }
  SECTION("a renamed record with the old name as an alias is compatible") {
    CHECK(CanRead(
        R"({"type":"record","name":"Purchase","aliases":["Order"],"fields":[{"name":"id","type":"long"}]})",
        Record(R"({"name":"id","type":"long"})", "Order")));
  }
  SECTION("an unqualified alias is qualified with the reader's namespace") {
    CHECK(CanRead(
        R"({"type":"record","name":"Purchase","namespace":"shop","aliases":["Order"],"fields":[]})",
        R"({"type":"record","name":"Order","namespace":"shop","fields":[]})"));
    CHECK_FALSE(CanRead(
        R"({"type":"record","name":"Purchase","namespace":"shop","aliases":["Order"],"fields":[]})",
        R"({"type":"record","name":"Order","namespace":"other","fields":[]})"));
  }
  SECTION("a namespace change alone is compatible: names compare unqualified") {
    CHECK(CanRead(R"({"type":"record","name":"Order","namespace":"a","fields":[]})",
                  R"({"type":"record","name":"Order","namespace":"b","fields":[]})"));
  }
  SECTION("a record cannot read an enum, nor a fixed a record") {
    CHECK_FALSE(CanRead(Record(""), R"({"type":"enum","name":"Order","symbols":["A"]})"));
    CHECK_FALSE(CanRead(R"({"type":"fixed","name":"Order","size":4})", Record("")));
  }
}

TEST_CASE("fixed types must keep their size") {
  SECTION("the same size is compatible") {
    CHECK(CanRead(R"({"type":"fixed","name":"Hash","size":16})",
                  R"({"type":"fixed","name":"Hash","size":16})"));
  }
  SECTION("a size change is an incompatibility") {
    const auto found = Check(R"({"type":"fixed","name":"Hash","size":32})",
                             R"({"type":"fixed","name":"Hash","size":16})");
    REQUIRE(found.size() == 1);
    CHECK(found[0].kind == "FIXED_SIZE_MISMATCH");
    CHECK(found[0].path == "/size");
    CHECK(found[0].message == "the schema: fixed `Hash` size changed from 16 to 32");
  }
  SECTION("fixed and bytes do not mix") {
    CHECK_FALSE(CanRead(R"("bytes")", R"({"type":"fixed","name":"Hash","size":16})"));
  }
}

TEST_CASE("arrays, maps and nested records resolve element by element") {
  SECTION("a nested field's path goes through items and values") {
    const auto writer = Record(R"({"name":"lines","type":{"type":"array","items":
        {"type":"record","name":"Line","fields":[{"name":"qty","type":"int"},
          {"name":"tags","type":{"type":"map","values":"string"}}]}}})");
    const auto reader = Record(R"({"name":"lines","type":{"type":"array","items":
        {"type":"record","name":"Line","fields":[{"name":"qty","type":"string"},
          {"name":"tags","type":{"type":"map","values":"int"}}]}}})");
    const auto found = Check(reader, writer);
    REQUIRE(found.size() == 2);
    CHECK(found[0].path == "/fields/0/type/items/fields/0/type");
    CHECK(found[0].message == "field `lines[].qty` changed from int to string");
    CHECK(found[1].path == "/fields/0/type/items/fields/1/type/values");
    CHECK(found[1].message == "field `lines[].tags{}` changed from string to int");
  }
  SECTION("an array cannot read a map") {
    CHECK_FALSE(
        CanRead(R"({"type":"array","items":"string"})", R"({"type":"map","values":"string"})"));
  }
}

TEST_CASE("recursive records are checked without looping") {
  const auto list = [](std::string_view value_type, std::string_view extra = "") {
    return R"({"type":"record","name":"Node","fields":[{"name":"value","type":")" +
           std::string(value_type) + R"("},{"name":"next","type":["null","Node"]})" +
           std::string(extra) + "]}";
  };
  SECTION("the same recursive schema is compatible with itself") {
    CHECK(CanRead(list("int"), list("int")));
  }
  SECTION("a promotion inside a recursive record is compatible") {
    CHECK(CanRead(list("long"), list("int")));
  }
  SECTION("a mismatch inside a recursive record is found") {
    const auto found = Check(list("string"), list("int"));
    REQUIRE_FALSE(found.empty());
    CHECK(found[0].path == "/fields/0/type");
  }
  SECTION("a field added without a default inside a recursive record is found") {
    CHECK_FALSE(CanRead(list("int", R"(,{"name":"x","type":"int"})"), list("int")));
  }
}

TEST_CASE("messages name the old and the new schema by direction") {
  const auto old_schema = Record(R"({"name":"price","type":"double"})");
  const auto new_schema = Record(R"({"name":"price","type":"string"})");
  SECTION("a forward check (old schema reading) still says from old to new") {
    CheckOptions forward;
    forward.reader_is_newer = false;
    const auto found =
        AvroEngine().CheckReadable(*MustParse(old_schema), *MustParse(new_schema), forward);
    REQUIRE(found.size() == 1);
    CHECK(found[0].message == "field `price` changed from double to string");
  }
  SECTION("a field removed without a default reads as a removal in a forward check") {
    CheckOptions forward;
    forward.reader_is_newer = false;
    const auto found =
        AvroEngine().CheckReadable(*MustParse(old_schema), *MustParse(Record("")), forward);
    REQUIRE(found.size() == 1);
    CHECK(found[0].message == "field `price` was removed but has no default in the old schema");
  }
}

}  // namespace
}  // namespace tributary::schema
