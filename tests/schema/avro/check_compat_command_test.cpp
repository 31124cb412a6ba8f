// `tributary check-compat` with Avro schemas: exit 0 compatible, 1 incompatible,
// 2 invalid input, and what it prints in each case.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/check_compat_command.h"

namespace tributary::app {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("tributary_check_compat_" + std::to_string(::getpid()) +
                                         "_" + std::to_string(counter++));
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
  const int status = RunCheckCompat(args, out, err);
  return {status, out.str(), err.str()};
}

const char* kV1 = R"({"type":"record","name":"Order","fields":[
    {"name":"id","type":"long"},{"name":"price","type":"double"}]})";
const char* kV2Compatible = R"({"type":"record","name":"Order","fields":[
    {"name":"id","type":"long"},{"name":"price","type":"double"},
    {"name":"note","type":["null","string"],"default":null}]})";
const char* kV2PriceString = R"({"type":"record","name":"Order","fields":[
    {"name":"id","type":"long"},{"name":"price","type":"string"}]})";

TEST_CASE("check-compat exits 0 when the new schema is compatible") {
  TempDir dir;
  const auto old_file = dir.Write("v1.avsc", kV1);
  const auto new_file = dir.Write("new.avsc", kV2Compatible);
  const auto run = CheckCompat({"--type", "avro", "--level", "BACKWARD", old_file, new_file});
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("compatible (BACKWARD)"));
  CHECK(run.err.empty());
}

TEST_CASE("check-compat exits 1 and prints each problem with version and path") {
  TempDir dir;
  const auto old_file = dir.Write("v1.avsc", kV1);
  const auto new_file = dir.Write("new.avsc", kV2PriceString);

  SECTION("as text, one line per problem") {
    const auto run = CheckCompat({"--type=avro", "--level=backward", old_file, new_file});
    CHECK(run.status == 1);
    CHECK_THAT(run.out, Catch::Contains("incompatible (BACKWARD, 1 problem)"));
    CHECK_THAT(run.out, Catch::Contains("version 1 (" + old_file +
                                        ") /fields/1/type: field `price` changed from double "
                                        "to string [TYPE_MISMATCH]"));
  }
  SECTION("as JSON with --json") {
    const auto run =
        CheckCompat({"--type", "avro", "--level", "FULL", "--json", old_file, new_file});
    CHECK(run.status == 1);
    const auto json = nlohmann::json::parse(run.out);
    CHECK(json["compatible"] == false);
    CHECK(json["level"] == "FULL");
    REQUIRE(json["incompatibilities"].size() == 2);
    CHECK(json["incompatibilities"][0]["type"] == "TYPE_MISMATCH");
    CHECK(json["incompatibilities"][0]["path"] == "/fields/1/type");
    CHECK(json["incompatibilities"][0]["version"] == 1);
    CHECK(json["incompatibilities"][0]["message"] == "field `price` changed from double to string");
  }
  SECTION("transitive levels number the earlier versions from 1, oldest first") {
    const auto v2 = dir.Write("v2.avsc", kV2Compatible);
    const auto dropped = dir.Write("v3.avsc", R"({"type":"record","name":"Order","fields":[
        {"name":"id","type":"long"},{"name":"note","type":["null","string"],"default":null}]})");
    const auto run = CheckCompat(
        {"--type", "avro", "--level", "FORWARD_TRANSITIVE", "--json", old_file, v2, dropped});
    CHECK(run.status == 1);
    const auto json = nlohmann::json::parse(run.out);
    REQUIRE(json["incompatibilities"].size() == 2);
    CHECK(json["incompatibilities"][0]["version"] == 1);
    CHECK(json["incompatibilities"][1]["version"] == 2);
  }
}

TEST_CASE("check-compat exits 2 on invalid input, naming the file and the problem") {
  TempDir dir;
  const auto old_file = dir.Write("v1.avsc", kV1);

  SECTION("an invalid new schema") {
    const auto bad = dir.Write("new.avsc", R"({"type":"record","name":"Order","fields":[
        {"name":"id","type":"strng"}]})");
    const auto run = CheckCompat({"--type", "avro", "--level", "BACKWARD", old_file, bad});
    CHECK(run.status == 2);
    CHECK(run.err == bad + ": invalid Avro schema: unknown type \"strng\" at /fields/0/type\n");
  }
  SECTION("an invalid earlier schema") {
    const auto bad = dir.Write("old.avsc", "{not json");
    const auto run = CheckCompat({"--type", "avro", "--level", "BACKWARD", bad, old_file});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::StartsWith(bad + ": invalid Avro schema: not valid JSON"));
  }
  SECTION("a missing file") {
    const auto run =
        CheckCompat({"--type", "avro", "--level", "BACKWARD", old_file, "/nonexistent/x.avsc"});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::StartsWith("/nonexistent/x.avsc: cannot read"));
  }
  SECTION("a mistyped default with --strict-defaults") {
    const auto bad = dir.Write("new.avsc", R"({"type":"record","name":"Order","fields":[
        {"name":"id","type":"long","default":"one"}]})");
    CHECK(CheckCompat({"--type", "avro", "--level", "BACKWARD", old_file, bad}).status == 0);
    const auto run =
        CheckCompat({"--type", "avro", "--level", "BACKWARD", "--strict-defaults", old_file, bad});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains("is not a valid long"));
  }
  SECTION("bad usage") {
    CHECK(CheckCompat({"--level", "BACKWARD", old_file}).status == 2);
    CHECK(CheckCompat({"--type", "avro", old_file}).status == 2);
    CHECK(CheckCompat({"--type", "xml", "--level", "BACKWARD", old_file}).status == 2);
    CHECK(CheckCompat({"--type", "avro", "--level", "SIDEWAYS", old_file}).status == 2);
    CHECK(CheckCompat({"--type", "avro", "--level", "BACKWARD"}).status == 2);
    CHECK(CheckCompat({"--type", "avro", "--level", "BACKWARD", "--bogus", old_file}).status == 2);
    CHECK(CheckCompat({"--type", "avro", "--level", "BACKWARD", "--ref", "x", old_file}).status ==
          2);
    const auto run = CheckCompat({"--type"});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains("usage: tributary check-compat"));
  }
}

TEST_CASE("check-compat resolves --ref schemas by name") {
  TempDir dir;
  const auto address = dir.Write("address.avsc", R"({"type":"record","name":"Address",
      "namespace":"com.acme","fields":[{"name":"city","type":"string"}]})");
  const auto customer = R"({"type":"record","name":"Customer","fields":[
      {"name":"address","type":"com.acme.Address"}]})";
  const auto v1 = dir.Write("v1.avsc", customer);
  const auto v2 = dir.Write("v2.avsc", customer);
  CHECK(CheckCompat({"--type", "avro", "--level", "FULL", v1, v2}).status == 2);
  CHECK(CheckCompat(
            {"--type", "avro", "--level", "FULL", "--ref", "com.acme.Address=" + address, v1, v2})
            .status == 0);
}

TEST_CASE("check-compat --help prints usage and exits 0") {
  const auto run = CheckCompat({"--help"});
  CHECK(run.status == 0);
  CHECK_THAT(run.out,
             Catch::Contains("Exit status: 0 compatible, 1 incompatible, 2 invalid input"));
}

}  // namespace
}  // namespace tributary::app
