#pragma once
// AdminResponder: a Kafka-protocol endpoint on 127.0.0.1 (port 0) in front
// of ONE broker of librdkafka's mock cluster, for tests of topic facts and of
// ACL management.
//
// It exists only because the mock cluster (librdkafka 2.0.2, rdkafka_mock.h)
// answers Metadata and ListOffsets but neither DescribeConfigs nor CreateAcls:
// its ApiVersions answer does not list them, so librdkafka refuses to send
// them. Everything a client sends is forwarded to the mock broker and its
// answer relayed, except:
//
//   * DescribeConfigs (key 32, v0–v1) is answered here, from the configs set
//     with SetTopicConfig (an unknown topic: UNKNOWN_TOPIC_OR_PARTITION);
//   * CreateAcls (key 30, v0–v1) is answered here: each creation is recorded
//     (created()) and answered with the error set by FailCreateAcls (none by
//     default);
//   * the ApiVersions answer (key 18) gains DescribeConfigs and CreateAcls v0–v1, and its
//     Metadata range is capped at v4 (the last version before flexible
//     encoding, so the answer below can be rewritten);
//   * the Metadata answer (key 3, v0–v4) and the FindCoordinator answer (key
//     10, v0–v2; its range capped at v2 likewise) name this endpoint as the
//     broker, so the client keeps talking through it; the Metadata answer also
//     names that broker as the controller (librdkafka sends DescribeConfigs to
//     the controller, and the mock cluster names controller 0, which is no
//     broker of it).
//
// Wire formats from the Kafka protocol guide (kafka.apache.org/protocol):
// request header v1 (api_key, api_version, correlation_id, client_id) for the
// non-flexible requests read here, response header v0 (correlation_id).
// Requests on a connection are handled one at a time, in order; a Produce with
// acks=0 gets no answer from the broker and none is waited for.
//
// Thread-safe: one thread accepts, one thread per client connection.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tributary::testing {

class AdminResponder {
 public:
  // `broker` is "host:port" of the mock broker (its bootstrap.servers, one broker).
  explicit AdminResponder(const std::string& broker) {
    const auto colon = broker.rfind(':');
    if (colon == std::string::npos || broker.find(',') != std::string::npos) {
      throw std::invalid_argument("one broker host:port expected: " + broker);
    }
    upstream_host_ = broker.substr(0, colon);
    upstream_port_ = static_cast<std::uint16_t>(std::stoi(broker.substr(colon + 1)));
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      throw std::runtime_error("responder: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~AdminResponder() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) {
        ::shutdown(fd, SHUT_RDWR);
      }
    }
    for (auto& t : connections_) {
      t.join();
    }
  }

  AdminResponder(const AdminResponder&) = delete;
  AdminResponder& operator=(const AdminResponder&) = delete;

  std::string bootstrap_servers() const { return "127.0.0.1:" + std::to_string(port_); }

  // The configs DescribeConfigs reports for `topic` from now on (name -> value).
  void SetTopicConfig(const std::string& topic, std::map<std::string, std::string> configs) {
    std::lock_guard lock(mu_);
    topics_[topic] = std::move(configs);
  }

  // DescribeConfigs requests answered so far.
  int describe_requests() const { return describe_requests_; }

  // One creation of a CreateAcls request, with the protocol's codes (resource
  // type TOPIC = 2; pattern LITERAL = 3, PREFIXED = 4; operation READ = 3;
  // permission ALLOW = 3).
  struct AclCreation {
    std::int8_t resource_type = 0;
    std::string resource_name;
    std::int8_t pattern_type = 3;
    std::string principal;
    std::string host;
    std::int8_t operation = 0;
    std::int8_t permission = 0;
  };

  // Every creation answered without error so far, in order.
  std::vector<AclCreation> created() const {
    std::lock_guard lock(mu_);
    return created_;
  }

  // CreateAcls answers each creation with `error_code` (0: success) from now on.
  void FailCreateAcls(std::int16_t error_code, std::string message) {
    std::lock_guard lock(mu_);
    create_error_ = error_code;
    create_message_ = std::move(message);
  }

 private:
  static constexpr std::int16_t kMetadata = 3;
  static constexpr std::int16_t kApiVersions = 18;
  static constexpr std::int16_t kDescribeConfigs = 32;
  static constexpr std::int16_t kCreateAcls = 30;
  static constexpr std::int16_t kProduce = 0;
  static constexpr std::int16_t kMetadataMaxVersion = 4;
  static constexpr std::int16_t kFindCoordinator = 10;
  static constexpr std::int16_t kFindCoordinatorMaxVersion = 2;
  static constexpr std::int8_t kTopicResource = 2;
  static constexpr std::int16_t kUnknownTopicOrPartition = 3;
  static constexpr std::int8_t kDynamicTopicConfig = 1;  // ConfigSource

  // Big-endian reads from a frame; throws past its end.
  struct Reader {
    const std::string& b;
    std::size_t pos = 0;
    std::uint64_t Uint(int n) {
      if (pos + static_cast<std::size_t>(n) > b.size()) {
        throw std::out_of_range("short frame");
      }
      std::uint64_t v = 0;
      for (int i = 0; i < n; ++i) {
        v = (v << 8) | static_cast<unsigned char>(b[pos++]);
      }
      return v;
    }
    std::int8_t I8() { return static_cast<std::int8_t>(Uint(1)); }
    std::int16_t I16() { return static_cast<std::int16_t>(Uint(2)); }
    std::int32_t I32() { return static_cast<std::int32_t>(Uint(4)); }
    std::uint32_t UVarint() {
      std::uint32_t v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        const auto byte = static_cast<std::uint32_t>(Uint(1));
        v |= (byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
          return v;
        }
      }
      throw std::out_of_range("varint too long");
    }
    // STRING (int16 length) or NULLABLE_STRING (-1 is null).
    std::optional<std::string> String() {
      const auto n = I16();
      if (n < 0) {
        return std::nullopt;
      }
      if (pos + static_cast<std::size_t>(n) > b.size()) {
        throw std::out_of_range("short string");
      }
      std::string s = b.substr(pos, static_cast<std::size_t>(n));
      pos += static_cast<std::size_t>(n);
      return s;
    }
    std::string Rest() const { return b.substr(pos); }
  };

  static void PutUint(std::string& out, std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
  }
  static void PutI8(std::string& out, std::int8_t v) {
    PutUint(out, static_cast<std::uint8_t>(v), 1);
  }
  static void PutI16(std::string& out, std::int16_t v) {
    PutUint(out, static_cast<std::uint16_t>(v), 2);
  }
  static void PutI32(std::string& out, std::int32_t v) {
    PutUint(out, static_cast<std::uint32_t>(v), 4);
  }
  static void PutUVarint(std::string& out, std::uint32_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  static void PutString(std::string& out, const std::optional<std::string>& s) {
    if (!s) {
      PutI16(out, -1);
      return;
    }
    PutI16(out, static_cast<std::int16_t>(s->size()));
    out += *s;
  }

  static bool ReadAll(int fd, char* data, std::size_t n) {
    while (n > 0) {
      const auto got = ::recv(fd, data, n, 0);
      if (got <= 0) {
        return false;
      }
      data += got;
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }
  static bool WriteAll(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const auto sent = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (sent <= 0) {
        return false;
      }
      done += static_cast<std::size_t>(sent);
    }
    return true;
  }
  // One size-prefixed frame (without its size).
  static std::optional<std::string> ReadFrame(int fd) {
    char size[4];
    if (!ReadAll(fd, size, 4)) {
      return std::nullopt;
    }
    std::uint32_t n = 0;
    for (char c : size) {
      n = (n << 8) | static_cast<unsigned char>(c);
    }
    if (n > 64 * 1024 * 1024) {
      return std::nullopt;
    }
    std::string body(n, '\0');
    if (!ReadAll(fd, body.data(), n)) {
      return std::nullopt;
    }
    return body;
  }
  static bool WriteFrame(int fd, const std::string& body) {
    std::string out;
    PutI32(out, static_cast<std::int32_t>(body.size()));
    out += body;
    return WriteAll(fd, out);
  }

  void Accept() {
    while (!stopping_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stopping_) {
          return;
        }
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      connections_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  int ConnectUpstream() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(upstream_port_);
    ::inet_pton(AF_INET, upstream_host_.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard lock(mu_);
    open_fds_.push_back(fd);
    return fd;
  }

  void Serve(int client) {
    const int upstream = ConnectUpstream();
    try {
      while (upstream >= 0 && !stopping_) {
        auto request = ReadFrame(client);
        if (!request) {
          break;
        }
        Reader r{*request};
        const auto api_key = r.I16();
        const auto api_version = r.I16();
        const auto correlation_id = r.I32();
        if (api_key == kDescribeConfigs || api_key == kCreateAcls) {
          r.String();  // client_id
          const auto answer = api_key == kDescribeConfigs
                                  ? DescribeConfigs(r, api_version, correlation_id)
                                  : CreateAcls(r, api_version, correlation_id);
          if (!WriteFrame(client, answer)) {
            break;
          }
          continue;
        }
        if (!WriteFrame(upstream, *request)) {
          break;
        }
        if (api_key == kProduce && api_version >= 3) {
          r.String();  // client_id
          r.String();  // transactional_id
          if (r.I16() == 0) {
            continue;  // acks=0: the broker does not answer
          }
        }
        auto response = ReadFrame(upstream);
        if (!response) {
          break;
        }
        if (api_key == kApiVersions) {
          *response = PatchApiVersions(*response, api_version);
        } else if (api_key == kMetadata && api_version <= kMetadataMaxVersion) {
          *response = PatchMetadata(*response, api_version);
        } else if (api_key == kFindCoordinator && api_version <= kFindCoordinatorMaxVersion) {
          *response = PatchFindCoordinator(*response, api_version);
        }
        if (!WriteFrame(client, *response)) {
          break;
        }
      }
    } catch (const std::exception&) {
      // A malformed frame ends the connection, as a broker would.
    }
    std::lock_guard lock(mu_);
    for (int fd : {client, upstream}) {
      if (fd >= 0) {
        std::erase(open_fds_, fd);
        ::close(fd);
      }
    }
  }

  // ApiVersions response: error_code, then the api_keys array (v3+: compact,
  // with tagged fields per entry), then the rest (throttle time, tagged fields).
  static std::string PatchApiVersions(const std::string& response, std::int16_t version) {
    Reader r{response};
    const auto correlation_id = r.I32();
    const auto error_code = r.I16();
    if (error_code != 0) {
      return response;  // UNSUPPORTED_VERSION: the client asks again, lower
    }
    const bool flexible = version >= 3;
    struct Api {
      std::int16_t key, min, max;
      std::string tags;
    };
    std::vector<Api> apis;
    const std::int64_t n = flexible ? static_cast<std::int64_t>(r.UVarint()) - 1 : r.I32();
    for (std::int64_t i = 0; i < n; ++i) {
      Api a{r.I16(), r.I16(), r.I16(), {}};
      if (flexible) {
        const auto start = r.pos;
        const auto tags = r.UVarint();
        for (std::uint32_t t = 0; t < tags; ++t) {
          r.UVarint();
          r.pos += r.UVarint();
        }
        a.tags = response.substr(start, r.pos - start);
      }
      apis.push_back(a);
    }
    bool described = false;
    bool creates = false;
    for (auto& a : apis) {
      if (a.key == kMetadata) {
        a.max = std::min(a.max, kMetadataMaxVersion);
      } else if (a.key == kFindCoordinator) {
        a.max = std::min(a.max, kFindCoordinatorMaxVersion);
      } else if (a.key == kDescribeConfigs) {
        a.min = 0;
        a.max = 1;
        described = true;
      } else if (a.key == kCreateAcls) {
        a.min = 0;
        a.max = 1;
        creates = true;
      }
    }
    if (!described) {
      apis.push_back({kDescribeConfigs, 0, 1, flexible ? std::string(1, '\0') : std::string()});
    }
    if (!creates) {
      apis.push_back({kCreateAcls, 0, 1, flexible ? std::string(1, '\0') : std::string()});
    }
    std::string out;
    PutI32(out, correlation_id);
    PutI16(out, 0);
    if (flexible) {
      PutUVarint(out, static_cast<std::uint32_t>(apis.size() + 1));
    } else {
      PutI32(out, static_cast<std::int32_t>(apis.size()));
    }
    for (const auto& a : apis) {
      PutI16(out, a.key);
      PutI16(out, a.min);
      PutI16(out, a.max);
      out += a.tags;
    }
    return out + r.Rest();
  }

  // Metadata response v0–v4: [v3+ throttle_time_ms] brokers: [node_id host port
  // [v1+ rack]] [v2+ cluster_id] [v1+ controller_id] topics… — every broker
  // becomes this endpoint, and the first one the controller.
  std::string PatchMetadata(const std::string& response, std::int16_t version) const {
    Reader r{response};
    std::string out;
    PutI32(out, r.I32());  // correlation_id
    if (version >= 3) {
      PutI32(out, r.I32());  // throttle_time_ms
    }
    const auto brokers = r.I32();
    PutI32(out, brokers);
    std::optional<std::int32_t> first;
    for (std::int32_t i = 0; i < brokers; ++i) {
      const auto node_id = r.I32();
      first = first.value_or(node_id);
      PutI32(out, node_id);
      r.String();  // host
      r.I32();     // port
      PutString(out, std::string("127.0.0.1"));
      PutI32(out, port_);
      if (version >= 1) {
        PutString(out, r.String());  // rack
      }
    }
    if (version >= 2) {
      PutString(out, r.String());  // cluster_id
    }
    if (version >= 1) {
      const auto controller = r.I32();
      PutI32(out, first.value_or(controller));
    }
    return out + r.Rest();
  }

  // FindCoordinator response v0–v2: [v1+ throttle_time_ms] error_code
  // [v1+ error_message] node_id host port — the host and port become this endpoint.
  std::string PatchFindCoordinator(const std::string& response, std::int16_t version) const {
    Reader r{response};
    std::string out;
    PutI32(out, r.I32());  // correlation_id
    if (version >= 1) {
      PutI32(out, r.I32());  // throttle_time_ms
    }
    const auto error_code = r.I16();
    if (error_code != 0) {
      return response;  // no coordinator named
    }
    PutI16(out, error_code);
    if (version >= 1) {
      PutString(out, r.String());  // error_message
    }
    PutI32(out, r.I32());  // node_id
    r.String();            // host
    r.I32();               // port
    PutString(out, std::string("127.0.0.1"));
    PutI32(out, port_);
    return out + r.Rest();
  }

  // DescribeConfigs request v0–v1: resources: [resource_type resource_name
  // configuration_keys (nullable array)] [v1 include_synonyms]. Response:
  // throttle_time_ms, results: [error_code error_message resource_type
  // resource_name configs: [name value read_only (v0 is_default | v1
  // config_source) is_sensitive [v1 synonyms]]].
  std::string DescribeConfigs(Reader& r, std::int16_t version, std::int32_t correlation_id) {
    ++describe_requests_;
    std::string out;
    PutI32(out, correlation_id);
    PutI32(out, 0);  // throttle_time_ms
    const auto resources = r.I32();
    PutI32(out, resources);
    for (std::int32_t i = 0; i < resources; ++i) {
      const auto type = r.I8();
      const auto name = r.String().value_or("");
      std::optional<std::vector<std::string>> keys;
      if (const auto n = r.I32(); n >= 0) {
        keys.emplace();
        for (std::int32_t k = 0; k < n; ++k) {
          keys->push_back(r.String().value_or(""));
        }
      }
      std::optional<std::map<std::string, std::string>> configs;
      {
        std::lock_guard lock(mu_);
        if (auto t = topics_.find(name); type == kTopicResource && t != topics_.end()) {
          configs = t->second;
        }
      }
      PutI16(out, configs ? 0 : kUnknownTopicOrPartition);
      PutString(out, configs ? std::nullopt : std::optional<std::string>("unknown topic"));
      PutI8(out, type);
      PutString(out, name);
      std::vector<std::pair<std::string, std::string>> entries;
      if (configs) {
        for (const auto& [k, v] : *configs) {
          if (!keys || std::find(keys->begin(), keys->end(), k) != keys->end()) {
            entries.emplace_back(k, v);
          }
        }
      }
      PutI32(out, static_cast<std::int32_t>(entries.size()));
      for (const auto& [k, v] : entries) {
        PutString(out, k);
        PutString(out, v);
        PutI8(out, 0);  // read_only
        if (version == 0) {
          PutI8(out, 0);  // is_default
        } else {
          PutI8(out, kDynamicTopicConfig);
        }
        PutI8(out, 0);  // is_sensitive
        if (version >= 1) {
          PutI32(out, 0);  // synonyms
        }
      }
    }
    return out;
  }

  // CreateAcls request v0–v1: creations: [resource_type resource_name [v1
  // resource_pattern_type] principal host operation permission_type].
  // Response: throttle_time_ms, results: [error_code error_message].
  std::string CreateAcls(Reader& r, std::int16_t version, std::int32_t correlation_id) {
    std::string out;
    PutI32(out, correlation_id);
    PutI32(out, 0);  // throttle_time_ms
    const auto n = r.I32();
    PutI32(out, n);
    std::lock_guard lock(mu_);
    for (std::int32_t i = 0; i < n; ++i) {
      AclCreation c;
      c.resource_type = r.I8();
      c.resource_name = r.String().value_or("");
      if (version >= 1) {
        c.pattern_type = r.I8();
      }
      c.principal = r.String().value_or("");
      c.host = r.String().value_or("");
      c.operation = r.I8();
      c.permission = r.I8();
      PutI16(out, create_error_);
      PutString(out,
                create_error_ == 0 ? std::nullopt : std::optional<std::string>(create_message_));
      if (create_error_ == 0) {
        created_.push_back(std::move(c));
      }
    }
    return out;
  }

  std::string upstream_host_;
  std::uint16_t upstream_port_ = 0;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> describe_requests_{0};
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> topics_;
  std::vector<AclCreation> created_;
  std::int16_t create_error_ = 0;
  std::string create_message_;
  std::vector<int> open_fds_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace tributary::testing
