#pragma once
// PolicySet: the configured [[policies]] (DESIGN.md §9), compiled once at
// config load, evaluated over one product's policy input document at a time.
//
// Every kind reads the same document (policy_input.h): the built-in kinds
// (required_fields, naming, schema_types, min_compatibility, pii, locality,
// wildcard_acl) in C++, `expression` in jq (jq_program.h). A violation names
// the policy, the node that violates (`product:<name>` for product-level rules,
// the consumer or principal otherwise) and a message. An expression that
// fails at run time is a violation of kind `error` (message `error: …`).
//
// Immutable after Compile(); Evaluate() is thread-safe.

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/result.h"

namespace tributary::governance {

class JqProgram;

// One [[policies]] entry as configured.
struct PolicySpec {
  std::string id;
  std::string kind;
  std::string severity = "warn";     // info | warn | block
  std::string scope = "*";           // glob over product names, or domain:<d>
  std::string message;               // optional: replaces the default message
  std::vector<std::string> fields;   // required_fields
  std::string pattern;               // naming
  std::vector<std::string> allowed;  // schema_types
  std::string level;                 // min_compatibility
  std::string expression;            // expression
};

// What a policy's compilation refused: the key at fault and why.
struct PolicyError {
  std::string field;  // e.g. "expression", "pattern", "kind"
  std::string message;
};

struct Violation {
  std::string policy;
  std::string kind;      // the policy's kind, or "error"
  std::string severity;  // info | warn | block
  std::string subject;   // product:<name>, group:..., job:..., principal:...
  std::string message;
  bool operator==(const Violation&) const = default;
};

// The built-in kinds and `expression`.
const std::vector<std::string>& PolicyKinds();

class PolicySet {
 public:
  struct Compiled;
  PolicySet();
  ~PolicySet();
  PolicySet(PolicySet&&) noexcept;
  PolicySet& operator=(PolicySet&&) noexcept;

  // Compiles one policy; on failure the key at fault and the reason.
  static std::optional<PolicyError> Check(const PolicySpec& spec);
  // Compiles every policy; the first failure is an InvalidArgument
  // "policies[i].<field>: message".
  static Result<std::shared_ptr<const PolicySet>> Compile(std::vector<PolicySpec> specs,
                                                          std::vector<std::string> pii_tags);
  // The same, every failure reported with its policy's index; null when any failed.
  static std::shared_ptr<const PolicySet> CompileAll(
      std::vector<PolicySpec> specs, std::vector<std::string> pii_tags,
      std::vector<std::pair<std::size_t, PolicyError>>& errors);

  // Every violation of the product described by `input` (a policy input
  // document), in policy order. Policies whose scope excludes it are skipped.
  std::vector<Violation> Evaluate(const nlohmann::json& input) const;

  std::size_t size() const;
  const std::vector<std::string>& pii_tags() const { return pii_tags_; }

 private:
  std::vector<std::unique_ptr<Compiled>> policies_;
  std::vector<std::string> pii_tags_;
};

// Whether a product is in a policy's scope: a glob over its name, or
// `domain:<d>` (a glob over its domain).
bool InScope(const std::string& scope, const std::string& product, const std::string& domain);

// Compatibility levels ordered by what they promise: true when `actual`
// promises at least what `required` does (NONE < BACKWARD/FORWARD < FULL;
// transitive over non-transitive).
bool LevelAtLeast(const std::string& actual, const std::string& required);

}  // namespace tributary::governance
