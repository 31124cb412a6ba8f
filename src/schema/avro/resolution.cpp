#include "schema/avro/resolution.h"
#include "schema/work_budget.h"

#include <charconv>
#include <string>
#include <unordered_map>
#include <utility>

namespace tributary::schema::avro {
namespace {

enum class IssueKind {
  kReaderFieldMissingDefaultValue,
  kTypeMismatch,
  kMissingEnumSymbols,
  kMissingUnionBranch,
  kNameMismatch,
  kFixedSizeMismatch,
};

std::string_view KindText(IssueKind kind) {
  switch (kind) {
    case IssueKind::kReaderFieldMissingDefaultValue:
      return "READER_FIELD_MISSING_DEFAULT_VALUE";
    case IssueKind::kTypeMismatch:
      return "TYPE_MISMATCH";
    case IssueKind::kMissingEnumSymbols:
      return "MISSING_ENUM_SYMBOLS";
    case IssueKind::kMissingUnionBranch:
      return "MISSING_UNION_BRANCH";
    case IssueKind::kNameMismatch:
      return "NAME_MISMATCH";
    case IssueKind::kFixedSizeMismatch:
      return "FIXED_SIZE_MISMATCH";
  }
  return "UNKNOWN";
}

// One problem, found at `path` relative to the pair being checked. Messages are
// rendered once the whole check is done, from the kind and the full path.
struct Issue {
  IssueKind kind;
  std::string path;
  const Node* reader = nullptr;
  const Node* writer = nullptr;
  const Node* writer_union = nullptr;  // set when `writer` is one branch of this union
  std::vector<std::string> symbols;    // kMissingEnumSymbols: the writer's symbols the reader lacks
};

using Issues = std::vector<Issue>;

void Prefix(std::string_view prefix, Issues& issues) {
  for (auto& issue : issues) {
    issue.path.insert(0, prefix);
  }
}

void Append(Issues& to, Issues&& from) {
  if (to.empty()) {
    to = std::move(from);
    return;
  }
  for (auto& issue : from) {
    to.push_back(std::move(issue));
  }
}

struct PairHash {
  size_t operator()(const std::pair<const Node*, const Node*>& pair) const {
    const auto a = reinterpret_cast<uintptr_t>(pair.first);
    const auto b = reinterpret_cast<uintptr_t>(pair.second);
    return std::hash<uintptr_t>()(a * 0x9E3779B97F4A7C15ULL ^ b);
  }
};

// The resolution rules. Pairs of complex types are memoised; a pair met again
// while it is still being checked (a recursive schema) is assumed readable, which
// is how Apache Avro's checker ends recursion.
class Checker {
 public:
  Issues Check(const Node& reader, const Node& writer) {
    ChargeWork();
    if (IsPrimitive(reader.kind) || IsPrimitive(writer.kind)) {
      // Whatever the other side holds, the answer cannot depend on recursion.
      return Compute(reader, writer);
    }
    const auto [it, inserted] = memo_.try_emplace({&reader, &writer});
    if (!inserted) {
      return it->second.done ? it->second.issues : Issues{};
    }
    Issues issues = Compute(reader, writer);
    Entry& entry = memo_[{&reader, &writer}];
    entry.done = true;
    entry.issues = issues;
    return issues;
  }

 private:
  struct Entry {
    bool done = false;
    Issues issues;
  };

  static Issues One(IssueKind kind, std::string path, const Node& reader, const Node& writer) {
    Issues issues;
    issues.push_back(Issue{kind, std::move(path), &reader, &writer, nullptr, {}});
    return issues;
  }

  Issues Compute(const Node& reader, const Node& writer) {
    if (reader.kind == writer.kind) {
      switch (reader.kind) {
        case Kind::kArray: {
          Issues issues = Check(*reader.items, *writer.items);
          Prefix("/items", issues);
          return issues;
        }
        case Kind::kMap: {
          Issues issues = Check(*reader.items, *writer.items);
          Prefix("/values", issues);
          return issues;
        }
        case Kind::kFixed: {
          Issues issues = CheckName(reader, writer);
          if (reader.size != writer.size) {
            Append(issues, One(IssueKind::kFixedSizeMismatch, "/size", reader, writer));
          }
          return issues;
        }
        case Kind::kEnum: {
          Issues issues = CheckName(reader, writer);
          Append(issues, CheckSymbols(reader, writer));
          return issues;
        }
        case Kind::kRecord: {
          Issues issues = CheckName(reader, writer);
          Append(issues, CheckFields(reader, writer));
          return issues;
        }
        case Kind::kUnion: {
          // Every branch the writer may have written must be readable.
          Issues issues;
          for (size_t i = 0; i < writer.branches.size(); ++i) {
            if (!Check(reader, *writer.branches[i]).empty()) {
              std::string path = std::to_string(i);
              path.insert(path.begin(), '/');
              Append(issues, One(IssueKind::kMissingUnionBranch, std::move(path), reader,
                                 *writer.branches[i]));
            }
          }
          return issues;
        }
        default:
          return {};  // the same primitive
      }
    }
    if (writer.kind == Kind::kUnion) {
      // Every branch of the writer's union must be readable by the (non-union) reader.
      Issues issues;
      for (const Node* branch : writer.branches) {
        Issues branch_issues = Check(reader, *branch);
        for (auto& issue : branch_issues) {
          if (issue.path.empty() && issue.writer == branch) {
            issue.writer_union = &writer;
          }
        }
        Append(issues, std::move(branch_issues));
      }
      return issues;
    }
    switch (reader.kind) {
      case Kind::kLong:
        if (writer.kind == Kind::kInt) {
          return {};
        }
        break;
      case Kind::kFloat:
        if (writer.kind == Kind::kInt || writer.kind == Kind::kLong) {
          return {};
        }
        break;
      case Kind::kDouble:
        if (writer.kind == Kind::kInt || writer.kind == Kind::kLong ||
            writer.kind == Kind::kFloat) {
          return {};
        }
        break;
      case Kind::kBytes:
        if (writer.kind == Kind::kString) {
          return {};
        }
        break;
      case Kind::kString:
        if (writer.kind == Kind::kBytes) {
          return {};
        }
        break;
      case Kind::kUnion:
        // The writer's (non-union) type must be readable by some branch.
        for (const Node* branch : reader.branches) {
          if (Check(*branch, writer).empty()) {
            return {};
          }
        }
        return One(IssueKind::kMissingUnionBranch, "", reader, writer);
      default:
        break;
    }
    return One(IssueKind::kTypeMismatch, "", reader, writer);
  }

  // Named types match by unqualified name, or by one of the reader's aliases.
  static Issues CheckName(const Node& reader, const Node& writer) {
    if (reader.name == writer.name) {
      return {};
    }
    for (const auto& alias : reader.aliases) {
      if (alias == writer.full_name) {
        return {};
      }
    }
    return One(IssueKind::kNameMismatch, "/name", reader, writer);
  }

  static Issues CheckSymbols(const Node& reader, const Node& writer) {
    std::vector<std::string> missing;
    for (const auto& symbol : writer.symbols) {
      bool found = false;
      for (const auto& candidate : reader.symbols) {
        if (candidate == symbol) {
          found = true;
          break;
        }
      }
      if (!found) {
        missing.push_back(symbol);
      }
    }
    if (missing.empty() || reader.enum_default.has_value()) {
      return {};
    }
    Issues issues = One(IssueKind::kMissingEnumSymbols, "/symbols", reader, writer);
    issues.front().symbols = std::move(missing);
    return issues;
  }

  static const Field* FindField(const Node& record, std::string_view name, size_t hint) {
    if (hint < record.fields.size() && record.fields[hint].name == name) {
      return &record.fields[hint];
    }
    for (const auto& field : record.fields) {
      if (field.name == name) {
        return &field;
      }
    }
    return nullptr;
  }

  // A reader field is found in the writer by its name, then by its aliases.
  static const Field* WriterField(const Node& writer, const Field& reader_field, size_t hint) {
    if (const Field* field = FindField(writer, reader_field.name, hint)) {
      return field;
    }
    for (const auto& alias : reader_field.aliases) {
      if (const Field* field = FindField(writer, alias, hint)) {
        return field;
      }
    }
    return nullptr;
  }

  Issues CheckFields(const Node& reader, const Node& writer) {
    Issues issues;
    for (size_t i = 0; i < reader.fields.size(); ++i) {
      const Field& field = reader.fields[i];
      const Field* writer_field = WriterField(writer, field, i);
      if (writer_field == nullptr) {
        if (!field.has_default) {
          Append(issues, One(IssueKind::kReaderFieldMissingDefaultValue,
                             "/fields/" + std::to_string(i), reader, writer));
        }
        continue;
      }
      Issues field_issues = Check(*field.type, *writer_field->type);
      if (!field_issues.empty()) {
        Prefix("/fields/" + std::to_string(i) + "/type", field_issues);
        Append(issues, std::move(field_issues));
      }
    }
    return issues;
  }

  std::unordered_map<std::pair<const Node*, const Node*>, Entry, PairHash> memo_;
};

// Where a path points in the reader schema, for messages: the dotted field path
// ("order.lines[].price"; "[]" for array items, "{}" for map values), and the
// field itself when the path ends at one.
struct Location {
  std::string where;
  const Field* field = nullptr;
};

Location Locate(const Node& root, std::string_view path) {
  Location location;
  const Node* node = &root;
  std::vector<std::string_view> tokens;
  for (size_t start = 1; start <= path.size();) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    tokens.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == "fields" && node->kind == Kind::kRecord && i + 1 < tokens.size()) {
      size_t index = 0;
      const auto token = tokens[i + 1];
      std::from_chars(token.data(), token.data() + token.size(), index);
      if (index >= node->fields.size()) {
        break;
      }
      const Field& field = node->fields[index];
      if (!location.where.empty()) {
        location.where += '.';
      }
      location.where += field.name;
      location.field = &field;
      ++i;
      if (i + 1 < tokens.size() && tokens[i + 1] == "type") {
        node = field.type;
        location.field = nullptr;
        ++i;
      }
    } else if (tokens[i] == "items" && node->kind == Kind::kArray) {
      location.where += "[]";
      node = node->items;
    } else if (tokens[i] == "values" && node->kind == Kind::kMap) {
      location.where += "{}";
      node = node->items;
    } else {
      break;
    }
  }
  return location;
}

std::string JoinSymbols(const std::vector<std::string>& symbols) {
  std::string text;
  for (const auto& symbol : symbols) {
    if (!text.empty()) {
      text += ", ";
    }
    text += symbol;
  }
  return text;
}

std::string Message(const Issue& issue, const Node& reader_root, bool reader_is_newer) {
  const Location location = Locate(reader_root, issue.path);
  const std::string subject =
      location.where.empty() ? std::string("the schema") : "field `" + location.where + "`";
  const char* reader_age = reader_is_newer ? "new" : "old";
  const Node& writer_type = issue.writer_union != nullptr ? *issue.writer_union : *issue.writer;
  const Node& old_node = reader_is_newer ? writer_type : *issue.reader;
  const Node& new_node = reader_is_newer ? *issue.reader : writer_type;
  switch (issue.kind) {
    case IssueKind::kTypeMismatch: {
      std::string text =
          subject + " changed from " + Describe(old_node) + " to " + Describe(new_node);
      if (issue.writer_union != nullptr) {
        text += ": the " + std::string(reader_age) + " schema cannot read its " +
                Describe(*issue.writer) + " branch";
      }
      return text;
    }
    case IssueKind::kReaderFieldMissingDefaultValue:
      return reader_is_newer ? subject + " was added without a default"
                             : subject + " was removed but has no default in the old schema";
    case IssueKind::kMissingEnumSymbols:
      return reader_is_newer ? subject + ": " + Describe(*issue.reader) + " lost symbols " +
                                   JoinSymbols(issue.symbols) + " and has no default"
                             : subject + ": " + Describe(*issue.writer) + " gained symbols " +
                                   JoinSymbols(issue.symbols) +
                                   " that the old schema cannot read (it has no enum default)";
    case IssueKind::kMissingUnionBranch:
      return subject + ": the " + reader_age + " " + Describe(*issue.reader) +
             " has no branch that can read " + Describe(*issue.writer);
    case IssueKind::kNameMismatch: {
      std::string text = subject + ": " + std::string(KindName(issue.reader->kind)) +
                         " name changed from `" + old_node.full_name + "` to `" +
                         new_node.full_name + "`";
      return text + " without an alias for the " + (reader_is_newer ? "old" : "new") + " name";
    }
    case IssueKind::kFixedSizeMismatch:
      return subject + ": " + Describe(*issue.reader) + " size changed from " +
             std::to_string(old_node.size) + " to " + std::to_string(new_node.size);
  }
  return subject;
}

}  // namespace

std::vector<Incompatibility> CheckResolution(const AvroSchema& reader, const AvroSchema& writer,
                                             bool reader_is_newer) {
  Checker checker;
  const Issues issues = checker.Check(reader.root(), writer.root());
  std::vector<Incompatibility> result;
  result.reserve(issues.size());
  for (const auto& issue : issues) {
    result.push_back(Incompatibility{std::string(KindText(issue.kind)),
                                     issue.path.empty() ? std::string("/") : issue.path,
                                     Message(issue, reader.root(), reader_is_newer), 0});
  }
  return result;
}

}  // namespace tributary::schema::avro
