#include "tributary/ids.h"

#include <array>

namespace tributary {
namespace {

struct KindInfo {
  NodeKind kind;
  std::string_view prefix;
  bool namespaced;  // the body is "<namespace>/<name>"
};

constexpr std::array<KindInfo, 6> kKinds{{
    {NodeKind::kTopic, "topic", true},
    {NodeKind::kGroup, "group", true},
    {NodeKind::kPrincipal, "principal", false},
    {NodeKind::kJob, "job", true},
    {NodeKind::kTeam, "team", false},
    {NodeKind::kDataset, "dataset", true},
}};

const KindInfo& InfoFor(NodeKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) {
      return k;
    }
  }
  return kKinds[0];
}

std::string Join(std::string_view prefix, std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(prefix.size() + a.size() + b.size() + 2);
  out.append(prefix).append(":").append(a).append("/").append(b);
  return out;
}

// A dataset namespace is often a URI ("s3://bucket", "kafka://host:9092"): its
// '%' and '/' are percent-encoded so that the first '/' of the body ends it.
std::string EscapeNamespace(std::string_view ns) {
  std::string out;
  out.reserve(ns.size());
  for (const char c : ns) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string UnescapeNamespace(std::string_view ns) {
  std::string out;
  out.reserve(ns.size());
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const auto escape = ns.substr(i, 3);
    if (escape == "%2F" || escape == "%2f") {
      out.push_back('/');
      i += 2;
    } else if (escape == "%25") {
      out.push_back('%');
      i += 2;
    } else {
      out.push_back(ns[i]);
    }
  }
  return out;
}

}  // namespace

std::string_view ToString(NodeKind kind) { return InfoFor(kind).prefix; }

NodeId NodeId::Topic(std::string_view cluster, std::string_view topic) {
  return NodeId(Join("topic", cluster, topic));
}
NodeId NodeId::Group(std::string_view cluster, std::string_view group) {
  return NodeId(Join("group", cluster, group));
}
NodeId NodeId::Principal(std::string_view principal) {
  return NodeId("principal:" + std::string(principal));
}
NodeId NodeId::Job(std::string_view job_namespace, std::string_view name) {
  return NodeId(Join("job", job_namespace, name));
}
NodeId NodeId::Team(std::string_view name) { return NodeId("team:" + std::string(name)); }
NodeId NodeId::Dataset(std::string_view dataset_namespace, std::string_view name) {
  return NodeId(Join("dataset", EscapeNamespace(dataset_namespace), name));
}

bool IsCleanUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
      ++i;
      continue;
    }
    int extra = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(extra) >= text.size()) {
      return false;
    }
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((cc & 0xc0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values beyond Unicode are invalid.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

Result<NodeId> NodeId::Parse(std::string_view text) {
  if (text.size() > 4096) {
    return InvalidArgument("node id is longer than 4096 bytes");
  }
  if (!IsCleanUtf8(text)) {
    return InvalidArgument("node id is not clean UTF-8 (control characters or invalid bytes)");
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("node id \"" + std::string(text) +
                           "\" has no kind prefix (topic:, group:, principal:, job:, team:, "
                           "dataset:)");
  }
  const auto prefix = text.substr(0, colon);
  const auto body = text.substr(colon + 1);
  for (const auto& k : kKinds) {
    if (k.prefix != prefix) {
      continue;
    }
    if (body.empty()) {
      return InvalidArgument("node id \"" + std::string(text) + "\" has an empty body");
    }
    // Ids are never paths, but a "." or ".." segment is refused anyway so no
    // consumer of an id can be tricked into treating it as one.
    for (std::size_t start = 0; start <= body.size();) {
      const auto slash = body.find('/', start);
      const auto segment = body.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
      if (segment == "." || segment == "..") {
        return InvalidArgument("node id \"" + std::string(text) +
                               "\" has a \".\" or \"..\" segment");
      }
      if (slash == std::string_view::npos) {
        break;
      }
      start = slash + 1;
    }
    if (k.namespaced) {
      const auto slash = body.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == body.size()) {
        return InvalidArgument("node id \"" + std::string(text) + "\" must be " +
                               std::string(prefix) + ":<namespace>/<name>");
      }
    }
    return NodeId(std::string(text));
  }
  return InvalidArgument("node id \"" + std::string(text) + "\" has unknown kind \"" +
                         std::string(prefix) + "\"");
}

NodeKind NodeId::kind() const {
  const auto prefix = std::string_view(text_).substr(0, text_.find(':'));
  for (const auto& k : kKinds) {
    if (k.prefix == prefix) {
      return k.kind;
    }
  }
  return NodeKind::kTopic;
}

std::string_view NodeId::body() const {
  const auto colon = text_.find(':');
  return colon == std::string::npos ? std::string_view(text_)
                                    : std::string_view(text_).substr(colon + 1);
}

std::string NodeId::space() const {
  if (!InfoFor(kind()).namespaced) {
    return {};
  }
  const auto b = body();
  const auto space = b.substr(0, b.find('/'));
  return kind() == NodeKind::kDataset ? UnescapeNamespace(space) : std::string(space);
}

std::string_view NodeId::name() const {
  const auto b = body();
  if (!InfoFor(kind()).namespaced) {
    return b;
  }
  const auto slash = b.find('/');
  return slash == std::string_view::npos ? b : b.substr(slash + 1);
}

}  // namespace tributary
