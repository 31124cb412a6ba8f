// Differential test: our reader/writer verdicts against Apache Avro's own checker.
//
// A seeded generator makes random schema pairs — nested records, unions, enums,
// fixed, arrays, maps, promotions, defaults, aliases, namespaces, recursion — by
// generating a writer and mutating it into a reader (or the other way round).
// All pairs go to ONE /usr/bin/python3 process running reference_check.py, which
// uses avro.compatibility.ReaderWriterCompatibilityChecker (Debian python3-avro).
// Every verdict must agree.
//
// Generator features left out because python-avro 1.11 departs from the Avro
// specification (and from Java's SchemaCompatibility, which Schema Registry uses);
// the engine follows the specification and unit tests cover each of them:
//   * unqualified aliases of a named type in a namespace: the specification
//     qualifies them with the type's namespace; python-avro compares the alias
//     text as written with the writer's full name. Generated aliases are full names.
//   * dotted names ("name": "a.b.C"): python-avro compares the name as written,
//     not the unqualified name. Generated names are simple, with "namespace".
//   * an unqualified reference, from inside a namespace, to a type in the null
//     namespace: Java's parser (and so Schema Registry, and this engine) falls
//     back to the null namespace; python-avro, reading the specification
//     strictly, rejects the schema. Generated references never need the fallback.
// Defaults are generated as null whatever the field type: neither checker
// type-checks defaults (python-avro never does; we do only with strict_defaults).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "schema/avro/avro_engine.h"
#include "schema/compatibility.h"

namespace tributary::schema {
namespace {

using Json = nlohmann::json;

// TRIBUTARY_AVRO_DIFF_SEED and TRIBUTARY_AVRO_DIFF_PAIRS override these for soak runs.
constexpr uint64_t kDefaultSeed = 20240617;
constexpr int kDefaultPairs = 12000;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  size_t Below(size_t n) { return static_cast<size_t>(engine_() % n); }
  bool Chance(int percent) { return Below(100) < static_cast<size_t>(percent); }
  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[Below(i)]);
    }
  }

 private:
  std::mt19937_64 engine_;  // fully specified by the standard: same pairs everywhere
};

const std::vector<std::string> kPrimitives = {"null",  "boolean", "int",   "long",
                                              "float", "double",  "bytes", "string"};

bool IsPrimitiveName(const std::string& name) {
  for (const auto& p : kPrimitives) {
    if (p == name) {
      return true;
    }
  }
  return false;
}

std::string Qualify(const std::string& space, const std::string& name) {
  return space.empty() ? name : space + "." + name;
}

// What makes two union branches "the same type" (names are unique per run).
std::string BranchKey(const Json& type) {
  if (type.is_string()) {
    const auto& text = type.get_ref<const std::string&>();
    if (IsPrimitiveName(text)) {
      return text;
    }
    return "named:" + text.substr(text.rfind('.') + 1);
  }
  const std::string kind = type.at("type").get<std::string>();
  if (kind == "record" || kind == "enum" || kind == "fixed") {
    return "named:" + type.at("name").get<std::string>();
  }
  return kind;
}

class Generator {
 public:
  explicit Generator(Random& random) : random_(random) {}

  Json Schema() {
    defined_.clear();
    return random_.Chance(80) ? Record(0, "") : Type(0, "");
  }

  // A reader (or writer) derived from `schema` by random edits.
  Json Mutate(const Json& schema) {
    Json copy = schema;
    renames_.clear();
    Walk(copy, 0, "", false);
    for (const auto& [from, to] : renames_) {
      ReplaceReferences(copy, from, to);
    }
    return copy;
  }

 private:
  std::string Fresh(const char* prefix) { return prefix + std::to_string(counter_++); }

  Json Type(int depth, const std::string& space) {
    if (depth >= 3) {
      return Primitive();
    }
    const size_t pick = random_.Below(100);
    if (pick < 40) {
      return Primitive();
    }
    if (pick < 52) {
      return Record(depth, space);
    }
    if (pick < 62) {
      return Enum(space);
    }
    if (pick < 68) {
      return Fixed(space);
    }
    if (pick < 76) {
      return Json{{"type", "array"}, {"items", Type(depth + 1, space)}};
    }
    if (pick < 84) {
      return Json{{"type", "map"}, {"values", Type(depth + 1, space)}};
    }
    if (pick >= 96) {
      // Reuse a named type. A type in the null namespace cannot be named from
      // inside a namespace (see the header comment), so those are left out there.
      std::vector<std::string> usable;
      for (const auto& name : defined_) {
        if (space.empty() || name.find('.') != std::string::npos) {
          usable.push_back(name);
        }
      }
      if (!usable.empty()) {
        return Json(usable[random_.Below(usable.size())]);
      }
    }
    return Union(depth, space);
  }

  Json Primitive() { return Json(kPrimitives[random_.Below(kPrimitives.size())]); }

  Json Union(int depth, const std::string& space) {
    Json branches = Json::array();
    std::set<std::string> keys;
    const size_t count = 1 + random_.Below(3);
    if (random_.Chance(70)) {
      branches.push_back("null");
      keys.insert("null");
    }
    for (size_t i = 0; i < count; ++i) {
      Json branch = random_.Chance(30) && depth < 2 ? Type(depth + 1, space) : Primitive();
      if (branch.is_array() || !keys.insert(BranchKey(branch)).second) {
        continue;
      }
      branches.push_back(std::move(branch));
    }
    return branches;
  }

  std::string MaybeNamespace(Json& node, const std::string& space) {
    if (random_.Chance(15)) {
      const std::string ns = random_.Chance(50) ? "n1" : "n2.deep";
      node["namespace"] = ns;
      return ns;
    }
    return space;
  }

  Json Record(int depth, const std::string& space) {
    Json node = {{"type", "record"}, {"name", Fresh("R")}};
    const std::string own_space = MaybeNamespace(node, space);
    const std::string full = Qualify(own_space, node["name"]);
    defined_.push_back(full);
    Json fields = Json::array();
    const size_t count = random_.Below(5) + (depth == 0 ? 1 : 0);
    for (size_t i = 0; i < count; ++i) {
      Json field = {{"name", "f" + std::to_string(i)}};
      if (depth < 2 && random_.Chance(8)) {
        field["type"] = Json::array({"null", full});  // recursion
      } else {
        field["type"] = Type(depth + 1, own_space);
      }
      if (random_.Chance(30)) {
        field["default"] = nullptr;
      }
      fields.push_back(std::move(field));
    }
    node["fields"] = std::move(fields);
    return node;
  }

  Json Enum(const std::string& space) {
    Json node = {{"type", "enum"}, {"name", Fresh("E")}};
    defined_.push_back(Qualify(MaybeNamespace(node, space), node["name"]));
    std::vector<std::string> symbols = {"A", "B", "C", "D", "E"};
    random_.Shuffle(symbols);
    symbols.resize(1 + random_.Below(symbols.size()));
    node["symbols"] = symbols;
    if (random_.Chance(20)) {
      node["default"] = symbols[random_.Below(symbols.size())];
    }
    return node;
  }

  Json Fixed(const std::string& space) {
    Json node = {{"type", "fixed"}, {"name", Fresh("F")}};
    defined_.push_back(Qualify(MaybeNamespace(node, space), node["name"]));
    node["size"] = std::vector<int>{2, 4, 8, 16}[random_.Below(4)];
    return node;
  }

  // A primitive near `name` in the promotion lattice, or any primitive.
  std::string OtherPrimitive(const std::string& name) {
    static const std::map<std::string, std::vector<std::string>> kNear = {
        {"int", {"long", "float", "double"}},
        {"long", {"int", "float", "double"}},
        {"float", {"int", "long", "double"}},
        {"double", {"int", "long", "float"}},
        {"string", {"bytes"}},
        {"bytes", {"string"}},
        {"null", {"boolean"}},
        {"boolean", {"null", "int"}},
    };
    if (random_.Chance(65)) {
      const auto& near = kNear.at(name);
      return near[random_.Below(near.size())];
    }
    return kPrimitives[random_.Below(kPrimitives.size())];
  }

  void Rename(Json& node, const std::string& space) {
    const std::string own_space =
        node.contains("namespace") ? node["namespace"].get<std::string>() : space;
    const std::string old_full = Qualify(own_space, node["name"]);
    node["name"] = Fresh(node["name"].get<std::string>().substr(0, 1).c_str());
    const std::string new_full = Qualify(own_space, node["name"]);
    if (random_.Chance(50)) {
      node["aliases"] = Json::array({old_full});  // a full name: see the header comment
    }
    renames_.emplace_back(old_full, new_full);
  }

  void Walk(Json& node, int depth, const std::string& space, bool in_union) {
    if (depth > 6) {
      return;
    }
    if (node.is_string()) {
      const std::string name = node.get<std::string>();
      if (!IsPrimitiveName(name) || !random_.Chance(12)) {
        return;
      }
      if (!in_union && name != "null" && random_.Chance(30)) {
        node = random_.Chance(50) ? Json::array({"null", name}) : Json::array({name, "null"});
      } else {
        node = OtherPrimitive(name);
      }
      return;
    }
    if (node.is_array()) {
      if (random_.Chance(15)) {
        MutateUnion(node);
      }
      if (node.is_array()) {
        for (auto& branch : node) {
          Walk(branch, depth + 1, space, true);
        }
        DropDuplicateBranches(node);
      }
      return;
    }
    if (random_.Chance(3)) {
      node = Type(std::min(depth, 2), space);
      return;
    }
    const std::string kind = node["type"].get<std::string>();
    if (kind == "record") {
      MutateRecord(node, space);
      const std::string own_space =
          node.contains("namespace") ? node["namespace"].get<std::string>() : space;
      for (auto& field : node["fields"]) {
        Walk(field["type"], depth + 1, own_space, false);
      }
    } else if (kind == "enum") {
      MutateEnum(node, space);
    } else if (kind == "fixed") {
      if (random_.Chance(15)) {
        node["size"] = node["size"].get<int>() * 2;
      }
      if (random_.Chance(8)) {
        Rename(node, space);
      }
    } else if (kind == "array" || kind == "map") {
      const char* key = kind == "array" ? "items" : "values";
      if (random_.Chance(4)) {
        Json inner = node[key];
        node = kind == "array" ? Json{{"type", "map"}, {"values", inner}}
                               : Json{{"type", "array"}, {"items", inner}};
        return;
      }
      Walk(node[key], depth + 1, space, false);
    }
  }

  void MutateUnion(Json& node) {
    std::vector<Json> branches(node.begin(), node.end());
    switch (random_.Below(4)) {
      case 0:
        random_.Shuffle(branches);
        break;
      case 1:
        if (branches.size() > 1) {
          branches.erase(branches.begin() + static_cast<long>(random_.Below(branches.size())));
        }
        break;
      case 2:
        branches.push_back(Primitive());
        break;
      default:
        if (!branches.empty()) {
          node = branches[random_.Below(branches.size())];  // the union becomes one branch
          return;
        }
    }
    node = branches;
    DropDuplicateBranches(node);
  }

  static void DropDuplicateBranches(Json& node) {
    Json kept = Json::array();
    std::set<std::string> keys;
    for (auto& branch : node) {
      if (!branch.is_array() && keys.insert(BranchKey(branch)).second) {
        kept.push_back(branch);
      }
    }
    node = kept;
  }

  void MutateRecord(Json& node, const std::string& space) {
    Json& fields = node["fields"];
    if (random_.Chance(12)) {  // add a field
      Json field = {{"name", Fresh("g")},
                    {"type", random_.Chance(50) ? Primitive() : Json::array({"null", "string"})}};
      if (random_.Chance(50)) {
        field["default"] = nullptr;
      }
      fields.insert(fields.begin() + static_cast<long>(random_.Below(fields.size() + 1)), field);
    }
    if (!fields.empty() && random_.Chance(12)) {  // remove a field
      fields.erase(fields.begin() + static_cast<long>(random_.Below(fields.size())));
    }
    if (!fields.empty() && random_.Chance(10)) {  // rename a field, maybe with an alias
      Json& field = fields[random_.Below(fields.size())];
      const std::string old_name = field["name"];
      field["name"] = Fresh("h");
      if (random_.Chance(60)) {
        field["aliases"] = Json::array({old_name});
      }
    }
    if (!fields.empty() && random_.Chance(12)) {  // add or drop a default
      Json& field = fields[random_.Below(fields.size())];
      if (field.contains("default")) {
        field.erase("default");
      } else {
        field["default"] = nullptr;
      }
    }
    if (random_.Chance(8)) {
      std::vector<Json> shuffled(fields.begin(), fields.end());
      random_.Shuffle(shuffled);
      fields = shuffled;
    }
    if (random_.Chance(5)) {
      Rename(node, space);
    }
  }

  void MutateEnum(Json& node, const std::string& space) {
    std::vector<std::string> symbols = node["symbols"];
    if (random_.Chance(15)) {
      const std::string symbol(1, static_cast<char>('A' + random_.Below(8)));
      if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
        symbols.push_back(symbol);
      }
    }
    if (symbols.size() > 1 && random_.Chance(15)) {
      symbols.erase(symbols.begin() + static_cast<long>(random_.Below(symbols.size())));
    }
    if (random_.Chance(8)) {
      random_.Shuffle(symbols);
    }
    node["symbols"] = symbols;
    if (node.contains("default") &&
        (random_.Chance(10) ||
         std::find(symbols.begin(), symbols.end(), node["default"]) == symbols.end())) {
      node.erase("default");
    } else if (!node.contains("default") && random_.Chance(10)) {
      node["default"] = symbols[random_.Below(symbols.size())];
    }
    if (random_.Chance(5)) {
      Rename(node, space);
    }
  }

  // Renames references (type positions holding a name) from `from` to `to`.
  static void ReplaceReferences(Json& node, const std::string& from, const std::string& to) {
    if (node.is_string()) {
      if (node == from) {
        node = to;
      }
      return;
    }
    if (node.is_array()) {
      for (auto& branch : node) {
        ReplaceReferences(branch, from, to);
      }
      return;
    }
    if (!node.is_object()) {
      return;
    }
    if (node.contains("fields")) {
      for (auto& field : node["fields"]) {
        ReplaceReferences(field["type"], from, to);
      }
    }
    for (const char* key : {"items", "values"}) {
      if (node.contains(key)) {
        ReplaceReferences(node[key], from, to);
      }
    }
  }

  Random& random_;
  int counter_ = 0;
  std::vector<std::string> defined_;
  std::vector<std::pair<std::string, std::string>> renames_;
};

struct Pair {
  Json reader;
  Json writer;
};

std::vector<std::string> RunReference(const std::vector<Pair>& pairs) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tributary_avro_pairs_" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(path);
    for (const auto& pair : pairs) {
      out << Json{{"reader", pair.reader}, {"writer", pair.writer}}.dump() << '\n';
    }
  }
  const std::string command = "/usr/bin/python3 " TRIBUTARY_SOURCE_DIR
                              "/tests/schema/avro/reference_check.py " +
                              path.string() + " 2>&1";
  std::vector<std::string> lines;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string line;
  int c = 0;
  while ((c = std::fgetc(pipe)) != EOF) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += static_cast<char>(c);
    }
  }
  const int status = ::pclose(pipe);
  std::filesystem::remove(path);
  INFO("reference_check.py output: " << (lines.empty() ? line : lines.front()));
  REQUIRE(status == 0);
  return lines;
}

TEST_CASE("verdicts agree with Apache Avro's reference checker on random schema pairs") {
  const uint64_t seed = EnvOr("TRIBUTARY_AVRO_DIFF_SEED", kDefaultSeed);
  const int pair_count = static_cast<int>(EnvOr("TRIBUTARY_AVRO_DIFF_PAIRS", kDefaultPairs));
  INFO("seed " << seed);
  Random random(seed);
  Generator generator(random);
  std::vector<Pair> pairs;
  std::vector<std::shared_ptr<const ParsedSchema>> readers;
  std::vector<std::shared_ptr<const ParsedSchema>> writers;
  int rejected = 0;
  while (static_cast<int>(pairs.size()) < pair_count) {
    Json writer = generator.Schema();
    Json reader = random.Chance(6) ? generator.Schema() : generator.Mutate(writer);
    if (random.Chance(50)) {
      std::swap(reader, writer);
    }
    auto parsed_reader = AvroEngine().Parse(reader.dump(), {}, {});
    auto parsed_writer = AvroEngine().Parse(writer.dump(), {}, {});
    if (!parsed_reader.ok() || !parsed_writer.ok()) {
      ++rejected;  // a mutation left a reference to a removed named type
      REQUIRE(rejected < pair_count);
      continue;
    }
    readers.push_back(*parsed_reader);
    writers.push_back(*parsed_writer);
    pairs.push_back({std::move(reader), std::move(writer)});
  }

  const auto verdicts = RunReference(pairs);
  REQUIRE(verdicts.size() == pairs.size());

  int disagreements = 0;
  int compatible = 0;
  std::map<std::string, int> kinds;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto found = AvroEngine().CheckReadable(*readers[i], *writers[i], {});
    for (const auto& incompatibility : found) {
      ++kinds[incompatibility.kind];
    }
    const std::string ours = found.empty() ? "1" : "0";
    compatible += found.empty() ? 1 : 0;
    if (ours != verdicts[i]) {
      ++disagreements;
      if (disagreements <= 5) {
        UNSCOPED_INFO("pair " << i << ": ours " << ours << ", Apache Avro " << verdicts[i]
                              << "\n  reader: " << pairs[i].reader.dump()
                              << "\n  writer: " << pairs[i].writer.dump());
        for (const auto& incompatibility : found) {
          UNSCOPED_INFO("  " << incompatibility.kind << " " << incompatibility.path << ": "
                             << incompatibility.message);
        }
      }
    }
  }
  INFO(pairs.size() << " pairs, " << compatible << " compatible, " << rejected
                    << " generated pairs rejected as invalid");
  INFO(disagreements << " disagreements");
  CHECK(disagreements == 0);
  // The generator must exercise both verdicts and every kind of incompatibility.
  CHECK(compatible > pair_count / 5);
  CHECK(static_cast<int>(pairs.size()) - compatible > pair_count / 5);
  for (const char* kind :
       {"READER_FIELD_MISSING_DEFAULT_VALUE", "TYPE_MISMATCH", "MISSING_ENUM_SYMBOLS",
        "MISSING_UNION_BRANCH", "NAME_MISMATCH", "FIXED_SIZE_MISMATCH"}) {
    INFO(kind);
    CHECK(kinds[kind] > 10);
  }
}

}  // namespace
}  // namespace tributary::schema
