#include "core/msgpack.h"

#include <bit>
#include <cstring>

namespace tributary::msgpack {

void Writer::BigEndian(std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    Byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
}

void Writer::WideInt(std::int64_t v) {
  if (v >= 0) {
    if (v <= 0x7f) {
      Byte(static_cast<std::uint8_t>(v));
    } else if (v <= 0xff) {
      Byte(0xcc);
      BigEndian(static_cast<std::uint64_t>(v), 1);
    } else if (v <= 0xffff) {
      Byte(0xcd);
      BigEndian(static_cast<std::uint64_t>(v), 2);
    } else if (v <= 0xffffffffLL) {
      Byte(0xce);
      BigEndian(static_cast<std::uint64_t>(v), 4);
    } else {
      Byte(0xcf);
      BigEndian(static_cast<std::uint64_t>(v), 8);
    }
    return;
  }
  if (v >= -32) {
    Byte(static_cast<std::uint8_t>(v));
  } else if (v >= -128) {
    Byte(0xd0);
    BigEndian(static_cast<std::uint64_t>(v), 1);
  } else if (v >= -32768) {
    Byte(0xd1);
    BigEndian(static_cast<std::uint64_t>(v), 2);
  } else if (v >= -2147483648LL) {
    Byte(0xd2);
    BigEndian(static_cast<std::uint64_t>(v), 4);
  } else {
    Byte(0xd3);
    BigEndian(static_cast<std::uint64_t>(v), 8);
  }
}

void Writer::Double(double v) {
  Byte(0xcb);
  BigEndian(std::bit_cast<std::uint64_t>(v), 8);
}

void Writer::String(std::string_view v) {
  const auto n = v.size();
  if (n < 32) {
    Byte(static_cast<std::uint8_t>(0xa0 | n));
  } else if (n <= 0xff) {
    Byte(0xd9);
    BigEndian(n, 1);
  } else if (n <= 0xffff) {
    Byte(0xda);
    BigEndian(n, 2);
  } else {
    Byte(0xdb);
    BigEndian(n, 4);
  }
  out_.append(v);
}

void Writer::Bin(std::string_view v) {
  const auto n = v.size();
  if (n <= 0xff) {
    Byte(0xc4);
    BigEndian(n, 1);
  } else if (n <= 0xffff) {
    Byte(0xc5);
    BigEndian(n, 2);
  } else {
    Byte(0xc6);
    BigEndian(n, 4);
  }
  out_.append(v);
}

void Writer::ArrayHeader(std::uint32_t n) {
  if (n < 16) {
    Byte(static_cast<std::uint8_t>(0x90 | n));
  } else if (n <= 0xffff) {
    Byte(0xdc);
    BigEndian(n, 2);
  } else {
    Byte(0xdd);
    BigEndian(n, 4);
  }
}

void Writer::MapHeader(std::uint32_t n) {
  if (n < 16) {
    Byte(static_cast<std::uint8_t>(0x80 | n));
  } else if (n <= 0xffff) {
    Byte(0xde);
    BigEndian(n, 2);
  } else {
    Byte(0xdf);
    BigEndian(n, 4);
  }
}

bool Reader::Need(std::size_t n) {
  if (!ok()) {
    return false;
  }
  if (data_.size() - pos_ < n) {
    Fail(kTruncated);
    return false;
  }
  return true;
}

std::uint64_t Reader::BigEndian(int bytes) {
  if (!Need(static_cast<std::size_t>(bytes))) {
    return 0;
  }
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8) | Take();
  }
  return v;
}

bool Reader::NextIsNil() const { return ok() && pos_ < data_.size() && Peek() == 0xc0; }

void Reader::ReadNil() {
  if (!Need(1)) {
    return;
  }
  if (Take() != 0xc0) {
    Fail("expected nil");
  }
}

bool Reader::ReadBool() {
  if (!Need(1)) {
    return false;
  }
  const auto b = Take();
  if (b == 0xc2 || b == 0xc3) {
    return b == 0xc3;
  }
  Fail("expected a boolean");
  return false;
}

std::int64_t Reader::ReadInt() {
  if (!Need(1)) {
    return 0;
  }
  const auto b = Take();
  if (b <= 0x7f) {
    return b;
  }
  if (b >= 0xe0) {
    return static_cast<std::int8_t>(b);
  }
  switch (b) {
    case 0xcc:
      return static_cast<std::int64_t>(BigEndian(1));
    case 0xcd:
      return static_cast<std::int64_t>(BigEndian(2));
    case 0xce:
      return static_cast<std::int64_t>(BigEndian(4));
    case 0xcf:
      return static_cast<std::int64_t>(BigEndian(8));
    case 0xd0:
      return static_cast<std::int8_t>(BigEndian(1));
    case 0xd1:
      return static_cast<std::int16_t>(BigEndian(2));
    case 0xd2:
      return static_cast<std::int32_t>(BigEndian(4));
    case 0xd3:
      return static_cast<std::int64_t>(BigEndian(8));
    default:
      Fail("expected an integer");
      return 0;
  }
}

double Reader::ReadDouble() {
  if (!Need(1)) {
    return 0;
  }
  const auto b = Peek();
  if (b == 0xcb) {
    ++pos_;
    return std::bit_cast<double>(BigEndian(8));
  }
  if (b == 0xca) {
    ++pos_;
    return std::bit_cast<float>(static_cast<std::uint32_t>(BigEndian(4)));
  }
  return static_cast<double>(ReadInt());
}

std::string_view Reader::ReadString() {
  if (!Need(1)) {
    return {};
  }
  const auto b = Take();
  std::size_t n = 0;
  if ((b & 0xe0) == 0xa0) {
    n = b & 0x1f;
  } else if (b == 0xd9) {
    n = BigEndian(1);
  } else if (b == 0xda) {
    n = BigEndian(2);
  } else if (b == 0xdb) {
    n = BigEndian(4);
  } else {
    Fail("expected a string");
    return {};
  }
  return TakeBytes(n);
}

std::string_view Reader::ReadBin() {
  if (!Need(1)) {
    return {};
  }
  const auto b = Take();
  std::size_t n = 0;
  if (b == 0xc4) {
    n = BigEndian(1);
  } else if (b == 0xc5) {
    n = BigEndian(2);
  } else if (b == 0xc6) {
    n = BigEndian(4);
  } else {
    Fail("expected binary data");
    return {};
  }
  return TakeBytes(n);
}

std::string_view Reader::TakeBytes(std::size_t n) {
  if (!Need(n)) {
    return {};
  }
  auto s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::uint32_t Reader::ReadArrayHeader() {
  if (!Need(1)) {
    return 0;
  }
  const auto b = Take();
  if ((b & 0xf0) == 0x90) {
    return b & 0x0f;
  }
  if (b == 0xdc) {
    return static_cast<std::uint32_t>(BigEndian(2));
  }
  if (b == 0xdd) {
    return static_cast<std::uint32_t>(BigEndian(4));
  }
  Fail("expected an array");
  return 0;
}

std::uint32_t Reader::ReadMapHeader() {
  if (!Need(1)) {
    return 0;
  }
  const auto b = Take();
  if ((b & 0xf0) == 0x80) {
    return b & 0x0f;
  }
  if (b == 0xde) {
    return static_cast<std::uint32_t>(BigEndian(2));
  }
  if (b == 0xdf) {
    return static_cast<std::uint32_t>(BigEndian(4));
  }
  Fail("expected a map");
  return 0;
}

void Reader::Skip() { SkipDepth(0); }

void Reader::SkipDepth(int depth) {
  if (depth > 64) {
    Fail("MessagePack value nested too deeply");
    return;
  }
  if (!Need(1)) {
    return;
  }
  const auto b = Peek();
  auto skip_bytes = [this](std::size_t n) {
    if (Need(n)) {
      pos_ += n;
    }
  };
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
    ++pos_;
  } else if ((b & 0xe0) == 0xa0 || b == 0xd9 || b == 0xda || b == 0xdb) {
    ReadString();
  } else if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) {
    const auto n = ReadArrayHeader();
    for (std::uint32_t i = 0; i < n && ok(); ++i) {
      SkipDepth(depth + 1);
    }
  } else if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf) {
    const auto n = ReadMapHeader();
    for (std::uint32_t i = 0; i < n && ok(); ++i) {
      SkipDepth(depth + 1);
      SkipDepth(depth + 1);
    }
  } else {
    ++pos_;
    switch (b) {
      case 0xc4:
        skip_bytes(BigEndian(1));
        break;  // bin 8
      case 0xc5:
        skip_bytes(BigEndian(2));
        break;
      case 0xc6:
        skip_bytes(BigEndian(4));
        break;
      case 0xc7:
        skip_bytes(BigEndian(1) + 1);
        break;  // ext 8: size, type, data
      case 0xc8:
        skip_bytes(BigEndian(2) + 1);
        break;
      case 0xc9:
        skip_bytes(BigEndian(4) + 1);
        break;
      case 0xca:
        skip_bytes(4);
        break;
      case 0xcb:
        skip_bytes(8);
        break;
      case 0xcc:
      case 0xd0:
        skip_bytes(1);
        break;
      case 0xcd:
      case 0xd1:
        skip_bytes(2);
        break;
      case 0xce:
      case 0xd2:
        skip_bytes(4);
        break;
      case 0xcf:
      case 0xd3:
        skip_bytes(8);
        break;
      case 0xd4:
        skip_bytes(2);
        break;  // fixext 1
      case 0xd5:
        skip_bytes(3);
        break;
      case 0xd6:
        skip_bytes(5);
        break;
      case 0xd7:
        skip_bytes(9);
        break;
      case 0xd8:
        skip_bytes(17);
        break;
      default:
        Fail("invalid MessagePack type byte");
        break;
    }
  }
}

std::string_view Reader::ReadRaw() {
  const auto start = pos_;
  Skip();
  if (!ok()) {
    return {};
  }
  return data_.substr(start, pos_ - start);
}

}  // namespace tributary::msgpack
