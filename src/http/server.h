#pragma once
// HttpServer: an HTTP/1.1 listener (Boost.Beast) that hands each request to a
// Handler and writes back its Response.
//
// Sessions keep connections alive, answer pipelined requests in order, one at
// a time, cut off clients that stall longer than read_timeout, and answer a
// body over body_limit with 413 (header block over header_limit: 431) before
// closing the connection. A body sent with Content-Encoding gzip is inflated
// before the handler sees it, to at most body_limit bytes (more: 413; not
// gzip: 400); other codings are answered 415 (http/content_encoding.h). Handlers run on the
// server's threads and must be thread-safe.
//
// With tls_cert_file and tls_key_file set, every connection is HTTPS (TLS 1.2
// or later, OpenSSL); the handshake must complete within read_timeout, and the
// limits, keep-alive and pipelining behave as over plain TCP.
//
// Stop() is graceful: it stops accepting, lets requests in flight finish and
// be answered (with `Connection: close`) for up to shutdown_grace, closes idle
// keep-alive connections at once, then closes whatever remains and joins the
// server's threads. It is called by the destructor too. A handler still
// running after shutdown_grace is waited for (it cannot be interrupted).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/router.h"
#include "tributary/result.h"

namespace tributary::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see HttpServer::port())
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds read_timeout{30000};
  int threads = 2;
  // PEM files; both empty for plain HTTP, both set for HTTPS. The certificate
  // file may hold a chain (leaf first).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::chrono::milliseconds shutdown_grace{5000};
  // Heavy requests (CPU-bound: schema checks, SVG layouts) run on a pool of
  // work_threads apart from the io threads, so probes and light reads are
  // never queued behind them. At most work_queue more wait; a heavy request
  // beyond that is answered 429 with Retry-After at once.
  std::function<bool(const Request&)> is_heavy;
  int work_threads = 1;
  int work_queue = 8;
};

class HttpServer {
 public:
  // Binds, loads the TLS certificate and key if configured, and starts
  // serving. Errors name the address or the file that failed.
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::http
