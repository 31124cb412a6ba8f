#include "notifiers/templates/template_set.h"

#include <cctype>
#include "notifiers/templates/mustache_data.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <kainjow/mustache.hpp>

#include "notifiers/core/html_escape.h"
#include "notifiers/templates/default_templates.h"
#include "tributary/notification_kind.h"

namespace tributary::notifiers {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Data = kainjow::mustache::data;
using Mustache = kainjow::mustache::mustache;

std::string RelativePath(std::string_view kind, std::string_view file) {
  return std::string(kind) + "/" + std::string(file) + ".mustache";
}

std::optional<std::size_t> IndexOf(const std::vector<std::string>& names, std::string_view name) {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(it - names.begin());
}

// The files a kind has: each dialect's (and its HTML part's), and a channel
// type's own where it differs from its dialect's (an override for that type only).
std::vector<std::string> OverridableFiles(const std::vector<ChannelTemplates>& channels) {
  std::set<std::string> files;
  for (const auto& c : channels) {
    files.insert(c.dialect);
    files.insert(c.type);
    if (c.html_part) {
      files.insert(c.dialect + ".html");
    }
  }
  return {files.begin(), files.end()};
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

// Slack's mrkdwn reads &, < and > as control characters (links, mentions such
// as <!channel>); a value must carry them as entities to show as typed — the
// same three entities as HTML element content.
std::string SlackEscape(const std::string& s) { return HtmlEscape(s); }

std::string NoEscape(const std::string& s) { return s; }

// Mattermost, Google Chat, Discord and Teams read mentions and links out of
// plain text: `@channel`, `@all`, `@here`, `@everyone`, `<users/all>`,
// `<@id>`, masked links `<http://x|click>` and `[click](http://x)`. A value
// must show as typed and trigger none of them, inside and outside code spans,
// so the syntax is broken with invisible characters rather than backslashes:
// a word joiner after an `@` that starts a word, a zero-width space after
// every `<` and between `]` and `(`. (Backticks stay: they only format.)
std::string ChatEscape(const std::string& s) {
  constexpr std::string_view kWordJoiner = "\u2060";
  constexpr std::string_view kZeroWidthSpace = "\u200B";
  const auto is_word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
           (static_cast<unsigned char>(c) & 0x80) != 0;
  };
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '@' && (i == 0 || !is_word(s[i - 1]))) {
      out += c;
      out += kWordJoiner;
    } else if (c == '<') {
      out += c;
      out += kZeroWidthSpace;
    } else if (c == ']' && i + 1 < s.size() && s[i + 1] == '(') {
      out += c;
      out += kZeroWidthSpace;
    } else {
      out += c;
    }
  }
  return out;
}

// A render context that resolves no partials. kainjow would otherwise parse a
// context string named by {{> name}} as a template: facts would become template
// text, and a parse error there writes to the shared template object.
class NoPartials final : public kainjow::mustache::context<std::string> {
 public:
  explicit NoPartials(const Data* data) : context(data) {}
  const Data* get_partial(const std::string&) const override { return nullptr; }
};

// A list of consumers ({id, depth[, team]}): each entry also gets `direct`
// (depth 1: it reads the topic itself).
Data ConsumerList(const json& consumers) {
  Data out(Data::type::list);
  for (const auto& c : consumers) {
    Data entry = JsonToMustache(c);
    if (c.is_object()) {
      auto depth = c.find("depth");
      entry["direct"] = Data(depth != c.end() && depth->is_number_integer() && *depth == 1);
    }
    out.push_back(entry);
  }
  return out;
}

std::string Text(const json& context, const char* key) {
  auto it = context.find(key);
  return it != context.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "<field>_<value>" for an enum-like value: lower case, anything but [a-z0-9] as '_'.
std::string FlagName(std::string_view field, std::string_view value) {
  std::string out = std::string(field) + "_";
  for (const char c : value) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

// The context as mustache data plus the derived fields templates/README.md lists.
// With `list_cap`, every top-level list shows its first `list_cap` entries and
// `<name>_more` says how many it leaves out; `has_<name>` and the counts are
// the whole list's.
Data BuildData(const json& context, std::optional<std::size_t> list_cap = std::nullopt) {
  Data data(Data::type::object);
  for (const auto& [key, value] : context.items()) {
    json shown_list;
    const json* shown = &value;
    if (value.is_array() && list_cap && value.size() > *list_cap) {
      shown_list = json(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(*list_cap));
      shown = &shown_list;
    }
    if ((key == "consumers" || key == "consumers_by_team") && value.is_array()) {
      data[key] = ConsumerList(*shown);
    } else {
      data[key] = JsonToMustache(*shown);
    }
    if (value.is_array()) {
      data["has_" + key] = Data(!value.empty());
      if (shown != &value) {
        data[key + "_more"] = Data(std::to_string(value.size() - shown->size()));
      }
    }
  }

  const std::string role = Text(context, "role");
  const std::string team = Text(context, "team");
  auto consumers = context.find("consumers");
  const bool has_consumers =
      consumers != context.end() && consumers->is_array() && !consumers->empty();
  data["has_consumers"] = Data(has_consumers);
  data["is_owner"] = Data(role == "owner" || role == "owner_and_consumer" ||
                          (role.empty() && !team.empty() && team == Text(context, "owner")));
  data["is_consumer"] =
      Data(role == "consumer" || role == "owner_and_consumer" || (role.empty() && has_consumers));
  data["is_subscriber"] = Data(role == "subscriber");
  if (!context.contains("consumer_count")) {
    data["consumer_count"] = Data(std::to_string(
        consumers != context.end() && consumers->is_array() ? consumers->size() : 0));
  }
  for (const char* field : {"cause", "role", "severity", "operation"}) {
    const std::string value = Text(context, field);
    if (!value.empty() && value.size() <= 64) {
      data[FlagName(field, value)] = Data(true);
    }
  }
  if (const std::string sunset = Text(context, "sunset"); sunset.size() >= 10) {
    data["sunset_date"] = Data(sunset.substr(0, 10));
  }
  if (auto days = context.find("days_to_sunset");
      days != context.end() && days->is_number_integer()) {
    const auto n = days->get<std::int64_t>();
    data["days_left"] = Data(n <= 0   ? std::string("less than a day")
                             : n == 1 ? std::string("1 day")
                                      : std::to_string(n) + " days");
  }
  if (auto version = context.find("to_version");
      version != context.end() && version->is_number_integer()) {
    data["whole_subject"] = Data(*version == 0);
  }
  return data;
}

// `value` with every string longer than `cap` characters cut with "…", except
// the top-level `ui_url` (the link must work).
json CapStrings(const json& value, std::size_t cap, bool top = true) {
  if (value.is_string()) {
    return CutText(value.get_ref<const std::string&>(), cap);
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) {
      out.push_back(CapStrings(v, cap, false));
    }
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, v] : value.items()) {
      out[key] = top && key == "ui_url" ? v : CapStrings(v, cap, false);
    }
    return out;
  }
  return value;
}

// ---- parsing -------------------------------------------------------------------------

// A section, inverted section, closing or comment tag alone on its line.
bool IsStandaloneTag(std::string_view s) {
  return s.size() >= 5 && s.starts_with("{{") && s.ends_with("}}") &&
         std::string_view("#^/!").find(s[2]) != std::string_view::npos &&
         s.find("{{", 2) == std::string_view::npos && s.find("}}") == s.size() - 2;
}

std::string_view TrimLine(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// Put after the tag on a line that holds only a section or comment tag. An
// ASCII control (record separator) no notification carries; stripped from the
// output.
constexpr char kStandaloneMark = '\x1e';

// Mustache removes a line that holds only a section or comment tag, whether the
// section renders or not. kainjow 4.1 removes it only when the section renders
// and leaves an empty line behind when it is skipped. So each such line gets a
// mark after its tag, and DropMarkedLines removes the lines left holding nothing
// but marks. Templates that change the delimiters are left as written.
std::string MarkStandaloneTags(std::string_view text) {
  if (text.find("{{=") != std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const auto end = nl == std::string_view::npos ? text.size() : nl + 1;
    const auto line = text.substr(pos, end - pos);
    pos = end;
    const auto tag = TrimLine(line);
    if (IsStandaloneTag(tag)) {
      out += tag;
      out += kStandaloneMark;
      out += nl == std::string_view::npos ? "" : "\n";
    } else {
      out += line;
    }
  }
  return out;
}

// Removes the lines that hold only marks and whitespace, and any other mark.
std::string DropMarkedLines(std::string rendered) {
  if (rendered.find(kStandaloneMark) == std::string::npos) {
    return rendered;
  }
  std::string out;
  out.reserve(rendered.size());
  std::size_t pos = 0;
  while (pos < rendered.size()) {
    const auto nl = rendered.find('\n', pos);
    const auto end = nl == std::string::npos ? rendered.size() : nl + 1;
    const std::string_view line = std::string_view(rendered).substr(pos, end - pos);
    pos = end;
    if (line.find(kStandaloneMark) == std::string_view::npos) {
      out += line;
      continue;
    }
    std::string kept;
    for (const char c : line) {
      if (c != kStandaloneMark) {
        kept += c;
      }
    }
    if (!TrimLine(kept).empty()) {
      out += kept;
    }
  }
  return out;
}

// ---- output ---------------------------------------------------------------------------

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string_view TrimRight(std::string_view s) {
  const auto end = s.find_last_not_of(" \t\r\n");
  return end == std::string_view::npos ? std::string_view() : s.substr(0, end + 1);
}

std::string_view Trim(std::string_view s) {
  s = TrimRight(s);
  const auto begin = s.find_first_not_of(" \t");
  return begin == std::string_view::npos ? std::string_view() : s.substr(begin);
}

// Plain text and Markdown: no trailing spaces, at most one blank line in a row
// (sections that render nothing leave none behind).
std::string TidyText(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  bool blank_pending = false;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const auto nl = body.find('\n', pos);
    const auto line = TrimRight(
        body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    if (line.empty()) {
      blank_pending = !out.empty();
    } else {
      if (!out.empty()) {
        out += blank_pending ? "\n\n" : "\n";
      }
      out += line;
      blank_pending = false;
    }
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
  }
  return out;
}

// Splits rendered output into its title (the first line) and body (after the
// blank line that must follow it).
Status Split(std::string_view rendered, const std::string& source, bool tidy, std::string& title,
             std::string& body) {
  const auto nl = rendered.find('\n');
  title = std::string(Trim(rendered.substr(0, nl)));
  if (title.empty()) {
    return InvalidArgument(source + ": rendered an empty title (the first line is the title)");
  }
  std::string_view rest =
      nl == std::string_view::npos ? std::string_view() : rendered.substr(nl + 1);
  if (!IsBlank(rest.substr(0, rest.find('\n')))) {
    return InvalidArgument(source + ": the title line must be followed by a blank line");
  }
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    if (!IsBlank(rest.substr(0, end))) {
      break;
    }
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  body = tidy ? TidyText(rest) : std::string(TrimRight(rest));
  return Status::Ok();
}

Result<std::string> ReadTemplateFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return InvalidArgument(path.string() + ": cannot be read: not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument(path.string() + ": cannot be read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return InvalidArgument(path.string() + ": cannot be read: " + std::strerror(errno));
  }
  if (Trim(text.str()).empty()) {
    return InvalidArgument(path.string() + ": is empty (the first line must be the title)");
  }
  return text.str();
}

// Every *.mustache file under `dir` must be one of the known paths.
Status CheckNoStrayFiles(const fs::path& dir, const std::vector<ChannelTemplates>& channels) {
  const auto files = OverridableFiles(channels);
  std::set<std::string> known;
  for (const auto& kind : TemplateSet::Kinds()) {
    for (const auto& file : files) {
      known.insert(RelativePath(kind, file));
    }
  }
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;  // a broken link: not a template, not an error here
    if (!it->is_regular_file(type_ec) || it->path().extension() != ".mustache") {
      continue;
    }
    const auto relative = it->path().lexically_relative(dir).generic_string();
    if (!known.contains(relative)) {
      return InvalidArgument(it->path().string() +
                             ": not a template Tributary uses (expected <kind>/<channel>.mustache "
                             "with kind one of " +
                             Join(TemplateSet::Kinds()) + " and channel one of " + Join(files) +
                             ")");
    }
  }
  if (ec) {
    return InvalidArgument(dir.string() + ": cannot be read: " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

struct TemplateSet::Parsed {
  struct Entry {
    std::string source;  // where the text came from, for error messages
    // Rendering is a non-const member of kainjow's class, but with NoPartials
    // and contexts free of lambdas (BuildData makes none) it only reads the
    // parsed tree: every piece of render state lives in the per-call context.
    // Checked against kainjow mustache 4.1; see the concurrency test.
    std::unique_ptr<Mustache> tmpl;
  };
  struct ChannelEntry {
    Entry text;
    std::optional<Entry> html;  // the HTML part, for channels with one (email)
  };
  std::vector<ChannelTemplates> channels;
  std::vector<std::string> channel_types;          // channels' types, in order
  std::vector<std::vector<ChannelEntry>> entries;  // by kind, then by channel
  std::vector<std::string> overridden;
};

TemplateSet::TemplateSet(std::shared_ptr<const Parsed> parsed) : parsed_(std::move(parsed)) {}

const std::vector<std::string>& TemplateSet::Kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> out;
    for (const auto kind : kNotificationKinds) {
      out.emplace_back(ToString(kind));
    }
    return out;
  }();
  return kinds;
}

const std::vector<ChannelTemplates>& TemplateSet::channels() const { return parsed_->channels; }

const std::vector<std::string>& TemplateSet::overridden() const { return parsed_->overridden; }

namespace {

// Reads the text of `<kind>/<file>.mustache`: the override when `override_dir`
// has it, else the compiled-in default (nullopt when there is none).
Result<std::optional<std::pair<std::string, std::string>>> ReadTemplate(
    const fs::path& override_dir, const std::string& relative,
    const std::map<std::string_view, std::string_view>& defaults, bool& overridden) {
  std::error_code ec;
  const fs::path path = override_dir.empty() ? fs::path() : override_dir / relative;
  // A link counts even when broken: reading it then fails with the reason.
  if (!path.empty()) {
    const auto status = fs::symlink_status(path, ec);
    if (ec && status.type() != fs::file_type::not_found) {
      return InvalidArgument(path.string() + ": cannot be read: " + ec.message());
    }
    if (fs::exists(status)) {
      auto read = ReadTemplateFile(path);
      if (!read.ok()) {
        return read.status();
      }
      overridden = true;
      return std::optional(std::pair(std::move(read).value(), path.string()));
    }
  }
  auto it = defaults.find(relative);
  if (it == defaults.end()) {
    return std::optional<std::pair<std::string, std::string>>();
  }
  return std::optional(
      std::pair(std::string(it->second), "templates/" + relative + " (compiled-in default)"));
}

// Parses a template's text; `escape` applies to {{values}} (HTML when nullopt).
template <typename Entry>
Result<Entry> ParseTemplate(std::string text, std::string source,
                            std::optional<TemplateEscape> escape) {
  Entry entry;
  entry.source = std::move(source);
  // Parsed as written first, so an error's position is the file's.
  if (Mustache as_written(text); !as_written.is_valid()) {
    return InvalidArgument(entry.source + ": " + as_written.error_message());
  }
  entry.tmpl = std::make_unique<Mustache>(MarkStandaloneTags(text));
  if (!entry.tmpl->is_valid()) {
    return InvalidArgument(entry.source + ": " + entry.tmpl->error_message());
  }
  if (!escape) {
    return entry;  // kainjow's HTML escaping, the default
  }
  switch (*escape) {
    case TemplateEscape::kSlack:
      entry.tmpl->set_custom_escape(SlackEscape);
      break;
    case TemplateEscape::kChat:
      entry.tmpl->set_custom_escape(ChatEscape);
      break;
    case TemplateEscape::kNone:
      entry.tmpl->set_custom_escape(NoEscape);
      break;
  }
  return entry;
}

}  // namespace

Result<TemplateSet> TemplateSet::Load(const fs::path& override_dir,
                                      std::vector<ChannelTemplates> channels) {
  std::error_code ec;
  if (!override_dir.empty()) {
    if (!fs::is_directory(override_dir, ec)) {
      return InvalidArgument("notifications.templates_dir: " + override_dir.string() +
                             " is not a directory");
    }
    if (auto s = CheckNoStrayFiles(override_dir, channels); !s.ok()) {
      return s;
    }
  }
  std::map<std::string_view, std::string_view> defaults;
  for (const auto& d : DefaultTemplates()) {
    defaults.emplace(d.path, d.text);
  }
  auto parsed = std::make_shared<Parsed>();
  std::set<std::string> overridden;
  // The text of one file: `preferred` (a channel type's own override) when the
  // override dir has it, else `fallback` (its dialect's).
  auto read = [&](const std::string& preferred,
                  const std::string& fallback) -> Result<std::pair<std::string, std::string>> {
    for (const auto* relative : {&preferred, &fallback}) {
      const bool default_allowed = relative == &fallback;
      bool from_override = false;
      auto text = ReadTemplate(override_dir, *relative,
                               default_allowed ? defaults : decltype(defaults){}, from_override);
      if (!text.ok()) {
        return text.status();
      }
      if (*text) {
        if (from_override) {
          overridden.insert(*relative);
        }
        return std::move(**text);
      }
    }
    return Internal("no compiled-in default template " + fallback);
  };
  for (const auto& kind : Kinds()) {
    auto& row = parsed->entries.emplace_back();
    for (const auto& c : channels) {
      auto text = read(RelativePath(kind, c.type), RelativePath(kind, c.dialect));
      if (!text.ok()) {
        return text.status();
      }
      auto entry =
          ParseTemplate<Parsed::Entry>(std::move(text->first), std::move(text->second), c.escape);
      if (!entry.ok()) {
        return entry.status();
      }
      Parsed::ChannelEntry channel{std::move(entry).value(), std::nullopt};
      if (c.html_part) {
        const auto html_path = RelativePath(kind, c.dialect + ".html");
        auto html = read(html_path, html_path);
        if (!html.ok()) {
          return html.status();
        }
        auto html_entry = ParseTemplate<Parsed::Entry>(std::move(html->first),
                                                       std::move(html->second), std::nullopt);
        if (!html_entry.ok()) {
          return html_entry.status();
        }
        channel.html = std::move(html_entry).value();
      }
      row.push_back(std::move(channel));
    }
  }
  for (const auto& c : channels) {
    parsed->channel_types.push_back(c.type);
  }
  parsed->channels = std::move(channels);
  parsed->overridden.assign(overridden.begin(), overridden.end());
  return TemplateSet(std::move(parsed));
}

Result<RenderedMessage> TemplateSet::Render(std::string_view kind, std::string_view channel_type,
                                            const json& context) const {
  const auto k = IndexOf(Kinds(), kind);
  if (!k) {
    return NotFound("no templates for notification kind \"" + std::string(kind) + "\"");
  }
  const auto c = IndexOf(parsed_->channel_types, channel_type);
  if (!c) {
    return NotFound("no templates for channel type \"" + std::string(channel_type) + "\"");
  }
  if (!context.is_object()) {
    return InvalidArgument("the render context of a " + std::string(kind) +
                           " notification is not a JSON object");
  }
  auto render = [](const Parsed::Entry& entry, const Data& data) {
    NoPartials ctx(&data);
    return DropMarkedLines(entry.tmpl->render(ctx));
  };
  const auto& entry = parsed_->entries[*k][*c];
  // The title and body from `ctx` with lists cut at `list_cap`.
  auto render_text = [&](const json& ctx, std::optional<std::size_t> list_cap,
                         RenderedMessage& out) {
    return Split(render(entry.text, BuildData(ctx, list_cap)), entry.text.source, true, out.title,
                 out.body);
  };
  RenderedMessage out;
  if (auto s = render_text(context, std::nullopt, out); !s.ok()) {
    return s;
  }
  const BodyBudget budget = parsed_->channels[*c].budget;
  const auto fits = [&](const RenderedMessage& m) {
    return budget.max == 0 || Measure(m.body, budget.unit) <= budget.max;
  };
  if (!fits(out)) {
    std::size_t longest = 0;
    for (const auto& [key, value] : context.items()) {
      if (value.is_array()) {
        longest = std::max(longest, value.size());
      }
    }
    bool fitted = false;
    for (const std::size_t cap : {budget.max / 4, budget.max / 16, std::size_t{64}}) {
      const json shrunk = CapStrings(context, cap);
      RenderedMessage m;
      if (auto s = render_text(shrunk, std::nullopt, m); !s.ok()) {
        return s;
      }
      if (fits(m)) {
        out = std::move(m);
        fitted = true;
        break;
      }
      if (longest == 0) {
        continue;
      }
      // The most entries that fit: `lo` fits, `hi` does not.
      RenderedMessage best;
      if (auto s = render_text(shrunk, 0, best); !s.ok()) {
        return s;
      }
      if (!fits(best)) {
        continue;
      }
      std::size_t lo = 0;
      std::size_t hi = longest;
      while (hi - lo > 1) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (auto s = render_text(shrunk, mid, m); !s.ok()) {
          return s;
        }
        if (fits(m)) {
          lo = mid;
          best = std::move(m);
        } else {
          hi = mid;
        }
      }
      out = std::move(best);
      fitted = true;
      break;
    }
    if (!fitted) {
      out.body = CutKeepingEnd(out.body, budget.max, budget.unit);
    }
  }
  if (entry.html) {
    std::string title;
    if (auto s = Split(render(*entry.html, BuildData(context)), entry.html->source, false, title,
                       out.html);
        !s.ok()) {
      return s;
    }
  }
  return out;
}

kainjow::mustache::data JsonToMustache(const nlohmann::json& value) {
  using Data = kainjow::mustache::data;
  using nlohmann::json;
  switch (value.type()) {
    case json::value_t::object: {
      Data out(Data::type::object);
      for (const auto& [key, v] : value.items()) {
        out[key] = JsonToMustache(v);
      }
      return out;
    }
    case json::value_t::array: {
      Data out(Data::type::list);
      for (const auto& v : value) {
        out.push_back(JsonToMustache(v));
      }
      return out;
    }
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      return s.empty() ? Data(false) : Data(s);
    }
    case json::value_t::boolean:
      return Data(value.get<bool>());
    case json::value_t::number_integer:
      return Data(std::to_string(value.get<std::int64_t>()));
    case json::value_t::number_unsigned:
      return Data(std::to_string(value.get<std::uint64_t>()));
    case json::value_t::number_float:
      return Data(value.dump());
    default:  // null, binary, discarded
      return Data(false);
  }
}

}  // namespace tributary::notifiers
