#pragma once
// SchemaRegistryClient: reads a Schema Registry over its REST API (libcurl),
// for managed registries that hide the `_schemas` topic (Confluent Cloud).
//
//   GET /subjects[?deleted=true]                       -> subject names
//   GET /subjects/{s}/versions[?deleted=true]          -> version numbers (404: none)
//   GET /subjects/{s}/versions/{v}[?deleted=true]      -> one version
//   GET /config, /config/{s}                           -> compatibility level (404: unset)
//   GET /mode                                          -> global mode (404: unset)
//
// Authentication is none, HTTP basic ("key:secret", a Confluent API key) or a
// bearer token. Every error names the request and what went wrong, e.g.
// `GET https://psrc-x.confluent.cloud/subjects: HTTP 401 (error_code 40101): Unauthorized`;
// 401 is Unauthenticated, 403 PermissionDenied, 5xx/429 and transport failures
// Unavailable (retry later), other answers InvalidArgument.
//
// Create() validates the options and connects to nothing. A client owns one
// curl handle (connections are reused between requests): use it from one
// thread at a time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/schema_registry/schemas_decoder.h"
#include "ingest/schema_registry/snapshot_diff.h"
#include "tributary/result.h"

namespace tributary::ingest::schema_registry {

struct RegistryAuth {
  enum class Kind { kNone, kBasic, kBearer };
  Kind kind = Kind::kNone;
  std::string credentials;  // basic: "user:password"; bearer: the token
};

// Reads the credentials from the environment variable `env_var`; `kind` is
// "none", "basic" or "bearer". A basic credential must contain ':'.
Result<RegistryAuth> RegistryAuthFromEnvironment(std::string_view kind, std::string_view env_var);

struct SchemaRegistryClientOptions {
  std::string url;  // base URL, e.g. https://psrc-abc12.us-east-2.aws.confluent.cloud
  RegistryAuth auth;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_response_bytes = 64u << 20;
};

class SchemaRegistryClient {
 public:
  static Result<std::unique_ptr<SchemaRegistryClient>> Create(SchemaRegistryClientOptions options);
  ~SchemaRegistryClient();
  SchemaRegistryClient(const SchemaRegistryClient&) = delete;
  SchemaRegistryClient& operator=(const SchemaRegistryClient&) = delete;

  Result<std::vector<std::string>> ListSubjects(bool include_deleted);
  // A subject the registry does not know (404) has no versions.
  Result<std::vector<std::int32_t>> ListVersions(std::string_view subject, bool include_deleted);
  Result<SchemaVersion> GetVersion(std::string_view subject, std::int32_t version,
                                   bool include_deleted);
  Result<std::optional<std::string>> GetGlobalCompatibility();
  Result<std::optional<std::string>> GetSubjectCompatibility(std::string_view subject);
  Result<std::optional<std::string>> GetGlobalMode();

  // The registry's whole state, soft-deleted versions included. Versions already
  // in `previous` are not fetched again (a version's text never changes; only
  // its deleted flag does). Feed two snapshots to SchemaRegistrySnapshotDiff.
  Result<RegistrySnapshot> FetchSnapshot(const RegistrySnapshot* previous = nullptr);

 private:
  struct Impl;
  explicit SchemaRegistryClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::ingest::schema_registry
