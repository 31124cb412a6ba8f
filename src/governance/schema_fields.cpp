#include "governance/schema_fields.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace tributary::governance {
namespace {

using nlohmann::json;

constexpr std::string_view kTagsKey = "confluent:tags";
constexpr int kMaxDepth = 32;  // nesting deeper than this is not walked

std::vector<std::string> Tags(const json& node) {
  std::vector<std::string> out;
  if (node.is_object()) {
    if (auto it = node.find(kTagsKey); it != node.end() && it->is_array()) {
      for (const auto& t : *it) {
        if (t.is_string()) {
          out.push_back(t.get<std::string>());
        }
      }
    }
  }
  return out;
}

std::string Join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// ---- Avro ------------------------------------------------------------------------

std::string AvroTypeName(const json& type) {
  if (type.is_string()) {
    return type.get<std::string>();
  }
  if (type.is_array()) {
    return "union";
  }
  if (type.is_object() && type.contains("type") && type["type"].is_string()) {
    return type["type"].get<std::string>();
  }
  return "unknown";
}

void WalkAvroType(const json& type, const std::string& prefix, int depth,
                  std::vector<SchemaField>& out);

void WalkAvroRecord(const json& record, const std::string& prefix, int depth,
                    std::vector<SchemaField>& out) {
  const auto it = record.find("fields");
  if (it == record.end() || !it->is_array()) {
    return;
  }
  for (const auto& f : *it) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) {
      continue;
    }
    const auto path = Join(prefix, f["name"].get<std::string>());
    const json type = f.value("type", json());
    auto tags = Tags(f);
    // Tags may also sit on the field's type (a named or primitive type object).
    for (auto& t : Tags(type)) {
      tags.push_back(std::move(t));
    }
    out.push_back({path, AvroTypeName(type), std::move(tags)});
    WalkAvroType(type, path, depth + 1, out);
  }
}

void WalkAvroType(const json& type, const std::string& prefix, int depth,
                  std::vector<SchemaField>& out) {
  if (depth > kMaxDepth) {
    return;
  }
  if (type.is_array()) {
    for (const auto& branch : type) {
      WalkAvroType(branch, prefix, depth + 1, out);
    }
    return;
  }
  if (!type.is_object()) {
    return;
  }
  const auto kind = AvroTypeName(type);
  if (kind == "record" || kind == "error") {
    WalkAvroRecord(type, prefix, depth, out);
  } else if (kind == "array" && type.contains("items")) {
    WalkAvroType(type["items"], prefix, depth + 1, out);
  } else if (kind == "map" && type.contains("values")) {
    WalkAvroType(type["values"], prefix, depth + 1, out);
  }
}

// ---- JSON Schema -------------------------------------------------------------------

std::string JsonTypeName(const json& node) {
  if (!node.is_object()) {
    return "unknown";
  }
  if (auto it = node.find("type"); it != node.end()) {
    if (it->is_string()) {
      return it->get<std::string>();
    }
    if (it->is_array()) {
      std::string out;
      for (const auto& t : *it) {
        if (t.is_string()) {
          out += (out.empty() ? "" : "|") + t.get<std::string>();
        }
      }
      return out;
    }
  }
  if (node.contains("$ref")) {
    return "ref";
  }
  return node.contains("properties") ? "object" : "any";
}

void WalkJsonSchema(const json& node, const std::string& prefix, int depth,
                    std::vector<SchemaField>& out) {
  if (depth > kMaxDepth || !node.is_object()) {
    return;
  }
  if (auto it = node.find("properties"); it != node.end() && it->is_object()) {
    for (const auto& [name, sub] : it->items()) {
      const auto path = Join(prefix, name);
      out.push_back({path, JsonTypeName(sub), Tags(sub)});
      WalkJsonSchema(sub, path, depth + 1, out);
    }
  }
  if (auto it = node.find("items"); it != node.end()) {
    WalkJsonSchema(*it, prefix, depth + 1, out);
  }
  for (const char* combinator : {"allOf", "anyOf", "oneOf"}) {
    if (auto it = node.find(combinator); it != node.end() && it->is_array()) {
      for (const auto& sub : *it) {
        WalkJsonSchema(sub, prefix, depth + 1, out);
      }
    }
  }
}

// ---- Protobuf ----------------------------------------------------------------------
// Reads message and field declarations from the .proto text (comments and
// string literals respected); the protobuf engine validates the schema itself.

struct ProtoLexer {
  std::string_view text;
  std::size_t i = 0;

  void SkipSpace() {
    while (i < text.size()) {
      if (std::isspace(static_cast<unsigned char>(text[i])) != 0) {
        ++i;
      } else if (text.substr(i, 2) == "//") {
        while (i < text.size() && text[i] != '\n') {
          ++i;
        }
      } else if (text.substr(i, 2) == "/*") {
        const auto end = text.find("*/", i + 2);
        i = end == std::string_view::npos ? text.size() : end + 2;
      } else {
        return;
      }
    }
  }
  // The next token: an identifier (dots included), a string literal, or one character.
  std::string Next() {
    SkipSpace();
    if (i >= text.size()) {
      return "";
    }
    const char c = text[i];
    if (c == '"' || c == '\'') {
      std::string out(1, c);
      ++i;
      while (i < text.size() && text[i] != c) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          out += text[i++];
        }
        out += text[i++];
      }
      ++i;
      return out + c;
    }
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.') {
      const std::size_t start = i;
      while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) != 0 ||
                                 text[i] == '_' || text[i] == '.')) {
        ++i;
      }
      return std::string(text.substr(start, i - start));
    }
    ++i;
    return std::string(1, c);
  }
};

bool IsStringToken(const std::string& t) {
  return t.size() >= 2 && (t.front() == '"' || t.front() == '\'');
}

// The tags in a field's option list, read up to the closing ']'.
std::vector<std::string> ProtoOptionTags(ProtoLexer& lex) {
  std::vector<std::string> tags;
  bool in_field_meta = false;
  bool in_tags = false;
  int depth = 0;
  for (std::string t = lex.Next(); !t.empty(); t = lex.Next()) {
    if (t == "]" && depth == 0) {
      break;
    }
    if (t == "{" || t == "[") {
      ++depth;
    } else if (t == "}" || t == "]") {
      --depth;
      in_tags = false;
    } else if (t == "confluent.field_meta" || t == ".tags" || t == "field_meta") {
      in_field_meta = true;
      if (t == ".tags") {
        in_tags = true;
      }
    } else if (t == "tags" && in_field_meta) {
      in_tags = true;
    } else if (t == "," && depth == 0) {
      in_field_meta = false;
      in_tags = false;
    } else if (IsStringToken(t) && in_tags) {
      tags.push_back(t.substr(1, t.size() - 2));
    } else if (t != ")" && t != "(" && t != "=" && t != ":" && t != ",") {
      if (!IsStringToken(t) && t != "tags") {
        in_tags = false;
      }
    }
  }
  return tags;
}

void WalkProtoBody(ProtoLexer& lex, const std::string& prefix, int depth, bool top,
                   std::vector<SchemaField>& out);

void WalkProtoMessage(ProtoLexer& lex, const std::string& prefix, int depth,
                      std::vector<SchemaField>& out) {
  const auto name = lex.Next();
  if (lex.Next() != "{") {
    return;
  }
  WalkProtoBody(lex, prefix, depth, false, out);
  (void)name;
}

void WalkProtoBody(ProtoLexer& lex, const std::string& prefix, int depth, bool top,
                   std::vector<SchemaField>& out) {
  bool first_message_done = false;
  for (std::string t = lex.Next(); !t.empty(); t = lex.Next()) {
    if (t == "}") {
      return;
    }
    if (t == "message") {
      if (top && first_message_done) {
        // Other top-level messages: walked for balance, not reported.
        std::vector<SchemaField> ignored;
        WalkProtoMessage(lex, prefix, depth + 1, ignored);
        continue;
      }
      if (depth > kMaxDepth) {
        return;
      }
      if (top) {
        first_message_done = true;
        WalkProtoMessage(lex, prefix, depth + 1, out);
      } else {
        std::vector<SchemaField> nested;  // nested types are reported where fields use them
        WalkProtoMessage(lex, prefix, depth + 1, nested);
      }
      continue;
    }
    if (t == "enum" || t == "oneof" || t == "service" || t == "extend") {
      const auto name = lex.Next();
      (void)name;
      if (lex.Next() == "{") {
        if (t == "oneof") {
          WalkProtoBody(lex, prefix, depth + 1, false, out);
        } else {
          std::vector<SchemaField> ignored;
          WalkProtoBody(lex, prefix, depth + 1, false, ignored);
        }
      }
      continue;
    }
    if (top || t == "option" || t == "reserved" || t == "extensions" || t == ";") {
      // Statements of the file (syntax, package, import, option) or of the message.
      while (t != ";" && !t.empty() && t != "}") {
        if (t == "{") {
          std::vector<SchemaField> ignored;
          WalkProtoBody(lex, prefix, depth + 1, false, ignored);
        }
        t = lex.Next();
      }
      if (t == "}") {
        return;
      }
      continue;
    }
    // A field: [label] type name = number [options];
    std::string type = t;
    if (t == "repeated" || t == "optional" || t == "required") {
      type = lex.Next();
    }
    if (type == "map") {  // map<K, V>
      std::string mt = "map";
      for (std::string m = lex.Next(); !m.empty() && m != ">"; m = lex.Next()) {
        mt += m;
      }
      type = mt + ">";
    }
    const auto name = lex.Next();
    std::vector<std::string> tags;
    for (std::string u = lex.Next(); !u.empty(); u = lex.Next()) {
      if (u == "[") {
        tags = ProtoOptionTags(lex);
      } else if (u == ";") {
        break;
      } else if (u == "}") {
        return;
      }
    }
    out.push_back({Join(prefix, name), type, std::move(tags)});
  }
}

}  // namespace

Result<std::vector<SchemaField>> SchemaFields(std::string_view schema_type,
                                              std::string_view schema) {
  std::vector<SchemaField> out;
  if (schema_type == "PROTOBUF") {
    ProtoLexer lex{schema};
    WalkProtoBody(lex, "", 0, true, out);
    return out;
  }
  auto doc = json::parse(schema, nullptr, false);
  if (doc.is_discarded()) {
    return InvalidArgument(std::string(schema_type) + " schema is not valid JSON");
  }
  if (schema_type == "JSON") {
    WalkJsonSchema(doc, "", 0, out);
  } else {
    WalkAvroType(doc, "", 0, out);
  }
  return out;
}

std::vector<FieldChange> FieldDiff(const std::vector<SchemaField>& before,
                                   const std::vector<SchemaField>& after) {
  std::map<std::string, std::string> old_types;
  for (const auto& f : before) {
    old_types[f.path] = f.type;
  }
  std::vector<FieldChange> out;
  std::set<std::string> seen;
  for (const auto& f : after) {
    seen.insert(f.path);
    auto it = old_types.find(f.path);
    if (it == old_types.end()) {
      out.push_back({"added", f.path, "", f.type});
    } else if (it->second != f.type) {
      out.push_back({"retyped", f.path, it->second, f.type});
    }
  }
  for (const auto& f : before) {
    if (!seen.contains(f.path)) {
      out.push_back({"removed", f.path, f.type, ""});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FieldChange& a, const FieldChange& b) { return a.path < b.path; });
  return out;
}

}  // namespace tributary::governance
