#include "sim/smtp_receiver.h"

#include "core/text_codec.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace tributary::sim {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t kMaxCommandLine = 4096;  // RFC 5321 asks for 512; be lenient
constexpr std::size_t kMaxRecipients = 100;
constexpr auto kIdleTimeout = std::chrono::minutes(5);

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// "FROM:<a@b> SIZE=10" after the verb -> the address and the parameters; nullopt
// when the argument does not start with `prefix` and a <path>.
struct PathArgument {
  std::string address;
  std::string parameters;
};
std::optional<PathArgument> ParsePath(std::string_view argument, std::string_view prefix) {
  argument = Trim(argument);
  if (argument.size() < prefix.size() || Upper(argument.substr(0, prefix.size())) != prefix) {
    return std::nullopt;
  }
  argument = Trim(argument.substr(prefix.size()));
  if (argument.empty() || argument.front() != '<') {
    return std::nullopt;
  }
  const auto close = argument.find('>');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  return PathArgument{std::string(argument.substr(1, close - 1)),
                      std::string(Trim(argument.substr(close + 1)))};
}

// The SIZE=<n> parameter of MAIL FROM, if any.
std::optional<std::size_t> DeclaredSize(std::string_view parameters) {
  const std::string upper = Upper(parameters);
  const auto at = upper.find("SIZE=");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::size_t value = 0;
  for (std::size_t i = at + 5;
       i < upper.size() && std::isdigit(static_cast<unsigned char>(upper[i])); ++i) {
    value = std::min<std::size_t>(value * 10 + static_cast<std::size_t>(upper[i] - '0'),
                                  std::size_t{1} << 40);
  }
  return value;
}

class Mailbox {
 public:
  void Add(ReceivedEmail email) {
    std::lock_guard lock(mu_);
    messages_.push_back(std::move(email));
    while (messages_.size() > SmtpReceiver::kKeptMessages) {
      messages_.pop_front();
    }
  }
  std::vector<ReceivedEmail> All() const {
    std::lock_guard lock(mu_);
    return {messages_.begin(), messages_.end()};
  }

 private:
  mutable std::mutex mu_;
  std::deque<ReceivedEmail> messages_;
};

// One SMTP connection. Lives as long as an asynchronous operation holds it;
// runs on the receiver's I/O thread only.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Mailbox& mailbox)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(SmtpReceiver::kMaxMessageBytes + kMaxCommandLine),
        mailbox_(mailbox) {}

  void Begin() { Reply("220 tributary-demo ESMTP ready\r\n"); }

  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  enum class Stage { kGreeted, kReady, kMail, kRcpt, kData };

  void ArmTimer() {
    timer_.expires_after(kIdleTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
  }

  void Read() {
    ArmTimer();
    asio::async_read_until(socket_, buffer_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const boost::system::error_code& ec, std::size_t n) {
    if (ec == asio::error::not_found) {  // a line longer than the buffer
      close_after_reply_ = true;
      Reply(stage_ == Stage::kData ? "552 5.3.4 message too big\r\n"
                                   : "500 5.5.2 line too long\r\n");
      return;
    }
    if (ec) {
      timer_.cancel();
      return;  // the client went away
    }
    std::string line(asio::buffers_begin(buffer_.data()),
                     asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n));
    buffer_.consume(n);
    line.pop_back();  // '\n'
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (stage_ == Stage::kData) {
      OnDataLine(line);
      return;
    }
    if (line.size() > kMaxCommandLine) {
      Reply("500 5.5.2 line too long\r\n");
      return;
    }
    OnCommand(line);
  }

  void OnDataLine(std::string_view line) {
    if (line == ".") {
      stage_ = Stage::kReady;
      if (oversize_) {
        ResetTransaction();
        Reply("552 5.3.4 message exceeds " + std::to_string(SmtpReceiver::kMaxMessageBytes) +
              " bytes\r\n");
        return;
      }
      mail_.received = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
      mail_.helo = helo_;
      mailbox_.Add(std::move(mail_));
      ResetTransaction();
      Reply("250 2.0.0 OK message accepted\r\n");
      return;
    }
    if (!line.empty() && line.front() == '.') {
      line.remove_prefix(1);  // dot-unstuffing (RFC 5321 §4.5.2)
    }
    if (!oversize_) {
      if (mail_.data.size() + line.size() + 2 > SmtpReceiver::kMaxMessageBytes) {
        oversize_ = true;
        mail_.data.clear();
        mail_.data.shrink_to_fit();
      } else {
        mail_.data.append(line);
        mail_.data.append("\r\n");
      }
    }
    Read();
  }

  void OnCommand(std::string_view line) {
    const auto space = line.find(' ');
    const std::string verb = Upper(line.substr(0, space));
    const std::string_view argument =
        space == std::string_view::npos ? std::string_view() : Trim(line.substr(space + 1));
    if (verb == "EHLO" || verb == "HELO") {
      if (argument.empty()) {
        Reply("501 5.5.4 " + verb + " needs a domain\r\n");
        return;
      }
      helo_ = std::string(argument);
      ResetTransaction();
      stage_ = Stage::kReady;
      if (verb == "HELO") {
        Reply("250 tributary-demo\r\n");
      } else {
        Reply("250-tributary-demo greets " + helo_ + "\r\n250-SIZE " +
              std::to_string(SmtpReceiver::kMaxMessageBytes) +
              "\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
      }
    } else if (verb == "MAIL") {
      if (stage_ == Stage::kGreeted) {
        Reply("503 5.5.1 send EHLO or HELO first\r\n");
      } else if (stage_ != Stage::kReady) {
        Reply("503 5.5.1 a mail transaction is already in progress\r\n");
      } else if (auto path = ParsePath(argument, "FROM:"); !path) {
        Reply("501 5.5.4 syntax: MAIL FROM:<address>\r\n");
      } else if (auto size = DeclaredSize(path->parameters);
                 size && *size > SmtpReceiver::kMaxMessageBytes) {
        Reply("552 5.3.4 message size exceeds fixed limit\r\n");
      } else {
        mail_.mail_from = path->address;
        stage_ = Stage::kMail;
        Reply("250 2.1.0 OK\r\n");
      }
    } else if (verb == "RCPT") {
      if (stage_ != Stage::kMail && stage_ != Stage::kRcpt) {
        Reply("503 5.5.1 send MAIL FROM first\r\n");
      } else if (auto path = ParsePath(argument, "TO:"); !path || path->address.empty()) {
        Reply("501 5.5.4 syntax: RCPT TO:<address>\r\n");
      } else if (mail_.rcpt_to.size() >= kMaxRecipients) {
        Reply("452 4.5.3 too many recipients\r\n");
      } else {
        mail_.rcpt_to.push_back(path->address);
        stage_ = Stage::kRcpt;
        Reply("250 2.1.5 OK\r\n");
      }
    } else if (verb == "DATA") {
      if (!argument.empty()) {
        Reply("501 5.5.4 DATA takes no argument\r\n");
      } else if (stage_ != Stage::kRcpt) {
        Reply(stage_ == Stage::kMail ? "503 5.5.1 send RCPT TO first\r\n"
                                     : "503 5.5.1 send MAIL FROM first\r\n");
      } else {
        stage_ = Stage::kData;
        oversize_ = false;
        Reply("354 end data with <CR><LF>.<CR><LF>\r\n");
      }
    } else if (verb == "RSET") {
      ResetTransaction();
      if (stage_ != Stage::kGreeted) {
        stage_ = Stage::kReady;
      }
      Reply("250 2.0.0 OK\r\n");
    } else if (verb == "NOOP") {
      Reply("250 2.0.0 OK\r\n");
    } else if (verb == "QUIT") {
      close_after_reply_ = true;
      Reply("221 2.0.0 bye\r\n");
    } else if (verb == "STARTTLS" || verb == "AUTH" || verb == "VRFY" || verb == "EXPN" ||
               verb == "HELP" || verb == "TURN" || verb == "BDAT") {
      Reply("502 5.5.1 " + verb + " is not implemented\r\n");
    } else {
      Reply("500 5.5.2 command not recognized\r\n");
    }
  }

  void ResetTransaction() {
    mail_ = ReceivedEmail{};
    oversize_ = false;
  }

  void Reply(std::string text) {
    auto owned = std::make_shared<std::string>(std::move(text));
    asio::async_write(
        socket_, asio::buffer(*owned),
        [self = shared_from_this(), owned](const boost::system::error_code& ec, std::size_t) {
          if (ec || self->close_after_reply_) {
            boost::system::error_code ignored;
            self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
            self->socket_.close(ignored);
            self->timer_.cancel();
            return;
          }
          self->Read();
        });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buffer_;
  Mailbox& mailbox_;
  Stage stage_ = Stage::kGreeted;
  std::string helo_;
  ReceivedEmail mail_;
  bool oversize_ = false;
  bool close_after_reply_ = false;
};

}  // namespace

class SmtpReceiver::Impl {
 public:
  Impl() : acceptor_(io_) {}
  ~Impl() { Stop(); }

  Status Listen(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) {
      return InvalidArgument("smtp receiver: " + host + " is not an IP address");
    }
    const tcp::endpoint endpoint(address, port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return IoError("smtp receiver: cannot listen on " + host + ":" + std::to_string(port) + ": " +
                     ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return Status::Ok();
  }

  void Stop() {
    if (stopped_.exchange(true)) {
      return;
    }
    // Close the listener and every connection on the I/O thread, then end it.
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (auto& weak : sessions_) {
        if (auto session = weak.lock()) {
          session->Close();
        }
      }
      sessions_.clear();
      io_.stop();
    });
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  std::uint16_t port() const { return port_; }
  Mailbox& mailbox() { return mailbox_; }

 private:
  void Accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
      }
      if (!ec) {
        auto session = std::make_shared<Session>(std::move(socket), mailbox_);
        std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
        sessions_.push_back(session);
        session->Begin();
      }
      Accept();
    });
  }

  // Declared first so it is destroyed last: sessions in pending handlers hold
  // sockets of this context.
  asio::io_context io_;
  tcp::acceptor acceptor_;
  Mailbox mailbox_;
  std::vector<std::weak_ptr<Session>> sessions_;  // I/O thread only
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::uint16_t port_ = 0;
};

SmtpReceiver::SmtpReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmtpReceiver::~SmtpReceiver() = default;

Result<std::unique_ptr<SmtpReceiver>> SmtpReceiver::Start(std::string host, std::uint16_t port) {
  auto impl = std::make_unique<Impl>();
  if (auto s = impl->Listen(host, port); !s.ok()) {
    return s;
  }
  return std::unique_ptr<SmtpReceiver>(new SmtpReceiver(std::move(impl)));
}

std::uint16_t SmtpReceiver::port() const { return impl_->port(); }
std::vector<ReceivedEmail> SmtpReceiver::Messages() const { return impl_->mailbox().All(); }
void SmtpReceiver::Stop() { impl_->Stop(); }

// ---- message content ----------------------------------------------------------

namespace {

struct Part {
  std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names, unfolded
  std::string_view body;
};

Part SplitPart(std::string_view text) {
  Part part;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    if (eol == std::string_view::npos) {
      eol = text.size();
    }
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    pos = std::min(eol + 1, text.size());
    if (line.empty()) {
      part.body = text.substr(pos);
      return part;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !part.headers.empty()) {
      part.headers.back().second += " " + std::string(Trim(line));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    part.headers.emplace_back(AsciiLower(Trim(line.substr(0, colon))),
                              std::string(Trim(line.substr(colon + 1))));
  }
  return part;
}

std::string Header(const Part& part, std::string_view name) {
  for (const auto& [n, v] : part.headers) {
    if (n == name) {
      return v;
    }
  }
  return {};
}

// A parameter of a structured header value: boundary="abc" -> abc.
std::string Parameter(std::string_view value, std::string_view name) {
  const std::string lower = AsciiLower(value);
  std::size_t at = 0;
  while ((at = lower.find(name, at)) != std::string::npos) {
    const bool starts =
        at == 0 || lower[at - 1] == ';' || std::isspace(static_cast<unsigned char>(lower[at - 1]));
    std::size_t eq = at + name.size();
    while (eq < lower.size() && lower[eq] == ' ') {
      ++eq;
    }
    if (starts && eq < lower.size() && lower[eq] == '=') {
      std::string_view rest = Trim(value.substr(eq + 1));
      if (!rest.empty() && rest.front() == '"') {
        const auto close = rest.find('"', 1);
        return std::string(
            rest.substr(1, close == std::string_view::npos ? rest.size() - 1 : close - 1));
      }
      const auto end = rest.find_first_of("; \t");
      return std::string(rest.substr(0, end));
    }
    at += name.size();
  }
  return {};
}

// Quoted-printable (RFC 2045 §6.7); `underscore_is_space` for RFC 2047 Q words.
std::string DecodeQuotedPrintable(std::string_view text, bool underscore_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i + 1 < text.size() && (text[i + 1] == '\r' || text[i + 1] == '\n')) {
        i += (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n') ? 2 : 1;
        continue;  // soft line break
      }
      if (i + 2 < text.size() && HexDigitValue(text[i + 1]) >= 0 &&
          HexDigitValue(text[i + 2]) >= 0) {
        out.push_back(
            static_cast<char>(HexDigitValue(text[i + 1]) * 16 + HexDigitValue(text[i + 2])));
        i += 2;
        continue;
      }
    }
    out.push_back(underscore_is_space && c == '_' ? ' ' : c);
  }
  return out;
}

// RFC 2047 encoded words (=?charset?B|Q?text?=); the whitespace between two
// adjacent encoded words is dropped. Charsets are passed through (UTF-8 expected).
std::string DecodeEncodedWords(std::string_view value) {
  std::string out;
  std::size_t pos = 0;
  bool previous_was_word = false;
  while (pos < value.size()) {
    const auto start = value.find("=?", pos);
    if (start == std::string_view::npos) {
      out.append(value.substr(pos));
      break;
    }
    const auto q1 = value.find('?', start + 2);
    const auto q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
    const auto end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out.append(value.substr(pos));
      break;
    }
    const std::string_view between = value.substr(pos, start - pos);
    if (!(previous_was_word && Trim(between).empty())) {
      out.append(between);
    }
    const char encoding =
        static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
    const std::string_view text = value.substr(q2 + 1, end - q2 - 1);
    out += encoding == 'B' ? Base64DecodeLenient(text) : DecodeQuotedPrintable(text, true);
    previous_was_word = true;
    pos = end + 2;
  }
  return out;
}

std::string NormalizeLineEnds(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string DecodeBody(const Part& part) {
  const std::string encoding = AsciiLower(Header(part, "content-transfer-encoding"));
  if (encoding == "base64") {
    return Base64DecodeLenient(part.body);
  }
  if (encoding == "quoted-printable") {
    return DecodeQuotedPrintable(part.body, false);
  }
  return std::string(part.body);
}

// The text of the first text/plain part (depth-first), else of the first leaf part.
std::optional<std::string> PlainText(const Part& part, int depth,
                                     std::optional<std::string>& fallback) {
  const std::string type = AsciiLower(Header(part, "content-type"));
  if (type.rfind("multipart/", 0) == 0 && depth < 8) {
    const std::string boundary = Parameter(Header(part, "content-type"), "boundary");
    if (boundary.empty()) {
      return std::nullopt;
    }
    const std::string delimiter = "--" + boundary;
    std::string_view body = part.body;
    std::size_t pos = body.find(delimiter);
    while (pos != std::string_view::npos) {
      std::size_t start = pos + delimiter.size();
      if (body.substr(start, 2) == "--") {
        break;  // the closing delimiter
      }
      const auto eol = body.find('\n', start);
      if (eol == std::string_view::npos) {
        break;
      }
      start = eol + 1;
      auto next = body.find("\n" + delimiter, start);
      std::string_view content =
          body.substr(start, next == std::string_view::npos ? body.size() - start : next - start);
      if (!content.empty() && content.back() == '\r') {
        content.remove_suffix(1);
      }
      if (auto text = PlainText(SplitPart(content), depth + 1, fallback)) {
        return text;
      }
      pos = next == std::string_view::npos ? next : next + 1;
    }
    return std::nullopt;
  }
  if (type.empty() || type.rfind("text/plain", 0) == 0) {
    return DecodeBody(part);
  }
  if (!fallback) {
    fallback = DecodeBody(part);
  }
  return std::nullopt;
}

}  // namespace

EmailContent ExtractEmailContent(std::string_view data) {
  const Part message = SplitPart(data);
  EmailContent content;
  content.subject = DecodeEncodedWords(Header(message, "subject"));
  content.from = DecodeEncodedWords(Header(message, "from"));
  content.to = DecodeEncodedWords(Header(message, "to"));
  std::optional<std::string> fallback;
  auto text = PlainText(message, 0, fallback);
  content.text = NormalizeLineEnds(text ? std::move(*text) : fallback.value_or(std::string()));
  return content;
}

}  // namespace tributary::sim
