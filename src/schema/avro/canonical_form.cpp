#include "schema/avro/canonical_form.h"

#include <array>
#include <unordered_set>

namespace tributary::schema::avro {
namespace {

// Names, symbols and type names are restricted to [A-Za-z0-9_.], so none of the
// strings written here needs escaping.
void AppendString(std::string& out, std::string_view text) {
  out += '"';
  out += text;
  out += '"';
}

class CanonicalWriter {
 public:
  explicit CanonicalWriter(std::string& out) : out_(out) {}

  void Write(const Node& node) {
    switch (node.kind) {
      case Kind::kRecord:
      case Kind::kEnum:
      case Kind::kFixed:
        if (!written_.insert(&node).second) {
          AppendString(out_, node.full_name);
          return;
        }
        WriteNamed(node);
        return;
      case Kind::kArray:
        out_ += R"({"type":"array","items":)";
        Write(*node.items);
        out_ += '}';
        return;
      case Kind::kMap:
        out_ += R"({"type":"map","values":)";
        Write(*node.items);
        out_ += '}';
        return;
      case Kind::kUnion:
        out_ += '[';
        for (size_t i = 0; i < node.branches.size(); ++i) {
          if (i > 0) {
            out_ += ',';
          }
          Write(*node.branches[i]);
        }
        out_ += ']';
        return;
      default:
        AppendString(out_, KindName(node.kind));
        return;
    }
  }

 private:
  void WriteNamed(const Node& node) {
    out_ += R"({"name":)";
    AppendString(out_, node.full_name);
    out_ += R"(,"type":)";
    AppendString(out_, node.is_error ? "error" : KindName(node.kind));
    if (node.kind == Kind::kRecord) {
      out_ += R"(,"fields":[)";
      for (size_t i = 0; i < node.fields.size(); ++i) {
        if (i > 0) {
          out_ += ',';
        }
        out_ += R"({"name":)";
        AppendString(out_, node.fields[i].name);
        out_ += R"(,"type":)";
        Write(*node.fields[i].type);
        out_ += '}';
      }
      out_ += ']';
    } else if (node.kind == Kind::kEnum) {
      out_ += R"(,"symbols":[)";
      for (size_t i = 0; i < node.symbols.size(); ++i) {
        if (i > 0) {
          out_ += ',';
        }
        AppendString(out_, node.symbols[i]);
      }
      out_ += ']';
    } else {
      out_ += R"(,"size":)";
      out_ += std::to_string(node.size);
    }
    out_ += '}';
  }

  std::string& out_;
  std::unordered_set<const Node*> written_;
};

// The specification's table: fp = i; 8 times fp = (fp >> 1) ^ (EMPTY & -(fp & 1)).
constexpr uint64_t kEmpty = 0xc15d213aa4d7a795ULL;

constexpr std::array<uint64_t, 256> MakeTable() {
  std::array<uint64_t, 256> table{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t fp = i;
    for (int j = 0; j < 8; ++j) {
      fp = (fp >> 1) ^ (kEmpty & (0 - (fp & 1)));
    }
    table[i] = fp;
  }
  return table;
}

constexpr std::array<uint64_t, 256> kTable = MakeTable();

}  // namespace

std::string CanonicalForm(const Node& root) {
  std::string out;
  CanonicalWriter(out).Write(root);
  return out;
}

uint64_t RabinFingerprint(std::string_view bytes) {
  uint64_t fp = kEmpty;
  for (const char c : bytes) {
    fp = (fp >> 8) ^ kTable[(fp ^ static_cast<unsigned char>(c)) & 0xff];
  }
  return fp;
}

}  // namespace tributary::schema::avro
