#pragma once
// HttpReceiver: a real HTTP/1.1 server on 127.0.0.1 (port 0) for tests, that
// records every request it gets and answers as scripted: status, headers,
// body and an optional delay (a hanging receiver). Keep-alive is supported, so
// a client reusing its connection is exercised for real.
//
// Thread-safe: the server runs its own threads; requests() copies under a lock.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tributary::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point at;
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body = "ok";
  std::chrono::milliseconds delay{0};  // before answering
};

class HttpReceiver {
 public:
  // `script(n)` answers the n-th request (0-based); default 200 "ok".
  explicit HttpReceiver(std::function<ScriptedResponse(std::size_t)> script = nullptr)
      : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 128);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~HttpReceiver() { Stop(); }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  void Stop() {
    if (stopped_.exchange(true)) {
      return;
    }
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) {
        ::shutdown(fd, SHUT_RDWR);
      }
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) {
      t.join();
    }
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  std::size_t connections() const { return connections_.load(); }
  // Waits until at least `n` requests arrived.
  bool WaitFor(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  void Accept() {
    while (!stopped_.load()) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        return;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ++connections_;
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string buffer;
    char chunk[65536];
    for (;;) {
      // Headers.
      std::size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
          Close(fd);
          return;
        }
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      ReceivedRequest r;
      const std::string head = buffer.substr(0, end);
      buffer.erase(0, end + 4);
      std::size_t line_end = head.find("\r\n");
      const std::string request_line = head.substr(0, line_end);
      const auto sp1 = request_line.find(' ');
      const auto sp2 = request_line.find(' ', sp1 + 1);
      r.method = request_line.substr(0, sp1);
      r.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        auto next = head.find("\r\n", pos);
        if (next == std::string::npos) {
          next = head.size();
        }
        const std::string line = head.substr(pos, next - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(),
                         [](unsigned char c) { return std::tolower(c); });
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') {
            value.erase(0, 1);
          }
          r.headers[name] = value;
        }
        pos = next + 2;
      }
      std::size_t length = 0;
      if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
        length = std::stoul(it->second);
      }
      while (buffer.size() < length) {
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
          Close(fd);
          return;
        }
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      r.body = buffer.substr(0, length);
      buffer.erase(0, length);
      r.at = std::chrono::steady_clock::now();
      std::size_t index;
      {
        std::lock_guard lock(mu_);
        index = requests_.size();
        requests_.push_back(r);
      }
      cv_.notify_all();
      ScriptedResponse response = script_ ? script_(index) : ScriptedResponse{};
      if (response.delay.count() > 0) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, response.delay, [&] { return stopped_.load(); });
      }
      std::string out = "HTTP/1.1 " + std::to_string(response.status) + " Scripted\r\n";
      for (const auto& [name, value] : response.headers) {
        out += name + ": " + value + "\r\n";
      }
      out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
      if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) {
        Close(fd);
        return;
      }
    }
  }

  void Close(int fd) {
    std::lock_guard lock(mu_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
    ::close(fd);
  }

  std::function<ScriptedResponse(std::size_t)> script_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReceivedRequest> requests_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
};

}  // namespace tributary::testing
