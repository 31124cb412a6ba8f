// Protobuf through the compatibility levels and `tributary check-compat`:
// backward, forward, full and transitive checks; exit 0 compatible, 1
// incompatible, 2 invalid input.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "app/check_compat_command.h"
#include "schema/compatibility.h"

namespace tributary::schema {
namespace {

namespace fs = std::filesystem;

SchemaVersion Proto(int version, const std::string& body,
                    std::vector<SchemaReference> references = {}) {
  SchemaVersion schema;
  schema.version = version;
  schema.type = SchemaType::kProtobuf;
  schema.text = "syntax = \"proto3\";\n" + body;
  schema.references = std::move(references);
  return schema;
}

const char* kOrder = "message Order { string id = 1; int32 count = 2; }";
const char* kOrderWithNote = "message Order { string id = 1; int32 count = 2; string note = 3; }";
const char* kOrderWithMessage =
    "message Order { string id = 1; int32 count = 2; }\nmessage Refund { string id = 1; }";
const char* kOrderCountString = "message Order { string id = 1; string count = 2; }";

TEST_CASE("protobuf is checked by its own engine at every level") {
  SECTION("adding a message is backward but not forward compatible") {
    const auto backward = CheckCompatibility(CompatibilityLevel::kBackward, {Proto(1, kOrder)},
                                             Proto(2, kOrderWithMessage));
    REQUIRE(backward.ok());
    CHECK(backward->compatible);
    const auto forward = CheckCompatibility(CompatibilityLevel::kForward, {Proto(1, kOrder)},
                                            Proto(2, kOrderWithMessage));
    REQUIRE(forward.ok());
    CHECK_FALSE(forward->compatible);
    REQUIRE(forward->incompatibilities.size() == 1);
    CHECK(forward->incompatibilities[0].kind == "MESSAGE_REMOVED");
    CHECK(forward->incompatibilities[0].version == 1);
    const auto full = CheckCompatibility(CompatibilityLevel::kFull, {Proto(1, kOrder)},
                                         Proto(2, kOrderWithMessage));
    REQUIRE(full.ok());
    CHECK_FALSE(full->compatible);
  }
  SECTION("adding a field is fully compatible") {
    const auto full = CheckCompatibility(CompatibilityLevel::kFullTransitive, {Proto(1, kOrder)},
                                         Proto(2, kOrderWithNote));
    REQUIRE(full.ok());
    CHECK(full->compatible);
  }
  SECTION("transitive levels compare with every earlier version, others with the latest") {
    // v1 int32 count; v2 drops it; v3 brings it back as a string.
    const std::vector<SchemaVersion> history = {Proto(1, kOrder),
                                                Proto(2, "message Order { string id = 1; }")};
    const auto latest =
        CheckCompatibility(CompatibilityLevel::kBackward, history, Proto(3, kOrderCountString));
    REQUIRE(latest.ok());
    CHECK(latest->compatible);
    const auto all = CheckCompatibility(CompatibilityLevel::kBackwardTransitive, history,
                                        Proto(3, kOrderCountString));
    REQUIRE(all.ok());
    CHECK_FALSE(all->compatible);
    REQUIRE(all->incompatibilities.size() == 1);
    CHECK(all->incompatibilities[0].kind == "FIELD_SCALAR_KIND_CHANGED");
    CHECK(all->incompatibilities[0].version == 1);
  }
  SECTION("an invalid earlier version is an error naming it") {
    const auto result = CheckCompatibility(CompatibilityLevel::kBackward,
                                           {Proto(1, "message Order {")}, Proto(2, kOrder));
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(result.status().message(), Catch::StartsWith("version 1: line "));
  }
  SECTION("imports are resolved through each version's references") {
    SchemaReference v1;
    v1.name = "money.proto";
    v1.text = "syntax = \"proto3\";\npackage fin;\nmessage Money { int64 units = 1; }";
    SchemaReference v2 = v1;
    v2.text = "syntax = \"proto3\";\npackage fin;\nmessage Money { double units = 1; }";
    const std::string body = "import \"money.proto\";\nmessage Price { fin.Money amount = 1; }";
    const auto result = CheckCompatibility(CompatibilityLevel::kBackward, {Proto(1, body, {v1})},
                                           Proto(2, body, {v2}));
    REQUIRE(result.ok());
    CHECK_FALSE(result->compatible);
  }
}

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("tributary_protobuf_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }

 private:
  fs::path path_;
};

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run CheckCompat(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = app::RunCheckCompat(args, out, err);
  return {status, out.str(), err.str()};
}

TEST_CASE("check-compat --type protobuf exits 0, 1 or 2") {
  TempDir dir;
  const auto v1 = dir.Write("v1.proto", Proto(1, kOrder).text);
  SECTION("0 when the new schema is compatible") {
    const auto v2 = dir.Write("v2.proto", Proto(2, kOrderWithNote).text);
    const auto run = CheckCompat({"--type", "protobuf", "--level", "FULL", v1, v2});
    CHECK(run.status == 0);
    CHECK_THAT(run.out, Catch::Contains("compatible (FULL)"));
    CHECK(run.err.empty());
  }
  SECTION("1 when it is not, with each problem's version, path and kind") {
    const auto v2 = dir.Write("v2.proto", Proto(2, kOrderCountString).text);
    const auto run = CheckCompat({"--type", "protobuf", "--level", "BACKWARD", v1, v2});
    CHECK(run.status == 1);
    CHECK_THAT(run.out, Catch::Contains("incompatible (BACKWARD, 1 problem)"));
    CHECK_THAT(run.out, Catch::Contains("version 1 (" + v1 +
                                        ") #/Order/2: `Order.count` (#2) "
                                        "changed from int32 to string"));
    CHECK_THAT(run.out, Catch::Contains("[FIELD_SCALAR_KIND_CHANGED]"));
  }
  SECTION("2 when a file is not a valid schema, naming the file and the line") {
    const auto v2 = dir.Write("v2.proto", "syntax = \"proto3\";\nmessage Order { int32 n = 1 }");
    const auto run = CheckCompat({"--type", "protobuf", "--level", "BACKWARD", v1, v2});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains(v2 + ": line 2:29: Expected \";\""));
  }
  SECTION("--ref serves an import") {
    const auto money = dir.Write("money.proto",
                                 "syntax = \"proto3\";\npackage fin;\nmessage Money { int64 "
                                 "units = 1; }");
    const std::string body =
        "syntax = \"proto3\";\nimport \"fin/money.proto\";\nmessage Price { fin.Money amount = 1; "
        "}";
    const auto p1 = dir.Write("p1.proto", body);
    const auto p2 = dir.Write("p2.proto", body);
    CHECK(CheckCompat({"--type", "protobuf", "--level", "BACKWARD", p1, p2}).status == 2);
    CHECK(CheckCompat({"--type", "protobuf", "--level", "BACKWARD", "--ref",
                       "fin/money.proto=" + money, p1, p2})
              .status == 0);
  }
}

}  // namespace
}  // namespace tributary::schema
