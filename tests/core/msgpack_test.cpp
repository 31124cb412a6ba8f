// The MessagePack writer and reader: binary data (bin 8/16/32) as the spec lays it out.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/msgpack.h"

using namespace tributary;

namespace {

std::string BinOf(std::string_view bytes) {
  std::string out;
  msgpack::Writer(out).Bin(bytes);
  return out;
}

std::uint8_t Byte(const std::string& s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

}  // namespace

TEST_CASE("binary data is written in the smallest bin format and read back byte-exact") {
  SECTION("bin 8 up to 255 bytes: 0xc4, a one-byte length") {
    const std::string bytes("\0\xff\x80 a\xc0", 6);
    const auto encoded = BinOf(bytes);
    REQUIRE(encoded.size() == 2 + bytes.size());
    CHECK(Byte(encoded, 0) == 0xc4);
    CHECK(Byte(encoded, 1) == 6);
    msgpack::Reader r(encoded);
    CHECK(r.ReadBin() == bytes);
    CHECK(r.ok());
    CHECK(r.AtEnd());
  }
  SECTION("empty data is bin 8 of length 0") {
    const auto encoded = BinOf("");
    CHECK(encoded == std::string("\xc4\x00", 2));
    msgpack::Reader r(encoded);
    CHECK(r.ReadBin().empty());
    CHECK(r.ok());
  }
  SECTION("boundaries of bin 8, bin 16 (0xc5) and bin 32 (0xc6), lengths big-endian") {
    const std::vector<std::pair<std::size_t, std::string>> cases = {
        {255, std::string("\xc4\xff", 2)},
        {256, std::string("\xc5\x01\x00", 3)},
        {65535, std::string("\xc5\xff\xff", 3)},
        {65536, std::string("\xc6\x00\x01\x00\x00", 5)},
    };
    for (const auto& [size, header] : cases) {
      const std::string bytes(size, '\0');
      const auto encoded = BinOf(bytes);
      CHECK(encoded.substr(0, header.size()) == header);
      msgpack::Reader r(encoded);
      CHECK(r.ReadBin() == bytes);
      CHECK(r.AtEnd());
    }
  }
  SECTION("any MessagePack reader sees binary data") {
    const std::string bytes("\0\xff", 2);
    const auto encoded = BinOf(bytes);
    const auto generic = nlohmann::json::from_msgpack(encoded);
    REQUIRE(generic.is_binary());
    const std::vector<std::uint8_t>& data = generic.get_binary();
    CHECK(data == std::vector<std::uint8_t>{0x00, 0xff});
  }
  SECTION("Skip passes over binary data") {
    auto encoded = BinOf(std::string(300, 'x'));
    msgpack::Writer(encoded).Int(7);
    msgpack::Reader r(encoded);
    r.Skip();
    CHECK(r.ReadInt() == 7);
    CHECK(r.ok());
  }
}

TEST_CASE("reading binary data is strict") {
  SECTION("a string is not binary data") {
    std::string encoded;
    msgpack::Writer(encoded).String("abc");
    msgpack::Reader r(encoded);
    r.ReadBin();
    CHECK_FALSE(r.ok());
    CHECK_FALSE(r.truncated());
    CHECK(std::string(r.error()) == "expected binary data");
  }
  SECTION("data shorter than its length is truncated, at every cut") {
    const auto encoded = BinOf(std::string(300, 'x'));
    for (std::size_t cut = 0; cut < encoded.size(); ++cut) {
      msgpack::Reader r(std::string_view(encoded).substr(0, cut));
      CHECK(r.ReadBin().empty());
      CHECK_FALSE(r.ok());
      CHECK(r.truncated());
    }
  }
}
