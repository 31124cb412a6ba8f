#pragma once
// A deliberately small blocking HTTP/1.1 client over POSIX sockets, for tests
// that talk to a server on loopback. Independent of the server's Beast code.
//
// With the environment variable TRIBUTARY_TEST_HTTP_RECORD naming a file, every
// exchange (Request(), HttpGet(), or SendRaw() of a request line followed by
// ReadResponse()) is appended to it as one JSON line {"method","target","status",
// "content_type","body"}; the OpenAPI contract test (tests/contract/) validates
// them. One write(2) per line on an O_APPEND descriptor, so threads and
// processes may record into the same file. Requests pipelined in one SendRaw()
// are recorded by their first request line only.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>

namespace tributary::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

namespace http_record {

// `text` as a JSON string; bytes from 0x80 up pass through as they are.
inline std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// Appends one exchange to the file TRIBUTARY_TEST_HTTP_RECORD names, if set.
inline void Record(const std::string& method, const std::string& target, const HttpResult& r) {
  const char* file = std::getenv("TRIBUTARY_TEST_HTTP_RECORD");
  if (file == nullptr || *file == '\0' || r.status == 0) {
    return;
  }
  const auto type = r.headers.find("content-type");
  const std::string line =
      "{\"method\":" + JsonString(method) + ",\"target\":" + JsonString(target) +
      ",\"status\":" + std::to_string(r.status) +
      ",\"content_type\":" + JsonString(type == r.headers.end() ? "" : type->second) +
      ",\"body\":" + JsonString(r.body) + "}\n";
  const int fd = ::open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error(std::string("cannot open TRIBUTARY_TEST_HTTP_RECORD file ") + file);
  }
  const auto written = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error(std::string("cannot append to ") + file);
  }
}

// The method and target of `bytes` when they start with a request line.
inline bool ParseRequestLine(const std::string& bytes, std::string& method, std::string& target) {
  const auto space = bytes.find(' ');
  if (space == std::string::npos || space == 0 || space > 16) {
    return false;
  }
  for (std::size_t i = 0; i < space; ++i) {
    if (bytes[i] < 'A' || bytes[i] > 'Z') {
      return false;
    }
  }
  const auto end = bytes.find_first_of(" \r\n", space + 1);
  if (end == std::string::npos || end == space + 1) {
    return false;
  }
  method = bytes.substr(0, space);
  target = bytes.substr(space + 1, end - space - 1);
  return true;
}

}  // namespace http_record

class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port, const char* host = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, host, &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("connect failed");
    }
  }
  ~HttpConnection() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool SendRaw(const std::string& bytes) {
    std::string method;
    std::string target;
    if (http_record::ParseRequestLine(bytes, method, target)) {
      pending_.push_back({method, target});
    }
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads one response; status 0 when the connection closed first.
  HttpResult ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    HttpResult result;
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(timeout)) {
        if (!pending_.empty()) {
          pending_.pop_front();  // no response to record
        }
        return result;
      }
    }
    const std::string head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    result.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const auto start = line_end + 2;
      line_end = head.find("\r\n", start);
      const auto line =
          head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string name = line.substr(0, colon);
      for (auto& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.erase(0, 1);
      }
      result.headers[name] = value;
    }
    std::size_t length = 0;
    if (auto it = result.headers.find("content-length"); it != result.headers.end()) {
      length = std::stoul(it->second);
    }
    while (buffer_.size() < length) {
      if (!Fill(timeout)) {
        break;
      }
    }
    result.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    if (!pending_.empty()) {
      http_record::Record(pending_.front().first, pending_.front().second, result);
      pending_.pop_front();
    }
    return result;
  }

  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "", const std::string& extra_headers = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers;
    if (!body.empty() || method == "POST" || method == "PUT") {
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    SendRaw(req);
    return ReadResponse();
  }

  // True when the server closed the connection within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char tmp[4096];
        const auto n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) {
          return true;
        }
        buffer_.append(tmp, static_cast<std::size_t>(n));
      }
    }
    return false;
  }

 private:
  bool Fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
      return false;
    }
    char tmp[8192];
    const auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      return false;
    }
    buffer_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  std::deque<std::pair<std::string, std::string>> pending_;  // method, target awaiting a response
};

inline HttpResult HttpGet(std::uint16_t port, const std::string& target) {
  HttpConnection c(port);
  return c.Request("GET", target);
}

}  // namespace tributary::testing
