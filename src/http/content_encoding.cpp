#include "http/content_encoding.h"

#include <zlib.h>

#include <array>
#include <climits>
#include <utility>
#include <vector>

#include "core/text_codec.h"

namespace tributary::http {
namespace {

using Outcome = DecodedBody::Outcome;

DecodedBody Failed(Outcome outcome, std::string message) {
  return DecodedBody{outcome, {}, std::move(message)};
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Ends the inflate stream however Gunzip leaves.
struct InflateStream {
  z_stream zs{};
  bool open = false;
  ~InflateStream() {
    if (open) {
      inflateEnd(&zs);
    }
  }
};

// Inflates one or more gzip members (RFC 1952 §2.2) into at most `limit` bytes.
DecodedBody Gunzip(std::string_view in, std::size_t limit) {
  if (in.size() > UINT_MAX) {
    return Failed(Outcome::kTooLarge, "the gzip body is too large");
  }
  InflateStream s;
  // 16 + MAX_WBITS: a gzip wrapper, not zlib's.
  if (inflateInit2(&s.zs, 16 + MAX_WBITS) != Z_OK) {
    return Failed(Outcome::kCorrupt, "the gzip body cannot be inflated (out of memory)");
  }
  s.open = true;
  s.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  std::array<char, 64 * 1024> chunk;
  for (;;) {
    s.zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
    s.zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&s.zs, Z_NO_FLUSH);
    const std::size_t produced = chunk.size() - s.zs.avail_out;
    if (out.size() + produced > limit) {
      return Failed(Outcome::kTooLarge,
                    "the request body inflates to more than " + std::to_string(limit) + " bytes");
    }
    out.append(chunk.data(), produced);
    if (rc == Z_STREAM_END) {
      if (s.zs.avail_in == 0) {
        return DecodedBody{Outcome::kOk, std::move(out), {}};
      }
      inflateReset(&s.zs);  // another member follows
      continue;
    }
    if (rc == Z_OK) {
      continue;
    }
    if (rc == Z_BUF_ERROR) {
      // No progress possible: the input ended before the gzip stream did.
      return Failed(Outcome::kCorrupt, "the gzip body is truncated");
    }
    return Failed(Outcome::kCorrupt, std::string("the body is not valid gzip: ") +
                                         (s.zs.msg != nullptr ? s.zs.msg : "unreadable data"));
  }
}

}  // namespace

DecodedBody DecodeContentEncoding(std::string_view content_encoding, std::string body,
                                  std::size_t limit) {
  std::vector<std::string> codings;
  for (std::size_t start = 0; start <= content_encoding.size();) {
    const auto comma = content_encoding.find(',', start);
    const auto token = Trim(content_encoding.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!token.empty()) {
      codings.push_back(AsciiLower(token));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  for (const auto& coding : codings) {
    if (coding != "gzip" && coding != "x-gzip" && coding != "identity") {
      return Failed(Outcome::kUnsupportedEncoding, "Content-Encoding \"" + coding.substr(0, 40) +
                                                       "\" is not supported (" +
                                                       std::string(kAcceptedEncodings) + ")");
    }
  }
  // The last coding applied is undone first.
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    if (*it == "identity") {
      continue;
    }
    auto inflated = Gunzip(body, limit);
    if (inflated.outcome != Outcome::kOk) {
      return inflated;
    }
    body = std::move(inflated.body);
  }
  return DecodedBody{Outcome::kOk, std::move(body), {}};
}

}  // namespace tributary::http
