#include "sim/smtp_receiver.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace tributary::sim {
namespace {

// What libcurl reads as the message to upload.
struct Upload {
  std::string data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

CURLcode SendWithCurl(std::uint16_t port, const std::string& message) {
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  Upload upload{message, 0};
  curl_slist* rcpt = nullptr;
  rcpt = curl_slist_append(rcpt, "<alice@example.com>");
  rcpt = curl_slist_append(rcpt, "<bob@example.com>");
  const std::string url = "smtp://127.0.0.1:" + std::to_string(port) + "/tributary.test";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<tributary@example.com>");
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  return rc;
}

// A line-oriented client over a plain socket.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawClient() { ::close(fd_); }

  void Send(const std::string& text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
      const auto n = ::send(fd_, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += static_cast<std::size_t>(n);
    }
  }

  // One reply (the last line of a multi-line reply has a space after the code);
  // "" when the connection closed.
  std::string Reply() {
    std::string reply;
    for (;;) {
      const std::string line = Line();
      if (line.empty()) {
        return reply;
      }
      reply += line;
      if (line.size() < 4 || line[3] != '-') {
        return reply;
      }
    }
  }

  std::string Command(const std::string& line) {
    Send(line + "\r\n");
    return Reply();
  }

 private:
  std::string Line() {
    for (;;) {
      if (const auto eol = pending_.find("\r\n"); eol != std::string::npos) {
        std::string line = pending_.substr(0, eol + 2);
        pending_.erase(0, eol + 2);
        return line;
      }
      char buffer[4096];
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        return {};
      }
      pending_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  std::string pending_;
};

std::string Code(const std::string& reply) { return reply.substr(0, 3); }

}  // namespace

TEST_CASE("SMTP receiver stores what libcurl sends", "[sim][smtp]") {
  auto receiver = SmtpReceiver::Start();
  REQUIRE(receiver.ok());
  REQUIRE((*receiver)->port() != 0);

  // The shape of Tributary's email channel: multipart/alternative, base64
  // text/plain, quoted-printable HTML, an RFC 2047 subject; a body line
  // starting with '.' that libcurl dot-stuffs.
  const std::string message =
      "From: Tributary <tributary@example.com>\r\n"
      "To: alice@example.com, bob@example.com\r\n"
      "Subject: =?UTF-8?B?QnJlYWtpbmcgY2hhbmdlIG9uIHBhZ2V2aWV3cyDimqA=?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
      "\r\n"
      "--b1\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      // "Schema v2 of pageviews-value breaks 3 consumers.\n.hidden dot line\n"
      "U2NoZW1hIHYyIG9mIHBhZ2V2aWV3cy12YWx1ZSBicmVha3MgMyBjb25zdW1lcnMuCi5oaWRkZW4g\r\n"
      "ZG90IGxpbmUK\r\n"
      "--b1\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "<p>Schema v2 =3D breaking</p>\r\n"
      ".leading dot in the raw body\r\n"
      "--b1--\r\n";
  REQUIRE(SendWithCurl((*receiver)->port(), message) == CURLE_OK);

  const auto messages = (*receiver)->Messages();
  REQUIRE(messages.size() == 1);
  const auto& m = messages.front();

  SECTION("the envelope is kept") {
    CHECK(m.mail_from == "tributary@example.com");
    CHECK(m.rcpt_to == std::vector<std::string>{"alice@example.com", "bob@example.com"});
    CHECK(m.helo == "tributary.test");
    const auto age = std::chrono::system_clock::now() - m.received;
    CHECK(age < std::chrono::seconds(30));
  }

  SECTION("the data is stored exactly as sent, dot-stuffing undone") {
    CHECK(m.data == message);
    CHECK(m.data.find("\r\n.leading dot in the raw body\r\n") != std::string::npos);
  }

  SECTION("the subject and the text part are decoded for the UI") {
    const auto content = ExtractEmailContent(m.data);
    CHECK(content.subject == "Breaking change on pageviews \xE2\x9A\xA0");
    CHECK(content.to == "alice@example.com, bob@example.com");
    CHECK(content.text == "Schema v2 of pageviews-value breaks 3 consumers.\n.hidden dot line\n");
  }
}

TEST_CASE("SMTP receiver keeps messages of several connections in order", "[sim][smtp]") {
  auto receiver = SmtpReceiver::Start();
  REQUIRE(receiver.ok());
  for (int i = 0; i < 3; ++i) {
    const std::string message = "Subject: message " + std::to_string(i) + "\r\n\r\nbody\r\n";
    REQUIRE(SendWithCurl((*receiver)->port(), message) == CURLE_OK);
  }
  const auto messages = (*receiver)->Messages();
  REQUIRE(messages.size() == 3);
  for (int i = 0; i < 3; ++i) {
    const auto content = ExtractEmailContent(messages[static_cast<std::size_t>(i)].data);
    CHECK(content.subject == "message " + std::to_string(i));
    CHECK(content.text == "body\n");
  }
}

TEST_CASE("SMTP receiver answers bad commands with the right codes", "[sim][smtp]") {
  auto receiver = SmtpReceiver::Start();
  REQUIRE(receiver.ok());
  RawClient client((*receiver)->port());
  CHECK(Code(client.Reply()) == "220");

  SECTION("commands out of order are 503 and unknown commands 500") {
    CHECK(Code(client.Command("MAIL FROM:<a@example.com>")) == "503");
    CHECK(Code(client.Command("FROB x")) == "500");
    CHECK(Code(client.Command("EHLO")) == "501");
    const std::string ehlo = client.Command("EHLO client.test");
    CHECK(Code(ehlo) == "250");
    CHECK(ehlo.find("STARTTLS") == std::string::npos);
    CHECK(ehlo.find("SIZE 1048576") != std::string::npos);
    CHECK(Code(client.Command("RCPT TO:<b@example.com>")) == "503");
    CHECK(Code(client.Command("DATA")) == "503");
    CHECK(Code(client.Command("MAIL FROM:a@example.com")) == "501");
    CHECK(Code(client.Command("MAIL FROM:<a@example.com>")) == "250");
    CHECK(Code(client.Command("MAIL FROM:<a@example.com>")) == "503");
    CHECK(Code(client.Command("DATA")) == "503");
    CHECK(Code(client.Command("RCPT TO:")) == "501");
    CHECK(Code(client.Command("RSET")) == "250");
    CHECK(Code(client.Command("RCPT TO:<b@example.com>")) == "503");
    CHECK(Code(client.Command("NOOP")) == "250");
    CHECK(Code(client.Command("STARTTLS")) == "502");
    CHECK(Code(client.Command("QUIT")) == "221");
    CHECK(client.Reply().empty());  // closed
    CHECK((*receiver)->Messages().empty());
  }

  SECTION("a declared size over the limit is 552 at MAIL FROM") {
    CHECK(Code(client.Command("HELO client.test")) == "250");
    CHECK(Code(client.Command("MAIL FROM:<a@example.com> SIZE=2000000")) == "552");
    CHECK(Code(client.Command("MAIL FROM:<a@example.com> SIZE=2000")) == "250");
  }

  SECTION("a message over 1 MiB is refused with 552 and the session goes on") {
    CHECK(Code(client.Command("EHLO client.test")) == "250");
    CHECK(Code(client.Command("MAIL FROM:<a@example.com>")) == "250");
    CHECK(Code(client.Command("RCPT TO:<b@example.com>")) == "250");
    CHECK(Code(client.Command("DATA")) == "354");
    const std::string line(998, 'x');
    std::string big = "Subject: big\r\n\r\n";
    while (big.size() < SmtpReceiver::kMaxMessageBytes + 10000) {
      big += line + "\r\n";
    }
    client.Send(big);
    CHECK(Code(client.Command(".")) == "552");
    CHECK((*receiver)->Messages().empty());

    CHECK(Code(client.Command("MAIL FROM:<a@example.com>")) == "250");
    CHECK(Code(client.Command("RCPT TO:<b@example.com>")) == "250");
    CHECK(Code(client.Command("DATA")) == "354");
    CHECK(Code(client.Command("Subject: small\r\n\r\n..dotted\r\n.")) == "250");
    const auto messages = (*receiver)->Messages();
    REQUIRE(messages.size() == 1);
    CHECK(messages.front().data == "Subject: small\r\n\r\n.dotted\r\n");
  }
}

TEST_CASE("SMTP receiver stops with connections open", "[sim][smtp]") {
  auto receiver = SmtpReceiver::Start();
  REQUIRE(receiver.ok());
  RawClient client((*receiver)->port());
  CHECK(Code(client.Reply()) == "220");
  (*receiver)->Stop();
  CHECK(client.Reply().empty());  // the connection was closed
  (*receiver)->Stop();            // idempotent
}

TEST_CASE("Email content reads quoted-printable text parts", "[sim][smtp]") {
  const std::string data =
      "Subject: =?utf-8?Q?Deprecation_of_stocktrades?= =?utf-8?Q?_=E2=80=94_act_now?=\r\n"
      "Content-Type: multipart/mixed; boundary=outer\r\n"
      "\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
      "\r\n"
      "--inner\r\n"
      "Content-Type: text/html\r\n"
      "\r\n"
      "<b>html</b>\r\n"
      "--inner\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Sunset =3D 2026-12-01, a very long line that was wrapped =\r\n"
      "softly.\r\n"
      "--inner--\r\n"
      "--outer--\r\n";
  const auto content = ExtractEmailContent(data);
  CHECK(content.subject == "Deprecation of stocktrades \xE2\x80\x94 act now");
  CHECK(content.text == "Sunset = 2026-12-01, a very long line that was wrapped softly.");
}

}  // namespace tributary::sim
