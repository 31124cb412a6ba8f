// The UI's writes (DESIGN.md §5, "The UI writes"): sign-in by pasting a token
// once, sign-out, and every form — publish, edit, deprecate, next version,
// retire, request access, decide access requests and proposals.
//
// Every form is a plain HTML POST (application/x-www-form-urlencoded), so the
// UI works without JavaScript. A POST is refused, changing nothing, without a
// live session (401), with an Origin other than this server (403), or without
// the session's CSRF token (403). What passes is turned into the API's JSON
// request and dispatched through the router to the /api/v1 route, authorised
// by the session's token exactly as a bearer token is; a refusal re-renders
// the form with the API's errors next to the fields they name.

#include <set>

#include "core/text_codec.h"
#include "http/routes/governance_json.h"
#include "http/ui/ui_support.h"

namespace tributary::http::ui {
namespace {

using Form = std::map<std::string, std::string>;

// One field of a form page.
struct FormField {
  std::string name;
  std::string label;
  std::string kind = "text";  // text | secret | area | select
  std::string help;
  std::vector<std::string> options;  // select
};

struct FormSpec {
  std::string title;
  std::string intro;
  std::string action;  // the UI path the form posts to
  std::vector<FormField> fields;
  std::vector<std::pair<std::string, std::string>> hidden;
  std::vector<json> buttons;  // {"label"} or {"label","name","value"}
};

Response Redirect(const std::string& location) {
  Response r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "See " + location + "\n";
  r.headers.emplace_back("Location", location);
  return r;
}

Response MessagePage(const ApiContext& ctx, bool demo, int status, const std::string& title,
                     const std::string& message) {
  return Html(status, RenderPage("message", title, {{"message", message}, {"signin", true}}, demo,
                                 ctx.replica ? ctx.replica() : json()));
}

// The form's page: its fields with `values` and `errors` (by field name), and
// `error` above them.
Response FormPage(const ApiContext& ctx, bool demo, int status, const FormSpec& spec,
                  const UiSession* session, const Principal* principal, const Form& values,
                  const std::map<std::string, std::string>& errors, const std::string& error,
                  const std::vector<std::string>& details = {}) {
  json fields = json::array();
  for (const auto& f : spec.fields) {
    // Every key the template reads is set, false when empty: Mustache would
    // otherwise find the form's own "error" or "help" for a field without one.
    json field = {{"name", f.name},
                  {"label", f.label},
                  {f.kind, true},
                  {"error", false},
                  {"help", f.help.empty() ? json(false) : json(f.help)}};
    const auto value = values.contains(f.name) ? values.at(f.name) : std::string();
    if (f.kind != "secret") {
      field["value"] = value;
    }
    if (auto e = errors.find(f.name); e != errors.end()) {
      field["error"] = e->second;
    }
    json options = json::array();
    for (const auto& o : f.options) {
      options.push_back({{"value", o}, {"selected", o == value}});
    }
    field["options"] = options;
    fields.push_back(std::move(field));
  }
  json hidden = json::array();
  for (const auto& [name, value] : spec.hidden) {
    hidden.push_back({{"name", name}, {"value", value}});
  }
  json form = {{"title", spec.title},
               {"intro", spec.intro.empty() ? json(false) : json(spec.intro)},
               {"action", spec.action},
               {"fields", fields},
               {"hidden", hidden},
               {"buttons", spec.buttons},
               {"csrf", session != nullptr ? session->csrf : std::string()},
               {"error", error.empty() ? json(false) : json(error)},
               {"details", details}};
  json data = {{"form", form}, {"signin", true}};
  if (session != nullptr && principal != nullptr) {
    data["session"] = {{"name", principal->name},
                       {"role", std::string(ToString(principal->role))},
                       {"owner", principal->role != Role::kReader},
                       {"csrf", session->csrf}};
  }
  return Html(status,
              RenderPage("form", spec.title, data, demo, ctx.replica ? ctx.replica() : json()));
}

// The API's refusal spread over the form: a message (or a violation's)
// starting "<field>:" or "data.<field>:" goes next to that field.
void SpreadErrors(const json& answer, const FormSpec& spec,
                  std::map<std::string, std::string>& errors, std::string& error,
                  std::vector<std::string>& details) {
  std::set<std::string> names;
  for (const auto& f : spec.fields) {
    names.insert(f.name);
  }
  const auto place = [&](const std::string& message) {
    std::string_view m = message;
    if (m.starts_with("data.")) {
      m.remove_prefix(5);
    }
    const auto colon = m.find(':');
    if (colon != std::string_view::npos) {
      std::string field(m.substr(0, colon));
      if (const auto dot = field.find_first_of(".["); dot != std::string::npos) {
        field.resize(dot);
      }
      if (names.contains(field)) {
        auto& slot = errors[field];
        slot += (slot.empty() ? "" : "; ") +
                std::string(
                    m.substr(colon + 1 + (m.size() > colon + 1 && m[colon + 1] == ' ' ? 1 : 0)));
        return true;
      }
    }
    return false;
  };
  const std::string message =
      answer.contains("error") && answer["error"].is_object()
          ? answer["error"].value("message", std::string("the request was refused"))
          : std::string("the request was refused");
  if (answer.contains("violations") && answer["violations"].is_array() &&
      !answer["violations"].empty()) {
    error = "Not saved: the product breaks blocking rules.";
    for (const auto& v : answer["violations"]) {
      const auto text = v.value("message", std::string());
      if (!place(text)) {
        details.push_back(v.value("policy", std::string()) + ": " + text);
      }
    }
    return;
  }
  if (!place(message)) {
    error = "Not saved: " + message;
  } else {
    error = "Not saved: see the fields below.";
  }
}

std::vector<std::string> SplitTags(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) {
      comma = text.size();
    }
    std::string tag = text.substr(start, comma - start);
    tag.erase(0, tag.find_first_not_of(' '));
    tag.erase(tag.find_last_not_of(' ') + 1);
    if (!tag.empty()) {
      out.push_back(tag);
    }
    start = comma + 1;
  }
  return out;
}

// "2027-03-01" becomes midnight UTC; anything else is passed on as typed.
std::string SunsetValue(const std::string& text) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    return text + "T00:00:00Z";
  }
  return text;
}

// What a form post becomes: the API request, and where success leads.
struct ApiCall {
  std::string method;
  std::vector<std::string> segments;  // after /api/v1
  json body;
  std::function<std::string(const json& answer)> next;
};

class WritePages {
 public:
  WritePages(const Router& router, const ApiContext& ctx, bool demo)
      : router_(router), ctx_(ctx), demo_(demo) {}

  // GET of a form page: signed in, or sent to sign in first.
  Response Show(const Request& r, const std::function<Result<FormSpec>()>& spec,
                const std::function<Form(const Principal&)>& initial) const {
    std::optional<UiSession> session;
    const Request authed = WithSession(ctx_, r, &session);
    if (!session) {
      return Redirect("/ui/signin?next=" + PercentEncode(r.target));
    }
    auto principal = ctx_.auth->Authenticate(authed);
    if (!principal.ok()) {
      return MessagePage(ctx_, demo_, 401, "Sign in", principal.status().message());
    }
    auto s = spec();
    if (!s.ok()) {
      return MessagePage(ctx_, demo_, s.status().code() == ErrorCode::kNotFound ? 404 : 400,
                         "Not found", s.status().message());
    }
    return FormPage(ctx_, demo_, 200, *s, &*session, &*principal, initial(*principal), {}, "");
  }

  // POST of a form: session, origin and CSRF first; then the API call.
  Response Submit(const Request& r, const std::function<Result<FormSpec>()>& spec,
                  const std::function<Result<ApiCall>(const Form&)>& call) const {
    std::optional<UiSession> session;
    const Request authed = WithSession(ctx_, r, &session);
    if (!session) {
      return MessagePage(ctx_, demo_, 401, "Sign in first",
                         "Your session has ended or you are not signed in: nothing was changed. "
                         "Sign in and send the form again.");
    }
    if (!SameOrigin(r)) {
      return MessagePage(ctx_, demo_, 403, "Refused",
                         "The form came from another site: nothing was changed.");
    }
    auto form = ParseForm(r.body);
    if (!form.ok()) {
      return MessagePage(ctx_, demo_, 400, "Bad form", form.status().message());
    }
    if (!form->contains("csrf") || !SessionStore::CsrfMatches(*session, form->at("csrf"))) {
      return MessagePage(ctx_, demo_, 403, "Refused",
                         "The form's CSRF token does not match your session: nothing was "
                         "changed. Reload the page and send the form again.");
    }
    auto principal = ctx_.auth->Authenticate(authed);
    if (!principal.ok()) {
      return MessagePage(ctx_, demo_, 401, "Sign in", principal.status().message());
    }
    auto s = spec();
    if (!s.ok()) {
      return MessagePage(ctx_, demo_, s.status().code() == ErrorCode::kNotFound ? 404 : 400,
                         "Not found", s.status().message());
    }
    auto api = call(*form);
    if (!api.ok()) {
      return FormPage(ctx_, demo_, 400, *s, &*session, &*principal, *form, {},
                      "Not saved: " + api.status().message());
    }
    Request inner;
    inner.method = api->method;
    std::string raw = "/api/v1";
    std::string decoded = "/api/v1";
    for (const auto& segment : api->segments) {
      raw += "/" + PercentEncode(segment);
      decoded += "/" + segment;
    }
    inner.target = raw;
    inner.raw_path = raw;
    inner.path = decoded;
    inner.headers["authorization"] = authed.headers.at("authorization");
    inner.headers["content-type"] = "application/json";
    inner.body = api->body.dump();
    const Response answer = router_.Handle(inner);
    const auto parsed = json::parse(answer.body, nullptr, false);
    if (answer.status >= 200 && answer.status < 300) {
      return Redirect(api->next(parsed.is_discarded() ? json::object() : parsed));
    }
    std::map<std::string, std::string> errors;
    std::string error;
    std::vector<std::string> details;
    SpreadErrors(parsed.is_discarded() ? json::object() : parsed, *s, errors, error, details);
    return FormPage(ctx_, demo_, answer.status, *s, &*session, &*principal, *form, errors, error,
                    details);
  }

  // Sign-in: the token pasted once becomes a session cookie.
  Response SignInPage(const Request& r, int status = 200, const std::string& error = "") const {
    FormSpec spec{"Sign in",
                  "Paste your Tributary token once. It stays on the server for this session "
                  "(8 hours at most); your browser keeps only a session cookie.",
                  "/ui/signin",
                  {{"token", "Token", "secret", "the bearer token from [[auth.tokens]]"}},
                  {{"next", NextOf(r)}},
                  {json{{"label", "Sign in"}}}};
    std::map<std::string, std::string> errors;
    if (!error.empty()) {
      errors["token"] = error;
    }
    return FormPage(ctx_, demo_, status, spec, nullptr, nullptr, {}, errors, "");
  }

  Response SignIn(const Request& r) const {
    if (!SameOrigin(r)) {
      return MessagePage(ctx_, demo_, 403, "Refused",
                         "The sign-in came from another site: nothing was changed.");
    }
    auto form = ParseForm(r.body);
    if (!form.ok()) {
      return MessagePage(ctx_, demo_, 400, "Bad form", form.status().message());
    }
    const std::string token = form->contains("token") ? form->at("token") : "";
    Request probe;
    probe.headers["authorization"] = "Bearer " + token;
    auto principal = ctx_.auth->Authenticate(probe);
    if (token.empty() || !principal.ok()) {
      Request again = r;
      again.query.emplace("next", form->contains("next") ? form->at("next") : "/");
      return SignInPage(again, 401, token.empty() ? "paste your token" : "this token is not valid");
    }
    const auto session = ctx_.sessions->Create(token);
    auto response = Redirect(SafeNext(form->contains("next") ? form->at("next") : "/"));
    response.headers.emplace_back("Set-Cookie", ctx_.sessions->Cookie(session, ctx_.tls));
    return response;
  }

  Response SignOut(const Request& r) const {
    auto session = ctx_.sessions->Find(r);
    if (session) {
      auto form = ParseForm(r.body);
      if (!SameOrigin(r) || !form.ok() || !form->contains("csrf") ||
          !SessionStore::CsrfMatches(*session, form->at("csrf"))) {
        return MessagePage(ctx_, demo_, 403, "Refused",
                           "The form's CSRF token does not match your session: you are still "
                           "signed in.");
      }
      ctx_.sessions->End(session->id);
    }
    auto response = Redirect("/");
    response.headers.emplace_back("Set-Cookie", SessionStore::ClearingCookie(ctx_.tls));
    return response;
  }

  const ApiContext& ctx() const { return ctx_; }
  bool demo() const { return demo_; }

 private:
  // An Origin header, when sent, names this server (the Host it was sent to);
  // "null" (a sandboxed or privacy-stripped cross-site post) does not.
  static bool SameOrigin(const Request& r) {
    const std::string* origin = r.Header("origin");
    const std::string* host = r.Header("host");
    if (origin == nullptr) {
      return true;  // not sent (older browsers, curl): SameSite and CSRF still hold
    }
    if (host == nullptr) {
      return false;
    }
    const auto scheme_end = origin->find("://");
    return scheme_end != std::string::npos && origin->substr(scheme_end + 3) == *host;
  }

  static std::string NextOf(const Request& r) {
    const std::string* next = r.Query("next");
    return SafeNext(next != nullptr ? *next : "/");
  }

  // A local path only: never another site ("//host", "/\host", "http:").
  static std::string SafeNext(const std::string& next) {
    if (next.empty() || next[0] != '/' ||
        (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) ||
        next.find_first_of("\r\n") != std::string::npos) {
      return "/";
    }
    return next;
  }

  const Router& router_;
  const ApiContext& ctx_;
  bool demo_;
};

// At most this many access requests on one page (GET /api/v1/access-requests pages).
constexpr std::size_t kMaxRequestRows = 1000;

const std::vector<std::string> kQualities = {"authoritative", "curated", "raw"};
const std::vector<std::string> kSlas = {"tier-1", "tier-2", "tier-3"};

std::vector<FormField> ProductFields(const ApiContext& ctx, bool with_name) {
  std::vector<FormField> fields;
  if (with_name) {
    fields.push_back({"product", "Name", "text", "e.g. payments.settled"});
  }
  fields.push_back({"topic", "Topic", "text", "the Kafka topic that carries it"});
  if (!ctx.clusters.empty()) {
    fields.push_back({"cluster", "Cluster", "select", "", ctx.clusters});
  }
  fields.push_back({"domain", "Domain", "text", ""});
  fields.push_back({"owner", "Owning team", "text", ""});
  fields.push_back(
      {"description", "Description", "area", "what a record is, and when one is written"});
  fields.push_back({"quality", "Quality", "select", "", kQualities});
  fields.push_back({"sla", "SLA", "select", "", kSlas});
  fields.push_back({"tags", "Tags", "text", "comma-separated, e.g. finance, pii"});
  return fields;
}

json ProductBody(const Form& form, bool with_name) {
  json body = json::object();
  for (const char* key :
       {"product", "topic", "cluster", "domain", "owner", "description", "quality", "sla"}) {
    if (!with_name && std::string_view(key) == "product") {
      continue;
    }
    if (auto it = form.find(key); it != form.end() && !it->second.empty()) {
      body[key] = it->second;
    }
  }
  if (auto it = form.find("tags"); it != form.end()) {
    body["tags"] = SplitTags(it->second);
  }
  return body;
}

Result<const ProductState*> FindProduct(const std::shared_ptr<const CatalogState>& catalog,
                                        const std::string& name) {
  auto it = catalog->products.find(name);
  if (it == catalog->products.end()) {
    return NotFound("no product named \"" + name + "\"");
  }
  return &it->second;
}

}  // namespace

void AddWritePages(Router& router, const ApiContext& ctx, bool demo) {
  if (ctx.sessions == nullptr) {
    return;
  }
  auto pages = std::make_shared<WritePages>(router, ctx, demo);

  router.Add("GET", "/ui/signin", [pages](const Request& r) { return pages->SignInPage(r); });
  router.Add("POST", "/ui/signin", [pages](const Request& r) { return pages->SignIn(r); });
  router.Add("POST", "/ui/signout", [pages](const Request& r) { return pages->SignOut(r); });

  // Publish.
  const auto publish_spec = [&ctx]() -> Result<FormSpec> {
    return FormSpec{"Publish a data product",
                    "Written to the catalog topic (the system of record) and shown once applied. "
                    "Every field is required metadata.",
                    "/ui/products/new",
                    ProductFields(ctx, true),
                    {},
                    {json{{"label", "Publish"}}}};
  };
  router.Add("GET", "/ui/products/new", [pages, publish_spec](const Request& r) {
    return pages->Show(r, publish_spec, [](const Principal& p) {
      return Form{{"owner", p.team}, {"quality", "curated"}, {"sla", "tier-2"}};
    });
  });
  router.Add("POST", "/ui/products/new", [pages, publish_spec](const Request& r) {
    return pages->Submit(r, publish_spec, [](const Form& form) -> Result<ApiCall> {
      return ApiCall{"POST", {"products"}, ProductBody(form, true), [](const json& answer) {
                       return "/ui/products/" + Segment(answer.value("name", std::string()));
                     }};
    });
  });

  // Edit.
  const auto edit_spec = [&ctx](const Request& r) {
    return [&ctx, name = r.params.at("name")]() -> Result<FormSpec> {
      auto product = FindProduct(ctx.catalog(), name);
      if (!product.ok()) {
        return product.status();
      }
      return FormSpec{"Edit " + name,
                      "",
                      "/ui/products/" + Segment(name) + "/edit",
                      ProductFields(ctx, false),
                      {},
                      {json{{"label", "Save"}}}};
    };
  };
  router.Add("GET", "/ui/products/{name}/edit", [pages, edit_spec, &ctx](const Request& r) {
    return pages->Show(r, edit_spec(r), [&ctx, name = r.params.at("name")](const Principal&) {
      Form form;
      const auto catalog = ctx.catalog();
      if (auto it = catalog->products.find(name); it != catalog->products.end()) {
        const auto& p = it->second.published;
        std::string tags;
        for (const auto& t : p.tags) {
          tags += (tags.empty() ? "" : ", ") + t;
        }
        form = {{"topic", p.topic},
                {"cluster", p.cluster},
                {"domain", p.domain},
                {"owner", p.owner},
                {"description", p.description},
                {"quality", p.quality},
                {"sla", p.sla},
                {"tags", tags}};
      }
      return form;
    });
  });
  router.Add("POST", "/ui/products/{name}/edit", [pages, edit_spec](const Request& r) {
    return pages->Submit(r, edit_spec(r), [name = r.params.at("name")](const Form& form) {
      return Result<ApiCall>(
          ApiCall{"PATCH", {"products", name}, ProductBody(form, false), [name](const json&) {
                    return "/ui/products/" + Segment(name);
                  }});
    });
  });

  // Deprecate.
  const auto deprecate_spec = [&ctx](const Request& r) {
    return [&ctx, name = r.params.at("name")]() -> Result<FormSpec> {
      if (auto p = FindProduct(ctx.catalog(), name); !p.ok()) {
        return p.status();
      }
      return FormSpec{"Deprecate " + name,
                      "Its consumers' teams are told at once, reminded before the sunset, and "
                      "followed on the migration board.",
                      "/ui/products/" + Segment(name) + "/deprecate",
                      {{"reason", "Reason", "area", ""},
                       {"sunset", "Sunset", "text", "a date (2027-03-01) or an RFC 3339 time"},
                       {"replacement", "Replacement", "text", "a product name (optional)"}},
                      {},
                      {json{{"label", "Deprecate"}}}};
    };
  };
  router.Add("GET", "/ui/products/{name}/deprecate", [pages, deprecate_spec](const Request& r) {
    return pages->Show(r, deprecate_spec(r), [](const Principal&) { return Form{}; });
  });
  router.Add("POST", "/ui/products/{name}/deprecate", [pages, deprecate_spec](const Request& r) {
    return pages->Submit(r, deprecate_spec(r), [name = r.params.at("name")](const Form& form) {
      json body = {{"reason", form.contains("reason") ? form.at("reason") : ""},
                   {"sunset", SunsetValue(form.contains("sunset") ? form.at("sunset") : "")}};
      if (form.contains("replacement") && !form.at("replacement").empty()) {
        body["replacement"] = form.at("replacement");
      }
      return Result<ApiCall>(
          ApiCall{"POST", {"products", name, "deprecate"}, body, [name](const json&) {
                    return "/ui/deprecations/" + Segment(name);
                  }});
    });
  });

  // Next version.
  const auto next_spec = [&ctx](const Request& r) {
    return [&ctx, name = r.params.at("name")]() -> Result<FormSpec> {
      if (auto p = FindProduct(ctx.catalog(), name); !p.ok()) {
        return p.status();
      }
      return FormSpec{"Create the next version of " + name,
                      "Publishes the next version with this product's metadata, deprecates this "
                      "one in its favour, tells its consumers what changed field by field, and "
                      "watches that both are written until they have moved.",
                      "/ui/products/" + Segment(name) + "/next-version",
                      {{"schemaType", "Schema type", "select", "", {"AVRO", "JSON", "PROTOBUF"}},
                       {"schema", "Schema", "area", "the next version's schema"},
                       {"reason", "Reason", "area", "why consumers have to move"},
                       {"sunset", "Sunset of " + name, "text",
                        "optional: a date or RFC 3339 time; default after the configured period"}},
                      {},
                      {json{{"label", "Create the next version"}}}};
    };
  };
  router.Add("GET", "/ui/products/{name}/next-version", [pages, next_spec](const Request& r) {
    return pages->Show(r, next_spec(r), [](const Principal&) {
      return Form{{"schemaType", "AVRO"}};
    });
  });
  router.Add("POST", "/ui/products/{name}/next-version", [pages, next_spec](const Request& r) {
    return pages->Submit(r, next_spec(r), [name = r.params.at("name")](const Form& form) {
      json body = {{"schemaType", form.contains("schemaType") ? form.at("schemaType") : "AVRO"},
                   {"schema", form.contains("schema") ? form.at("schema") : ""},
                   {"reason", form.contains("reason") ? form.at("reason") : ""}};
      if (form.contains("sunset") && !form.at("sunset").empty()) {
        body["sunset"] = SunsetValue(form.at("sunset"));
      }
      return Result<ApiCall>(
          ApiCall{"POST", {"products", name, "next-version"}, body, [](const json& answer) {
                    return "/ui/products/" + Segment(answer.value("product", std::string()));
                  }});
    });
  });

  // Retire: the name typed again confirms it.
  const auto retire_spec = [&ctx](const Request& r) {
    return [&ctx, name = r.params.at("name")]() -> Result<FormSpec> {
      if (auto p = FindProduct(ctx.catalog(), name); !p.ok()) {
        return p.status();
      }
      return FormSpec{"Retire " + name,
                      "A retired product takes no consumers; those still reading it are told.",
                      "/ui/products/" + Segment(name) + "/retire",
                      {{"confirm", "Type the product's name to confirm", "text", name}},
                      {},
                      {json{{"label", "Retire"}}}};
    };
  };
  router.Add("GET", "/ui/products/{name}/retire", [pages, retire_spec](const Request& r) {
    return pages->Show(r, retire_spec(r), [](const Principal&) { return Form{}; });
  });
  router.Add("POST", "/ui/products/{name}/retire", [pages, retire_spec](const Request& r) {
    return pages->Submit(
        r, retire_spec(r), [name = r.params.at("name")](const Form& form) -> Result<ApiCall> {
          if (!form.contains("confirm") || form.at("confirm") != name) {
            return InvalidArgument("confirm: type " + name + " to retire it");
          }
          return ApiCall{"POST", {"products", name, "retire"}, json::object(), [name](const json&) {
                           return "/ui/products/" + Segment(name);
                         }};
        });
  });

  // Request access.
  const auto access_spec = [&ctx](const Request& r) {
    return [&ctx, name = r.params.at("name")]() -> Result<FormSpec> {
      if (auto p = FindProduct(ctx.catalog(), name); !p.ok()) {
        return p.status();
      }
      return FormSpec{"Request access to " + name,
                      "The owning team decides; you are told either way.",
                      "/ui/products/" + Segment(name) + "/access",
                      {{"principal", "Kafka principal", "text",
                        "the one your consumer connects as, e.g. User:svc-app"},
                       {"purpose", "Purpose", "area", "what you will use it for"}},
                      {},
                      {json{{"label", "Request access"}}}};
    };
  };
  router.Add("GET", "/ui/products/{name}/access", [pages, access_spec](const Request& r) {
    return pages->Show(r, access_spec(r), [](const Principal&) { return Form{}; });
  });
  router.Add("POST", "/ui/products/{name}/access", [pages, access_spec](const Request& r) {
    return pages->Submit(r, access_spec(r), [name = r.params.at("name")](const Form& form) {
      json body = {{"principal", form.contains("principal") ? form.at("principal") : ""},
                   {"purpose", form.contains("purpose") ? form.at("purpose") : ""}};
      return Result<ApiCall>(
          ApiCall{"POST", {"products", name, "access-requests"}, body, [name](const json&) {
                    return "/ui/access-requests?product=" + Segment(name);
                  }});
    });
  });

  // Access requests: the list, with the owner's decision forms.
  router.Add("GET", "/ui/access-requests", [&ctx, demo](const Request& r) {
    std::optional<UiSession> session;
    const Request authed = WithSession(ctx, r, &session);
    std::optional<Principal> principal;
    if (auto p = ctx.auth->Authenticate(authed); p.ok()) {
      principal = *p;
    }
    return ServePage(
        ctx, demo, r, "Access requests",
        [&]() -> Result<json> {
          const std::string* status = r.Query("status");
          const std::string* product = r.Query("product");
          const auto state = ctx.governance ? ctx.governance() : nullptr;
          const auto catalog = ctx.catalog();
          json requests = json::array();
          if (state != nullptr) {
            for (const auto& [id, a] : state->access_requests) {
              if ((status != nullptr && !status->empty() && a.status != *status) ||
                  (product != nullptr && !product->empty() && a.requested.product != *product)) {
                continue;
              }
              if (requests.size() == kMaxRequestRows) {
                break;  // the page stays bounded; the API pages through the rest
              }
              json row = AccessRequestJson(a, ctx.governance_options);
              row["product_url"] = Segment(a.requested.product);
              std::string owner;
              if (auto p = catalog->products.find(a.requested.product);
                  p != catalog->products.end()) {
                owner = p->second.published.owner;
              }
              row["decidable"] = session && principal && a.status == "pending" &&
                                 (principal->role == Role::kAdmin ||
                                  (principal->role == Role::kOwner && principal->team == owner &&
                                   principal->team != a.requested.team));
              row["csrf"] = session ? session->csrf : std::string();
              requests.push_back(std::move(row));
            }
          }
          json statuses = json::array();
          for (const char* s : {"pending", "approved", "denied", "applied"}) {
            statuses.push_back({{"value", s}, {"selected", status != nullptr && *status == s}});
          }
          return json{{"requests", requests}, {"statuses", statuses}};
        },
        "access_requests");
  });
  const auto decision_spec = [](const std::string& title, const std::string& action,
                                const std::string& yes, const std::string& no) {
    return [=]() -> Result<FormSpec> {
      return FormSpec{
          title,
          "",
          action,
          {{"comment", "Comment", "area", "optional"}},
          {},
          {json{{"label", "Approve"}, {"name", "decision"}, {"value", yes}},
           json{{"label", no == "deny" ? "Deny" : "Reject"}, {"name", "decision"}, {"value", no}}}};
    };
  };
  router.Add("POST", "/ui/access-requests/{id}/decision", [pages, decision_spec](const Request& r) {
    const auto id = r.params.at("id");
    return pages->Submit(
        r,
        decision_spec("Decide access request " + id,
                      "/ui/access-requests/" + Segment(id) + "/decision", "approve", "deny"),
        [id](const Form& form) {
          json body = {{"decision", form.contains("decision") ? form.at("decision") : ""}};
          if (form.contains("comment") && !form.at("comment").empty()) {
            body["comment"] = form.at("comment");
          }
          return Result<ApiCall>(
              ApiCall{"POST", {"access-requests", id, "decision"}, body, [](const json& answer) {
                        return "/ui/access-requests?product=" +
                               Segment(answer.value("product", std::string()));
                      }});
        });
  });
  router.Add("POST", "/ui/proposals/{id}/decisions", [pages, decision_spec](const Request& r) {
    const auto id = r.params.at("id");
    return pages->Submit(
        r,
        decision_spec("Decide proposal " + id, "/ui/proposals/" + Segment(id) + "/decisions",
                      "approve", "reject"),
        [id](const Form& form) {
          json body = {{"decision", form.contains("decision") ? form.at("decision") : ""}};
          if (form.contains("comment") && !form.at("comment").empty()) {
            body["comment"] = form.at("comment");
          }
          return Result<ApiCall>(
              ApiCall{"POST", {"proposals", id, "decisions"}, body, [id](const json&) {
                        return "/ui/proposals/" + Segment(id);
                      }});
        });
  });
}

}  // namespace tributary::http::ui
