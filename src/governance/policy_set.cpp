#include "governance/policy_set.h"

#include <algorithm>
#include <optional>
#include <set>

#include "governance/jq_program.h"
#include "graph/glob.h"

namespace tributary::governance {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kLevels = {
    "NONE", "BACKWARD",       "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
    "FULL", "FULL_TRANSITIVE"};
constexpr std::array<std::string_view, 3> kSchemaTypes = {"AVRO", "JSON", "PROTOBUF"};
constexpr std::array<std::string_view, 5> kProductFields = {"domain", "owner", "description",
                                                            "quality", "sla"};

struct Promise {
  bool backward = false;
  bool forward = false;
  bool transitive = false;
};

std::optional<Promise> PromiseOf(std::string level) {
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) {
    return std::nullopt;
  }
  Promise p;
  p.transitive = level.ends_with("_TRANSITIVE");
  p.backward = level.starts_with("BACKWARD") || level.starts_with("FULL");
  p.forward = level.starts_with("FORWARD") || level.starts_with("FULL");
  return p;
}

bool Empty(const json& v) {
  return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         (v.is_array() && v.empty()) || (v.is_object() && v.empty());
}

std::string Str(const json& obj, const char* key) {
  if (obj.is_object()) {
    if (auto it = obj.find(key); it != obj.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return "";
}

std::string ProductSubject(const json& input) {
  return "product:" + Str(input.value("product", json::object()), "name");
}

bool Contains(const json& list, const std::string& value) {
  if (!list.is_array()) {
    return false;
  }
  return std::any_of(list.begin(), list.end(),
                     [&](const json& v) { return v.is_string() && v.get<std::string>() == value; });
}

}  // namespace

struct PolicySet::Compiled {
  PolicySpec spec;
  std::optional<std::regex> pattern;
  std::unique_ptr<JqProgram> program;
};

PolicySet::PolicySet() = default;
PolicySet::~PolicySet() = default;
PolicySet::PolicySet(PolicySet&&) noexcept = default;
PolicySet& PolicySet::operator=(PolicySet&&) noexcept = default;
std::size_t PolicySet::size() const { return policies_.size(); }

const std::vector<std::string>& PolicyKinds() {
  static const std::vector<std::string> kinds = {"required_fields",   "naming",    "schema_types",
                                                 "min_compatibility", "pii",       "locality",
                                                 "wildcard_acl",      "expression"};
  return kinds;
}

bool LevelAtLeast(const std::string& actual, const std::string& required) {
  const auto a = PromiseOf(actual);
  const auto r = PromiseOf(required);
  if (!a || !r) {
    return false;
  }
  return (!r->backward || a->backward) && (!r->forward || a->forward) &&
         (!r->transitive || a->transitive);
}

bool InScope(const std::string& scope, const std::string& product, const std::string& domain) {
  constexpr std::string_view kDomain = "domain:";
  if (scope.starts_with(kDomain)) {
    return graph::GlobMatch(std::string_view(scope).substr(kDomain.size()), domain);
  }
  return graph::GlobMatch(scope, product);
}

namespace {

std::optional<PolicyError> CompileInto(const PolicySpec& spec, PolicySet::Compiled& out) {
  out.spec = spec;
  if (spec.id.empty()) {
    return PolicyError{"id", "required key is missing"};
  }
  const auto& kinds = PolicyKinds();
  if (std::find(kinds.begin(), kinds.end(), spec.kind) == kinds.end()) {
    std::string list;
    for (const auto& k : kinds) {
      list += (list.empty() ? "" : ", ") + k;
    }
    return PolicyError{"kind", "\"" + spec.kind + "\" is not one of: " + list};
  }
  if (spec.severity != "info" && spec.severity != "warn" && spec.severity != "block") {
    return PolicyError{"severity", "\"" + spec.severity + "\" is not one of: info, warn, block"};
  }
  if (spec.scope.empty()) {
    return PolicyError{"scope", "must not be empty (\"*\" for every product)"};
  }
  if (spec.kind == "required_fields") {
    if (spec.fields.empty()) {
      return PolicyError{"fields", "a required_fields policy needs at least one field"};
    }
    for (const auto& f : spec.fields) {
      if (std::find(kProductFields.begin(), kProductFields.end(), f) == kProductFields.end() &&
          f != "tags" && f != "allowed_regions" && f != "schema") {
        return PolicyError{"fields", "\"" + f +
                                         "\" is not a product field (domain, owner, description, "
                                         "quality, sla, tags, allowed_regions, schema)"};
      }
    }
  } else if (spec.kind == "naming") {
    if (spec.pattern.empty()) {
      return PolicyError{"pattern", "a naming policy needs a pattern (a regular expression)"};
    }
    try {
      out.pattern.emplace(spec.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return PolicyError{"pattern", std::string("not a valid regular expression: ") + e.what()};
    }
  } else if (spec.kind == "schema_types") {
    if (spec.allowed.empty()) {
      return PolicyError{"allowed", "a schema_types policy needs the allowed types"};
    }
    for (const auto& t : spec.allowed) {
      if (std::find(kSchemaTypes.begin(), kSchemaTypes.end(), t) == kSchemaTypes.end()) {
        return PolicyError{"allowed", "\"" + t + "\" is not one of: AVRO, JSON, PROTOBUF"};
      }
    }
  } else if (spec.kind == "min_compatibility") {
    if (!PromiseOf(spec.level)) {
      return PolicyError{"level", "\"" + spec.level +
                                      "\" is not a compatibility level (NONE, BACKWARD, "
                                      "BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, "
                                      "FULL_TRANSITIVE)"};
    }
  } else if (spec.kind == "expression") {
    if (spec.expression.empty()) {
      return PolicyError{"expression", "an expression policy needs a jq expression"};
    }
    auto program = JqProgram::Compile(spec.expression);
    if (!program.ok()) {
      return PolicyError{"expression", program.status().message()};
    }
    out.program = std::move(program).value();
  }
  return std::nullopt;
}

void Add(std::vector<Violation>& out, const PolicySpec& spec, std::string subject,
         std::string message) {
  out.push_back({spec.id, spec.kind, spec.severity, std::move(subject),
                 spec.message.empty() ? std::move(message) : spec.message + " (" + message + ")"});
}

void RequiredFields(const PolicySpec& spec, const json& input, std::vector<Violation>& out) {
  const auto& product = input.value("product", json::object());
  std::string missing;
  for (const auto& f : spec.fields) {
    const bool absent =
        f == "schema" ? input.value("schema", json()).is_null() : Empty(product.value(f, json()));
    if (absent) {
      missing += (missing.empty() ? "" : ", ") + f;
    }
  }
  if (!missing.empty()) {
    Add(out, spec, ProductSubject(input), "missing or empty: " + missing);
  }
}

void Naming(const PolicySet::Compiled& p, const json& input, std::vector<Violation>& out) {
  const auto name = Str(input.value("product", json::object()), "name");
  if (!std::regex_search(name, *p.pattern)) {
    Add(out, p.spec, ProductSubject(input),
        "name \"" + name + "\" does not match /" + p.spec.pattern + "/");
  }
}

void SchemaTypes(const PolicySpec& spec, const json& input, std::vector<Violation>& out) {
  const auto schema = input.value("schema", json());
  if (!schema.is_object()) {
    return;  // no schema: required_fields says whether one is needed
  }
  const auto type = Str(schema, "type");
  if (std::find(spec.allowed.begin(), spec.allowed.end(), type) == spec.allowed.end()) {
    std::string allowed;
    for (const auto& a : spec.allowed) {
      allowed += (allowed.empty() ? "" : ", ") + a;
    }
    Add(out, spec, ProductSubject(input),
        "schema type " + type + " is not allowed (allowed: " + allowed + ")");
  }
}

void MinCompatibility(const PolicySpec& spec, const json& input, std::vector<Violation>& out) {
  const auto schema = input.value("schema", json());
  if (!schema.is_object()) {
    return;
  }
  const auto level = Str(schema, "compatibility");
  if (!LevelAtLeast(level, spec.level)) {
    Add(out, spec, ProductSubject(input),
        "subject " + Str(schema, "subject") + " has compatibility " + level + ", below " +
            spec.level);
  }
}

void Pii(const PolicySpec& spec, const std::vector<std::string>& pii_tags, const json& input,
         std::vector<Violation>& out) {
  const auto schema = input.value("schema", json());
  if (!schema.is_object()) {
    return;
  }
  std::vector<std::string> tagged;
  for (const auto& f : schema.value("fields", json::array())) {
    for (const auto& t : f.value("tags", json::array())) {
      if (t.is_string() &&
          std::find(pii_tags.begin(), pii_tags.end(), t.get<std::string>()) != pii_tags.end()) {
        tagged.push_back(Str(f, "path"));
        break;
      }
    }
  }
  if (tagged.empty()) {
    return;
  }
  std::string fields;
  for (const auto& f : tagged) {
    fields += (fields.empty() ? "" : ", ") + f;
  }
  const auto& product = input.value("product", json::object());
  if (!Contains(product.value("tags", json::array()), "pii")) {
    Add(out, spec, ProductSubject(input),
        "schema fields tagged as personal data (" + fields + ") but the product has no `pii` tag");
  }
  for (const auto& c : input.value("consumers", json::array())) {
    if (!c.value("approved", false)) {
      Add(out, spec, Str(c, "id"),
          "reads personal data (" + fields + ") of product " + Str(product, "name") +
              " without an approved access request");
    }
  }
}

void Locality(const PolicySpec& spec, const json& input, std::vector<Violation>& out) {
  const auto& product = input.value("product", json::object());
  const auto allowed = product.value("allowed_regions", json::array());
  if (!allowed.is_array() || allowed.empty()) {
    return;
  }
  const auto allowed_text = allowed.dump();
  const auto cluster = input.value("cluster", json::object());
  if (const auto region = cluster.value("region", json()); region.is_string()) {
    if (!Contains(allowed, region.get<std::string>())) {
      Add(out, spec, ProductSubject(input),
          "topic on cluster " + Str(cluster, "name") + " in region " + region.get<std::string>() +
              ", outside " + allowed_text);
    }
  }
  for (const auto& c : input.value("consumers", json::array())) {
    const auto region = c.value("region", json());
    if (region.is_string() && !Contains(allowed, region.get<std::string>())) {
      Add(out, spec, Str(c, "id"),
          "reads product " + Str(product, "name") + " on cluster " + Str(c, "cluster") +
              " in region " + region.get<std::string>() + ", outside " + allowed_text);
    }
  }
}

void WildcardAcl(const PolicySpec& spec, const json& input, std::vector<Violation>& out) {
  for (const auto& acl : input.value("acls", json::array())) {
    const auto op = Str(acl, "operation");
    const auto name = Str(acl, "resource_name");
    const auto pattern = Str(acl, "pattern_type");
    const bool wildcard =
        (pattern == "LITERAL" && name == "*") || (pattern == "PREFIXED" && name.empty());
    if (Str(acl, "permission") == "ALLOW" && wildcard &&
        (op == "READ" || op == "WRITE" || op == "ALL")) {
      Add(out, spec, "principal:" + Str(acl, "principal"),
          Str(acl, "principal") + " has " + op + " on every topic (" + pattern + " \"" + name +
              "\") of cluster " + Str(acl, "cluster"));
    }
  }
}

void Expression(const PolicySet::Compiled& p, const json& input,
                std::optional<Result<JqInput>>& parsed, std::vector<Violation>& out) {
  if (!parsed) {
    parsed = JqInput::Parse(input);  // once for every expression of this evaluation
  }
  auto result = parsed->ok() ? p.program->Evaluate(**parsed) : Result<json>(parsed->status());
  if (!result.ok()) {
    out.push_back({p.spec.id, "error", p.spec.severity, ProductSubject(input),
                   "error: " + result.status().message()});
    return;
  }
  if (result->is_null() || (result->is_boolean() && !result->get<bool>())) {
    Add(out, p.spec, ProductSubject(input),
        p.spec.message.empty() ? "expression is not true: " + p.spec.expression : "");
    if (!p.spec.message.empty()) {
      out.back().message = p.spec.message;
    }
  }
}

}  // namespace

std::optional<PolicyError> PolicySet::Check(const PolicySpec& spec) {
  Compiled c;
  return CompileInto(spec, c);
}

std::shared_ptr<const PolicySet> PolicySet::CompileAll(
    std::vector<PolicySpec> specs, std::vector<std::string> pii_tags,
    std::vector<std::pair<std::size_t, PolicyError>>& errors) {
  auto set = std::make_shared<PolicySet>();
  set->pii_tags_ = std::move(pii_tags);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto compiled = std::make_unique<Compiled>();
    if (auto error = CompileInto(specs[i], *compiled)) {
      errors.emplace_back(i, std::move(*error));
      continue;
    }
    if (!ids.insert(specs[i].id).second) {
      errors.emplace_back(i, PolicyError{"id", "duplicate policy id \"" + specs[i].id + "\""});
      continue;
    }
    set->policies_.push_back(std::move(compiled));
  }
  if (!errors.empty()) {
    return nullptr;
  }
  return set;
}

Result<std::shared_ptr<const PolicySet>> PolicySet::Compile(std::vector<PolicySpec> specs,
                                                            std::vector<std::string> pii_tags) {
  std::vector<std::pair<std::size_t, PolicyError>> errors;
  auto set = CompileAll(std::move(specs), std::move(pii_tags), errors);
  if (!errors.empty()) {
    std::string all;
    for (const auto& [i, e] : errors) {
      all += (all.empty() ? "" : "\n") + std::string("policies[") + std::to_string(i) + "]." +
             e.field + ": " + e.message;
    }
    return InvalidArgument(all);
  }
  return set;
}

std::vector<Violation> PolicySet::Evaluate(const nlohmann::json& input) const {
  std::vector<Violation> out;
  const auto& product = input.value("product", json::object());
  const auto name = Str(product, "name");
  const auto domain = Str(product, "domain");
  std::optional<Result<JqInput>> parsed;
  for (const auto& p : policies_) {
    const auto& spec = p->spec;
    if (!InScope(spec.scope, name, domain)) {
      continue;
    }
    if (spec.kind == "required_fields") {
      RequiredFields(spec, input, out);
    } else if (spec.kind == "naming") {
      Naming(*p, input, out);
    } else if (spec.kind == "schema_types") {
      SchemaTypes(spec, input, out);
    } else if (spec.kind == "min_compatibility") {
      MinCompatibility(spec, input, out);
    } else if (spec.kind == "pii") {
      Pii(spec, pii_tags_, input, out);
    } else if (spec.kind == "locality") {
      Locality(spec, input, out);
    } else if (spec.kind == "wildcard_acl") {
      WildcardAcl(spec, input, out);
    } else if (spec.kind == "expression") {
      Expression(*p, input, parsed, out);
    }
  }
  return out;
}

}  // namespace tributary::governance
