#include "http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

namespace tributary::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Session;

// Sessions alive now, so Stop() can close them.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Session>& s) {
    std::lock_guard lock(mu_);
    sessions_.insert(s);
  }
  void Remove(const std::shared_ptr<Session>& s) {
    std::lock_guard lock(mu_);
    sessions_.erase(s);
  }
  std::vector<std::shared_ptr<Session>> All() {
    std::lock_guard lock(mu_);
    return {sessions_.begin(), sessions_.end()};
  }

 private:
  std::mutex mu_;
  std::set<std::shared_ptr<Session>> sessions_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const ServerOptions& options, const Handler& handler,
          SessionRegistry& registry)
      : stream_(std::move(socket)), options_(options), handler_(handler), registry_(registry) {}

  void Run() {
    registry_.Add(shared_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  void Close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.close();
    });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->OnRead(ec);
                      });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      WriteError(413, "payload_too_large",
                 "the request body is larger than " + std::to_string(options_.body_limit) +
                     " bytes");
      return;
    }
    if (ec == bhttp::error::header_limit) {
      WriteError(431, "header_fields_too_large", "the request header block is too large");
      return;
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec) {
      if (ec && ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
          ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
        // Malformed HTTP: answer 400 once, then close.
        WriteError(400, "bad_request", "malformed HTTP request: " + ec.message());
        return;
      }
      Shutdown();
      return;
    }
    auto& req = parser_->get();
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(req.body());
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    Response response;
    if (!ParseTarget(request.target, request.path, request.query)) {
      response = Response::Error(400, "bad_request", "malformed percent-encoding in the URL");
    } else {
      try {
        response = handler_(request);
      } catch (const std::exception& e) {
        spdlog::error("http: handler for {} {} failed: {}", request.method, request.path, e.what());
        response = Response::Error(500, "internal", "internal error");
      }
    }
    const bool head = request.method == "HEAD";
    Write(std::move(response), keep_alive, version, head);
  }

  void Write(Response response, bool keep_alive, unsigned version, bool head = false) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version);
    res->set(bhttp::field::server, "tributary");
    res->set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) {
      res->set(name, value);
    }
    const auto size = response.body.size();
    if (!head) {
      res->body() = std::move(response.body);
    }
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (head) {
      res->content_length(size);
    }
    stream_.expires_after(options_.read_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive](beast::error_code ec,
                                                                    std::size_t) {
                         if (ec || !keep_alive) {
                           self->Shutdown();
                           return;
                         }
                         self->Read();
                       });
  }

  void WriteError(int status, std::string_view code, const std::string& message) {
    Write(Response::Error(status, code, message), false, 11);
  }

  void Shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
    registry_.Remove(shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const ServerOptions& options_;
  const Handler& handler_;
  SessionRegistry& registry_;
};

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions opts, Handler h)
      : options(std::move(opts)), handler(std::move(h)), acceptor(asio::make_strand(ioc)) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) {
          spdlog::warn("http: accept failed: {}", ec.message());
          Accept();
        }
        return;
      }
      std::make_shared<Session>(std::move(socket), options, handler, registry)->Run();
      Accept();
    });
  }

  ServerOptions options;
  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  SessionRegistry registry;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};
  std::uint16_t port = 0;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return InvalidArgument("http: \"" + options.host + "\" is not an IP address");
  }
  const tcp::endpoint endpoint(address, options.port);
  const auto where = options.host + ":" + std::to_string(options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return IoError("http: cannot listen on " + where + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->Accept();
  const int threads = options.threads < 1 ? 1 : options.threads;
  for (int i = 0; i < threads; ++i) {
    impl->threads.emplace_back([raw = impl.get()] { raw->ioc.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (impl_->stopped.exchange(true)) {
    return;
  }
  asio::post(impl_->acceptor.get_executor(), [raw = impl_.get()] {
    beast::error_code ec;
    raw->acceptor.close(ec);
  });
  for (const auto& session : impl_->registry.All()) {
    session->Close();
  }
  // Let in-flight writes finish briefly, then stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) {
      t.join();
    }
  }
}

}  // namespace tributary::http
