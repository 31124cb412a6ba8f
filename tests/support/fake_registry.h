#pragma once
// A Schema Registry on a real socket (the project's HTTP server on port 0)
// serving the registry's documented REST answers from an in-memory state that
// tests change between polls.

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "http/server.h"
#include "ingest/schema_registry/schema_registry_client.h"

namespace tributary::testing {

using namespace tributary::http;
using namespace tributary::ingest::schema_registry;
using nlohmann::json;

// A Schema Registry serving the documented REST answers from an in-memory
// state that tests change between polls.
class FakeRegistry {
 public:
  struct Version {
    std::int32_t id;
    std::string schema;
    std::string type;  // "" for AVRO (the registry omits schemaType then)
    bool deleted = false;
  };

  explicit FakeRegistry(std::string expected_authorization = "")
      : expected_authorization_(std::move(expected_authorization)) {
    router_.Add("GET", "/subjects", [this](const Request& r) {
      return Guarded(r, [&] {
        const bool deleted = IsDeletedQuery(r);
        json out = json::array();
        for (const auto& [subject, versions] : subjects_) {
          for (const auto& [n, v] : versions) {
            if (deleted || !v.deleted) {
              out.push_back(subject);
              break;
            }
          }
        }
        return Response::Json(200, out);
      });
    });
    router_.Add("GET", "/subjects/{subject}/versions", [this](const Request& r) {
      return Guarded(r, [&] {
        const auto it = subjects_.find(r.params.at("subject"));
        json out = json::array();
        if (it != subjects_.end()) {
          for (const auto& [n, v] : it->second) {
            if (IsDeletedQuery(r) || !v.deleted) {
              out.push_back(n);
            }
          }
        }
        if (out.empty()) {
          return Error(404, 40401, "Subject '" + r.params.at("subject") + "' not found.");
        }
        return Response::Json(200, out);
      });
    });
    router_.Add("GET", "/subjects/{subject}/versions/{version}", [this](const Request& r) {
      return Guarded(r, [&] {
        const auto& subject = r.params.at("subject");
        const auto it = subjects_.find(subject);
        const auto n = std::stoi(r.params.at("version"));
        if (it == subjects_.end() || it->second.count(n) == 0 ||
            (it->second.at(n).deleted && !IsDeletedQuery(r))) {
          return Error(404, 40402, "Version " + std::to_string(n) + " not found.");
        }
        const auto& v = it->second.at(n);
        json out = {{"subject", subject}, {"version", n}, {"id", v.id}};
        if (!v.type.empty()) {
          out["schemaType"] = v.type;
        }
        out["schema"] = v.schema;
        return Response::Json(200, out);
      });
    });
    router_.Add("GET", "/config", [this](const Request& r) {
      return Guarded(r, [&] { return Response::Json(200, {{"compatibilityLevel", global_}}); });
    });
    router_.Add("GET", "/config/{subject}", [this](const Request& r) {
      return Guarded(r, [&] {
        const auto it = levels_.find(r.params.at("subject"));
        if (it == levels_.end()) {
          return Error(404, 40408,
                       "Subject '" + r.params.at("subject") +
                           "' does not have subject-level "
                           "compatibility configured");
        }
        return Response::Json(200, {{"compatibilityLevel", it->second}});
      });
    });
    router_.Add("GET", "/mode", [this](const Request& r) {
      return Guarded(r, [&] { return Response::Json(200, {{"mode", mode_}}); });
    });
    auto server = HttpServer::Start({}, [this](const Request& r) { return router_.Handle(r); });
    REQUIRE(server.ok());
    server_ = std::move(server).value();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  int requests() const { return requests_.load(); }

  void Put(const std::string& subject, std::int32_t n, Version v) {
    std::lock_guard lock(mu_);
    subjects_[subject][n] = std::move(v);
  }
  void SoftDelete(const std::string& subject, std::int32_t n) {
    std::lock_guard lock(mu_);
    subjects_[subject][n].deleted = true;
  }
  void HardDelete(const std::string& subject, std::int32_t n) {
    std::lock_guard lock(mu_);
    subjects_[subject].erase(n);
  }
  void SetLevel(const std::string& subject, const std::string& level) {
    std::lock_guard lock(mu_);
    levels_[subject] = level;
  }
  void SetGlobal(const std::string& level) {
    std::lock_guard lock(mu_);
    global_ = level;
  }
  void FailWith(int status) { fail_with_ = status; }

 private:
  static bool IsDeletedQuery(const Request& r) {
    const auto* d = r.Query("deleted");
    return d != nullptr && *d == "true";
  }
  static Response Error(int status, int code, const std::string& message) {
    Response res = Response::Json(status, {{"error_code", code}, {"message", message}});
    res.content_type = "application/vnd.schemaregistry.v1+json";
    return res;
  }
  template <typename F>
  Response Guarded(const Request& r, F&& f) {
    ++requests_;
    if (fail_with_ != 0) {
      return Error(fail_with_, fail_with_ * 100, "Internal Server Error");
    }
    if (!expected_authorization_.empty()) {
      const auto* auth = r.Header("authorization");
      if (auth == nullptr || *auth != expected_authorization_) {
        return Error(401, 40101, "Unauthorized");
      }
    }
    std::lock_guard lock(mu_);
    auto res = f();
    res.content_type = "application/vnd.schemaregistry.v1+json";
    return res;
  }

  std::string expected_authorization_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::map<std::string, std::map<std::int32_t, Version>> subjects_;
  std::map<std::string, std::string> levels_;
  std::string global_ = "BACKWARD";
  std::string mode_ = "READWRITE";
  std::atomic<int> requests_{0};
  std::atomic<int> fail_with_{0};
};

inline std::unique_ptr<SchemaRegistryClient> Client(const std::string& url,
                                                    RegistryAuth auth = {}) {
  SchemaRegistryClientOptions options;
  options.url = url;
  options.auth = std::move(auth);
  options.request_timeout = std::chrono::milliseconds(5000);
  auto client = SchemaRegistryClient::Create(options);
  REQUIRE(client.ok());
  return std::move(client).value();
}

}  // namespace tributary::testing
