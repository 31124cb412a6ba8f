#pragma once
// Schema compatibility: Schema Registry's levels over per-type engines.
//
// A SchemaEngine knows one schema type (Avro, JSON Schema, Protobuf): it parses
// schema text and reports what stops a reader schema from reading data written
// with a writer schema. CheckCompatibility applies a Schema Registry level on top:
//   backward  = the new schema reads data written with the old  (reader=new, writer=old)
//   forward   = the old schema reads data written with the new  (reader=old, writer=new)
//   full      = both
// Non-transitive levels compare with the latest earlier version only; transitive
// levels with every earlier version. Soft-deleted versions are excluded. Different
// schema types are always incompatible.
//
// Everything here is pure and thread-compatible: engines hold no mutable state.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/work_budget.h"
#include "tributary/result.h"

namespace tributary::schema {

enum class SchemaType { kAvro, kJson, kProtobuf };
std::string_view ToString(SchemaType type);  // "AVRO", "JSON", "PROTOBUF"
// Accepts the registry's names (AVRO, JSON, PROTOBUF) and the CLI's (avro, json, protobuf).
Result<SchemaType> ParseSchemaType(std::string_view text);

enum class CompatibilityLevel {
  kNone,
  kBackward,
  kBackwardTransitive,
  kForward,
  kForwardTransitive,
  kFull,
  kFullTransitive,
};
std::string_view ToString(CompatibilityLevel level);  // "BACKWARD_TRANSITIVE", ...
Result<CompatibilityLevel> ParseCompatibilityLevel(std::string_view text);  // case-insensitive

// A named schema another schema refers to (Schema Registry "references").
struct SchemaReference {
  std::string name;  // the name the referring schema uses (Avro full name, import path, $ref URL)
  std::string subject;  // informational
  int version = 0;      // informational
  std::string text;     // the referenced schema's text, already resolved
};

struct SchemaVersion {
  int version = 0;
  SchemaType type = SchemaType::kAvro;
  std::string text;
  std::vector<SchemaReference> references;
  bool deleted = false;  // soft-deleted versions take no part in checks
};

// One reason a reader cannot read a writer's data. Results are data: messages
// are derived from the kind and path, and a check returns all of them.
struct Incompatibility {
  std::string kind;     // e.g. READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH, PROPERTY_REMOVED
  std::string path;     // where in the schema: "/fields/1/type/items", "#/properties/price"
  std::string message;  // one line for a human: "field `price` changed from double to string"
  int version = 0;      // the earlier version the check failed against (0 when not versioned)

  bool operator==(const Incompatibility&) const = default;
};

struct CheckOptions {
  bool strict_defaults =
      false;  // Avro: type-check field defaults (the registry does not by default)
  // Which side of a CheckReadable call is the newer schema, so messages can say
  // "changed from <old> to <new>". CheckCompatibility sets it: true for backward
  // checks (the new schema reads), false for forward checks (the old one reads).
  bool reader_is_newer = true;
  // A budget for the whole check (parsing included); exceeded, the check is
  // a kResourceExhausted error. None: unbounded (trusted input only).
  std::optional<WorkLimits> budget;
};

// A parsed schema; each engine defines its own subclass.
class ParsedSchema {
 public:
  virtual ~ParsedSchema() = default;
  virtual SchemaType type() const = 0;
  // A normalised form: two schemas with equal canonical text are the same schema
  // (Avro: Parsing Canonical Form).
  virtual std::string CanonicalText() const = 0;
};

class SchemaEngine {
 public:
  virtual ~SchemaEngine() = default;
  // Parses `text`; an invalid schema is an InvalidArgument naming the problem.
  virtual Result<std::shared_ptr<const ParsedSchema>> Parse(
      std::string_view text, const std::vector<SchemaReference>& references,
      const CheckOptions& options) const = 0;
  // What stops `reader` from reading data written with `writer`; empty when it can.
  // REQUIRES: both were parsed by this engine.
  virtual std::vector<Incompatibility> CheckReadable(const ParsedSchema& reader,
                                                     const ParsedSchema& writer,
                                                     const CheckOptions& options) const = 0;
};

// The engine for a type; engines live for the whole program.
const SchemaEngine& EngineFor(SchemaType type);

struct CompatibilityResult {
  bool compatible = true;
  CompatibilityLevel level = CompatibilityLevel::kNone;
  std::vector<Incompatibility> incompatibilities;
};

// Checks `candidate` against `history` (oldest first) at `level`. An invalid
// candidate or history schema is an error (InvalidArgument naming the version).
Result<CompatibilityResult> CheckCompatibility(CompatibilityLevel level,
                                               const std::vector<SchemaVersion>& history,
                                               const SchemaVersion& candidate,
                                               const CheckOptions& options = {});

}  // namespace tributary::schema
