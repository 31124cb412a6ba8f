#pragma once
// TemplateSet: the Mustache templates of every notification kind and channel
// type, parsed once, and how an intent's facts become a message (a title, a body
// and, for email, an HTML part). templates/README.md is the reference for
// template authors: the files, the render context of each kind, the
// title/blank line/body convention, escaping, and overrides.
//
// The defaults are compiled in (generated from templates/ at build time). A
// `notifications.templates_dir` directory with the same layout overrides them
// file by file; a file it lacks falls back to the default.
//
// A TemplateSet is immutable after Load. Render is const and may be called from
// any number of threads at once; copies share the parsed templates.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "notifiers/templates/text_budget.h"
#include "tributary/result.h"

namespace tributary::notifiers {

// How a channel type's messages are written. Its templates are the files of
// its dialect, templates/<kind>/<dialect>.mustache (one file serves every
// channel type that writes the same markup: Slack mrkdwn for Slack and Google
// Chat, CommonMark for Discord and Mattermost); an override directory may also
// hold <kind>/<type>.mustache for one type only. `escape` is how {{values}}
// are escaped for the type's platform.
enum class TemplateEscape {
  kNone,   // as is (plain text)
  kSlack,  // & < > as entities (Slack reads them as control characters)
  kChat,   // mentions and links broken with invisible characters
};

struct ChannelTemplates {
  std::string type;     // the [[channels]] type, e.g. "googlechat"
  std::string dialect;  // the template file, e.g. "mrkdwn"
  TemplateEscape escape = TemplateEscape::kNone;
  bool html_part = false;  // also <kind>/<dialect>.html.mustache (email)
  // The body must fit this (the platform's limit); Render shrinks the context
  // until it does. `max` 0: rendered as is.
  BodyBudget budget;
};

struct RenderedMessage {
  std::string title;  // one line: email Subject, chat header
  std::string body;   // plain text or the channel's Markdown flavour
  std::string html;   // the HTML part of an email; empty for other channel types
};

class TemplateSet {
 public:
  // Parses the templates of every kind for every channel type of `channels`
  // (the channel registry's, notifiers/channel_registry.h): the compiled-in
  // defaults and, when `override_dir` is not empty, the files found there under
  // the same relative paths ("<kind>/<dialect>.mustache", "<kind>/<type>.mustache",
  // "<kind>/email.html.mustache"). InvalidArgument naming the file and the
  // parser's message when a template does not parse or an override cannot be
  // read; also when `override_dir` is not a directory or holds a .mustache file
  // that is not one of the known paths (a misspelt override would otherwise be
  // ignored silently).
  static Result<TemplateSet> Load(const std::filesystem::path& override_dir,
                                  std::vector<ChannelTemplates> channels);

  // Renders `kind` for `channel_type` with `context`, a JSON object: the
  // intent's facts plus what the dispatcher adds (templates/README.md). The
  // first line of the output is the title, the rest after blank lines the body.
  // When the body exceeds the channel type's budget, it is rendered again from
  // a smaller context until it fits, so the title, the action and the link the
  // template writes stay: first every string longer than a quarter of the
  // budget is cut with "…" (the reason, messages; never `ui_url`), then every
  // top-level list is shortened to as many entries as fit, with
  // `<list>_more` set to the number left out (templates/README.md); then
  // strings are cut shorter. A template that still does not fit has its body
  // cut before its last paragraph.
  // NotFound for an unknown kind or channel type; InvalidArgument when
  // `context` is not an object or the template renders an empty title.
  Result<RenderedMessage> Render(std::string_view kind, std::string_view channel_type,
                                 const nlohmann::json& context) const;

  // The relative paths an override replaced, sorted; empty with no overrides.
  const std::vector<std::string>& overridden() const;

  // The names of every NotificationKind (tributary/notification_kind.h).
  static const std::vector<std::string>& Kinds();
  // The channel types it renders for, as loaded.
  const std::vector<ChannelTemplates>& channels() const;

 private:
  struct Parsed;
  explicit TemplateSet(std::shared_ptr<const Parsed> parsed);

  std::shared_ptr<const Parsed> parsed_;
};

}  // namespace tributary::notifiers
