#pragma once
// CloudEventsEnvelope: the structured-mode JSON envelope of a CloudEvents 1.0
// event (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md),
// shared by the source adapters that read CloudEvents (audit_log, catalog).
//
// Parse() checks what every such event must be: JSON, an object, specversion
// "1.0". The context attributes are then read one by one, so each decoder keeps
// its own order of checks and can put its own prefix on the errors. Errors are
// InvalidArgument naming the attribute ("id: must not be empty"), in the words of
// ingest/json_input.h.
//
// Immutable after Parse(); thread-compatible. The `data` pointer points into the
// envelope and lives as long as it.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::ingest::cloudevents {

class CloudEventsEnvelope {
 public:
  // Parses `value`; `what` names the record in errors ("catalog event").
  // Refuses values over 1 MiB.
  static Result<CloudEventsEnvelope> Parse(std::string_view value, std::string_view what);

  // Required attributes: names (non-empty, printable, bounded).
  Result<std::string> Id() const;
  Result<std::string> Source() const;
  Result<std::string> Type() const;
  // Required here (optional in the spec): an RFC 3339 time.
  Result<Timestamp> Time() const;
  // Optional: nullopt when absent or null.
  Result<std::optional<std::string>> Subject() const;
  // Ok when datacontenttype is absent or names a JSON media type.
  Status CheckDataContentType() const;
  // The `data` member, which must be a JSON object.
  Result<const nlohmann::json*> Data() const;

 private:
  explicit CloudEventsEnvelope(nlohmann::json root) : root_(std::move(root)) {}

  nlohmann::json root_;
};

}  // namespace tributary::ingest::cloudevents
