#include "http/server.h"

#include <openssl/ssl.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

#include <spdlog/spdlog.h>

#include "http/content_encoding.h"

namespace tributary::http {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// How long a TLS session waits for the peer's close_notify before closing.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{2000};
constexpr std::chrono::milliseconds kTlsShutdownTimeoutStopping{250};
// How long Stop() waits for sessions it closed forcibly to go away.
constexpr std::chrono::milliseconds kForcedCloseWait{500};

// The answer to a body whose Content-Encoding could not be undone.
Response BodyDecodeError(const DecodedBody& decoded) {
  switch (decoded.outcome) {
    case DecodedBody::Outcome::kUnsupportedEncoding: {
      auto r = Response::Error(415, "unsupported_media_type", decoded.message);
      r.headers.emplace_back("Accept-Encoding", std::string(kAcceptedEncodings));
      return r;
    }
    case DecodedBody::Outcome::kTooLarge:
      return Response::Error(413, "payload_too_large", decoded.message);
    case DecodedBody::Outcome::kCorrupt:
    case DecodedBody::Outcome::kOk:
      break;
  }
  return Response::Error(400, "bad_request", decoded.message);
}

// What every session of one server shares. Owned by HttpServer::Impl, which
// outlives every session's callbacks (the io threads are joined first).
class SessionBase;

class SessionRegistry {
 public:
  void Add(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(mu_);
    sessions_.insert(s);
  }
  void Remove(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(mu_);
    sessions_.erase(s);
    if (sessions_.empty()) {
      empty_.notify_all();
    }
  }
  std::vector<std::shared_ptr<SessionBase>> All() {
    std::lock_guard lock(mu_);
    return {sessions_.begin(), sessions_.end()};
  }
  // True when every session has gone within `timeout`.
  bool WaitEmpty(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return empty_.wait_for(lock, timeout, [this] { return sessions_.empty(); });
  }
  void Clear() {
    std::set<std::shared_ptr<SessionBase>> doomed;
    {
      std::lock_guard lock(mu_);
      doomed.swap(sessions_);
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable empty_;
  std::set<std::shared_ptr<SessionBase>> sessions_;
};

// A fixed pool of threads for heavy requests with a bounded queue. Post()
// refuses work beyond threads + queue; Stop() drops what waits and joins
// after the running tasks end.
class WorkPool {
 public:
  WorkPool(int threads, int queue)
      : capacity_(static_cast<std::size_t>(std::max(threads, 1) + std::max(queue, 0))) {
    for (int i = 0; i < std::max(threads, 1); ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  ~WorkPool() { Stop(); }

  bool Post(std::function<void()> task) {
    std::lock_guard lock(mu_);
    if (stopping_ || tasks_.size() + running_ >= capacity_) {
      return false;
    }
    tasks_.push_back(std::move(task));
    ready_.notify_one();
    return true;
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        return;
      }
      stopping_ = true;
      tasks_.clear();
      ready_.notify_all();
    }
    for (auto& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) {
          return;
        }
        task = std::move(tasks_.front());
        tasks_.pop_front();
        ++running_;
      }
      task();
      std::lock_guard lock(mu_);
      --running_;
    }
  }

  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

struct ServerState {
  ServerState(ServerOptions opts, Handler h)
      : options(std::move(opts)),
        handler(std::move(h)),
        work(options.work_threads, options.work_queue) {}

  const ServerOptions options;
  const Handler handler;
  WorkPool work;
  std::optional<ssl::context> tls;  // set for HTTPS
  SessionRegistry registry;
  std::atomic<bool> stopping{false};
};

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void Run() = 0;
  // Both post to the session's strand. CloseIfIdle closes a connection that is
  // between requests (or still in its TLS handshake); ForceClose closes it
  // whatever it is doing.
  virtual void CloseIfIdle() = 0;
  virtual void ForceClose() = 0;
  // Closes at once, from the calling thread. REQUIRES: no io thread runs.
  virtual void CloseStopped() = 0;
};

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// One connection: plain TCP (kTls false) or TLS over TCP.
template <bool kTls>
class Session final : public SessionBase {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  Session(tcp::socket socket, ServerState& state) requires(!kTls)
      : stream_(std::move(socket)), state_(state) {}
  Session(tcp::socket socket, ServerState& state) requires(kTls)
      : stream_(std::move(socket), *state.tls), state_(state) {}

  void Run() override {
    state_.registry.Add(shared_from_this());
    asio::dispatch(stream_.get_executor(), [self = Self()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

  void CloseIfIdle() override {
    asio::post(stream_.get_executor(), [self = Self()] {
      const bool idle = self->phase_ == Phase::kHandshake ||
                        (self->phase_ == Phase::kReading && self->buffer_.size() == 0 &&
                         !(self->parser_ && self->parser_->got_some()));
      if (idle) {
        self->CloseNow();
      }
    });
  }

  void ForceClose() override {
    asio::post(stream_.get_executor(), [self = Self()] { self->CloseNow(); });
  }

  void CloseStopped() override { CloseNow(); }

 private:
  enum class Phase { kHandshake, kReading, kBusy };

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Handshake() {
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      Tcp().expires_after(state_.options.read_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = Self()](beast::error_code ec) {
        if (self->done_) {
          return;
        }
        if (ec) {
          self->CloseNow();
          return;
        }
        self->Read();
      });
    }
  }

  void Read() {
    if (done_) {
      return;
    }
    if (state_.stopping) {
      // Between requests: nothing is owed to the client.
      CloseNow();
      return;
    }
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->body_limit(state_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(state_.options.header_limit));
    Tcp().expires_after(state_.options.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = Self()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    phase_ = Phase::kBusy;
    if (done_) {
      return;
    }
    if (ec == bhttp::error::body_limit) {
      WriteError(413, "payload_too_large",
                 "the request body is larger than " + std::to_string(state_.options.body_limit) +
                     " bytes");
      return;
    }
    if (ec == bhttp::error::header_limit) {
      WriteError(431, "header_fields_too_large", "the request header block is too large");
      return;
    }
    if (ec) {
      if (IsHttpParseError(ec)) {
        // Malformed HTTP: answer 400 once, then close.
        WriteError(400, "bad_request", "malformed HTTP request: " + ec.message());
        return;
      }
      // End of stream, timeout, reset, TLS failure: nothing to answer.
      if (ec == bhttp::error::end_of_stream) {
        Finish();
      } else {
        CloseNow();
      }
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
    const unsigned version = req.version();
    // A stopping server answers what is in flight, then closes: whether to
    // keep the connection is decided once the answer is ready.
    const bool keep_alive = req.keep_alive();
    const bool head = request.method == "HEAD";
    if (!ParseTarget(request)) {
      Write(Response::Error(400, "bad_request", "malformed percent-encoding in the URL"),
            keep_alive && !state_.stopping, version, head);
      return;
    }
    if (const auto* encoding = request.Header("content-encoding")) {
      auto decoded =
          DecodeContentEncoding(*encoding, std::move(request.body), state_.options.body_limit);
      if (decoded.outcome != DecodedBody::Outcome::kOk) {
        Write(BodyDecodeError(decoded), keep_alive && !state_.stopping, version, head);
        return;
      }
      request.body = std::move(decoded.body);
      request.headers.erase("content-encoding");  // handlers see the body as sent before coding
    }
    if (state_.options.is_heavy && state_.options.is_heavy(request)) {
      // Off the io threads; the answer is written back on this session's strand.
      auto task = [self = Self(), request = std::move(request), keep_alive, version,
                   head]() mutable {
        auto response = std::make_shared<Response>(self->Call(request));
        asio::post(self->stream_.get_executor(), [self, response, keep_alive, version, head] {
          self->Write(std::move(*response), keep_alive && !self->state_.stopping, version, head);
        });
      };
      if (!state_.work.Post(std::move(task))) {
        auto busy = Response::Error(429, "too_many_requests",
                                    "too many expensive requests in flight; retry shortly");
        busy.headers.emplace_back("Retry-After", "2");
        Write(std::move(busy), keep_alive && !state_.stopping, version, head);
      }
      return;
    }
    Response response = Call(request);
    Write(std::move(response), keep_alive && !state_.stopping, version, head);
  }

  Response Call(const Request& request) {
    try {
      return state_.handler(request);
    } catch (const std::exception& e) {
      spdlog::error("http: handler for {} {} failed: {}", request.method, request.path, e.what());
      return Response::Error(500, "internal", "internal error");
    }
  }

  void Write(Response response, bool keep_alive, unsigned version, bool head = false) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version);
    res->set(bhttp::field::server, "tributary");
    res->set(bhttp::field::content_type, response.content_type);
    AddSecurityHeaders(response);
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
    Tcp().expires_after(state_.options.read_timeout);
    bhttp::async_write(stream_, *res,
                       [self = Self(), res, keep_alive](beast::error_code ec, std::size_t) {
                         if (ec) {
                           self->CloseNow();
                           return;
                         }
                         if (!keep_alive) {
                           self->Finish();
                           return;
                         }
                         self->Read();
                       });
  }

  void WriteError(int status, std::string_view code, const std::string& message) {
    Write(Response::Error(status, code, message), false, 11);
  }

  // Ends the connection politely: TLS close_notify (bounded wait) or a TCP
  // half-close, then CloseNow().
  void Finish() {
    if (done_) {
      return;
    }
    if constexpr (kTls) {
      phase_ = Phase::kBusy;
      Tcp().expires_after(std::min(state_.options.read_timeout, state_.stopping
                                                                    ? kTlsShutdownTimeoutStopping
                                                                    : kTlsShutdownTimeout));
      stream_.async_shutdown([self = Self()](beast::error_code) { self->CloseNow(); });
    } else {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      CloseNow();
    }
  }

  void CloseNow() {
    if (done_) {
      return;
    }
    done_ = true;
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().close();
    state_.registry.Remove(shared_from_this());
  }

  Stream stream_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Phase phase_ = Phase::kBusy;
  bool done_ = false;  // closed and removed from the registry
};

// Loads the certificate chain and key; errors name the file.
Result<ssl::context> MakeTlsContext(const ServerOptions& options) {
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return InvalidArgument("http: TLS needs both a certificate file and a key file (" +
                           std::string(options.tls_cert_file.empty() ? "certificate" : "key") +
                           " file missing)");
  }
  for (const auto& [what, file] : {std::pair{"certificate", &options.tls_cert_file},
                                   std::pair{"key", &options.tls_key_file}}) {
    if (!std::ifstream(*file).good()) {
      return IoError(std::string("http: cannot read the TLS ") + what + " file " + *file);
    }
  }
  ssl::context context(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  context.use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    return InvalidArgument("http: cannot load the TLS certificate file " + options.tls_cert_file +
                           ": " + ec.message());
  }
  context.use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    return InvalidArgument("http: cannot load the TLS key file " + options.tls_key_file + ": " +
                           ec.message());
  }
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    return InvalidArgument("http: the TLS key file " + options.tls_key_file +
                           " does not match the certificate file " + options.tls_cert_file);
  }
  return context;
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions opts, Handler h)
      : state(std::move(opts), std::move(h)), acceptor(asio::make_strand(ioc)) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted && !state.stopping) {
          spdlog::warn("http: accept failed: {}", ec.message());
          Accept();
        }
        return;
      }
      if (state.stopping) {
        beast::error_code ignored;
        socket.close(ignored);
        return;
      }
      if (state.tls) {
        std::make_shared<Session<true>>(std::move(socket), state)->Run();
      } else {
        std::make_shared<Session<false>>(std::move(socket), state)->Run();
      }
      Accept();
    });
  }

  // Declared first so it is destroyed last: sessions refer to it.
  ServerState state;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};
  std::uint16_t port = 0;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    auto context = MakeTlsContext(options);
    if (!context.ok()) {
      return context.status();
    }
    impl->state.tls.emplace(std::move(context).value());
  }
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
  auto& state = impl_->state;
  state.stopping = true;
  // Stop accepting before anything else (the close runs on the acceptor's
  // strand; if every io thread is busy, it is done after the join below).
  auto closed = std::make_shared<std::promise<void>>();
  asio::post(impl_->acceptor.get_executor(), [raw = impl_.get(), closed] {
    beast::error_code ec;
    raw->acceptor.close(ec);
    closed->set_value();
  });
  (void)closed->get_future().wait_for(state.options.shutdown_grace);
  // Idle keep-alive connections go now; the others once their response is
  // written (they see `stopping`), or when the grace period is over.
  for (const auto& session : state.registry.All()) {
    session->CloseIfIdle();
  }
  if (!state.registry.WaitEmpty(state.options.shutdown_grace)) {
    spdlog::warn("http: requests still in flight after {} ms; closing their connections",
                 state.options.shutdown_grace.count());
    for (const auto& session : state.registry.All()) {
      session->ForceClose();
    }
    (void)state.registry.WaitEmpty(kForcedCloseWait);
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  // Heavy requests still waiting are dropped (their connections are closed
  // below); one still running ends within its work budget.
  state.work.Stop();
  // No io thread runs now: close what is left (a handler that outlasted the
  // grace period) here, while the io_context still exists.
  beast::error_code ec;
  impl_->acceptor.close(ec);
  for (const auto& session : state.registry.All()) {
    session->CloseStopped();
  }
  state.registry.Clear();
}

}  // namespace tributary::http
