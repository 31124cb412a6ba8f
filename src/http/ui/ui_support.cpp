#include "http/ui/ui_support.h"

#include <charconv>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "core/event_codec.h"
#include "core/text_codec.h"
#include "graph/queries.h"
#include "http/params.h"
#include "http/routes/graph_render.h"
#include "http/routes/route_support.h"
#include "http/ui/ui_templates.h"
#include "notifiers/templates/mustache_data.h"
#include "tributary/overloaded.h"

namespace tributary::http {
namespace {

using nlohmann::json;
namespace mustache = kainjow::mustache;

const std::string& PageTemplate(const std::string& name) {
  static const std::map<std::string, std::string> pages = [] {
    std::map<std::string, std::string> out;
    for (const auto& t : UiTemplates()) {
      out.emplace(std::string(t.path), std::string(t.text));
    }
    return out;
  }();
  return pages.at(name + ".mustache");
}

// Untrusted text made safe to show: every string of a page's data goes through
// DisplaySafe (HTML escaping is the template's; bidi and control characters
// are replaced here).
void MakeDisplaySafe(json& value) {
  if (value.is_string()) {
    value = DisplaySafe(value.get_ref<const std::string&>(), /*keep_newlines=*/true);
  } else if (value.is_structured()) {
    for (auto& item : value) {
      MakeDisplaySafe(item);
    }
  }
}

Result<Principal> AdmitRead(const ApiContext& ctx, const Request& r) {
  auto principal = ctx.auth->Authenticate(r);
  if (!principal.ok()) {
    return principal.status();
  }
  if (auto s = ctx.auth->AuthorizeRead(*principal); !s.ok()) {
    return s;
  }
  return principal;
}

}  // namespace

std::string RenderPage(const std::string& page, const std::string& title, const json& data,
                       bool demo, const json& replica) {
  json safe = data;
  MakeDisplaySafe(safe);
  mustache::mustache content_template(PageTemplate(page));
  const std::string content = content_template.render(notifiers::JsonToMustache(safe));
  mustache::mustache layout(PageTemplate("layout"));
  mustache::data d{mustache::data::type::object};
  d.set("title", DisplaySafe(title));
  d.set("content", content);
  d.set("demo", demo);
  if (data.is_object()) {
    d.set("search_query", DisplaySafe(data.value("search_query", "")));
  }
  if (data.is_object() && data.value("signin", false)) {
    d.set("signin", true);
    if (const auto it = data.find("session"); it != data.end() && it->is_object()) {
      mustache::data session{mustache::data::type::object};
      session.set("name", DisplaySafe(it->value("name", "")));
      session.set("role", DisplaySafe(it->value("role", "")));
      session.set("csrf", it->value("csrf", ""));
      if (it->value("owner", false)) {
        session.set("owner", true);
      }
      d.set("session", session);
    }
  }
  if (replica.is_object() && replica.value("role", "single") != "single") {
    mustache::data r{mustache::data::type::object};
    r.set("id", DisplaySafe(replica.value("replica_id", "")));
    r.set("role", DisplaySafe(replica.value("role", "")));
    r.set("leader", DisplaySafe(replica.value("leader", "")));
    r.set("epoch", std::to_string(replica.value("epoch", std::int64_t{0})));
    d.set("replica", r);
  }
  return layout.render(d);
}

namespace ui {
// A node id as a query value (':' and '/' stay readable).
std::string Url(std::string_view text) { return PercentEncode(text, ":/"); }

// A name as one path segment ('/' encoded too).
std::string Segment(std::string_view text) { return PercentEncode(text); }

Response Html(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

std::string Time(std::int64_t ms) {
  return ms <= 0 ? std::string() : FormatRfc3339(FromMillis(ms));
}

std::string EvidenceText(std::uint8_t bits) {
  std::string out;
  for (const auto& [bit, name] :
       {std::pair{graph::kObserved, "observed"}, std::pair{graph::kPermitted, "permitted"},
        std::pair{graph::kDeclared, "declared"}}) {
    if ((bits & bit) != 0) {
      out += (out.empty() ? "" : ", ") + std::string(name);
    }
  }
  return out;
}

std::optional<std::string> TeamOf(const graph::GraphSnapshot& g, std::uint32_t v) {
  if (auto owner = g.OwnerOf(v)) {
    return std::string(owner->team);
  }
  return std::nullopt;
}

std::string InlineSvg(std::string svg) {
  if (const auto start = svg.find("<svg"); start != std::string::npos) {
    svg.erase(0, start);
  }
  return svg;
}

// A lineage SVG (or why there is none).
void AddLineage(json& page, const ApiContext& ctx, const Request& r, const graph::GraphSnapshot& g,
                const std::string& root, graph::Direction direction, int depth,
                std::optional<Timestamp> at) {
  graph::LineageQuery q;
  q.root = root;
  q.direction = direction;
  q.depth = depth;
  q.at = at;
  auto result = graph::Lineage(g, q);
  if (!result.ok()) {
    page["svg_error"] = result.status().message();
    return;
  }
  Principal viewer;
  if (auto p = ctx.auth->Authenticate(WithSession(ctx, r, nullptr)); p.ok()) {
    viewer = std::move(p).value();
  }
  const auto options = PictureFor(ctx, r, viewer, *result);
  page["viewer_team"] = options.viewer_team;
  page["viewer_team_url"] = Segment(options.viewer_team);
  if (Collapsed(*result, options)) {
    page["collapsed"] = "The lineage has " + std::to_string(result->nodes.size()) +
                        " nodes: drawn collapsed, one box per team. Open a team, or lower the "
                        "depth, to see its nodes.";
  }
  auto svg = DotToSvg(LineageToDot(g, *result, options));
  if (svg.ok()) {
    page["svg"] = InlineSvg(std::move(svg).value());
    page["legend"] = LineageLegendHtml();
  } else {
    page["svg_error"] = svg.status().message();
  }
  json edges = json::array();
  for (const auto& e : result->edges) {
    if (edges.size() == kMaxSvgNodes) {
      page["edges_cut"] = "The first " + std::to_string(edges.size()) + " of " +
                          std::to_string(result->edges.size()) +
                          " edges; lower the depth to see the rest.";
      break;
    }
    edges.push_back({{"from", std::string(e.from)},
                     {"from_url", Url(e.from)},
                     {"to", std::string(e.to)},
                     {"to_url", Url(e.to)},
                     {"kind", std::string(graph::ToString(e.kind))},
                     {"evidence", EvidenceText(e.evidence)},
                     {"first_seen", FormatRfc3339(e.first_seen)},
                     {"last_seen", FormatRfc3339(e.last_seen)},
                     {"active", e.active ? "yes" : "ended"}});
  }
  page["edges"] = edges;
}

// One line about an event for the overview's recent changes.
std::string Summary(const EventRecord& r) {
  return std::visit(
      Overloaded{
          [](const BreakingChangeDetected& e) {
            return e.subject + " v" + std::to_string(e.from_version) + " → v" +
                   std::to_string(e.to_version) + " (" + e.cause + ", level " + e.level +
                   "): " + std::to_string(e.affected.size()) + " consumers affected";
          },
          [](const CompatibleChangeRecorded& e) {
            return e.subject + " v" + std::to_string(e.from_version) + " → v" +
                   std::to_string(e.to_version) + " is compatible";
          },
          [](const ProductDeprecated& e) {
            return e.product + " deprecated, sunset " + FormatRfc3339(e.sunset) +
                   (e.replacement ? ", replaced by " + *e.replacement : std::string());
          },
          [](const ProductRetired& e) { return e.product + " retired"; },
          [](const ProductPublished& e) { return e.product + " published by " + e.owner; },
          [](const ConsumerOnDeprecated& e) {
            return e.consumer.str() + " started reading deprecated " + e.product;
          },
          [](const MigrationStatusChanged& e) {
            return e.consumer.str() + " on " + e.product + ": " +
                   (e.from.empty() ? std::string("—") : e.from) + " → " + e.to;
          },
          [](const AccessRevokedDetected& e) {
            return e.operation + " revoked from active " + e.principal.str();
          },
          [](const RetiredWithConsumers& e) {
            return e.product + " retired with " + std::to_string(e.consumers.size()) +
                   " consumers left";
          },
          [](const ReminderDue& e) {
            return e.before == "after" ? e.product + " is past its sunset"
                                       : e.product + ": " + e.before + " to sunset";
          },
          [](const SourceGap& e) {
            return std::to_string(e.to_offset - e.from_offset) + " records of " + e.cluster + "/" +
                   e.topic + "[" + std::to_string(e.partition) + "] (offsets " +
                   std::to_string(e.from_offset) + "–" + std::to_string(e.to_offset - 1) +
                   ") were deleted by the broker before they were read";
          },
          [](const NotificationDeadLettered& e) {
            return "notification " + e.idempotency_key + " dead: " + e.error;
          },
          [](const auto&) { return std::string(); },
      },
      r.event);
}

int DepthParam(const Request& r, int fallback) {
  const auto* text = r.Query("depth");
  int depth = fallback;
  if (text != nullptr && !text->empty()) {
    std::from_chars(text->data(), text->data() + text->size(), depth);
  }
  return std::clamp(depth, 1, 10);
}

std::optional<Timestamp> AtParam(const Request& r, std::string& error) {
  const auto* text = r.Query("at");
  if (text == nullptr || text->empty()) {
    return std::nullopt;
  }
  auto t = ParseRfc3339(*text);
  if (!t.ok()) {
    error = "at: " + t.status().message();
    return std::nullopt;
  }
  return *t;
}

Response ServePage(const ApiContext& ctx, bool demo, const Request& r, const std::string& title,
                   const PageBuilder& build, const std::string& page) {
  std::optional<UiSession> session;
  const Request request = WithSession(ctx, r, &session);
  auto principal = AdmitRead(ctx, request);
  if (!principal.ok()) {
    if (ctx.sessions != nullptr && r.Header("authorization") == nullptr &&
        principal.status().code() == ErrorCode::kUnauthenticated) {
      // A person without a session is sent to sign in, then back here.
      Response to_signin;
      to_signin.status = 303;
      to_signin.content_type = "text/plain; charset=utf-8";
      to_signin.headers.emplace_back("Location", "/ui/signin?next=" + PercentEncode(r.target));
      return to_signin;
    }
    return ErrorResponse(principal.status());
  }
  auto data = build();
  if (!data.ok()) {
    const int status = data.status().code() == ErrorCode::kNotFound          ? 404
                       : data.status().code() == ErrorCode::kInvalidArgument ? 400
                                                                             : 500;
    std::string message = data.status().message();
    if (status == 500) {
      // Internal messages (paths, SQLite errors) go to the log, not the page.
      const auto id = NewRequestId();
      spdlog::error("ui: request {} for {} failed: {}", id, r.target, data.status().ToString());
      message = "Something went wrong on our side (request id " + id + ").";
    }
    return Html(status, RenderPage("message", "Error", {{"message", message}}, demo,
                                   ctx.replica ? ctx.replica() : json()));
  }
  json page_data = std::move(data).value();
  if (page_data.is_object()) {
    page_data["signin"] = ctx.sessions != nullptr;
    if (session) {
      page_data["session"] = {{"name", principal->name},
                              {"role", std::string(ToString(principal->role))},
                              {"team", principal->team},
                              {"owner", principal->role != Role::kReader},
                              {"admin", principal->role == Role::kAdmin},
                              {"csrf", session->csrf}};
    }
  }
  return Html(200, RenderPage(page, title, page_data, demo, ctx.replica ? ctx.replica() : json()));
}

Request WithSession(const ApiContext& ctx, const Request& r, std::optional<UiSession>* session) {
  Request out = r;
  if (ctx.sessions == nullptr || r.Header("authorization") != nullptr) {
    return out;
  }
  if (auto found = ctx.sessions->Find(r)) {
    out.headers["authorization"] = "Bearer " + found->token;
    if (session != nullptr) {
      *session = std::move(found);
    }
  }
  return out;
}

}  // namespace ui
}  // namespace tributary::http
