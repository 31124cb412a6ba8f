#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "http/server.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace tributary::http;
using tributary::testing::TempDir;

namespace {

struct PemFiles {
  std::string cert;
  std::string key;
};

// A self-signed P-256 certificate for CN=localhost, valid for an hour, written
// as PEM files into `dir`.
PemFiles MakeSelfSignedCertificate(const TempDir& dir, const std::string& stem = "server") {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  REQUIRE(cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  REQUIRE(X509_set_pubkey(cert.get(), key.get()) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);

  PemFiles files{(dir / (stem + ".crt")).string(), (dir / (stem + ".key")).string()};
  FILE* f = std::fopen(files.cert.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_X509(f, cert.get());
  std::fclose(f);
  f = std::fopen(files.key.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return files;
}

// A small blocking HTTPS/1.1 client: OpenSSL over a POSIX socket, verifying
// the server's certificate against `ca_file`.
class TlsConnection {
 public:
  TlsConnection(std::uint16_t port, const std::string& ca_file) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1) {
      throw std::runtime_error("cannot load " + ca_file);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    if (SSL_connect(ssl_) != 1) {
      char error[256];
      ERR_error_string_n(ERR_get_error(), error, sizeof error);
      throw std::runtime_error(std::string("TLS handshake failed: ") + error);
    }
  }
  ~TlsConnection() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
    }
    if (ctx_ != nullptr) {
      SSL_CTX_free(ctx_);
    }
    ::close(fd_);
  }
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool Verified() const { return SSL_get_verify_result(ssl_) == X509_V_OK; }
  std::string Protocol() const { return SSL_get_version(ssl_); }

  void SendRaw(const std::string& bytes) {
    REQUIRE(SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
            static_cast<int>(bytes.size()));
  }

  testing::HttpResult Request(const std::string& method, const std::string& target,
                              const std::string& body = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
    if (!body.empty() || method == "POST") {
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    SendRaw(req + "\r\n" + body);
    return ReadResponse();
  }

  // One response (Content-Length framed); status 0 when the connection ended first.
  testing::HttpResult ReadResponse() {
    testing::HttpResult result;
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) {
        return result;
      }
    }
    const auto head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    result.status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      const auto start = pos + 2;
      pos = head.find("\r\n", start);
      const auto line = head.substr(start, pos == std::string::npos ? pos : pos - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string name = line.substr(0, colon);
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      result.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    const auto length =
        std::stoul(result.headers.count("content-length") != 0 ? result.headers["content-length"]
                                                               : std::string("0"));
    while (buffer_.size() < length && Fill()) {
    }
    result.body = buffer_.substr(0, length);
    buffer_.erase(0, std::min<std::size_t>(length, buffer_.size()));
    return result;
  }

  // True when the server ends the TLS session or the connection.
  bool WaitClosed() {
    while (Fill()) {
    }
    return true;
  }

 private:
  bool Fill() {
    char tmp[8192];
    pollfd p{fd_, POLLIN, 0};
    if (SSL_pending(ssl_) == 0 && ::poll(&p, 1, 5000) <= 0) {
      return false;
    }
    const int n = SSL_read(ssl_, tmp, sizeof tmp);
    if (n <= 0) {
      return false;
    }
    buffer_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

Router TestRouter() {
  Router router;
  router.Add("GET", "/healthz", [](const Request&) {
    return Response::Json(200, {{"status", "ok"}});
  });
  router.Add("POST", "/echo", [](const Request& r) {
    Response res;
    res.content_type = "text/plain";
    res.body = r.body;
    return res;
  });
  return router;
}

std::unique_ptr<HttpServer> StartTls(const Router& router, const PemFiles& pem,
                                     ServerOptions options = {}) {
  options.tls_cert_file = pem.cert;
  options.tls_key_file = pem.key;
  auto server =
      HttpServer::Start(options, [&router](const Request& r) { return router.Handle(r); });
  REQUIRE(server.ok());
  return std::move(server).value();
}

}  // namespace

TEST_CASE("HTTPS serves requests with a certificate from files") {
  TempDir dir;
  const auto pem = MakeSelfSignedCertificate(dir);
  const auto router = TestRouter();
  auto server = StartTls(router, pem);

  SECTION("a request over TLS, the certificate verified against itself") {
    TlsConnection c(server->port(), pem.cert);
    CHECK(c.Verified());
    CHECK((c.Protocol() == "TLSv1.3" || c.Protocol() == "TLSv1.2"));
    const auto r = c.Request("GET", "/healthz");
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body)["status"] == "ok");
  }
  SECTION("keep-alive and pipelining work as over plain TCP") {
    TlsConnection c(server->port(), pem.cert);
    CHECK(c.Request("POST", "/echo", "hello").body == "hello");
    c.SendRaw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo");
    CHECK(c.ReadResponse().body == "one");
    CHECK(c.ReadResponse().body == "two");
    CHECK(c.Request("GET", "/healthz").status == 200);
  }
  SECTION("a plain-HTTP client gets no answer") {
    testing::HttpConnection c(server->port());
    c.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c.ReadResponse(std::chrono::seconds(2)).status == 0);
  }
}

TEST_CASE("HTTPS keeps the session limits") {
  TempDir dir;
  const auto pem = MakeSelfSignedCertificate(dir);
  const auto router = TestRouter();
  ServerOptions options;
  options.body_limit = 1024;
  options.header_limit = 2048;
  options.read_timeout = std::chrono::milliseconds(300);
  auto server = StartTls(router, pem, options);

  SECTION("an oversized body gets 413 before the connection closes") {
    TlsConnection c(server->port(), pem.cert);
    c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
              std::string(2048, 'a'));
    const auto r = c.ReadResponse();
    CHECK(r.status == 413);
    CHECK(nlohmann::json::parse(r.body)["error"]["code"] == "payload_too_large");
    CHECK(c.WaitClosed());
  }
  SECTION("an oversized header block gets 431") {
    TlsConnection c(server->port(), pem.cert);
    c.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n");
    CHECK(c.ReadResponse().status == 431);
  }
  SECTION("a client that never finishes the handshake is cut off by the read timeout") {
    testing::HttpConnection c(server->port());
    const auto start = std::chrono::steady_clock::now();
    CHECK(c.WaitClosed(std::chrono::seconds(3)));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  }
  SECTION("a client that stalls after the handshake is cut off too") {
    TlsConnection c(server->port(), pem.cert);
    c.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const auto start = std::chrono::steady_clock::now();
    CHECK(c.ReadResponse().status == 0);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  }
}

TEST_CASE("a certificate or key that cannot be loaded is a Start() error naming the file") {
  TempDir dir;
  const auto pem = MakeSelfSignedCertificate(dir);
  const auto start = [](const std::string& cert, const std::string& key) {
    ServerOptions options;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    return HttpServer::Start(options, [](const Request&) { return Response{}; });
  };

  SECTION("a missing certificate file") {
    const auto missing = (dir / "nope.crt").string();
    const auto server = start(missing, pem.key);
    REQUIRE_FALSE(server.ok());
    CHECK_THAT(server.status().message(),
               Catch::Contains(missing) && Catch::Contains("certificate"));
  }
  SECTION("a missing key file") {
    const auto missing = (dir / "nope.key").string();
    const auto server = start(pem.cert, missing);
    REQUIRE_FALSE(server.ok());
    CHECK_THAT(server.status().message(), Catch::Contains(missing) && Catch::Contains("key"));
  }
  SECTION("a certificate file that is not PEM") {
    const auto garbage = (dir / "garbage.crt").string();
    std::ofstream(garbage) << "not a certificate\n";
    const auto server = start(garbage, pem.key);
    REQUIRE_FALSE(server.ok());
    CHECK_THAT(server.status().message(), Catch::Contains(garbage));
  }
  SECTION("a key that does not belong to the certificate") {
    const auto other = MakeSelfSignedCertificate(dir, "other");
    const auto server = start(pem.cert, other.key);
    REQUIRE_FALSE(server.ok());
    CHECK_THAT(server.status().message(), Catch::Contains(other.key));
  }
  SECTION("a certificate without a key") {
    const auto server = start(pem.cert, "");
    REQUIRE_FALSE(server.ok());
    CHECK_THAT(server.status().message(), Catch::Contains("key file"));
  }
}

TEST_CASE("an HTTPS server stops gracefully") {
  TempDir dir;
  const auto pem = MakeSelfSignedCertificate(dir);
  const auto router = TestRouter();
  auto server = StartTls(router, pem);
  TlsConnection idle(server->port(), pem.cert);
  REQUIRE(idle.Request("GET", "/healthz").status == 200);
  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(idle.ReadResponse().status == 0);
}
