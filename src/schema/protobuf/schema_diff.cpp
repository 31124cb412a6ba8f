#include "schema/protobuf/schema_diff.h"
#include "schema/work_budget.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace tributary::schema::proto {
namespace {

namespace gp = google::protobuf;

// The field labels as Confluent's parser (Square Wire) sees them: a proto3 field
// without a label, a map and a oneof member have none, and a label change is only
// looked at when both sides have one.
enum class Label { kNone, kOptional, kRequired, kRepeated };

enum class Kind { kScalar, kMessage, kMap };

// Scalars that share a wire encoding read each other's values (the Protobuf
// language guide's "updating a message type"); enums count as int32.
enum class ScalarGroup {
  kGeneralNumber,  // int32, uint32, int64, uint64, bool, enums (varint)
  kSignedNumber,   // sint32, sint64 (zigzag varint)
  kStringOrBytes,  // string, bytes (length-delimited)
  kFixed32,        // fixed32, sfixed32
  kFixed64,        // fixed64, sfixed64
  kFloat,
  kDouble,
};

// A comparison that would take more steps than this stops and reports
// SCHEMA_TOO_COMPLEX rather than run on (message types referenced from many
// fields are compared again at each reference, as the registry does).
constexpr size_t kMaxSteps = 1'000'000;

Label LabelOf(const gp::FieldDescriptor& field) {
  if (field.real_containing_oneof() != nullptr || field.is_map()) {
    return Label::kNone;
  }
  if (field.is_required()) {
    return Label::kRequired;
  }
  if (field.is_repeated()) {
    return Label::kRepeated;
  }
  if (field.file()->syntax() == gp::FileDescriptor::SYNTAX_PROTO3 &&
      !field.has_optional_keyword()) {
    return Label::kNone;
  }
  return Label::kOptional;
}

std::string_view LabelName(Label label) {
  switch (label) {
    case Label::kNone:
      return "no label";
    case Label::kOptional:
      return "optional";
    case Label::kRequired:
      return "required";
    case Label::kRepeated:
      return "repeated";
  }
  return "no label";
}

Kind KindOf(const gp::FieldDescriptor& field) {
  if (field.is_map()) {
    return Kind::kMap;
  }
  if (field.cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) {
    return Kind::kMessage;
  }
  return Kind::kScalar;  // enums included
}

ScalarGroup ScalarGroupOf(const gp::FieldDescriptor& field) {
  switch (field.type()) {
    case gp::FieldDescriptor::TYPE_SINT32:
    case gp::FieldDescriptor::TYPE_SINT64:
      return ScalarGroup::kSignedNumber;
    case gp::FieldDescriptor::TYPE_STRING:
    case gp::FieldDescriptor::TYPE_BYTES:
      return ScalarGroup::kStringOrBytes;
    case gp::FieldDescriptor::TYPE_FIXED32:
    case gp::FieldDescriptor::TYPE_SFIXED32:
      return ScalarGroup::kFixed32;
    case gp::FieldDescriptor::TYPE_FIXED64:
    case gp::FieldDescriptor::TYPE_SFIXED64:
      return ScalarGroup::kFixed64;
    case gp::FieldDescriptor::TYPE_FLOAT:
      return ScalarGroup::kFloat;
    case gp::FieldDescriptor::TYPE_DOUBLE:
      return ScalarGroup::kDouble;
    default:
      return ScalarGroup::kGeneralNumber;  // int32, int64, uint32, uint64, bool, enum
  }
}

// "int32", "enum shop.Status", "message shop.Address", "map<string, int64>".
std::string TypeName(const gp::FieldDescriptor& field) {
  if (field.is_map()) {
    const gp::Descriptor& entry = *field.message_type();
    return "map<" + TypeName(*entry.map_key()) + ", " + TypeName(*entry.map_value()) + ">";
  }
  if (field.enum_type() != nullptr) {
    return "enum " + field.enum_type()->full_name();
  }
  if (field.message_type() != nullptr) {
    return "message " + field.message_type()->full_name();
  }
  return field.type_name();
}

// A message's name inside its package: "Order.Line" for "shop.Order.Line".
std::string LocalName(const gp::Descriptor& message) {
  const std::string& package = message.file()->package();
  const std::string& full = message.full_name();
  if (!package.empty() && full.size() > package.size() &&
      full.compare(0, package.size(), package) == 0 && full[package.size()] == '.') {
    return full.substr(package.size() + 1);
  }
  return full;
}

std::vector<std::string> SplitName(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot - start));
    if (dot == std::string::npos) {
      return parts;
    }
    start = dot + 1;
  }
}

bool IsGroup(const gp::FieldDescriptor& field) {
  return field.type() == gp::FieldDescriptor::TYPE_GROUP;
}

// The message types declared in a file or message, by name, as Confluent's
// parser lists them: map entries and proto2 group bodies are not declarations.
std::vector<const gp::Descriptor*> DeclaredMessages(const gp::FileDescriptor& file) {
  std::vector<const gp::Descriptor*> messages;
  for (int i = 0; i < file.message_type_count(); ++i) {
    messages.push_back(file.message_type(i));
  }
  return messages;
}

std::vector<const gp::Descriptor*> DeclaredMessages(const gp::Descriptor& message) {
  std::set<const gp::Descriptor*> groups;
  for (int i = 0; i < message.field_count(); ++i) {
    if (IsGroup(*message.field(i))) {
      groups.insert(message.field(i)->message_type());
    }
  }
  std::vector<const gp::Descriptor*> messages;
  for (int i = 0; i < message.nested_type_count(); ++i) {
    const gp::Descriptor* nested = message.nested_type(i);
    if (!nested->options().map_entry() && !groups.contains(nested)) {
      messages.push_back(nested);
    }
  }
  return messages;
}

class SchemaDiff {
 public:
  explicit SchemaDiff(bool reader_is_newer)
      : writer_side_(reader_is_newer ? "old" : "new"),
        reader_side_(reader_is_newer ? "new" : "old"),
        reader_is_newer_(reader_is_newer) {}

  void CompareFiles(const gp::FileDescriptor& writer, const gp::FileDescriptor& reader) {
    if (writer.package() != reader.package()) {
      const auto& [from, to] = OldNew(writer.package(), reader.package());
      Add("PACKAGE_CHANGED",
          "package changed from " + PackageName(from) + " to " + PackageName(to));
    }
    CompareDeclarations(DeclaredMessages(writer), DeclaredMessages(reader));
  }

  std::vector<Incompatibility> Take() && {
    // A message type compared at its declaration and again through the fields that
    // use it can report the same change twice; keep the first.
    std::set<std::pair<std::string, std::string>> seen;
    std::vector<Incompatibility> unique;
    for (Incompatibility& found : found_) {
      if (seen.emplace(found.kind, found.path).second) {
        unique.push_back(std::move(found));
      }
    }
    if (too_complex_) {
      unique.push_back(Incompatibility{"SCHEMA_TOO_COMPLEX", "#/",
                                       "the comparison was stopped after " +
                                           std::to_string(kMaxSteps) +
                                           " steps; the schemas are treated as incompatible",
                                       0});
    }
    return unique;
  }

 private:
  // Message types of one scope (a file or a message), matched by name.
  void CompareDeclarations(const std::vector<const gp::Descriptor*>& writer,
                           const std::vector<const gp::Descriptor*>& reader) {
    std::map<std::string, const gp::Descriptor*> reader_by_name;
    for (const gp::Descriptor* message : reader) {
      reader_by_name.emplace(message->name(), message);
    }
    for (const gp::Descriptor* message : writer) {
      PathScope scope(*this, message->name());
      const auto match = reader_by_name.find(message->name());
      if (match == reader_by_name.end()) {
        Add("MESSAGE_REMOVED", "message " + Quote(message->full_name()) + " is in the " +
                                   writer_side_ + " schema but not in the " + reader_side_ +
                                   " one");
      } else {
        CompareMessages(*message, *match->second);
      }
    }
    // Messages only the reader declares (MESSAGE_ADDED), a changed declaration
    // order (MESSAGE_MOVED) and every enum change are compatible.
  }

  void CompareMessages(const gp::Descriptor& writer, const gp::Descriptor& reader) {
    ChargeWork();
    if (!Step()) {
      return;
    }
    // A message met again while its own fields are being compared is a recursive
    // type meeting itself: its fields are already being compared further up.
    const bool entered =
        std::find(in_progress_.begin(), in_progress_.end(), &writer) == in_progress_.end();
    if (entered) {
      in_progress_.push_back(&writer);
      CompareFields(writer, reader);
    }
    CompareDeclarations(DeclaredMessages(writer), DeclaredMessages(reader));
    if (entered) {
      in_progress_.pop_back();
    }
  }

  // Where a field sits in its message.
  struct Member {
    const gp::FieldDescriptor* field = nullptr;
    const gp::OneofDescriptor* oneof = nullptr;  // none: outside any oneof (proto3 `optional` too)
  };
  using Members = std::map<int, Member>;  // by field number

  // Fields match by number wherever they sit: the wire carries numbers, and a
  // oneof is no wire structure of its own. Which oneof a field belongs to is
  // judged apart (CompareOneofMembers, CompareRemovedOneofMembers).
  void CompareFields(const gp::Descriptor& writer, const gp::Descriptor& reader) {
    const Members writer_fields = MembersOf(writer);
    const Members reader_fields = MembersOf(reader);
    CompareOneofMembers(writer_fields, reader);
    CompareRemovedOneofMembers(writer, reader_fields, reader);

    std::set<int> numbers;
    for (const auto& [number, member] : writer_fields) {
      numbers.insert(number);
    }
    for (const auto& [number, member] : reader_fields) {
      numbers.insert(number);
    }
    for (const int number : numbers) {
      const auto in_writer = writer_fields.find(number);
      const auto in_reader = reader_fields.find(number);
      if (in_reader == reader_fields.end()) {
        const gp::FieldDescriptor& field = *in_writer->second.field;
        if (field.is_required()) {
          PathScope scope(*this, std::to_string(number));
          Add("REQUIRED_FIELD_REMOVED", "required field " + FieldName(field) + " is in the " +
                                            writer_side_ + " schema but not in the " +
                                            reader_side_ + " one");
        }
        // Otherwise FIELD_REMOVED, compatible; a oneof member is judged above.
      } else if (in_writer == writer_fields.end()) {
        const gp::FieldDescriptor& field = *in_reader->second.field;
        if (field.is_required()) {
          PathScope scope(*this, std::to_string(number));
          Add("REQUIRED_FIELD_ADDED", "required field " + FieldName(field) + " is in the " +
                                          reader_side_ + " schema but not in the " + writer_side_ +
                                          " one");
        }
        // Otherwise FIELD_ADDED or ONEOF_FIELD_ADDED, compatible.
      } else {
        // The registry's path: under the oneof when both sides have it by one name.
        const gp::OneofDescriptor* writer_oneof = in_writer->second.oneof;
        const gp::OneofDescriptor* reader_oneof = in_reader->second.oneof;
        std::optional<PathScope> oneof_scope;
        if (writer_oneof != nullptr && reader_oneof != nullptr &&
            writer_oneof->name() == reader_oneof->name()) {
          oneof_scope.emplace(*this, writer_oneof->name());
        }
        PathScope scope(*this, std::to_string(number));
        CompareField(*in_writer->second.field, *in_reader->second.field);
      }
    }
  }

  // A reader's oneof keeps only the last of its members found on the wire, so it
  // must not gather fields the writer can set together: two fields outside any
  // oneof (MULTIPLE_FIELDS_MOVED_TO_ONEOF), one outside any oneof with members of
  // a writer's oneof (FIELD_MOVED_TO_EXISTING_ONEOF), or members of two or more
  // writer oneofs (ONEOFS_MERGED, Tributary's own: the registry matches oneofs by
  // name and misses it). One field joining a new oneof, or members of one writer
  // oneof under any name, lose nothing.
  void CompareOneofMembers(const Members& writer_fields, const gp::Descriptor& reader) {
    for (const gp::OneofDescriptor* reader_oneof : RealOneofs(reader)) {
      const gp::OneofDescriptor& oneof = *reader_oneof;
      PathScope scope(*this, oneof.name());
      std::vector<int> moved;                        // outside any oneof in the writer
      std::set<const gp::OneofDescriptor*> origins;  // the writer oneofs of the others
      for (const gp::FieldDescriptor* field : OneofFields(oneof)) {
        const auto in_writer = writer_fields.find(field->number());
        if (in_writer == writer_fields.end()) {
          continue;  // new to the reader: the writer never sets it
        }
        if (in_writer->second.oneof == nullptr) {
          moved.push_back(field->number());
        } else {
          origins.insert(in_writer->second.oneof);
        }
      }
      if (moved.size() > 1) {
        Add("MULTIPLE_FIELDS_MOVED_TO_ONEOF",
            "oneof " + Quote(oneof.full_name()) + " in the " + reader_side_ + " schema holds " +
                std::to_string(moved.size()) + " fields that are outside any oneof in the " +
                writer_side_ + " schema");
      } else if (moved.size() == 1 && !origins.empty()) {
        Add("FIELD_MOVED_TO_EXISTING_ONEOF",
            "oneof " + Quote(oneof.full_name()) + " in the " + reader_side_ +
                " schema holds field #" + std::to_string(moved.front()) +
                ", outside any oneof in the " + writer_side_ +
                " schema, together with fields of an existing oneof");
      } else if (moved.empty() && origins.size() > 1) {
        std::vector<const gp::OneofDescriptor*> ordered(origins.begin(), origins.end());
        std::sort(ordered.begin(), ordered.end(),
                  [](const auto* a, const auto* b) { return a->index() < b->index(); });
        std::string names;
        for (const gp::OneofDescriptor* origin : ordered) {
          names += (names.empty() ? "" : ", ") + Quote(origin->full_name());
        }
        Add("ONEOFS_MERGED", "oneof " + Quote(oneof.full_name()) + " in the " + reader_side_ +
                                 " schema holds fields of " + std::to_string(ordered.size()) +
                                 " oneofs of the " + writer_side_ + " schema (" + names +
                                 "), which data can set together; the reader keeps only the last");
      }
    }
  }

  // A member of a writer oneof that the reader lacks altogether, while the oneof
  // lives on in the reader: data that set it reads as the oneof unset
  // (ONEOF_FIELD_REMOVED). The oneof lives on when the reader has one of its name
  // or keeps another of its members in a oneof (names are not on the wire, so a
  // renamed oneof is the same oneof). A member that moved elsewhere is not
  // removed, and a oneof removed as a whole (ONEOF_REMOVED) is compatible.
  void CompareRemovedOneofMembers(const gp::Descriptor& writer, const Members& reader_fields,
                                  const gp::Descriptor& reader) {
    for (const gp::OneofDescriptor* writer_oneof : RealOneofs(writer)) {
      const gp::OneofDescriptor& oneof = *writer_oneof;
      std::vector<const gp::FieldDescriptor*> fields = OneofFields(oneof);
      std::sort(fields.begin(), fields.end(),
                [](const auto* a, const auto* b) { return a->number() < b->number(); });
      bool lives_on = FindRealOneof(reader, oneof.name()) != nullptr;
      for (const gp::FieldDescriptor* field : fields) {
        const auto in_reader = reader_fields.find(field->number());
        lives_on = lives_on || (in_reader != reader_fields.end() && in_reader->second.oneof);
      }
      if (!lives_on) {
        continue;
      }
      PathScope oneof_scope(*this, oneof.name());
      for (const gp::FieldDescriptor* field : fields) {
        if (!reader_fields.contains(field->number())) {
          PathScope scope(*this, std::to_string(field->number()));
          Add("ONEOF_FIELD_REMOVED", "field " + FieldName(*field) + " of oneof " +
                                         Quote(oneof.full_name()) + " is in the " + writer_side_ +
                                         " schema but not in the " + reader_side_ + " one");
        }
      }
    }
  }

  // One field number on both sides. A new name (FIELD_NAME_CHANGED) is compatible.
  void CompareField(const gp::FieldDescriptor& writer, const gp::FieldDescriptor& reader) {
    ChargeWork();
    // Named as the newer schema names it.
    const auto& [old_field, new_field] = OldNew(&writer, &reader);
    CompareTypes(LabelOf(writer), LabelOf(reader), writer, reader, FieldName(*new_field));
  }

  void CompareTypes(Label writer_label, Label reader_label, const gp::FieldDescriptor& writer,
                    const gp::FieldDescriptor& reader, const std::string& what) {
    if (!Step()) {
      return;
    }
    const Kind kind = KindOf(writer);
    if (kind != KindOf(reader)) {
      Add("FIELD_KIND_CHANGED", what + " changed from " + OldNewTypes(writer, reader));
      return;
    }
    switch (kind) {
      case Kind::kScalar: {
        const ScalarGroup group = ScalarGroupOf(writer);
        if (group != ScalarGroupOf(reader)) {
          Add("FIELD_SCALAR_KIND_CHANGED", what + " changed from " + OldNewTypes(writer, reader) +
                                               ", which do not share a "
                                               "wire encoding");
        } else if (writer_label != Label::kNone && reader_label != Label::kNone &&
                   writer_label != reader_label && group != ScalarGroup::kStringOrBytes) {
          const auto& [from, to] = OldNew(writer_label, reader_label);
          Add("FIELD_NUMERIC_LABEL_CHANGED", what + " changed from " +
                                                 std::string(LabelName(from)) + " to " +
                                                 std::string(LabelName(to)));
        }
        break;
      }
      case Kind::kMessage:
        CompareMessageTypes(*writer.message_type(), *reader.message_type(), what);
        break;
      case Kind::kMap: {
        const gp::Descriptor& writer_entry = *writer.message_type();
        const gp::Descriptor& reader_entry = *reader.message_type();
        CompareTypes(Label::kNone, Label::kNone, *writer_entry.map_key(), *reader_entry.map_key(),
                     "the key of " + what);
        CompareTypes(Label::kNone, Label::kNone, *writer_entry.map_value(),
                     *reader_entry.map_value(), "the value of " + what);
        break;
      }
    }
  }

  // Message types match by their name within their package (so a type may move
  // to another package with its file). Same name: the two definitions are
  // compared, with paths rooted at the type's own name, and any incompatibility
  // there also makes the field's type change incompatible.
  void CompareMessageTypes(const gp::Descriptor& writer, const gp::Descriptor& reader,
                           const std::string& what) {
    const std::string name = LocalName(writer);
    if (name != LocalName(reader)) {
      const auto& [from, to] = OldNew(&writer, &reader);
      Add("FIELD_NAMED_TYPE_CHANGED",
          what + " changed from message " + from->full_name() + " to message " + to->full_name());
      return;
    }
    std::vector<std::string> field_path = std::exchange(path_, SplitName(name));
    const size_t before = found_.size();
    CompareMessages(writer, reader);
    const bool changed = found_.size() > before;
    path_ = std::move(field_path);
    if (changed) {
      Add("FIELD_NAMED_TYPE_CHANGED", what + " has message type " + name +
                                          ", which changed incompatibly (see #/" +
                                          JoinedName(name) + ")");
    }
  }

  // Every field but proto2 groups, which the registry's parser lists apart.
  static Members MembersOf(const gp::Descriptor& message) {
    Members members;
    for (int i = 0; i < message.field_count(); ++i) {
      const gp::FieldDescriptor* field = message.field(i);
      if (!IsGroup(*field)) {
        members.emplace(field->number(), Member{field, field->real_containing_oneof()});
      }
    }
    return members;
  }

  static std::vector<const gp::FieldDescriptor*> OneofFields(const gp::OneofDescriptor& oneof) {
    std::vector<const gp::FieldDescriptor*> fields;
    for (int i = 0; i < oneof.field_count(); ++i) {
      if (!IsGroup(*oneof.field(i))) {
        fields.push_back(oneof.field(i));
      }
    }
    return fields;
  }

  // Oneofs as written: not the synthetic ones proto3 `optional` fields get.
  static std::vector<const gp::OneofDescriptor*> RealOneofs(const gp::Descriptor& message) {
    std::vector<const gp::OneofDescriptor*> oneofs;
    for (int i = 0; i < message.oneof_decl_count(); ++i) {
      if (!message.oneof_decl(i)->is_synthetic()) {
        oneofs.push_back(message.oneof_decl(i));
      }
    }
    return oneofs;
  }

  static const gp::OneofDescriptor* FindRealOneof(const gp::Descriptor& message,
                                                  const std::string& name) {
    for (const gp::OneofDescriptor* oneof : RealOneofs(message)) {
      if (oneof->name() == name) {
        return oneof;
      }
    }
    return nullptr;
  }

  static std::string Quote(const std::string& name) { return "`" + name + "`"; }

  static std::string FieldName(const gp::FieldDescriptor& field) {
    return "`" + field.full_name() + "` (#" + std::to_string(field.number()) + ")";
  }

  static std::string PackageName(const std::string& package) {
    return package.empty() ? "(none)" : Quote(package);
  }

  static std::string JoinedName(const std::string& name) {
    std::string joined = name;
    std::replace(joined.begin(), joined.end(), '.', '/');
    return joined;
  }

  // (old, new) from (writer, reader).
  template <typename T>
  std::pair<T, T> OldNew(T writer, T reader) const {
    return reader_is_newer_ ? std::pair<T, T>{writer, reader} : std::pair<T, T>{reader, writer};
  }

  std::string OldNewTypes(const gp::FieldDescriptor& writer,
                          const gp::FieldDescriptor& reader) const {
    const auto& [from, to] = OldNew(&writer, &reader);
    return TypeName(*from) + " to " + TypeName(*to);
  }

  bool Step() {
    if (++steps_ > kMaxSteps) {
      too_complex_ = true;
      return false;
    }
    return true;
  }

  void Add(std::string kind, std::string message) {
    std::string path = "#/";
    for (size_t i = 0; i < path_.size(); ++i) {
      if (i > 0) {
        path += '/';
      }
      path += path_[i];
    }
    found_.push_back(Incompatibility{std::move(kind), std::move(path), std::move(message), 0});
  }

  // Appends one step to the path for its lifetime.
  class PathScope {
   public:
    PathScope(SchemaDiff& diff, std::string step) : diff_(diff) {
      diff_.path_.push_back(std::move(step));
    }
    ~PathScope() { diff_.path_.pop_back(); }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    SchemaDiff& diff_;
  };

  const std::string writer_side_;  // "old" or "new"
  const std::string reader_side_;
  const bool reader_is_newer_;
  std::vector<std::string> path_;
  std::vector<const gp::Descriptor*> in_progress_;  // writer messages whose fields are open
  std::vector<Incompatibility> found_;
  size_t steps_ = 0;
  bool too_complex_ = false;
};

}  // namespace

std::vector<Incompatibility> FindIncompatibleChanges(const gp::FileDescriptor& writer,
                                                     const gp::FileDescriptor& reader,
                                                     bool reader_is_newer) {
  SchemaDiff diff(reader_is_newer);
  diff.CompareFiles(writer, reader);
  return std::move(diff).Take();
}

}  // namespace tributary::schema::proto
