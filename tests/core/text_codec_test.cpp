#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/text_codec.h"

using namespace tributary;

namespace {

// RFC 4648 §10: the test vectors, as (data, Base64).
const std::vector<std::pair<std::string, std::string>> kRfc4648Vectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

// Every byte value once, so both alphabets' last two characters appear.
std::string AllBytes() {
  std::string out;
  for (int i = 0; i < 256; ++i) {
    out.push_back(static_cast<char>(i));
  }
  return out;
}

std::string WithoutPadding(std::string text) {
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  return text;
}

}  // namespace

TEST_CASE("hex is two lower-case digits per byte") {
  CHECK(HexEncode("") == "");
  CHECK(HexEncode(std::string("\x00\x01\x7f\x80\xab\xff", 6)) == "00017f80abff");
  CHECK(HexEncode("foobar") == "666f6f626172");
  SECTION("HexDigitValue reads back what HexEncode writes, in either case") {
    CHECK(HexDigitValue('0') == 0);
    CHECK(HexDigitValue('a') == 10);
    CHECK(HexDigitValue('F') == 15);
    CHECK(HexDigitValue('g') == -1);
  }
}

TEST_CASE("Base64 encodes and decodes the RFC 4648 test vectors") {
  for (const auto& [data, encoded] : kRfc4648Vectors) {
    CAPTURE(data);
    CHECK(Base64Encode(data) == encoded);
    CHECK(Base64Decode(encoded) == data);
    CHECK(Base64DecodeLenient(encoded) == data);
  }
  SECTION("every byte value survives a round trip") {
    const std::string bytes = AllBytes();
    CHECK(Base64Decode(Base64Encode(bytes)) == bytes);
    CHECK(Base64Encode("\xfb\xff") == "+/8=");
  }
}

TEST_CASE("Base64 wraps MIME lines at 76 characters") {
  const std::string bytes(200, 'x');  // 268 characters: three full lines and 40
  const std::string wrapped = Base64Encode(bytes, /*wrap_mime_lines=*/true);
  const std::string flat = Base64Encode(bytes);
  CHECK(wrapped.substr(0, 78) == flat.substr(0, 76) + "\r\n");
  CHECK(wrapped.size() == flat.size() + 3 * 2);
  CHECK(wrapped.substr(wrapped.size() - 2) != "\r\n");  // no line break after the last line
  SECTION("a body of exactly one line has no line break") {
    CHECK(Base64Encode(std::string(57, 'x'), true) == Base64Encode(std::string(57, 'x')));
  }
  SECTION("the lenient decoder reads wrapped text back") {
    CHECK(Base64DecodeLenient(wrapped) == bytes);
  }
}

TEST_CASE("strict Base64 decoding refuses what is not padded Base64") {
  CHECK_FALSE(Base64Decode("Zg"));        // not padded to four
  CHECK_FALSE(Base64Decode("Zg="));       // not padded to four
  CHECK_FALSE(Base64Decode("Z==="));      // three padding characters
  CHECK_FALSE(Base64Decode("===="));      // only padding
  CHECK_FALSE(Base64Decode("Zg==Zg=="));  // padding inside
  CHECK_FALSE(Base64Decode("Zm9v\r\n"));  // a line break
  CHECK_FALSE(Base64Decode("Zm 9"));      // a space
  CHECK_FALSE(Base64Decode("Zm9-"));      // the URL alphabet
  CHECK_FALSE(Base64Decode("Zm9_"));      // the URL alphabet
  SECTION("unused bits of the last character are not checked") {
    CHECK(Base64Decode("Zh==") == "f");
  }
}

TEST_CASE("lenient Base64 decoding skips what is not Base64, as mail readers do") {
  CHECK(Base64DecodeLenient("Zm9v\r\nYmFy") == "foobar");
  CHECK(Base64DecodeLenient(" Zm9v YmE= ") == "fooba");
  CHECK(Base64DecodeLenient("-_8") == "\xfb\xff");  // the URL alphabet too
  CHECK(Base64DecodeLenient("Zg") == "f");          // missing padding
  CHECK(Base64DecodeLenient("Z") == "");            // a partial byte is dropped
  CHECK(Base64DecodeLenient("!!!") == "");
}

TEST_CASE("base64url encodes and decodes without padding") {
  for (const auto& [data, encoded] : kRfc4648Vectors) {
    CAPTURE(data);
    CHECK(Base64UrlEncode(data) == WithoutPadding(encoded));
    CHECK(Base64UrlDecode(WithoutPadding(encoded)) == data);
  }
  SECTION("the URL alphabet replaces + and / with - and _") {
    CHECK(Base64UrlEncode("\xfb\xff") == "-_8");
    CHECK(Base64UrlDecode("-_8") == "\xfb\xff");
    const std::string bytes = AllBytes();
    CHECK(Base64UrlDecode(Base64UrlEncode(bytes)) == bytes);
  }
  SECTION("a Kafka topic id is 16 bytes in 22 characters") {
    const std::string id(16, '\x5a');
    CHECK(Base64UrlEncode(id).size() == 22);
  }
  SECTION("what is not unpadded base64url is refused") {
    CHECK_FALSE(Base64UrlDecode("Zg=="));   // padding
    CHECK_FALSE(Base64UrlDecode("+/8"));    // the standard alphabet
    CHECK_FALSE(Base64UrlDecode("Zm9vY"));  // 1 modulo 4: no whole byte
    CHECK_FALSE(Base64UrlDecode("Zm9v\n"));
  }
}

TEST_CASE("lenient percent-decoding keeps malformed escapes as written") {
  CHECK(PercentDecodeLenient("cloud-api-key=%2A") == "cloud-api-key=*");
  CHECK(PercentDecodeLenient("a%2fb%2Fc") == "a/b/c");
  CHECK(PercentDecodeLenient("100%") == "100%");
  CHECK(PercentDecodeLenient("%zz%4") == "%zz%4");
  CHECK(PercentDecodeLenient("%41%") == "A%");
}
