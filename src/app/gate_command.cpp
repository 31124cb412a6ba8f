#include "app/gate_command.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <ostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/text_codec.h"

namespace tributary::app {
namespace {

struct Fetched {
  long status = 0;
  std::string body;
  std::string error;  // transport error, empty when an answer came
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > (1u << 20)) {
    return 0;  // an answer over 1 MiB is not a proposal
  }
  body->append(data, size * n);
  return size * n;
}

Fetched Get(const std::string& url, const std::string& token) {
  Fetched f;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    f.error = "cannot initialise libcurl";
    return f;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (!token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    f.error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return f;
}

constexpr const char* kUsage =
    "usage: tributary gate --url URL --proposal ID [--token-env VAR] [--wait SECONDS]\n"
    "  exit 0: approved, not_needed or versioned; 1: pending, rejected or expired; 2: error\n";

}  // namespace

int RunGate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string url;
  std::string id;
  std::string token_env;
  long wait_seconds = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    }
    if (i + 1 >= args.size()) {
      err << "gate: " << a << " needs a value\n" << kUsage;
      return 2;
    }
    const auto& v = args[++i];
    if (a == "--url") {
      url = v;
    } else if (a == "--proposal") {
      id = v;
    } else if (a == "--token-env") {
      token_env = v;
    } else if (a == "--wait") {
      char* end = nullptr;
      wait_seconds = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || wait_seconds < 0) {
        err << "gate: --wait: a number of seconds\n";
        return 2;
      }
    } else {
      err << "gate: unknown option " << a << "\n" << kUsage;
      return 2;
    }
  }
  if (url.empty() || id.empty()) {
    err << "gate: --url and --proposal are required\n" << kUsage;
    return 2;
  }
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  std::string token;
  if (!token_env.empty()) {
    const char* t = std::getenv(token_env.c_str());
    if (t == nullptr || *t == '\0') {
      err << "gate: environment variable " << token_env << " is not set\n";
      return 2;
    }
    token = t;
  }
  const auto target = url + "/api/v1/proposals/" + PercentEncode(id);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  while (true) {
    const auto f = Get(target, token);
    if (!f.error.empty()) {
      err << "gate: " << target << ": " << f.error << "\n";
      return 2;
    }
    const auto body = nlohmann::json::parse(f.body, nullptr, false);
    if (f.status != 200) {
      std::string message = f.body.substr(0, 300);
      if (!body.is_discarded() && body.contains("error")) {
        message = body["error"].value("message", message);
      }
      err << "gate: " << target << ": HTTP " << f.status << ": " << message << "\n";
      return 2;
    }
    if (body.is_discarded() || !body.contains("status") || !body["status"].is_string()) {
      err << "gate: " << target << ": the answer is not a proposal\n";
      return 2;
    }
    const auto status = body["status"].get<std::string>();
    if (status == "pending" && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      continue;
    }
    out << "proposal " << id << " for " << body.value("product", std::string("?")) << ": "
        << status;
    if (status == "pending" && body.contains("approvals_needed")) {
      std::size_t approved = 0;
      for (const auto& d : body.value("decisions", nlohmann::json::array())) {
        approved += d.value("decision", "") == "approve" ? 1 : 0;
      }
      out << " (" << approved << " of " << body["approvals_needed"].size() << " approvals)";
    }
    out << "\n";
    if (status == "approved" || status == "not_needed" || status == "versioned") {
      return 0;
    }
    if (status == "pending" || status == "rejected" || status == "expired") {
      return 1;
    }
    err << "gate: unknown status \"" << status << "\"\n";
    return 2;
  }
}

}  // namespace tributary::app
