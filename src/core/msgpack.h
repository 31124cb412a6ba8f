#pragma once
// A small MessagePack writer and reader (https://github.com/msgpack/msgpack/blob/master/spec.md)
// for event payloads and the replicated batch: the stored form is standard MessagePack, so any
// MessagePack reader (nlohmann::json::from_msgpack included) can read it, while
// the event codec decodes it straight into structs without building a DOM.
//
// Not thread-safe; both are cheap, single-use values.

#include <cstdint>
#include <string>
#include <string_view>

namespace tributary::msgpack {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void Nil() { out_.push_back(static_cast<char>(0xc0)); }
  void Bool(bool v) { out_.push_back(static_cast<char>(v ? 0xc3 : 0xc2)); }
  void Int(std::int64_t v) {
    if (v >= -32 && v <= 0x7f) {  // positive and negative fixint: one byte
      out_.push_back(static_cast<char>(static_cast<std::uint8_t>(v)));
    } else {
      WideInt(v);
    }
  }
  void Double(double v);
  void String(std::string_view v);
  // Raw bytes (bin 8/16/32): any byte, NUL and invalid UTF-8 included.
  void Bin(std::string_view v);
  void ArrayHeader(std::uint32_t size);
  void MapHeader(std::uint32_t size);
  // Appends bytes that already are one MessagePack value.
  void Raw(std::string_view bytes) { out_.append(bytes); }

 private:
  void WideInt(std::int64_t v);
  void Byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void BigEndian(std::uint64_t v, int bytes);
  std::string& out_;
};

// Reads values in order. The first malformed byte sets an error (see error());
// after that every read returns a neutral value and ok() stays false.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool ok() const { return error_ == nullptr; }
  const char* error() const { return error_; }
  // Whether the error is that the data ended inside a value.
  bool truncated() const { return error_ == kTruncated; }
  bool AtEnd() const { return pos_ >= data_.size(); }
  std::size_t position() const { return pos_; }

  bool NextIsNil() const;
  void ReadNil();
  bool ReadBool();
  std::int64_t ReadInt();
  double ReadDouble();
  std::string_view ReadString();
  // Reads bin 8/16/32 only (a str is "expected binary data").
  std::string_view ReadBin();
  std::uint32_t ReadArrayHeader();
  std::uint32_t ReadMapHeader();
  // Skips one value of any type, nested values included.
  void Skip();
  // Returns the bytes of the next value and moves past it.
  std::string_view ReadRaw();

  void Fail(const char* why) {
    if (error_ == nullptr) {
      error_ = why;
    }
  }

 private:
  static constexpr char kTruncated[] = "truncated MessagePack value";

  bool Need(std::size_t n);
  std::string_view TakeBytes(std::size_t n);
  std::uint64_t BigEndian(int bytes);
  std::uint8_t Peek() const { return static_cast<std::uint8_t>(data_[pos_]); }
  std::uint8_t Take() { return static_cast<std::uint8_t>(data_[pos_++]); }
  void SkipDepth(int depth);

  std::string_view data_;
  std::size_t pos_ = 0;
  const char* error_ = nullptr;
};

}  // namespace tributary::msgpack
