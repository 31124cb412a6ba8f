#pragma once
// HttpServer: an HTTP/1.1 listener (Boost.Beast) that hands each request to a
// Handler and writes back its Response.
//
// Sessions keep connections alive, answer pipelined requests in order, one at
// a time, cut off clients that stall longer than read_timeout, and answer a
// body over body_limit with 413 (header block over header_limit: 431) before
// closing the connection. Handlers run on the server's threads and must be
// thread-safe. Stop() closes the listener and ends every session; it is called
// by the destructor too.

#include <chrono>
#include <cstdint>
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
};

class HttpServer {
 public:
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
