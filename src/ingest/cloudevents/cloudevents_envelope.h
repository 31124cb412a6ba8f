#pragma once
// CloudEventsEnvelope: one CloudEvents 1.0 event
// (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md) read from a
// Kafka record in either content mode of the Kafka protocol binding
// (cloudevents/bindings/kafka-protocol-binding.md §3), shared by the source
// adapters that read CloudEvents (audit_log, catalog):
//
//   structured  the whole event as JSON in the value (event format
//               application/cloudevents+json); chosen when the `content-type`
//               header starts with `application/cloudevents` (any case), and
//               also when the record has no `ce_*` header at all (producers that
//               write the JSON envelope without headers).
//   binary      the context attributes in `ce_<attribute>` headers (`ce_id`,
//               `ce_specversion`, extensions alike), the `content-type` header as
//               datacontenttype, the value as `data`; chosen when a `ce_*` header
//               is present and the content-type is not a CloudEvents format.
//
// Parse() checks what every such event must be: specversion "1.0" and, in
// structured mode, a JSON object. The context attributes are then read one by
// one, so each decoder keeps its own order of checks and can put its own prefix
// on the errors. Errors about the envelope are InvalidArgument naming the mode
// and the attribute where the record carries it ("binary-mode CloudEvent:
// ce_type: missing", "structured-mode CloudEvent: id: must not be empty"), the
// rest in the words of ingest/json_input.h. A header named more than once
// counts with its last value.
//
// Immutable after Parse(); thread-compatible. The `data` pointer points into the
// envelope and lives as long as it.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "ingest/raw_record.h"
#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::ingest::cloudevents {

enum class ContentMode { kStructured, kBinary };

class CloudEventsEnvelope {
 public:
  // Reads the record `value` with its `headers`; `what` names the record in
  // errors ("catalog event"). Refuses values over 1 MiB.
  static Result<CloudEventsEnvelope> Parse(std::string_view value,
                                           std::span<const RecordHeader> headers,
                                           std::string_view what);

  ContentMode mode() const { return mode_; }

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
  // The event data, which must be a JSON object: the `data` member in
  // structured mode, the record value parsed as JSON in binary mode.
  Result<const nlohmann::json*> Data() const;

 private:
  CloudEventsEnvelope(ContentMode mode, nlohmann::json attributes)
      : mode_(mode), attributes_(std::move(attributes)) {}

  // Where the record carries `attribute`: "id" or "ce_id"; datacontenttype is
  // the content-type header in binary mode.
  std::string Where(std::string_view attribute) const;
  // `s` with the mode in front.
  Status Named(const Status& s) const;

  ContentMode mode_;
  // Structured: the event object. Binary: the ce_* headers and content-type,
  // by header name, as strings.
  nlohmann::json attributes_;
  // Binary: the value parsed as JSON, or why it could not be. Structured: unused.
  nlohmann::json binary_data_;
  Status binary_data_error_;
};

}  // namespace tributary::ingest::cloudevents
