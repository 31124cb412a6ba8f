#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "http/openapi.h"

using nlohmann::json;

namespace {

const json& Document() {
  static const json document = json::parse(tributary::http::OpenApiDocument());
  return document;
}

// Every "$ref" string anywhere under `node`.
void CollectRefs(const json& node, std::set<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) {
        refs.insert(value.get<std::string>());
      } else {
        CollectRefs(value, refs);
      }
    }
  } else if (node.is_array()) {
    for (const auto& value : node) {
      CollectRefs(value, refs);
    }
  }
}

}  // namespace

TEST_CASE("the OpenAPI document is OpenAPI 3 JSON") {
  const auto& doc = Document();
  REQUIRE(doc.contains("openapi"));
  CHECK(doc["openapi"].get<std::string>().rfind("3.", 0) == 0);
  CHECK(doc["info"].contains("title"));
  CHECK(doc["info"].contains("version"));
}

TEST_CASE("the OpenAPI document lists every route of the HTTP API") {
  const auto& paths = Document().at("paths");
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"get", "/api/v1/lineage"},
      {"get", "/api/v1/impact"},
      {"get", "/api/v1/nodes"},
      {"get", "/api/v1/node"},
      {"get", "/api/v1/products"},
      {"get", "/api/v1/products/{name}"},
      {"post", "/api/v1/products/{name}/deprecate"},
      {"post", "/api/v1/products"},
      {"patch", "/api/v1/products/{name}"},
      {"post", "/api/v1/products/{name}/retire"},
      {"get", "/api/v1/deprecations"},
      {"get", "/api/v1/deprecations/{product}"},
      {"post", "/api/v1/compatibility"},
      {"get", "/api/v1/notifications"},
      {"post", "/api/v1/notifications/{id}/retry"},
      {"get", "/api/v1/teams"},
      {"put", "/api/v1/teams/{team}/subscriptions"},
      {"get", "/api/v1/events"},
      {"get", "/api/v1/quarantine"},
      {"post", "/api/v1/lineage"},
      {"get", "/api/v1/openapi.json"},
      {"get", "/healthz"},
      {"get", "/readyz"},
      {"get", "/metrics"},
  };
  for (const auto& [method, path] : routes) {
    INFO(method << " " << path);
    REQUIRE(paths.contains(path));
    REQUIRE(paths[path].contains(method));
    const auto& operation = paths[path][method];
    CHECK(operation.contains("responses"));
    CHECK(operation.contains("operationId"));
    // Every {param} of the path is declared as a path parameter.
    std::size_t open = 0;
    while ((open = path.find('{', open)) != std::string::npos) {
      const auto close = path.find('}', open);
      const auto name = path.substr(open + 1, close - open - 1);
      bool declared = false;
      for (const auto& p : operation.value("parameters", json::array())) {
        declared = declared || (p.value("in", "") == "path" && p.value("name", "") == name &&
                                p.value("required", false));
      }
      CHECK(declared);
      open = close;
    }
  }
}

TEST_CASE("the OpenAPI document describes errors and bearer authentication") {
  const auto& doc = Document();
  const auto& components = doc.at("components");
  SECTION("the error shape is {\"error\":{\"code\",\"message\"}}") {
    const auto& error = components.at("schemas").at("Error");
    CHECK(error["required"] == json::array({"error"}));
    CHECK(error["properties"]["error"]["required"] == json::array({"code", "message"}));
  }
  SECTION("a bearer security scheme, required by every write") {
    const auto& scheme = components.at("securitySchemes").at("bearerAuth");
    CHECK(scheme["type"] == "http");
    CHECK(scheme["scheme"] == "bearer");
    for (const auto& [path, item] : doc.at("paths").items()) {
      for (const auto& [method, operation] : item.items()) {
        if (method == "get") {
          continue;
        }
        if (path == "/api/v1/compatibility") {
          continue;  // a read-only dry run
        }
        INFO(method << " " << path);
        CHECK(operation.at("security") == json::array({{{"bearerAuth", json::array()}}}));
        CHECK(operation.at("responses").contains("401"));
      }
    }
  }
  SECTION("every $ref points at a component that exists") {
    std::set<std::string> refs;
    CollectRefs(doc, refs);
    CHECK(refs.size() > 10);
    for (const auto& ref : refs) {
      INFO(ref);
      REQUIRE(ref.rfind("#/components/", 0) == 0);
      const auto pointer = json::json_pointer(ref.substr(1));
      CHECK(doc.contains(pointer));
    }
  }
}

TEST_CASE("the embedded OpenAPI document is the one in the source tree") {
  std::ifstream file(std::string(TRIBUTARY_SOURCE_DIR) + "/src/http/openapi.json");
  REQUIRE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  CHECK(text.str() == tributary::http::OpenApiDocument());
}
