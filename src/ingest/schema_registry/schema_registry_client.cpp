#include "ingest/schema_registry/schema_registry_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "ingest/json_input.h"

namespace tributary::ingest::schema_registry {
namespace {

namespace js = ::tributary::ingest::json;
using nlohmann::json;

struct HttpAnswer {
  long status = 0;
  std::string body;
};

struct Sink {
  std::string* body;
  std::size_t limit;
  bool overflow = false;
};

std::size_t Write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const auto n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // makes curl fail the transfer
  }
  sink->body->append(data, n);
  return n;
}

// The registry's error body {"error_code":40401,"message":"Subject not found"}
// as " (error_code 40401): Subject not found", else a short excerpt.
std::string ErrorDetail(const std::string& body) {
  try {
    const auto j = json::parse(body);
    if (j.is_object()) {
      std::string out;
      if (const auto it = j.find("error_code"); it != j.end() && it->is_number_integer()) {
        out += " (error_code " + std::to_string(it->get<std::int64_t>()) + ")";
      }
      if (const auto it = j.find("message"); it != j.end() && it->is_string()) {
        out += ": " + it->get<std::string>().substr(0, 200);
      }
      if (!out.empty()) {
        return out;
      }
    }
  } catch (const std::exception&) {
    // not JSON: fall through
  }
  if (body.empty()) {
    return "";
  }
  std::string excerpt = body.substr(0, 200);
  for (auto& c : excerpt) {
    if (static_cast<unsigned char>(c) < 0x20) {
      c = ' ';
    }
  }
  return ": " + excerpt;
}

Status StatusFor(long status, const std::string& what, const std::string& body) {
  const auto message = what + ": HTTP " + std::to_string(status) + ErrorDetail(body);
  if (status == 401) {
    return {ErrorCode::kUnauthenticated, message};
  }
  if (status == 403) {
    return {ErrorCode::kPermissionDenied, message};
  }
  if (status == 404) {
    return NotFound(message);
  }
  if (status >= 500 || status == 429 || status == 408) {
    return Unavailable(message);
  }
  return InvalidArgument(message);
}

}  // namespace

struct SchemaRegistryClient::Impl {
  SchemaRegistryClientOptions options;
  CURL* curl = nullptr;

  ~Impl() {
    if (curl != nullptr) {
      curl_easy_cleanup(curl);
    }
  }

  std::string Escape(std::string_view segment) {
    char* escaped = curl_easy_escape(curl, segment.data(), static_cast<int>(segment.size()));
    if (escaped == nullptr) {
      return std::string(segment);
    }
    std::string out(escaped);
    curl_free(escaped);
    return out;
  }

  // GET base + path; `what` for errors is "GET <url>".
  Result<HttpAnswer> Get(const std::string& path) {
    const std::string url = options.url + path;
    const std::string what = "GET " + url;
    HttpAnswer answer;
    Sink sink{&answer.body, options.max_response_bytes};
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "tributary");
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers,
                                "Accept: application/vnd.schemaregistry.v1+json, application/json");
    std::string bearer;
    if (options.auth.kind == RegistryAuth::Kind::kBasic) {
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(curl, CURLOPT_USERPWD, options.auth.credentials.c_str());
    } else if (options.auth.kind == RegistryAuth::Kind::kBearer) {
      bearer = "Authorization: Bearer " + options.auth.credentials;
      headers = curl_slist_append(headers, bearer.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    if (sink.overflow) {
      return Unavailable(what + ": the response is larger than " +
                         std::to_string(options.max_response_bytes) + " bytes");
    }
    if (rc != CURLE_OK) {
      return Unavailable(what + ": " + curl_easy_strerror(rc));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    return answer;
  }

  // GET and parse a 200 answer; `not_found_ok` turns 404 into nullopt.
  Result<std::optional<json>> GetJson(const std::string& path, bool not_found_ok) {
    auto answer = Get(path);
    if (!answer.ok()) {
      return answer.status();
    }
    const std::string what = "GET " + options.url + path;
    if (answer->status == 404 && not_found_ok) {
      return std::optional<json>();
    }
    if (answer->status != 200) {
      return StatusFor(answer->status, what, answer->body);
    }
    auto parsed = js::Parse(answer->body, what + ": the response");
    if (!parsed.ok()) {
      return parsed.status();
    }
    return std::optional<json>(std::move(parsed).value());
  }

  // {"compatibilityLevel": ...} or {"compatibility": ...} (older registries).
  Result<std::optional<std::string>> GetLevel(const std::string& path) {
    auto doc = GetJson(path, true);
    if (!doc.ok()) {
      return doc.status();
    }
    if (!doc->has_value()) {
      return std::optional<std::string>();
    }
    const auto what = "GET " + options.url + path;
    const json& j = **doc;
    if (!j.is_object()) {
      return js::Expected(what, "an object", j);
    }
    for (const char* key : {"compatibilityLevel", "compatibility"}) {
      auto level = js::OptionalString(j, key, what);
      if (!level.ok()) {
        return level.status();
      }
      if (level->has_value()) {
        auto normalized = NormalizeCompatibilityLevel(**level, what + "." + key);
        if (!normalized.ok()) {
          return normalized.status();
        }
        return std::optional<std::string>(std::move(normalized).value());
      }
    }
    return std::optional<std::string>();
  }
};

Result<RegistryAuth> RegistryAuthFromEnvironment(std::string_view kind, std::string_view env_var) {
  RegistryAuth auth;
  if (kind == "none" || kind.empty()) {
    return auth;
  }
  if (kind == "basic") {
    auth.kind = RegistryAuth::Kind::kBasic;
  } else if (kind == "bearer") {
    auth.kind = RegistryAuth::Kind::kBearer;
  } else {
    return InvalidArgument("schema registry auth \"" + std::string(kind) +
                           "\" is not one of none | basic | bearer");
  }
  const std::string name(env_var);
  const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return InvalidArgument("schema registry " + std::string(kind) + " auth: environment variable " +
                           (name.empty() ? "(unnamed)" : name) + " is not set");
  }
  auth.credentials = value;
  if (auth.kind == RegistryAuth::Kind::kBasic && auth.credentials.find(':') == std::string::npos) {
    return InvalidArgument("schema registry basic auth: " + name +
                           " must hold \"key:secret\" (no ':' found)");
  }
  return auth;
}

Result<std::unique_ptr<SchemaRegistryClient>> SchemaRegistryClient::Create(
    SchemaRegistryClientOptions options) {
  while (!options.url.empty() && options.url.back() == '/') {
    options.url.pop_back();
  }
  if (options.url.rfind("http://", 0) != 0 && options.url.rfind("https://", 0) != 0) {
    return InvalidArgument("schema registry url \"" + options.url +
                           "\" must start with http:// or https://");
  }
  if (options.connect_timeout.count() <= 0 || options.request_timeout.count() <= 0) {
    return InvalidArgument("schema registry timeouts must be positive");
  }
  static std::once_flag global_init;
  static CURLcode init_rc = CURLE_OK;
  std::call_once(global_init, [] { init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init_rc != CURLE_OK) {
    return IoError(std::string("libcurl initialisation failed: ") + curl_easy_strerror(init_rc));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->curl = curl_easy_init();
  if (impl->curl == nullptr) {
    return IoError("libcurl could not create a handle");
  }
  return std::unique_ptr<SchemaRegistryClient>(new SchemaRegistryClient(std::move(impl)));
}

SchemaRegistryClient::SchemaRegistryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaRegistryClient::~SchemaRegistryClient() = default;

Result<std::vector<std::string>> SchemaRegistryClient::ListSubjects(bool include_deleted) {
  const std::string path = include_deleted ? "/subjects?deleted=true" : "/subjects";
  auto doc = impl_->GetJson(path, false);
  if (!doc.ok()) {
    return doc.status();
  }
  const auto what = "GET " + impl_->options.url + path;
  const json& j = **doc;
  if (!j.is_array()) {
    return js::Expected(what, "an array of subjects", j);
  }
  std::vector<std::string> out;
  for (const auto& s : j) {
    if (!s.is_string() || s.get_ref<const std::string&>().empty()) {
      return js::Expected(what, "subject names", s);
    }
    out.push_back(s.get<std::string>());
  }
  return out;
}

Result<std::vector<std::int32_t>> SchemaRegistryClient::ListVersions(std::string_view subject,
                                                                     bool include_deleted) {
  const std::string path = "/subjects/" + impl_->Escape(subject) + "/versions" +
                           (include_deleted ? "?deleted=true" : "");
  auto doc = impl_->GetJson(path, true);
  if (!doc.ok()) {
    return doc.status();
  }
  std::vector<std::int32_t> out;
  if (!doc->has_value()) {
    return out;
  }
  const auto what = "GET " + impl_->options.url + path;
  const json& j = **doc;
  if (!j.is_array()) {
    return js::Expected(what, "an array of versions", j);
  }
  for (const auto& v : j) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 ||
        v.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max()) {
      return js::Expected(what, "version numbers", v);
    }
    out.push_back(v.get<std::int32_t>());
  }
  return out;
}

Result<SchemaVersion> SchemaRegistryClient::GetVersion(std::string_view subject,
                                                       std::int32_t version, bool include_deleted) {
  const std::string path = "/subjects/" + impl_->Escape(subject) + "/versions/" +
                           std::to_string(version) + (include_deleted ? "?deleted=true" : "");
  auto answer = impl_->Get(path);
  if (!answer.ok()) {
    return answer.status();
  }
  const auto what = "GET " + impl_->options.url + path;
  if (answer->status != 200) {
    return StatusFor(answer->status, what, answer->body);
  }
  auto parsed = DecodeSchemaVersionDocument(answer->body, what);
  if (!parsed.ok()) {
    return parsed.status();
  }
  if (parsed->subject != subject || parsed->version != version) {
    return InvalidArgument(what + ": the answer is subject \"" + parsed->subject + "\" version " +
                           std::to_string(parsed->version));
  }
  return parsed;
}

Result<std::optional<std::string>> SchemaRegistryClient::GetGlobalCompatibility() {
  return impl_->GetLevel("/config");
}

Result<std::optional<std::string>> SchemaRegistryClient::GetSubjectCompatibility(
    std::string_view subject) {
  return impl_->GetLevel("/config/" + impl_->Escape(subject));
}

Result<std::optional<std::string>> SchemaRegistryClient::GetGlobalMode() {
  const std::string path = "/mode";
  auto doc = impl_->GetJson(path, true);
  if (!doc.ok()) {
    return doc.status();
  }
  if (!doc->has_value()) {
    return std::optional<std::string>();
  }
  const auto what = "GET " + impl_->options.url + path;
  if (!(*doc)->is_object()) {
    return js::Expected(what, "an object", **doc);
  }
  auto mode = js::OptionalString(**doc, "mode", what);
  if (!mode.ok()) {
    return mode.status();
  }
  if (mode->has_value()) {
    **mode = js::Upper(**mode);
  }
  return mode;
}

Result<RegistrySnapshot> SchemaRegistryClient::FetchSnapshot(const RegistrySnapshot* previous) {
  RegistrySnapshot snap;
  snap.includes_deleted = true;
  auto global = GetGlobalCompatibility();
  if (!global.ok()) {
    return global.status();
  }
  snap.global_level = std::move(global).value();
  auto mode = GetGlobalMode();
  if (!mode.ok()) {
    return mode.status();
  }
  snap.global_mode = std::move(mode).value();
  auto subjects = ListSubjects(true);
  if (!subjects.ok()) {
    return subjects.status();
  }
  for (const auto& subject : *subjects) {
    auto all = ListVersions(subject, true);
    if (!all.ok()) {
      return all.status();
    }
    auto live = ListVersions(subject, false);
    if (!live.ok()) {
      return live.status();
    }
    const std::set<std::int32_t> live_set(live->begin(), live->end());
    std::set<std::int32_t> numbers(all->begin(), all->end());
    numbers.insert(live->begin(), live->end());  // registries without ?deleted support
    const std::map<std::int32_t, SchemaVersion>* known = nullptr;
    if (previous != nullptr) {
      if (const auto it = previous->subjects.find(subject); it != previous->subjects.end()) {
        known = &it->second;
      }
    }
    auto& versions = snap.subjects[subject];
    for (const auto n : numbers) {
      const bool deleted = live_set.count(n) == 0;
      if (known != nullptr) {
        if (const auto it = known->find(n); it != known->end()) {
          auto copy = it->second;
          copy.deleted = deleted;
          versions.emplace(n, std::move(copy));
          continue;
        }
      }
      auto v = GetVersion(subject, n, deleted);
      if (!v.ok()) {
        if (v.status().code() == ErrorCode::kNotFound) {
          continue;  // hard-deleted between the listing and the fetch
        }
        return v.status();
      }
      v->deleted = deleted;
      versions.emplace(n, std::move(v).value());
    }
    if (versions.empty()) {
      snap.subjects.erase(subject);
    }
    auto level = GetSubjectCompatibility(subject);
    if (!level.ok()) {
      return level.status();
    }
    if (level->has_value()) {
      snap.subject_levels.emplace(subject, **level);
    }
  }
  return snap;
}

}  // namespace tributary::ingest::schema_registry
