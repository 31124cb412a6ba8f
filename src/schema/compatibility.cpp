#include "schema/compatibility.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "schema/avro/avro_engine.h"
#include "schema/protobuf/protobuf_engine.h"

namespace tributary::schema {

// Defined by the JSON Schema engine (src/schema/jsonschema/json_schema_engine.cpp).
const SchemaEngine& JsonSchemaEngine();

namespace {

constexpr std::array<std::pair<CompatibilityLevel, std::string_view>, 7> kLevels = {{
    {CompatibilityLevel::kNone, "NONE"},
    {CompatibilityLevel::kBackward, "BACKWARD"},
    {CompatibilityLevel::kBackwardTransitive, "BACKWARD_TRANSITIVE"},
    {CompatibilityLevel::kForward, "FORWARD"},
    {CompatibilityLevel::kForwardTransitive, "FORWARD_TRANSITIVE"},
    {CompatibilityLevel::kFull, "FULL"},
    {CompatibilityLevel::kFullTransitive, "FULL_TRANSITIVE"},
}};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

bool IsTransitive(CompatibilityLevel level) {
  return level == CompatibilityLevel::kBackwardTransitive ||
         level == CompatibilityLevel::kForwardTransitive ||
         level == CompatibilityLevel::kFullTransitive;
}

bool ChecksBackward(CompatibilityLevel level) {
  return level == CompatibilityLevel::kBackward ||
         level == CompatibilityLevel::kBackwardTransitive || level == CompatibilityLevel::kFull ||
         level == CompatibilityLevel::kFullTransitive;
}

bool ChecksForward(CompatibilityLevel level) {
  return level == CompatibilityLevel::kForward || level == CompatibilityLevel::kForwardTransitive ||
         level == CompatibilityLevel::kFull || level == CompatibilityLevel::kFullTransitive;
}

}  // namespace

std::string_view ToString(SchemaType type) {
  switch (type) {
    case SchemaType::kAvro:
      return "AVRO";
    case SchemaType::kJson:
      return "JSON";
    case SchemaType::kProtobuf:
      return "PROTOBUF";
  }
  return "UNKNOWN";
}

Result<SchemaType> ParseSchemaType(std::string_view text) {
  if (EqualsIgnoringCase(text, "AVRO")) {
    return SchemaType::kAvro;
  }
  if (EqualsIgnoringCase(text, "JSON")) {
    return SchemaType::kJson;
  }
  if (EqualsIgnoringCase(text, "PROTOBUF")) {
    return SchemaType::kProtobuf;
  }
  return InvalidArgument("unknown schema type \"" + std::string(text) +
                         "\" (expected avro, json or protobuf)");
}

std::string_view ToString(CompatibilityLevel level) {
  for (const auto& [value, name] : kLevels) {
    if (value == level) {
      return name;
    }
  }
  return "UNKNOWN";
}

Result<CompatibilityLevel> ParseCompatibilityLevel(std::string_view text) {
  for (const auto& [value, name] : kLevels) {
    if (EqualsIgnoringCase(text, name)) {
      return value;
    }
  }
  return InvalidArgument("unknown compatibility level \"" + std::string(text) +
                         "\" (expected NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
                         "FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE)");
}

const SchemaEngine& EngineFor(SchemaType type) {
  switch (type) {
    case SchemaType::kAvro:
      return AvroEngine();
    case SchemaType::kJson:
      return JsonSchemaEngine();
    case SchemaType::kProtobuf:
      return ProtobufEngine();
  }
  return ProtobufEngine();
}

namespace {
Result<CompatibilityResult> CheckWithinBudget(CompatibilityLevel level,
                                              const std::vector<SchemaVersion>& history,
                                              const SchemaVersion& candidate,
                                              const CheckOptions& options);
}  // namespace

Result<CompatibilityResult> CheckCompatibility(CompatibilityLevel level,
                                               const std::vector<SchemaVersion>& history,
                                               const SchemaVersion& candidate,
                                               const CheckOptions& options) {
  if (!options.budget) {
    return CheckWithinBudget(level, history, candidate, options);
  }
  WorkBudget budget(*options.budget);
  try {
    return CheckWithinBudget(level, history, candidate, options);
  } catch (const WorkBudgetExceeded& e) {
    return ResourceExhausted(std::string("schema too complex to check: ") + e.what());
  }
}

namespace {
Result<CompatibilityResult> CheckWithinBudget(CompatibilityLevel level,
                                              const std::vector<SchemaVersion>& history,
                                              const SchemaVersion& candidate,
                                              const CheckOptions& options) {
  const SchemaEngine& engine = EngineFor(candidate.type);
  auto parsed_candidate = engine.Parse(candidate.text, candidate.references, options);
  if (!parsed_candidate.ok()) {
    const Status status = parsed_candidate.status();
    return Status(status.code(), "new schema: " + status.message());
  }

  CompatibilityResult result;
  result.level = level;
  if (level == CompatibilityLevel::kNone) {
    return result;
  }

  // The versions to compare with: every live one for transitive levels, else the latest.
  std::vector<const SchemaVersion*> earlier;
  for (const auto& version : history) {
    if (!version.deleted) {
      earlier.push_back(&version);
    }
  }
  if (!IsTransitive(level) && earlier.size() > 1) {
    earlier.erase(earlier.begin(), earlier.end() - 1);
  }

  // Schema Registry validates defaults of the schema being registered only.
  CheckOptions history_options = options;
  history_options.strict_defaults = false;
  for (const SchemaVersion* version : earlier) {
    if (version->type != candidate.type) {
      result.incompatibilities.push_back(
          Incompatibility{"SCHEMA_TYPE_MISMATCH", "/",
                          "schema type changed from " + std::string(ToString(version->type)) +
                              " to " + std::string(ToString(candidate.type)),
                          version->version});
      continue;
    }
    auto parsed = engine.Parse(version->text, version->references, history_options);
    if (!parsed.ok()) {
      const Status status = parsed.status();
      return Status(status.code(),
                    "version " + std::to_string(version->version) + ": " + status.message());
    }
    auto add = [&](std::vector<Incompatibility> found) {
      for (auto& incompatibility : found) {
        incompatibility.version = version->version;
        result.incompatibilities.push_back(std::move(incompatibility));
      }
    };
    if (ChecksBackward(level)) {
      CheckOptions backward = options;
      backward.reader_is_newer = true;
      add(engine.CheckReadable(**parsed_candidate, **parsed, backward));
    }
    if (ChecksForward(level)) {
      CheckOptions forward = options;
      forward.reader_is_newer = false;
      add(engine.CheckReadable(**parsed, **parsed_candidate, forward));
    }
  }
  result.compatible = result.incompatibilities.empty();
  return result;
}
}  // namespace

}  // namespace tributary::schema
