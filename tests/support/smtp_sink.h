#pragma once
// SmtpSink: a real SMTP server (python3-aiosmtpd, tests/support/smtp_sink.py)
// in a child process on 127.0.0.1, storing the messages it accepts in a
// directory. With a certificate it offers STARTTLS; without, no TLS at all.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tributary::testing {

// A port nobody listens on right now (bound and released).
inline std::uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct ReceivedMail {
  std::string data;      // the message as received
  std::string envelope;  // JSON: mail_from, rcpt_tos, tls
};

class SmtpSink {
 public:
  // Starts the server on `port` (0: a free one), storing under `dir`.
  SmtpSink(std::filesystem::path dir, std::uint16_t port = 0, std::string cert = "",
           std::string key = "")
      : dir_(std::move(dir)), port_(port == 0 ? FreePort() : port) {
    std::filesystem::create_directories(dir_);
    std::filesystem::remove(dir_ / "ready");
    pid_ = fork();
    if (pid_ == 0) {
      const std::string script = std::string(TRIBUTARY_SOURCE_DIR) + "/tests/support/smtp_sink.py";
      const std::string port_text = std::to_string(port_);
      const std::string dir_text = dir_.string();
      if (cert.empty()) {
        execl("/usr/bin/python3", "python3", script.c_str(), port_text.c_str(), dir_text.c_str(),
              nullptr);
      } else {
        execl("/usr/bin/python3", "python3", script.c_str(), port_text.c_str(), dir_text.c_str(),
              cert.c_str(), key.c_str(), nullptr);
      }
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists(dir_ / "ready") &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ready_ = std::filesystem::exists(dir_ / "ready");
  }
  ~SmtpSink() { Stop(); }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  std::vector<ReceivedMail> Messages() const {
    std::vector<ReceivedMail> out;
    for (int n = 1;; ++n) {
      const auto eml = dir_ / (std::to_string(n) + ".eml");
      if (!std::filesystem::exists(eml)) {
        break;
      }
      out.push_back({Read(eml), Read(dir_ / (std::to_string(n) + ".json"))});
    }
    return out;
  }

 private:
  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::filesystem::path dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace tributary::testing
