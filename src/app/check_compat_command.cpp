#include "app/check_compat_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "schema/compatibility.h"

namespace tributary::app {
namespace {

constexpr int kCompatible = 0;
constexpr int kIncompatible = 1;
constexpr int kInvalidInput = 2;

constexpr const char* kUsage =
    "usage: tributary check-compat --type avro|json|protobuf --level LEVEL [--json]\n"
    "                              [--strict-defaults] [--ref NAME=FILE]... PREVIOUS... NEW\n"
    "\n"
    "Checks whether the schema in NEW may follow the PREVIOUS versions (oldest first)\n"
    "under a Schema Registry compatibility level.\n"
    "\n"
    "  --type TYPE          avro, json or protobuf\n"
    "  --level LEVEL        NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD,\n"
    "                       FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE\n"
    "  --json               print the result as a JSON object\n"
    "  --strict-defaults    type-check field defaults of NEW (Avro)\n"
    "  --ref NAME=FILE      a referenced schema: NAME is the name the schemas use\n"
    "                       (Avro full name, import path, $ref URL); repeatable\n"
    "  --help               this text\n"
    "\n"
    "Exit status: 0 compatible, 1 incompatible, 2 invalid input.\n";

struct Arguments {
  std::optional<schema::SchemaType> type;
  std::optional<schema::CompatibilityLevel> level;
  bool json = false;
  bool strict_defaults = false;
  bool help = false;
  std::vector<std::pair<std::string, std::string>> refs;  // name, file
  std::vector<std::string> files;
};

// Parses the command line; an error message on bad usage.
std::optional<std::string> ParseArguments(const std::vector<std::string>& args, Arguments& parsed) {
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
      parsed.files.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) {
        return inline_value;
      }
      if (i + 1 < args.size()) {
        return args[++i];
      }
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
    } else if (arg == "--json") {
      parsed.json = true;
    } else if (arg == "--strict-defaults") {
      parsed.strict_defaults = true;
    } else if (arg == "--type") {
      const auto text = value();
      if (!text) {
        return "--type needs a value";
      }
      auto type = schema::ParseSchemaType(*text);
      if (!type.ok()) {
        return type.status().message();
      }
      parsed.type = *type;
    } else if (arg == "--level") {
      const auto text = value();
      if (!text) {
        return "--level needs a value";
      }
      auto level = schema::ParseCompatibilityLevel(*text);
      if (!level.ok()) {
        return level.status().message();
      }
      parsed.level = *level;
    } else if (arg == "--ref") {
      const auto text = value();
      const size_t eq = text ? text->find('=') : std::string::npos;
      if (!text || eq == 0 || eq == std::string::npos || eq + 1 == text->size()) {
        return "--ref needs NAME=FILE";
      }
      parsed.refs.emplace_back(text->substr(0, eq), text->substr(eq + 1));
    } else {
      return "unknown option " + arg;
    }
  }
  if (parsed.help) {
    return std::nullopt;
  }
  if (!parsed.type) {
    return "--type is required";
  }
  if (!parsed.level) {
    return "--level is required";
  }
  if (parsed.files.empty()) {
    return "no schema files given (PREVIOUS... NEW)";
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
  if (in.bad()) {
    return path + ": cannot read: " + std::strerror(errno);
  }
  text = buffer.str();
  return std::nullopt;
}

}  // namespace

int RunCheckCompat(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Arguments parsed;
  if (const auto problem = ParseArguments(args, parsed)) {
    err << "check-compat: " << *problem << "\n\n" << kUsage;
    return kInvalidInput;
  }
  if (parsed.help) {
    out << kUsage;
    return kCompatible;
  }

  std::vector<schema::SchemaReference> references;
  for (const auto& [name, file] : parsed.refs) {
    schema::SchemaReference reference;
    reference.name = name;
    if (const auto problem = ReadFile(file, reference.text)) {
      err << *problem << "\n";
      return kInvalidInput;
    }
    references.push_back(std::move(reference));
  }

  // Versions 1..n are the PREVIOUS files, n+1 is NEW.
  std::vector<schema::SchemaVersion> versions;
  for (size_t i = 0; i < parsed.files.size(); ++i) {
    schema::SchemaVersion version;
    version.version = static_cast<int>(i + 1);
    version.type = *parsed.type;
    version.references = references;
    if (const auto problem = ReadFile(parsed.files[i], version.text)) {
      err << *problem << "\n";
      return kInvalidInput;
    }
    versions.push_back(std::move(version));
  }

  // Every file must be a valid schema; the error names the file.
  const schema::SchemaEngine& engine = schema::EngineFor(*parsed.type);
  schema::CheckOptions options;
  options.strict_defaults = parsed.strict_defaults;
  for (size_t i = 0; i < versions.size(); ++i) {
    schema::CheckOptions file_options = options;
    file_options.strict_defaults = options.strict_defaults && i + 1 == versions.size();
    auto schema = engine.Parse(versions[i].text, versions[i].references, file_options);
    if (!schema.ok()) {
      err << parsed.files[i] << ": " << schema.status().message() << "\n";
      return kInvalidInput;
    }
  }

  const schema::SchemaVersion candidate = versions.back();
  versions.pop_back();
  auto result = schema::CheckCompatibility(*parsed.level, versions, candidate, options);
  if (!result.ok()) {
    err << result.status().message() << "\n";
    return kInvalidInput;
  }

  if (parsed.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& incompatibility : result->incompatibilities) {
      problems.push_back({{"type", incompatibility.kind},
                          {"path", incompatibility.path},
                          {"message", incompatibility.message},
                          {"version", incompatibility.version}});
    }
    const nlohmann::json document = {{"compatible", result->compatible},
                                     {"level", schema::ToString(result->level)},
                                     {"incompatibilities", std::move(problems)}};
    out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (result->compatible) {
    out << parsed.files.back() << ": compatible (" << schema::ToString(result->level) << ")\n";
  } else {
    out << parsed.files.back() << ": incompatible (" << schema::ToString(result->level) << ", "
        << result->incompatibilities.size() << " problem"
        << (result->incompatibilities.size() == 1 ? "" : "s") << ")\n";
    for (const auto& incompatibility : result->incompatibilities) {
      out << "version " << incompatibility.version;
      if (incompatibility.version >= 1 &&
          static_cast<size_t>(incompatibility.version) < parsed.files.size()) {
        out << " (" << parsed.files[static_cast<size_t>(incompatibility.version - 1)] << ")";
      }
      out << " " << incompatibility.path << ": " << incompatibility.message << " ["
          << incompatibility.kind << "]\n";
    }
  }
  return result->compatible ? kCompatible : kIncompatible;
}

}  // namespace tributary::app
