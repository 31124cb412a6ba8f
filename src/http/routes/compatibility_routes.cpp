// Compatibility routes of the HTTP API (DESIGN.md §5). Schema compatibility checks (heavy: run on
// the work pool within kCompatibilityBudget).

#include "http/routes/route_support.h"

#include "graph/queries.h"
#include "schema/compatibility.h"

namespace tributary::http {
namespace {

using nlohmann::json;

Response CheckCompatibility(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Response::Error(400, "bad_request", "the body must be a JSON object");
  }
  if (!body.contains("schema") || !body["schema"].is_string()) {
    return Response::Error(400, "bad_request", "schema: a string is required");
  }
  auto type = schema::ParseSchemaType(body.value("schemaType", "AVRO"));
  if (!type.ok()) {
    return Response::Error(400, "bad_request", "schemaType: " + type.status().message());
  }
  std::vector<schema::SchemaVersion> history;
  std::optional<std::string> subject;
  std::string level_text = body.value("level", "");
  const auto schemas = ctx.schemas();
  if (body.contains("previous")) {
    if (!body["previous"].is_array()) {
      return Response::Error(400, "bad_request", "previous: an array of schema strings");
    }
    int n = 0;
    for (const auto& p : body["previous"]) {
      if (!p.is_string()) {
        return Response::Error(400, "bad_request", "previous: an array of schema strings");
      }
      history.push_back({++n, *type, p.get<std::string>(), {}, false});
    }
  } else {
    if (body.contains("subject") && body["subject"].is_string()) {
      subject = body["subject"].get<std::string>();
    } else if (body.contains("topic") && body["topic"].is_string()) {
      subject = body["topic"].get<std::string>() + "-value";
    } else {
      return Response::Error(400, "bad_request", "give subject, topic or previous");
    }
    auto it = schemas->subjects.find(*subject);
    if (it == schemas->subjects.end()) {
      return Response::Error(404, "not_found", "no subject named \"" + *subject + "\"");
    }
    for (const auto& [n, v] : it->second.versions) {
      auto t = schema::ParseSchemaType(v.schema_type);
      history.push_back(
          {v.version, t.ok() ? *t : schema::SchemaType::kAvro, v.schema, {}, v.deleted});
    }
    if (level_text.empty()) {
      level_text = schemas->LevelOf(*subject);
    }
  }
  auto level = schema::ParseCompatibilityLevel(level_text.empty() ? "BACKWARD" : level_text);
  if (!level.ok()) {
    return Response::Error(400, "bad_request", "level: " + level.status().message());
  }
  schema::SchemaVersion candidate{
      static_cast<int>(history.size()) + 1, *type, body["schema"].get<std::string>(), {}, false};
  schema::CheckOptions options;
  options.budget = kCompatibilityBudget;
  auto result = schema::CheckCompatibility(*level, history, candidate, options);
  if (!result.ok()) {
    if (result.status().code() == ErrorCode::kResourceExhausted) {
      return Response::Error(422, "schema_too_complex", result.status().message());
    }
    return Response::Error(422, "invalid_schema", result.status().message());
  }
  json incompatibilities = json::array();
  for (const auto& i : result->incompatibilities) {
    incompatibilities.push_back(
        {{"type", i.kind}, {"path", i.path}, {"message", i.message}, {"version", i.version}});
  }
  json out = {{"compatible", result->compatible},
              {"level", schema::ToString(*level)},
              {"incompatibilities", incompatibilities}};
  if (subject) {
    // The downstream consumers of the subject's topic, grouped by team.
    const std::string suffix = "-value";
    std::string topic = *subject;
    if (topic.size() > suffix.size() &&
        topic.compare(topic.size() - suffix.size(), suffix.size(), suffix) == 0) {
      topic.resize(topic.size() - suffix.size());
    }
    const auto g = ctx.graph();
    for (const auto& cluster : ctx.clusters) {
      auto impact = graph::Impact(*g, NodeId::Topic(cluster, topic).str());
      if (impact.ok()) {
        out["affected"] = graph::ToJson(*impact);
        break;
      }
    }
  }
  return Response::Json(200, out);
}

}  // namespace

void AddCompatibilityRoutes(Router& router, const ApiContext& ctx) {
  // Heavy: run on the server's work pool, within kCompatibilityBudget.
  router.Add(
      "POST", "/api/v1/compatibility",
      Timed(ctx, "compatibility", [&ctx](const Request& r) { return CheckCompatibility(ctx, r); }),
      AlwaysHeavy);
}

}  // namespace tributary::http
