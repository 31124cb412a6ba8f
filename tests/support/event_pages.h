#pragma once
// Every event a service answers on GET /api/v1/events (seq, type, times,
// source, data), read in pages over one keep-alive connection (no TIME_WAIT
// pile-up when tests compare replicas in a loop).

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "support/http_client.h"

namespace tributary::testing {

// All events in order; null (and the reason on stderr) when the service does
// not answer every page.
inline nlohmann::json AllEvents(std::uint16_t port) {
  nlohmann::json all = nlohmann::json::array();
  std::string after = "0";
  try {
    HttpConnection c(port);
    for (;;) {
      const auto r = c.Request("GET", "/api/v1/events?limit=1000&after=" + after);
      if (r.status != 200) {
        std::fprintf(stderr, "GET /api/v1/events on %u: HTTP %d %s\n", port, r.status,
                     r.body.substr(0, 300).c_str());
        return nullptr;
      }
      const auto page = nlohmann::json::parse(r.body);
      for (const auto& e : page["events"]) {
        all.push_back(e);
      }
      if (page["next"].is_null()) {
        return all;
      }
      after = page["next"].get<std::string>();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "GET /api/v1/events on %u: %s\n", port, e.what());
    return nullptr;
  }
}

}  // namespace tributary::testing
