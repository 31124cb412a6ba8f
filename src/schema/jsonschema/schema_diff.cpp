#include "schema/jsonschema/schema_diff.h"
#include "schema/work_budget.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace tributary::schema::jsonschema {
namespace {

using nlohmann::json;

// Distinct (writer, reader) pairs deep; deeper comparisons are cut off.
constexpr int kMaxDepth = 160;
// Comparisons of one check; beyond it the schemas are "too complex".
constexpr long kMaxSteps = 400000;

// The JSON value kinds a schema accepts, with numbers split so that
// integer ⊂ number is a plain subset.
enum TypeBits : unsigned {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kInteger = 16,
  kFraction = 32,  // numbers that are not integers
  kString = 64,
  kNumber = kInteger | kFraction,
  kAnyType = 127,
};

unsigned TypeBitsOf(std::string_view name) {
  if (name == "null") return kNull;
  if (name == "boolean") return kBoolean;
  if (name == "object") return kObject;
  if (name == "array") return kArray;
  if (name == "integer") return kInteger;
  if (name == "number") return kNumber;
  if (name == "string") return kString;
  return 0;
}

unsigned TypeBitsOfValue(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return kNull;
    case json::value_t::boolean:
      return kBoolean;
    case json::value_t::object:
      return kObject;
    case json::value_t::array:
      return kArray;
    case json::value_t::string:
      return kString;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return kInteger;
    case json::value_t::number_float: {
      double d = value.get<double>();
      return std::isfinite(d) && std::floor(d) == d ? kInteger : kFraction;
    }
    default:
      return 0;
  }
}

std::string TypeNames(unsigned bits) {
  if (bits == kAnyType) {
    return "any type";
  }
  if (bits == 0) {
    return "nothing";
  }
  std::vector<std::string> names;
  if (bits & kNull) names.emplace_back("null");
  if (bits & kBoolean) names.emplace_back("boolean");
  if (bits & kObject) names.emplace_back("object");
  if (bits & kArray) names.emplace_back("array");
  if ((bits & kNumber) == kNumber) {
    names.emplace_back("number");
  } else if (bits & kInteger) {
    names.emplace_back("integer");
  } else if (bits & kFraction) {
    names.emplace_back("non-integer number");
  }
  if (bits & kString) names.emplace_back("string");
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
    out += names[i];
  }
  return out;
}

const json& EmptySchema() {
  static const json kEmpty = json::object();
  return kEmpty;
}

bool IsFalse(Node node) { return node.json->is_boolean() && !node.json->get<bool>(); }

// True, {} or an object with only annotations: accepts every value.
bool IsUnconstrained(Node node) {
  if (node.json->is_boolean()) {
    return node.json->get<bool>();
  }
  for (const auto& [key, value] : node.json->items()) {
    (void)value;
    if (IsAssertionKeyword(key)) {
      return false;
    }
  }
  return true;
}

constexpr std::array<std::string_view, 3> kCombinators = {"allOf", "anyOf", "oneOf"};

bool HasCombinator(Node node) {
  for (std::string_view key : kCombinators) {
    if (node.Find(key) != nullptr) {
      return true;
    }
  }
  return false;
}

// Whether the schema constrains nothing besides its allOf/anyOf/oneOf.
bool IsOnlyCombinators(Node node) {
  for (const auto& [key, value] : node.json->items()) {
    (void)value;
    if (IsAssertionKeyword(key) && key != "allOf" && key != "anyOf" && key != "oneOf") {
      return false;
    }
  }
  return true;
}

std::optional<double> NumberAt(Node node, std::string_view key) {
  const json* value = node.Find(key);
  if (value == nullptr || !value->is_number()) {
    return std::nullopt;
  }
  return value->get<double>();
}

const std::string* StringAt(Node node, std::string_view key) {
  const json* value = node.Find(key);
  if (value == nullptr || !value->is_string()) {
    return nullptr;
  }
  return &value->get_ref<const std::string&>();
}

std::string FormatNumber(double value) {
  json j = value;
  if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 1e15) {
    j = static_cast<std::int64_t>(value);
  }
  return j.dump();
}

// "property `price`" for "#/properties/price", "the schema" for "#", else "`<path>`".
std::string Subject(const std::string& path) {
  if (path == "#") {
    return "the schema";
  }
  static constexpr std::string_view kProperties = "/properties/";
  std::size_t at = path.rfind(kProperties);
  if (at != std::string::npos) {
    std::string_view name = std::string_view(path).substr(at + kProperties.size());
    if (name.find('/') == std::string_view::npos) {
      std::string unescaped;
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '~' && i + 1 < name.size()) {
          unescaped += name[i + 1] == '1' ? '/' : '~';
          ++i;
        } else {
          unescaped += name[i];
        }
      }
      return "property `" + unescaped + "`";
    }
  }
  return "`" + path + "`";
}

std::string Quote(std::string_view name) { return "`" + std::string(name) + "`"; }

// Which values an object schema allows under names it does not declare.
struct ContentModel {
  bool permits = true;         // false: `additionalProperties: false`
  std::optional<Node> schema;  // set: partially open
};

// The content model a schema sets for the members it covers.
ContentModel ContentModelOf(Node schema) {
  ContentModel model;
  schema = schema.Resolved();
  if (IsFalse(schema)) {
    model.permits = false;
  } else if (!IsUnconstrained(schema)) {
    model.schema = schema;
  }
  return model;
}

ContentModel ReadContentModel(Node node, std::string_view keyword, std::string_view fallback) {
  const json* value = node.Find(keyword);
  if (value == nullptr && !fallback.empty()) {
    value = node.Find(fallback);
  }
  if (value == nullptr) {
    return ContentModel{};
  }
  return ContentModelOf(node.Child(*value));
}

struct ObjectView {
  std::map<std::string, Node> properties;
  std::map<std::string, Node> pattern_properties;
  std::set<std::string> required;
  ContentModel additional;
  std::map<std::string, std::set<std::string>> dependent_required;
  std::map<std::string, Node> dependent_schemas;

  bool open() const {
    return pattern_properties.empty() && additional.permits && !additional.schema;
  }
};

ObjectView ReadObject(Node node) {
  ObjectView view;
  if (const json* properties = node.Find("properties"); properties && properties->is_object()) {
    for (const auto& [name, schema] : properties->items()) {
      view.properties.emplace(name, node.Child(schema));
    }
  }
  if (const json* patterns = node.Find("patternProperties"); patterns && patterns->is_object()) {
    for (const auto& [pattern, schema] : patterns->items()) {
      view.pattern_properties.emplace(pattern, node.Child(schema));
    }
  }
  if (const json* required = node.Find("required"); required && required->is_array()) {
    for (const json& name : *required) {
      view.required.insert(name.get<std::string>());
    }
  }
  view.additional = ReadContentModel(node, "additionalProperties", "unevaluatedProperties");
  for (std::string_view key : {"dependencies", "dependentRequired", "dependentSchemas"}) {
    const json* dependencies = node.Find(key);
    if (dependencies == nullptr || !dependencies->is_object()) {
      continue;
    }
    for (const auto& [name, dependency] : dependencies->items()) {
      if (dependency.is_array()) {
        auto& names = view.dependent_required[name];
        for (const json& item : dependency) {
          names.insert(item.get<std::string>());
        }
      } else {
        view.dependent_schemas.emplace(name, node.Child(dependency));
      }
    }
  }
  return view;
}

// `additionalItems` is read by its effect: it applies only after a tuple. An
// array with `items` as one schema has an empty tuple and that schema for every
// item, so it compares item by item with a tuple.
struct ArrayView {
  std::optional<Node> all_items;  // `items` as one schema
  std::vector<Node> tuple;        // `items` as an array, or `prefixItems`
  std::string tuple_keyword = "items";
  std::string rest_keyword = "additionalItems";  // the keyword for the items past the tuple
  ContentModel additional;                       // items past the tuple
};

ArrayView ReadArray(Node node) {
  ArrayView view;
  const json* items = node.Find("items");
  const json* prefix = node.Find("prefixItems");
  if (prefix != nullptr && prefix->is_array()) {
    view.tuple_keyword = "prefixItems";
    view.rest_keyword = "items";
    for (const json& item : *prefix) {
      view.tuple.push_back(node.Child(item));
    }
    view.additional = ReadContentModel(node, "items", "unevaluatedItems");
    return view;
  }
  if (items != nullptr && items->is_array()) {
    for (const json& item : *items) {
      view.tuple.push_back(node.Child(item));
    }
    view.additional = ReadContentModel(node, "additionalItems", "unevaluatedItems");
    return view;
  }
  if (items != nullptr) {
    view.all_items = node.Child(*items);
    view.rest_keyword = "items";
    view.additional = ContentModelOf(*view.all_items);
  }
  return view;
}

std::vector<const json*> AllowedValues(Node node) {
  std::vector<const json*> values;
  if (const json* value = node.Find("const")) {
    values.push_back(value);
  } else if (const json* list = node.Find("enum"); list && list->is_array()) {
    for (const json& item : *list) {
      values.push_back(&item);
    }
  }
  return values;
}

bool ContainsValue(const std::vector<const json*>& values, const json& value) {
  return std::any_of(values.begin(), values.end(),
                     [&](const json* candidate) { return *candidate == value; });
}

bool PatternFinds(const std::string& pattern, const std::string& name) {
  try {
    return std::regex_search(name, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::exception&) {
    return false;  // a pattern std::regex cannot read matches nothing here
  }
}

// Largest matching in the bipartite graph `edges[left]` -> right indices.
std::size_t MaximumMatching(const std::vector<std::vector<std::size_t>>& edges,
                            std::size_t right_size) {
  std::vector<int> match_of_right(right_size, -1);
  std::size_t size = 0;
  for (std::size_t left = 0; left < edges.size(); ++left) {
    std::vector<bool> seen(right_size, false);
    // Iterative augmenting-path search (Kuhn's algorithm).
    std::function<bool(std::size_t)> augment = [&](std::size_t l) {
      for (std::size_t r : edges[l]) {
        if (seen[r]) {
          continue;
        }
        seen[r] = true;
        if (match_of_right[r] < 0 || augment(static_cast<std::size_t>(match_of_right[r]))) {
          match_of_right[r] = static_cast<int>(l);
          return true;
        }
      }
      return false;
    };
    if (augment(left)) {
      ++size;
    }
  }
  return size;
}

// State shared by a check and the sub-checks it runs to decide compatibility.
struct SharedState {
  std::set<std::pair<const json*, const json*>> in_progress;
  std::map<std::pair<const json*, const json*>, bool> memo;
  std::deque<json> built;  // schemas merged during the check (stable addresses)
  long steps = 0;
  int depth = 0;
  bool exhausted = false;
};

class Comparison {
 public:
  explicit Comparison(SharedState& shared) : shared_(shared) {}

  std::vector<Incompatibility>& findings() { return findings_; }

  // Reports what stops readers using `u` (update) from reading data valid under
  // `o` (original).
  void Compare(Node o, Node u, const std::string& path) {
    ChargeWork();
    if (shared_.exhausted) {
      return;
    }
    if (++shared_.steps > kMaxSteps || shared_.depth >= kMaxDepth) {
      shared_.exhausted = true;
      return;
    }
    o = o.Resolved();
    u = u.Resolved();
    const auto key = std::make_pair(o.json, u.json);
    if (!shared_.in_progress.insert(key).second) {
      return;  // a recursive schema met itself again: nothing new below here
    }
    ++shared_.depth;
    CompareResolved(o, u, path);
    --shared_.depth;
    shared_.in_progress.erase(key);
  }

  // Whether readers using `u` can read data valid under `o`.
  bool Compatible(Node o, Node u, const std::string& path) {
    o = o.Resolved();
    u = u.Resolved();
    const auto key = std::make_pair(o.json, u.json);
    if (auto it = shared_.memo.find(key); it != shared_.memo.end()) {
      return it->second;
    }
    Comparison sub(shared_);
    sub.Compare(o, u, path);
    bool compatible = sub.findings().empty();
    shared_.memo.emplace(key, compatible);
    return compatible;
  }

 private:
  void Report(std::string kind, std::string path, std::string message) {
    findings_.push_back({std::move(kind), std::move(path), std::move(message), 0});
  }

  void CompareResolved(Node o, Node u, const std::string& path) {
    if (IsFalse(o) || IsUnconstrained(u)) {
      return;  // nothing was written, or anything is read
    }
    if (IsFalse(u)) {
      Report("TYPE_CHANGED", path, Subject(path) + " no longer accepts any value");
      return;
    }
    if (o.json->is_boolean()) {
      o = o.Child(EmptySchema());
    }
    const bool o_combined = HasCombinator(o);
    const bool u_combined = HasCombinator(u);
    if (o_combined && !u_combined && IsOnlyCombinators(o)) {
      DistributeOriginal(o, u, path);
      return;
    }
    if (u_combined && !o_combined && IsOnlyCombinators(u)) {
      DistributeUpdate(o, u, path);
      return;
    }

    const unsigned shared_types = CompareTypes(o, u, path);
    if (shared_types & kString) {
      CompareString(o, u, path);
    }
    if (shared_types & kNumber) {
      CompareNumber(o, u, path);
    }
    if (shared_types & kObject) {
      CompareObject(o, u, path);
    }
    if (shared_types & kArray) {
      CompareArray(o, u, path);
    }
    CompareEnum(o, u, path);
    CompareNot(o, u, path);
    CompareConditional(o, u, path);
    CompareCombinators(o, u, path);
  }

  // ---- types ----------------------------------------------------------------

  static unsigned DeclaredTypes(Node node) {
    if (node.json->is_boolean()) {
      return node.json->get<bool>() ? static_cast<unsigned>(kAnyType) : 0U;
    }
    const json* type = node.Find("type");
    if (type == nullptr) {
      return kAnyType;
    }
    unsigned bits = 0;
    if (type->is_string()) {
      bits = TypeBitsOf(type->get_ref<const std::string&>());
    } else {
      for (const json& name : *type) {
        bits |= TypeBitsOf(name.get_ref<const std::string&>());
      }
    }
    return bits;
  }

  // The value kinds an original schema can actually hold: its `type`, narrowed by
  // enum/const and its combinators.
  unsigned EffectiveTypes(Node node, int depth) {
    ChargeWork();
    node = node.Resolved();
    unsigned bits = DeclaredTypes(node);
    if (!node.json->is_object() || depth > 16) {
      return bits;
    }
    if (std::vector<const json*> values = AllowedValues(node);
        node.Find("enum") || node.Find("const")) {
      unsigned value_bits = 0;
      for (const json* value : values) {
        value_bits |= TypeBitsOfValue(*value);
      }
      bits &= value_bits;
    }
    if (const json* all = node.Find("allOf")) {
      for (const json& branch : *all) {
        bits &= EffectiveTypes(node.Child(branch), depth + 1);
      }
    }
    for (std::string_view keyword : {"anyOf", "oneOf"}) {
      if (const json* any = node.Find(keyword)) {
        unsigned union_bits = 0;
        for (const json& branch : *any) {
          union_bits |= EffectiveTypes(node.Child(branch), depth + 1);
        }
        bits &= union_bits;
      }
    }
    return bits;
  }

  unsigned CompareTypes(Node o, Node u, const std::string& path) {
    const unsigned original = EffectiveTypes(o, 0);
    const unsigned update = DeclaredTypes(u);
    const unsigned lost = original & ~update;
    if (lost != 0) {
      if (lost == kFraction && (update & kInteger)) {
        Report("TYPE_NARROWED", path, Subject(path) + " narrowed from number to integer");
      } else if ((original & update) == 0 || original == kAnyType) {
        Report("TYPE_CHANGED", path,
               Subject(path) + " changed type from " + TypeNames(original) + " to " +
                   TypeNames(update));
      } else {
        Report("TYPE_NARROWED", path,
               Subject(path) + " no longer accepts " + TypeNames(lost) + " (was " +
                   TypeNames(original) + ", now " + TypeNames(update) + ")");
      }
    }
    return original & update;
  }

  // ---- bounds ---------------------------------------------------------------

  // An upper bound (maxLength, maximum, ...) added or lowered narrows the reader.
  void CompareUpperBound(std::optional<double> o, std::optional<double> u, const std::string& path,
                         std::string_view keyword, std::string_view kind_prefix) {
    const std::string where = JoinPointer(path, keyword);
    if (!u) {
      return;
    }
    if (!o) {
      Report(std::string(kind_prefix) + "_ADDED", where,
             Subject(path) + " gained " + Quote(keyword) + " " + FormatNumber(*u));
    } else if (*u < *o) {
      Report(std::string(kind_prefix) + "_DECREASED", where,
             Subject(path) + " lowered " + Quote(keyword) + " from " + FormatNumber(*o) + " to " +
                 FormatNumber(*u));
    }
  }

  // A lower bound (minLength, minimum, ...) added or raised narrows the reader.
  void CompareLowerBound(std::optional<double> o, std::optional<double> u, const std::string& path,
                         std::string_view keyword, std::string_view kind_prefix) {
    const std::string where = JoinPointer(path, keyword);
    if (!u) {
      return;
    }
    if (!o) {
      Report(std::string(kind_prefix) + "_ADDED", where,
             Subject(path) + " gained " + Quote(keyword) + " " + FormatNumber(*u));
    } else if (*u > *o) {
      Report(std::string(kind_prefix) + "_INCREASED", where,
             Subject(path) + " raised " + Quote(keyword) + " from " + FormatNumber(*o) + " to " +
                 FormatNumber(*u));
    }
  }

  // A string-valued assertion (pattern, format, ...) added or changed.
  void CompareExactString(Node o, Node u, const std::string& path, std::string_view keyword,
                          std::string_view kind_prefix) {
    const std::string* original = StringAt(o, keyword);
    const std::string* update = StringAt(u, keyword);
    if (update == nullptr) {
      return;
    }
    const std::string where = JoinPointer(path, keyword);
    if (original == nullptr) {
      Report(std::string(kind_prefix) + "_ADDED", where,
             Subject(path) + " gained " + Quote(keyword) + " \"" + *update + "\"");
    } else if (*original != *update) {
      Report(std::string(kind_prefix) + "_CHANGED", where,
             Subject(path) + " changed " + Quote(keyword) + " from \"" + *original + "\" to \"" +
                 *update + "\"");
    }
  }

  void CompareString(Node o, Node u, const std::string& path) {
    CompareUpperBound(NumberAt(o, "maxLength"), NumberAt(u, "maxLength"), path, "maxLength",
                      "MAX_LENGTH");
    CompareLowerBound(NumberAt(o, "minLength"), NumberAt(u, "minLength"), path, "minLength",
                      "MIN_LENGTH");
    CompareExactString(o, u, path, "pattern", "PATTERN");
    CompareExactString(o, u, path, "format", "FORMAT");
    CompareExactString(o, u, path, "contentEncoding", "CONTENT_ENCODING");
    CompareExactString(o, u, path, "contentMediaType", "CONTENT_MEDIA_TYPE");
  }

  struct NumberBounds {
    std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
  };

  // Draft 4 writes an exclusive bound as {"minimum": 10, "exclusiveMinimum": true};
  // read it as the later {"exclusiveMinimum": 10}.
  static NumberBounds ReadNumberBounds(Node node) {
    NumberBounds bounds{NumberAt(node, "minimum"), NumberAt(node, "maximum"),
                        NumberAt(node, "exclusiveMinimum"), NumberAt(node, "exclusiveMaximum"),
                        NumberAt(node, "multipleOf")};
    const json* exclusive_min = node.Find("exclusiveMinimum");
    if (exclusive_min && exclusive_min->is_boolean() && exclusive_min->get<bool>()) {
      bounds.exclusive_minimum = bounds.minimum;
      bounds.minimum.reset();
    }
    const json* exclusive_max = node.Find("exclusiveMaximum");
    if (exclusive_max && exclusive_max->is_boolean() && exclusive_max->get<bool>()) {
      bounds.exclusive_maximum = bounds.maximum;
      bounds.maximum.reset();
    }
    return bounds;
  }

  // The tighter of a side's inclusive and exclusive bound: what it lets through.
  struct Bound {
    double value = 0;
    bool exclusive = false;
    std::string_view keyword;  // the keyword that sets it
  };

  static std::optional<Bound> TighterBound(std::optional<double> inclusive,
                                           std::optional<double> exclusive, bool lower,
                                           std::string_view inclusive_keyword,
                                           std::string_view exclusive_keyword) {
    if (!exclusive) {
      return inclusive ? std::optional<Bound>(Bound{*inclusive, false, inclusive_keyword})
                       : std::nullopt;
    }
    if (inclusive && (lower ? *inclusive > *exclusive : *inclusive < *exclusive)) {
      return Bound{*inclusive, false, inclusive_keyword};
    }
    return Bound{*exclusive, true, exclusive_keyword};
  }

  static std::optional<Bound> LowerBound(const NumberBounds& bounds) {
    return TighterBound(bounds.minimum, bounds.exclusive_minimum, true, "minimum",
                        "exclusiveMinimum");
  }

  static std::optional<Bound> UpperBound(const NumberBounds& bounds) {
    return TighterBound(bounds.maximum, bounds.exclusive_maximum, false, "maximum",
                        "exclusiveMaximum");
  }

  // Bounds are judged by the numbers they let through, not keyword by keyword:
  // `exclusiveMinimum: 10` -> `minimum: 10` narrows nothing (Schema Registry
  // reports MINIMUM_ADDED for it). A narrower bound is named by the reader's
  // keyword: _ADDED when the writer had no bound or one set by the other
  // keyword (as the registry names it), _INCREASED/_DECREASED otherwise.
  void CompareNumberBound(std::optional<Bound> o, std::optional<Bound> u, const std::string& path,
                          bool lower) {
    if (!u) {
      return;
    }
    const std::string where = JoinPointer(path, u->keyword);
    std::string kind = u->exclusive ? (lower ? "EXCLUSIVE_MINIMUM" : "EXCLUSIVE_MAXIMUM")
                                    : (lower ? "MINIMUM" : "MAXIMUM");
    if (!o) {
      Report(kind + "_ADDED", where,
             Subject(path) + " gained " + Quote(u->keyword) + " " + FormatNumber(u->value));
      return;
    }
    const bool narrower = o->value != u->value ? (lower ? u->value > o->value : u->value < o->value)
                                               : u->exclusive && !o->exclusive;
    if (!narrower) {
      return;
    }
    if (o->keyword == u->keyword) {
      Report(kind + (lower ? "_INCREASED" : "_DECREASED"), where,
             Subject(path) + (lower ? " raised " : " lowered ") + Quote(u->keyword) + " from " +
                 FormatNumber(o->value) + " to " + FormatNumber(u->value));
    } else {
      Report(kind + "_ADDED", where,
             Subject(path) + " narrowed its " + (lower ? "lower" : "upper") + " bound from " +
                 Quote(o->keyword) + " " + FormatNumber(o->value) + " to " + Quote(u->keyword) +
                 " " + FormatNumber(u->value));
    }
  }

  static bool IsWholeMultiple(double value, double of) {
    double ratio = value / of;
    return std::isfinite(ratio) &&
           std::fabs(ratio - std::round(ratio)) <= 1e-9 * std::max(1.0, std::fabs(ratio));
  }

  void CompareNumber(Node o, Node u, const std::string& path) {
    const NumberBounds original = ReadNumberBounds(o);
    const NumberBounds update = ReadNumberBounds(u);
    CompareNumberBound(UpperBound(original), UpperBound(update), path, /*lower=*/false);
    CompareNumberBound(LowerBound(original), LowerBound(update), path, /*lower=*/true);
    if (update.multiple_of) {
      const std::string where = JoinPointer(path, "multipleOf");
      const double u_of = *update.multiple_of;
      if (!original.multiple_of) {
        Report("MULTIPLE_OF_ADDED", where,
               Subject(path) + " gained `multipleOf` " + FormatNumber(u_of));
      } else if (const double o_of = *original.multiple_of; o_of != u_of) {
        if (IsWholeMultiple(u_of, o_of)) {
          Report("MULTIPLE_OF_EXPANDED", where,
                 Subject(path) + " raised `multipleOf` from " + FormatNumber(o_of) + " to " +
                     FormatNumber(u_of));
        } else if (!IsWholeMultiple(o_of, u_of)) {
          Report("MULTIPLE_OF_CHANGED", where,
                 Subject(path) + " changed `multipleOf` from " + FormatNumber(o_of) + " to " +
                     FormatNumber(u_of));
        }
      }
    }
  }

  // ---- objects --------------------------------------------------------------

  // The schema a partially open content model gives an undeclared property.
  static std::optional<Node> SchemaForUndeclared(const ObjectView& view, const std::string& name) {
    for (const auto& [pattern, schema] : view.pattern_properties) {
      if (PatternFinds(pattern, name)) {
        return schema;
      }
    }
    return view.additional.schema;
  }

  static bool HasDefault(Node node) {
    node = node.Resolved();
    return node.json->is_object() && node.Find("default") != nullptr;
  }

  void CompareObject(Node o, Node u, const std::string& path) {
    const ObjectView original = ReadObject(o);
    const ObjectView update = ReadObject(u);
    const std::string properties_path = JoinPointer(path, "properties");

    // `required`: a name the reader now requires may be missing from written data.
    for (const std::string& name : update.required) {
      if (original.required.count(name) > 0) {
        continue;
      }
      auto declared = update.properties.find(name);
      const bool newly_declared =
          declared != update.properties.end() && original.properties.count(name) == 0;
      if (newly_declared && !(original.open() && IsUnconstrained(declared->second.Resolved()))) {
        continue;  // reported with the property below
      }
      // `default` is an annotation no validator supplies: data without the
      // property fails the new `required` all the same (Schema Registry judges
      // by the keyword and accepts it).
      std::string message = "property " + Quote(name) + " became required";
      if (declared != update.properties.end() && HasDefault(declared->second)) {
        message += "; its `default` does not make data without it valid";
        if (original.properties.count(name) > 0) {
          message +=
              " (judged by effect: Schema Registry accepts this as "
              "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED)";
        }
      }
      Report("REQUIRED_ATTRIBUTE_ADDED", JoinPointer(JoinPointer(path, "required"), name), message);
    }

    std::set<std::string> names;
    for (const auto& entry : original.properties) names.insert(entry.first);
    for (const auto& entry : update.properties) names.insert(entry.first);
    for (const std::string& name : names) {
      const std::string where = JoinPointer(properties_path, name);
      auto in_original = original.properties.find(name);
      auto in_update = update.properties.find(name);
      if (in_original != original.properties.end() && in_update != update.properties.end()) {
        Compare(in_original->second, in_update->second, where);
      } else if (in_update == update.properties.end()) {
        PropertyRemoved(in_original->second, update, name, where);
      } else {
        PropertyAdded(original, in_update->second, update.required.count(name) > 0, name, where);
      }
    }

    ComparePatternProperties(original, update, path);
    CompareDependencies(original, update, path);

    const std::string additional_path = JoinPointer(path, "additionalProperties");
    if (original.additional.permits && !update.additional.permits) {
      Report("ADDITIONAL_PROPERTIES_REMOVED", additional_path,
             Subject(path) + " no longer allows properties it does not declare");
    } else if (update.additional.permits && update.additional.schema) {
      if (!original.additional.permits) {
        // closed -> partially open: more is accepted
      } else if (!original.additional.schema) {
        Report("ADDITIONAL_PROPERTIES_NARROWED", additional_path,
               Subject(path) + " now constrains properties it does not declare");
      } else {
        Compare(*original.additional.schema, *update.additional.schema, additional_path);
      }
    }

    CompareUpperBound(NumberAt(o, "maxProperties"), NumberAt(u, "maxProperties"), path,
                      "maxProperties", "MAX_PROPERTIES");
    CompareLowerBound(NumberAt(o, "minProperties"), NumberAt(u, "minProperties"), path,
                      "minProperties", "MIN_PROPERTIES");
    CompareOptionalSubschema(o, u, path, "propertyNames", "property names are now constrained");
  }

  // A property the writer declared and the reader does not.
  void PropertyRemoved(Node original_schema, const ObjectView& update, const std::string& name,
                       const std::string& where) {
    if (update.open()) {
      return;  // the reader takes it as an undeclared property
    }
    if (std::optional<Node> covering = SchemaForUndeclared(update, name)) {
      if (!Compatible(original_schema, *covering, where)) {
        Report("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where,
               "property " + Quote(name) +
                   " was removed and the reader's schema for undeclared properties does "
                   "not accept its values");
      }
      return;
    }
    if (IsFalse(original_schema.Resolved())) {
      return;
    }
    Report("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", where,
           "property " + Quote(name) +
               " was removed from a closed content model, so data carrying it is rejected");
  }

  // A property the reader declares and the writer did not.
  void PropertyAdded(const ObjectView& original, Node update_schema, bool required,
                     const std::string& name, const std::string& where) {
    if (original.open()) {
      if (!IsUnconstrained(update_schema.Resolved())) {
        Report("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", where,
               "property " + Quote(name) +
                   " was added to an open content model, where written data may already "
                   "carry it with any value");
      }
      return;
    }
    if (std::optional<Node> covering = SchemaForUndeclared(original, name)) {
      if (!Compatible(*covering, update_schema, where)) {
        Report("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where,
               "property " + Quote(name) +
                   " was added but does not accept every value the writer allowed for "
                   "undeclared properties");
      }
    }
    if (required) {
      Report("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", where,
             HasDefault(update_schema)
                 ? "required property " + Quote(name) +
                       " was added; its `default` does not make data without it valid (judged "
                       "by effect: Schema Registry accepts this as "
                       "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL)"
                 : "required property " + Quote(name) + " was added without a default");
    }
  }

  void ComparePatternProperties(const ObjectView& original, const ObjectView& update,
                                const std::string& path) {
    const std::string patterns_path = JoinPointer(path, "patternProperties");
    for (const auto& [pattern, schema] : original.pattern_properties) {
      const std::string where = JoinPointer(patterns_path, pattern);
      auto in_update = update.pattern_properties.find(pattern);
      if (in_update != update.pattern_properties.end()) {
        Compare(schema, in_update->second, where);
      } else if (!update.additional.permits) {
        if (!IsFalse(schema.Resolved())) {
          Report("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", where,
                 "properties matching " + Quote(pattern) +
                     " are no longer allowed by a closed content model");
        }
      } else if (update.additional.schema &&
                 !Compatible(schema, *update.additional.schema, where)) {
        Report("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where,
               "properties matching " + Quote(pattern) +
                   " fall back to the reader's schema for undeclared properties, which does "
                   "not accept their values");
      }
    }
    for (const auto& [pattern, schema] : update.pattern_properties) {
      if (original.pattern_properties.count(pattern) > 0) {
        continue;
      }
      const std::string where = JoinPointer(patterns_path, pattern);
      if (!original.additional.permits) {
        continue;  // the writer wrote no undeclared properties
      }
      if (original.additional.schema) {
        if (!Compatible(*original.additional.schema, schema, where)) {
          Report("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where,
                 "properties matching " + Quote(pattern) +
                     " are now constrained beyond the writer's schema for undeclared "
                     "properties");
        }
      } else if (!IsUnconstrained(schema.Resolved())) {
        Report("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", where,
               "properties matching " + Quote(pattern) +
                   " are now constrained, where the writer's open content model allowed "
                   "any value");
      }
    }
  }

  void CompareDependencies(const ObjectView& original, const ObjectView& update,
                           const std::string& path) {
    const std::string dependencies_path = JoinPointer(path, "dependencies");
    for (const auto& [name, required] : update.dependent_required) {
      const std::string where = JoinPointer(dependencies_path, name);
      auto in_original = original.dependent_required.find(name);
      if (in_original == original.dependent_required.end()) {
        Report("DEPENDENCY_ARRAY_ADDED", where,
               "property " + Quote(name) + " now requires other properties");
        continue;
      }
      const std::set<std::string>& before = in_original->second;
      if (before == required) {
        continue;
      }
      const bool superset =
          std::includes(required.begin(), required.end(), before.begin(), before.end());
      const bool subset =
          std::includes(before.begin(), before.end(), required.begin(), required.end());
      if (superset) {
        Report("DEPENDENCY_ARRAY_EXTENDED", where,
               "property " + Quote(name) + " now requires more properties");
      } else if (!subset) {
        Report("DEPENDENCY_ARRAY_CHANGED", where,
               "property " + Quote(name) + " now requires different properties");
      }
    }
    for (const auto& [name, schema] : update.dependent_schemas) {
      const std::string where = JoinPointer(dependencies_path, name);
      auto in_original = original.dependent_schemas.find(name);
      if (in_original == original.dependent_schemas.end()) {
        Report("DEPENDENCY_SCHEMA_ADDED", where,
               "property " + Quote(name) + " now brings a dependent schema");
      } else {
        Compare(in_original->second, schema, where);
      }
    }
  }

  // A keyword holding one subschema that only narrows (propertyNames, contains).
  void CompareOptionalSubschema(Node o, Node u, const std::string& path, std::string_view keyword,
                                const std::string& what_added) {
    const json* update = u.Find(keyword);
    if (update == nullptr) {
      return;
    }
    const std::string where = JoinPointer(path, keyword);
    if (const json* original = o.Find(keyword)) {
      Compare(o.Child(*original), u.Child(*update), where);
    } else if (!IsUnconstrained(u.Child(*update).Resolved())) {
      Report("SCHEMA_ADDED", where, Subject(path) + ": " + what_added);
    }
  }

  // ---- arrays ---------------------------------------------------------------

  void CompareArray(Node o, Node u, const std::string& path) {
    const ArrayView original = ReadArray(o);
    const ArrayView update = ReadArray(u);
    // One side a tuple, the other one schema for every item: compared item by item.
    const bool mixed = (original.all_items && !update.tuple.empty()) ||
                       (update.all_items && !original.tuple.empty());

    if (update.all_items && !mixed) {
      const std::string where = JoinPointer(path, "items");
      if (original.all_items) {
        Compare(*original.all_items, *update.all_items, where);
      } else if (!IsUnconstrained(update.all_items->Resolved())) {
        Report("SCHEMA_ADDED", where, Subject(path) + ": array items are now constrained");
      }
    }

    const std::size_t common = std::min(original.tuple.size(), update.tuple.size());
    for (std::size_t i = 0; i < common; ++i) {
      Compare(original.tuple[i], update.tuple[i],
              JoinPointer(path, original.tuple_keyword) + "/" + std::to_string(i));
    }
    const bool original_open = original.additional.permits && !original.additional.schema;
    const bool update_open = update.additional.permits && !update.additional.schema;
    for (std::size_t i = common; i < original.tuple.size(); ++i) {
      const std::string where = JoinPointer(path, original.tuple_keyword) + "/" + std::to_string(i);
      if (update_open) {
        continue;
      }
      if (update.additional.schema) {
        if (!Compatible(original.tuple[i], *update.additional.schema, where)) {
          Report("ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where,
                 "tuple item " + std::to_string(i) +
                     " was removed and the reader's schema for further items does not accept "
                     "its values");
        }
      } else if (!IsFalse(original.tuple[i].Resolved())) {
        Report("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", where,
               "tuple item " + std::to_string(i) +
                   " was removed from a closed content model, so data carrying it is rejected");
      }
    }
    for (std::size_t i = common; i < update.tuple.size(); ++i) {
      const std::string where = JoinPointer(path, update.tuple_keyword) + "/" + std::to_string(i);
      if (original_open) {
        if (!IsUnconstrained(update.tuple[i].Resolved())) {
          Report("ITEM_ADDED_TO_OPEN_CONTENT_MODEL", where,
                 "tuple item " + std::to_string(i) +
                     " was added to an open content model, where written data may already hold "
                     "any value there");
        }
      } else if (original.additional.schema) {
        if (!Compatible(*original.additional.schema, update.tuple[i], where)) {
          Report("ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where,
                 "tuple item " + std::to_string(i) +
                     " was added but does not accept every value the writer allowed there");
        }
      }
    }

    if (!original.tuple.empty() || !update.tuple.empty()) {
      const std::string where = JoinPointer(path, update.rest_keyword);
      const std::string by_effect =
          mixed ? " (judged by effect: `items` as one schema applies to every item)" : "";
      if (original.additional.permits && !update.additional.permits) {
        Report("ADDITIONAL_ITEMS_REMOVED", where,
               Subject(path) + " no longer allows items beyond its tuple" + by_effect);
      } else if (update.additional.permits && update.additional.schema &&
                 original.additional.permits) {
        if (!original.additional.schema) {
          Report("ADDITIONAL_ITEMS_NARROWED", where,
                 mixed ? Subject(path) + " now constrains the items after the first " +
                             std::to_string(original.tuple.size()) + ", which " +
                             Quote(original.rest_keyword) + " left open" + by_effect
                       : Subject(path) + " now constrains items beyond its tuple");
        } else {
          Compare(*original.additional.schema, *update.additional.schema, where);
        }
      }
    }

    CompareUpperBound(NumberAt(o, "maxItems"), NumberAt(u, "maxItems"), path, "maxItems",
                      "MAX_ITEMS");
    CompareLowerBound(NumberAt(o, "minItems"), NumberAt(u, "minItems"), path, "minItems",
                      "MIN_ITEMS");
    const json* o_unique = o.Find("uniqueItems");
    const json* u_unique = u.Find("uniqueItems");
    if (u_unique && u_unique->is_boolean() && u_unique->get<bool>() &&
        !(o_unique && o_unique->is_boolean() && o_unique->get<bool>())) {
      Report("UNIQUE_ITEMS_ADDED", JoinPointer(path, "uniqueItems"),
             Subject(path) + " now requires unique items");
    }
    CompareOptionalSubschema(o, u, path, "contains", "the array must now contain a matching item");
    CompareUpperBound(NumberAt(o, "maxContains"), NumberAt(u, "maxContains"), path, "maxContains",
                      "MAX_CONTAINS");
    CompareLowerBound(NumberAt(o, "minContains"), NumberAt(u, "minContains"), path, "minContains",
                      "MIN_CONTAINS");
  }

  // ---- enum, const, not, if/then/else ---------------------------------------

  void CompareEnum(Node o, Node u, const std::string& path) {
    const bool u_restricts = u.Find("enum") != nullptr || u.Find("const") != nullptr;
    if (!u_restricts) {
      return;
    }
    const std::string where = JoinPointer(path, u.Find("const") ? "const" : "enum");
    const std::vector<const json*> update = AllowedValues(u);
    const bool o_restricts = o.Find("enum") != nullptr || o.Find("const") != nullptr;
    if (!o_restricts) {
      Report("ENUM_ARRAY_NARROWED", where,
             Subject(path) + " is now restricted to " + std::to_string(update.size()) +
                 " allowed value(s)");
      return;
    }
    const std::vector<const json*> original = AllowedValues(o);
    std::vector<std::string> missing;
    for (const json* value : original) {
      if (!ContainsValue(update, *value)) {
        missing.push_back(value->dump());
      }
    }
    if (missing.empty()) {
      return;
    }
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i) {
      list += (i == 0 ? "" : ", ") + missing[i];
    }
    if (missing.size() > 5) {
      list += ", ...";
    }
    const bool narrowed = std::all_of(update.begin(), update.end(), [&](const json* value) {
      return ContainsValue(original, *value);
    });
    Report(narrowed ? "ENUM_ARRAY_NARROWED" : "ENUM_ARRAY_CHANGED", where,
           Subject(path) + " no longer accepts " + list);
  }

  void CompareNot(Node o, Node u, const std::string& path) {
    const json* update = u.Find("not");
    if (update == nullptr) {
      return;
    }
    const std::string where = JoinPointer(path, "not");
    const json* original = o.Find("not");
    // `not` reverses the direction: the reader must exclude no more than the writer did.
    if (original == nullptr || !Compatible(u.Child(*update), o.Child(*original), where)) {
      Report("NOT_TYPE_EXTENDED", where, Subject(path) + " now excludes more values (`not`)");
    }
  }

  // Confluent Schema Registry does not compare if/then/else; Tributary does, the
  // stricter way: a changed `if` is incompatible, and each branch read together
  // with the rest of its schema must accept what the writer's branch allowed.
  void CompareConditional(Node o, Node u, const std::string& path) {
    const json* u_if = u.Find("if");
    if (u_if == nullptr) {
      return;
    }
    const json* u_then = u.Find("then");
    const json* u_else = u.Find("else");
    auto constrains = [&](const json* branch) {
      return branch != nullptr && !IsUnconstrained(u.Child(*branch).Resolved());
    };
    if (!constrains(u_then) && !constrains(u_else)) {
      return;
    }
    const json* o_if = o.Find("if");
    if (o_if == nullptr) {
      Report("CONDITIONAL_ADDED", JoinPointer(path, "if"),
             Subject(path) + " gained an if/then/else condition");
      return;
    }
    if (*o.Child(*o_if).Resolved().json != *u.Child(*u_if).Resolved().json) {
      Report("CONDITIONAL_CHANGED", JoinPointer(path, "if"),
             Subject(path) + " changed the condition of its if/then/else");
      return;
    }
    for (std::string_view keyword : {"then", "else"}) {
      const json* update = u.Find(keyword);
      if (!constrains(update)) {
        continue;
      }
      Node original = o;
      if (const json* branch = o.Find(keyword)) {
        original = Merge(o, o.Child(*branch));
      }
      Compare(original, u.Child(*update), JoinPointer(path, keyword));
    }
  }

  // An approximation of allOf(a, b) as one schema, for reading a branch in the
  // context of the schema around it. Lives as long as the check.
  Node Merge(Node a, Node b) {
    shared_.built.push_back(MergeJson(a.Resolved(), b.Resolved(), 0));
    return a.Child(shared_.built.back());
  }

  static json MergeJson(Node a, Node b, int depth) {
    ChargeWork();
    if (IsFalse(a) || IsFalse(b)) {
      return false;
    }
    json out = a.json->is_object() ? *a.json : json::object();
    if (!b.json->is_object()) {
      return out;
    }
    for (const auto& [key, value] : b.json->items()) {
      if (key == "$schema" || key == "$id" || key == "definitions" || key == "$defs") {
        continue;
      }
      const json* mine = a.json->is_object() ? a.Find(key) : nullptr;
      if (mine == nullptr) {
        out[key] = value;
      } else if ((key == "properties" || key == "patternProperties") && mine->is_object() &&
                 value.is_object() && depth < 8) {
        for (const auto& [name, schema] : value.items()) {
          auto it = mine->find(name);
          out[key][name] = it == mine->end() ? schema
                                             : MergeJson(a.Child(*it).Resolved(),
                                                         b.Child(schema).Resolved(), depth + 1);
        }
      } else if (key == "required" && mine->is_array() && value.is_array()) {
        for (const json& name : value) {
          if (std::find(mine->begin(), mine->end(), name) == mine->end()) {
            out[key].push_back(name);
          }
        }
      } else if (key == "type") {
        unsigned both = DeclaredTypes(a) & DeclaredTypes(b);
        out[key] = both == DeclaredTypes(a) ? *mine : value;
      } else {
        out[key] = value;
      }
    }
    return out;
  }

  // ---- allOf / anyOf / oneOf ------------------------------------------------

  static std::vector<Node> Branches(Node node, std::string_view keyword) {
    std::vector<Node> branches;
    const json* list = node.Find(keyword);
    if (list == nullptr) {
      return branches;
    }
    for (const json& branch : *list) {
      // Duplicates collapse: {"anyOf": [A, A]} is {"anyOf": [A]}.
      bool duplicate = std::any_of(branches.begin(), branches.end(),
                                   [&](const Node& seen) { return *seen.json == branch; });
      if (!duplicate) {
        branches.push_back(node.Child(branch));
      }
    }
    return branches;
  }

  // The writer is only allOf/anyOf/oneOf and the reader has none: every value of
  // every anyOf/oneOf branch must be readable; for allOf, one branch that the
  // reader accepts whole is enough, and otherwise the branches are merged and
  // compared as one schema.
  void DistributeOriginal(Node o, Node u, const std::string& path) {
    for (std::string_view keyword : kCombinators) {
      const std::vector<Node> branches = Branches(o, keyword);
      if (branches.empty()) {
        continue;
      }
      const std::string where = JoinPointer(path, keyword);
      if (keyword == "allOf") {
        bool one_suffices = std::any_of(branches.begin(), branches.end(),
                                        [&](Node branch) { return Compatible(branch, u, where); });
        if (!one_suffices) {
          Node merged = branches.front();
          for (std::size_t i = 1; i < branches.size(); ++i) {
            merged = Merge(merged, branches[i]);
          }
          Compare(merged, u, path);
        }
        continue;
      }
      for (std::size_t i = 0; i < branches.size(); ++i) {
        Compare(branches[i], u, where + "/" + std::to_string(i));
      }
    }
  }

  // The reader is only allOf/anyOf/oneOf and the writer has none: every allOf
  // branch must read the writer's data; some anyOf/oneOf branch must read all of it.
  void DistributeUpdate(Node o, Node u, const std::string& path) {
    for (std::string_view keyword : kCombinators) {
      const std::vector<Node> branches = Branches(u, keyword);
      if (branches.empty()) {
        continue;
      }
      const std::string where = JoinPointer(path, keyword);
      if (keyword == "allOf" || branches.size() == 1) {
        for (std::size_t i = 0; i < branches.size(); ++i) {
          Compare(o, branches[i], keyword == "allOf" ? where + "/" + std::to_string(i) : path);
        }
        continue;
      }
      bool some_branch = std::any_of(branches.begin(), branches.end(),
                                     [&](Node branch) { return Compatible(o, branch, where); });
      if (!some_branch) {
        Report("TYPE_CHANGED", where,
               Subject(path) + ": no `" + std::string(keyword) +
                   "` branch accepts every value the writer's schema allows");
      }
    }
  }

  void CompareCombinators(Node o, Node u, const std::string& path) {
    std::vector<std::string_view> original_kinds;
    std::vector<std::string_view> update_kinds;
    for (std::string_view keyword : kCombinators) {
      if (o.Find(keyword)) original_kinds.push_back(keyword);
      if (u.Find(keyword)) update_kinds.push_back(keyword);
    }
    if (update_kinds.empty()) {
      return;  // dropping allOf/anyOf/oneOf only accepts more
    }
    if (original_kinds.size() == 1 && update_kinds.size() == 1) {
      CompareCombined(o, original_kinds.front(), u, update_kinds.front(), path);
      return;
    }
    for (std::string_view keyword : update_kinds) {
      if (std::find(original_kinds.begin(), original_kinds.end(), keyword) !=
          original_kinds.end()) {
        CompareCombined(o, keyword, u, keyword, path);
        continue;
      }
      // A combinator the writer did not have: its branches read the writer's whole schema.
      json only = json::object();
      only[std::string(keyword)] = *u.Find(keyword);
      shared_.built.push_back(std::move(only));
      DistributeUpdate(o, u.Child(shared_.built.back()), path);
    }
  }

  // Confluent's rules for one combined schema against another: the criterion may
  // only widen (to anyOf; to oneOf or allOf from a single branch), an allOf may
  // not gain branches nor an anyOf/oneOf lose any, and the branches must pair up,
  // each writer branch readable by a distinct reader branch.
  void CompareCombined(Node o, std::string_view o_kind, Node u, std::string_view u_kind,
                       const std::string& path) {
    const std::vector<Node> original = Branches(o, o_kind);
    const std::vector<Node> update = Branches(u, u_kind);
    const std::string where = JoinPointer(path, u_kind);
    if (o_kind != u_kind) {
      const bool widened = u_kind == "anyOf" || (u_kind == "oneOf" && original.size() == 1) ||
                           (u_kind == "allOf" && original.size() == 1 && update.size() == 1);
      if (!widened) {
        Report("COMBINED_TYPE_CHANGED", where,
               Subject(path) + " changed `" + std::string(o_kind) + "` to `" + std::string(u_kind) +
                   "`");
        return;
      }
    }
    if (original.size() < update.size() && u_kind == "allOf") {
      Report("PRODUCT_TYPE_EXTENDED", where,
             Subject(path) + " gained `allOf` branches (" + std::to_string(original.size()) +
                 " -> " + std::to_string(update.size()) + ")");
    } else if (original.size() > update.size() && u_kind != "allOf") {
      Report("SUM_TYPE_NARROWED", where,
             Subject(path) + " lost `" + std::string(u_kind) + "` branches (" +
                 std::to_string(original.size()) + " -> " + std::to_string(update.size()) + ")");
    }
    std::vector<std::vector<std::size_t>> edges(original.size());
    for (std::size_t i = 0; i < original.size(); ++i) {
      const std::string branch_path = JoinPointer(path, o_kind) + "/" + std::to_string(i);
      for (std::size_t j = 0; j < update.size(); ++j) {
        if (Compatible(original[i], update[j], branch_path)) {
          edges[i].push_back(j);
        }
      }
    }
    const std::size_t matched = MaximumMatching(edges, update.size());
    if (matched < std::min(original.size(), update.size())) {
      std::string unmatched;
      for (std::size_t i = 0; i < original.size(); ++i) {
        if (edges[i].empty()) {
          unmatched += (unmatched.empty() ? "" : ", ") + std::to_string(i);
        }
      }
      Report("COMBINED_TYPE_SUBSCHEMAS_CHANGED", where,
             Subject(path) + ": the `" + std::string(u_kind) +
                 "` branches no longer pair up with the writer's" +
                 (unmatched.empty() ? std::string()
                                    : " (no reader branch reads writer branch " + unmatched + ")"));
    }
  }

  SharedState& shared_;
  std::vector<Incompatibility> findings_;
};

}  // namespace

std::vector<Incompatibility> CheckReadable(const SchemaDocument& reader,
                                           const SchemaDocument& writer) {
  SharedState shared;
  Comparison comparison(shared);
  comparison.Compare(writer.root(), reader.root(), "#");
  std::vector<Incompatibility> findings;
  for (Incompatibility& finding : comparison.findings()) {
    if (std::find(findings.begin(), findings.end(), finding) == findings.end()) {
      findings.push_back(std::move(finding));
    }
  }
  if (shared.exhausted) {
    findings.push_back({"SCHEMA_TOO_COMPLEX", "#",
                        "the schemas nest or branch too much to compare completely; "
                        "treat the change as incompatible",
                        0});
  }
  return findings;
}

}  // namespace tributary::schema::jsonschema
