#pragma once
// Gzip (RFC 1952) for tests that send compressed request bodies, with zlib.

#include <zlib.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace tributary::testing {

// `text` as one gzip member.
inline std::string Gzip(std::string_view text) {
  z_stream zs{};
  // 16 + MAX_WBITS: a gzip wrapper, not zlib's.
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(text.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    throw std::runtime_error("deflate did not finish");
  }
  return out;
}

}  // namespace tributary::testing
