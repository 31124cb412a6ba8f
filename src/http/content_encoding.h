#pragma once
// Request bodies sent with a Content-Encoding (RFC 9110 §8.4): `gzip` (RFC 1952;
// `x-gzip` alike) is inflated, `identity` is the body as sent; a list
// ("gzip, identity") is undone from the last coding to the first. Any other
// coding is refused, so a handler never reads compressed bytes as JSON.
//
// The inflated body is held to the same limit as a plain body, so a small
// compressed request cannot expand into a large one. The outcome is data: the
// session turns it into 415, 413 or 400.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace tributary::http {

struct DecodedBody {
  enum class Outcome {
    kOk,
    kUnsupportedEncoding,  // 415
    kTooLarge,             // 413: inflated beyond the limit
    kCorrupt,              // 400: not a complete gzip stream
  };
  Outcome outcome = Outcome::kOk;
  std::string body;     // kOk: the decoded body
  std::string message;  // otherwise: what was wrong, for the client
};

// Decodes `body` sent with `content_encoding` (the header's value), producing
// at most `limit` bytes.
DecodedBody DecodeContentEncoding(std::string_view content_encoding, std::string body,
                                  std::size_t limit);

// The codings DecodeContentEncoding undoes, for an Accept-Encoding answer.
inline constexpr std::string_view kAcceptedEncodings = "gzip, identity";

}  // namespace tributary::http
