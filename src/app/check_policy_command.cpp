#include "app/check_policy_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/config.h"
#include "app/service.h"
#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "governance/policy_input.h"
#include "governance/policy_set.h"
#include "schema/compatibility.h"

namespace tributary::app {
namespace {

using nlohmann::json;

constexpr int kCompliant = 0;
constexpr int kViolations = 1;
constexpr int kInvalidInput = 2;

constexpr const char* kUsage =
    "usage: tributary check-policy --config FILE [--type avro|json|protobuf]\n"
    "                              [--compatibility LEVEL] [--fail-on info|warn|block]\n"
    "                              [--ref NAME=FILE]... [--json] PRODUCT.json [SCHEMA]\n"
    "\n"
    "Evaluates the configured [[policies]] against a data product descriptor (the\n"
    "tributary.product.published data, or the whole CloudEvent) and the schema it\n"
    "will carry, offline: no consumers and no ACLs are known.\n"
    "\n"
    "  --config FILE          the service's configuration (its [[policies]],\n"
    "                         [governance] pii_tags, [[clusters]] regions)\n"
    "  --type TYPE            the schema's type; default from the extension:\n"
    "                         .avsc avro, .json json, .proto protobuf\n"
    "  --compatibility LEVEL  the subject's compatibility level (default BACKWARD)\n"
    "  --fail-on SEVERITY     the lowest severity that fails (default warn)\n"
    "  --ref NAME=FILE        a schema the schema references by NAME (an import\n"
    "                         path such as confluent/meta.proto); repeatable\n"
    "  --json                 print the result as a JSON object\n"
    "  --help                 this text\n"
    "\n"
    "Exit status: 0 no violation at or above --fail-on, 1 violations, 2 invalid input.\n";

struct Arguments {
  std::string config;
  std::optional<std::string> type;
  std::string compatibility = "BACKWARD";
  std::string fail_on = "warn";
  bool json = false;
  bool help = false;
  std::vector<std::pair<std::string, std::string>> refs;  // name, file
  std::vector<std::string> files;
};

std::optional<std::string> ParseArguments(const std::vector<std::string>& args, Arguments& parsed) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg.empty() || arg[0] != '-' || arg == "-") {
      parsed.files.push_back(arg);
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (arg == "--json") {
      parsed.json = true;
      continue;
    }
    if (arg != "--config" && arg != "--type" && arg != "--compatibility" && arg != "--fail-on" &&
        arg != "--ref") {
      return "unknown option " + arg;
    }
    if (i + 1 >= args.size()) {
      return arg + " needs a value";
    }
    const auto& value = args[++i];
    if (arg == "--config") {
      parsed.config = value;
    } else if (arg == "--ref") {
      const auto eq = value.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == value.size()) {
        return "--ref needs NAME=FILE";
      }
      parsed.refs.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (arg == "--type") {
      auto type = schema::ParseSchemaType(value);
      if (!type.ok()) {
        return "--type: " + type.status().message();
      }
      parsed.type = std::string(schema::ToString(*type));
    } else if (arg == "--compatibility") {
      auto level = schema::ParseCompatibilityLevel(value);
      if (!level.ok()) {
        return "--compatibility: " + level.status().message();
      }
      parsed.compatibility = std::string(schema::ToString(*level));
    } else if (value == "info" || value == "warn" || value == "block") {
      parsed.fail_on = value;
    } else {
      return "--fail-on: info, warn or block, not \"" + value + "\"";
    }
  }
  if (parsed.help) {
    return std::nullopt;
  }
  if (parsed.config.empty()) {
    return "--config FILE is required";
  }
  if (parsed.files.empty() || parsed.files.size() > 2) {
    return "expected PRODUCT.json and at most one SCHEMA file";
  }
  return std::nullopt;
}

std::optional<std::string> ReadFile(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return path + ": cannot read: " + std::strerror(errno);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return std::nullopt;
}

// The product descriptor's fields. Missing ones stay empty (the policies judge
// that); a present one of the wrong JSON type is bad input, named.
std::optional<std::string> ParseProduct(const json& doc, ProductPublished& p) {
  const json* data = &doc;
  if (doc.contains("specversion") && doc.contains("data")) {
    data = &doc["data"];
  }
  if (!data->is_object()) {
    return "expected a JSON object (the product.published data)";
  }
  const auto string_field = [&](const char* key, std::string& into) -> std::optional<std::string> {
    if (!data->contains(key) || (*data)[key].is_null()) {
      return std::nullopt;
    }
    if (!(*data)[key].is_string()) {
      return std::string(key) + ": expected a string, got " + (*data)[key].dump();
    }
    into = (*data)[key].get<std::string>();
    return std::nullopt;
  };
  const auto list_field = [&](const char* key,
                              std::vector<std::string>& into) -> std::optional<std::string> {
    if (!data->contains(key) || (*data)[key].is_null()) {
      return std::nullopt;
    }
    const auto& v = (*data)[key];
    if (!v.is_array()) {
      return std::string(key) + ": expected an array of strings, got " + v.dump();
    }
    for (const auto& item : v) {
      if (!item.is_string()) {
        return std::string(key) + ": expected an array of strings, got " + v.dump();
      }
      into.push_back(item.get<std::string>());
    }
    return std::nullopt;
  };
  if (auto e = string_field("product", p.product)) {
    return e;
  }
  if (p.product.empty()) {
    return "product: the product's name is required";
  }
  std::string subject;
  for (const auto& [key, into] :
       std::initializer_list<std::pair<const char*, std::string*>>{{"cluster", &p.cluster},
                                                                   {"topic", &p.topic},
                                                                   {"domain", &p.domain},
                                                                   {"owner", &p.owner},
                                                                   {"description", &p.description},
                                                                   {"quality", &p.quality},
                                                                   {"sla", &p.sla},
                                                                   {"schema_subject", &subject}}) {
    if (auto e = string_field(key, *into)) {
      return e;
    }
  }
  if (!subject.empty()) {
    p.schema_subject = subject;
  }
  if (p.topic.empty()) {
    p.topic = p.product;
  }
  if (auto e = list_field("tags", p.tags)) {
    return e;
  }
  if (auto e = list_field("allowed_regions", p.allowed_regions)) {
    return e;
  }
  return std::nullopt;
}

std::optional<std::string> TypeFromExtension(const std::string& path) {
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "avsc") {
    return "AVRO";
  }
  if (ext == "json") {
    return "JSON";
  }
  if (ext == "proto") {
    return "PROTOBUF";
  }
  return std::nullopt;
}

int Rank(const std::string& severity) {
  return severity == "block" ? 2 : severity == "warn" ? 1 : 0;
}

}  // namespace

int RunCheckPolicy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Arguments parsed;
  if (const auto problem = ParseArguments(args, parsed)) {
    err << "check-policy: " << *problem << "\n\n" << kUsage;
    return kInvalidInput;
  }
  if (parsed.help) {
    out << kUsage;
    return kCompliant;
  }
  auto loaded = LoadConfig(parsed.config, ProcessEnvironment());
  if (!loaded.ok()) {
    err << loaded.status().message() << "\n";
    return kInvalidInput;
  }
  const auto options = GovernanceOptionsOf(loaded->config);

  const auto& product_file = parsed.files[0];
  std::string text;
  if (const auto problem = ReadFile(product_file, text)) {
    err << "check-policy: " << *problem << "\n";
    return kInvalidInput;
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    err << "check-policy: " << product_file << ": not JSON: " << e.what() << "\n";
    return kInvalidInput;
  }
  ProductState product;
  if (const auto problem = ParseProduct(doc, product.published)) {
    err << "check-policy: " << product_file << ": " << *problem << "\n";
    return kInvalidInput;
  }

  std::optional<governance::CandidateSchema> candidate;
  if (parsed.files.size() == 2) {
    const auto& schema_file = parsed.files[1];
    const auto type = parsed.type ? parsed.type : TypeFromExtension(schema_file);
    if (!type) {
      err << "check-policy: " << schema_file
          << ": cannot tell the schema type from the file name; pass --type\n";
      return kInvalidInput;
    }
    std::string schema_text;
    if (const auto problem = ReadFile(schema_file, schema_text)) {
      err << "check-policy: " << *problem << "\n";
      return kInvalidInput;
    }
    std::vector<schema::SchemaReference> references;
    for (const auto& [name, file] : parsed.refs) {
      schema::SchemaReference reference;
      reference.name = name;
      if (const auto problem = ReadFile(file, reference.text)) {
        err << "check-policy: " << *problem << "\n";
        return kInvalidInput;
      }
      references.push_back(std::move(reference));
    }
    const auto engine_type = schema::ParseSchemaType(*type);
    if (auto s = schema::EngineFor(*engine_type).Parse(schema_text, references, {}); !s.ok()) {
      err << "check-policy: " << schema_file << ": not a valid " << *type
          << " schema: " << s.status().message() << "\n";
      return kInvalidInput;
    }
    candidate = governance::CandidateSchema{*type, std::move(schema_text),
                                            governance::SubjectOf(product.published)};
  }

  // What is known offline: the product, its schema, the cluster's region.
  CatalogState catalog;
  SchemaState schemas;
  schemas.global_level = parsed.compatibility;
  const governance::InputSources sources{catalog, schemas,         nullptr,
                                         nullptr, options.regions, options.approvals};
  const auto input =
      governance::BuildPolicyInput(sources, product.published.product, product, candidate);
  const auto violations = options.policies->Evaluate(input);

  bool failed = false;
  for (const auto& v : violations) {
    failed = failed || Rank(v.severity) >= Rank(parsed.fail_on);
  }
  if (parsed.json) {
    json list = json::array();
    for (const auto& v : violations) {
      list.push_back({{"policy", v.policy},
                      {"kind", v.kind},
                      {"severity", v.severity},
                      {"subject", v.subject},
                      {"message", v.message}});
    }
    out << json{{"product", product.published.product},
                {"policies", options.policies->size()},
                {"violations", list},
                {"failed", failed}}
               .dump(2)
        << "\n";
  } else {
    out << product.published.product << ": " << violations.size() << " violation"
        << (violations.size() == 1 ? "" : "s") << " of " << options.policies->size() << " polic"
        << (options.policies->size() == 1 ? "y" : "ies") << "\n";
    for (const auto& v : violations) {
      out << "  " << v.severity << "  " << v.policy << "  " << v.subject << ": " << v.message
          << "\n";
    }
  }
  return failed ? kViolations : kCompliant;
}

}  // namespace tributary::app
