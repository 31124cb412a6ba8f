// Self-service catalog writes end to end (DESIGN.md §5, issue 16): the whole
// service over librdkafka's mock cluster, configured from TOML as a user would,
// answered over real HTTP sockets. Each write is checked for who may make it
// (owner 201, other team 403, reader 403, anonymous 401), blocking policies
// (422 with the violations), read-your-writes (the next GET sees it), and the
// record it left on the catalog topic, byte for byte a structured-mode
// CloudEvent of DESIGN.md §3 that the catalog source then applied.

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <openssl/sha.h>

#include <cstdio>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "core/text_codec.h"
#include "sim/mock_kafka.h"
#include "support/http_client.h"
#include "support/sha256.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::TempDir;

namespace {

struct CatalogRecord {
  std::optional<std::string> key;
  std::string value;
  std::map<std::string, std::string> headers;
};

// Every record of the catalog topic, from the beginning.
std::vector<CatalogRecord> ReadCatalogTopic(const std::string& bootstrap) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", "product-writes-test", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  REQUIRE(rk != nullptr);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, "tributary.catalog", 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<CatalogRecord> records;
  bool at_end = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!at_end && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) {
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end = true;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      CatalogRecord r;
      if (m->key != nullptr) {
        r.key = std::string(static_cast<const char*>(m->key), m->key_len);
      }
      r.value = std::string(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        std::size_t size = 0;
        for (std::size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
          r.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  REQUIRE(at_end);
  return records;
}

// The service with a catalog topic, four tokens and one blocking policy.
class Estate {
 public:
  explicit Estate(bool catalog_topic = true)
      : kafka_(std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value()) {
    std::string toml = "[service]\ndata_dir = \"" + (dir_.path() / "data").string() +
                       "\"\nhttp_listen = \"127.0.0.1:0\"\n"
                       "[[clusters]]\nname = \"local\"\nbootstrap_servers = \"" +
                       kafka_->bootstrap_servers() +
                       "\"\n[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n";
    if (catalog_topic) {
      toml += "catalog = { topic = \"tributary.catalog\" }\n";
    }
    toml += "[health]\nenabled = false\n[auth]\nanonymous_read = true\n";
    for (const auto& [name, role, team] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"payments", "owner", "payments"},
             {"risk", "owner", "risk"},
             {"viewer", "reader", ""},
             {"ops", "admin", ""}}) {
      toml += "[[auth.tokens]]\nname = \"" + name + "-token\"\nsha256 = \"" +
              testing::Sha256Hex(name + "-secret") + "\"\nrole = \"" + role + "\"\n" +
              (team.empty() ? "" : "team = \"" + team + "\"\n");
    }
    toml +=
        "[[policies]]\nid = \"tagged\"\nkind = \"required_fields\"\nseverity = \"block\"\n"
        "fields = [\"tags\"]\n"
        "[[policies]]\nid = \"dotted-names\"\nkind = \"naming\"\nseverity = \"warn\"\n"
        "pattern = \"^[a-z]+\\\\.[a-z0-9.]+$\"\n";
    auto loaded = ParseConfig(toml, "tributary.toml",
                              [](const std::string&) { return std::optional<std::string>(); });
    INFO(toml);
    REQUIRE(loaded.ok());
    service_ = std::make_unique<Service>(loaded->config, clock_);
    REQUIRE(service_->Start().ok());
  }

  std::uint16_t port() const { return service_->http_port(); }
  const std::string& bootstrap() const { return kafka_->bootstrap_servers(); }

  testing::HttpResult Send(const std::string& method, const std::string& target,
                           const std::string& body, const std::string& token) const {
    testing::HttpConnection c(port());
    return c.Request(method, target, body,
                     "Content-Type: application/json\r\n" +
                         (token.empty() ? "" : "Authorization: Bearer " + token + "-secret\r\n"));
  }
  json Get(const std::string& target) const {
    const auto r = testing::HttpGet(port(), target);
    INFO(target << " -> " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }

 private:
  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<sim::MockKafka> kafka_;
  std::unique_ptr<Service> service_;
};

json Payments() {
  return {{"product", "payments.settled"},
          {"topic", "payments-settled"},
          {"domain", "payments"},
          {"owner", "payments"},
          {"description", "Settled payments, one per settlement"},
          {"quality", "authoritative"},
          {"sla", "tier-1"},
          {"tags", {"finance"}}};
}

}  // namespace

TEST_CASE(
    "POST /products: owner 201, other team 403, reader 403, anonymous 401, the product is "
    "read back at once and the catalog topic holds one structured CloudEvent of it") {
  Estate estate;
  const auto body = Payments().dump();
  CHECK(estate.Send("POST", "/api/v1/products", body, "").status == 401);
  CHECK(estate.Send("POST", "/api/v1/products", body, "viewer").status == 403);
  CHECK(estate.Send("POST", "/api/v1/products", body, "risk").status == 403);
  CHECK(estate.Get("/api/v1/products")["products"].empty());

  const auto created = estate.Send("POST", "/api/v1/products", body, "payments");
  INFO(created.body);
  REQUIRE(created.status == 201);
  const auto product = json::parse(created.body);
  CHECK(product["name"] == "payments.settled");
  CHECK(product["topic"] == "topic:local/payments-settled");
  CHECK(product["status"] == "active");
  // Read-your-writes: the very next read sees it, with everything sent.
  const auto read = estate.Get("/api/v1/products/payments.settled");
  CHECK(read["owner"] == "payments");
  CHECK(read["description"] == "Settled payments, one per settlement");
  CHECK(read["tags"] == json({"finance"}));
  // Published again: 409.
  CHECK(estate.Send("POST", "/api/v1/products", body, "payments").status == 409);

  // The catalog topic: exactly one record, a structured-mode CloudEvent 1.0.
  const auto records = ReadCatalogTopic(estate.bootstrap());
  REQUIRE(records.size() == 1);
  const auto& r = records[0];
  CHECK(r.key == std::optional<std::string>("payments.settled"));
  CHECK(r.headers.at("content-type") == "application/cloudevents+json; charset=UTF-8");
  const auto event = json::parse(r.value);
  CHECK(event["id"].get<std::string>().size() >= 16);
  REQUIRE(ParseRfc3339(event["time"].get<std::string>()).ok());
  // Byte for byte: the context attributes in order, then the data as sent
  // with the cluster filled in (the first configured one).
  const std::string expected =
      R"({"specversion":"1.0","id":")" + event["id"].get<std::string>() +
      R"(","source":"payments-token","type":"tributary.product.published","time":")" +
      event["time"].get<std::string>() +
      R"(","datacontenttype":"application/json","data":{"product":"payments.settled",)"
      R"("cluster":"local","topic":"payments-settled","domain":"payments","owner":"payments",)"
      R"("description":"Settled payments, one per settlement","quality":"authoritative",)"
      R"("sla":"tier-1","tags":["finance"]}})";
  CHECK(r.value == expected);
  // Applied once, by the catalog source: one product_published event.
  const auto events = estate.Get("/api/v1/events?type=product_published");
  REQUIRE(events["events"].size() == 1);
  CHECK(events["events"][0]["source"] == "local/tributary.catalog");
}

TEST_CASE(
    "POST /products: missing, null or empty metadata and blocking policies answer 422 with "
    "every violation, a wrong type is 400 naming the field, nothing is written") {
  Estate estate;
  auto missing = Payments();
  missing.erase("description");
  missing["sla"] = nullptr;
  missing["domain"] = "";
  missing.erase("tags");  // the blocking policy "tagged"
  const auto r = estate.Send("POST", "/api/v1/products", missing.dump(), "payments");
  INFO(r.body);
  REQUIRE(r.status == 422);
  const auto answer = json::parse(r.body);
  CHECK(answer["error"]["code"] == "policy_violation");
  std::set<std::string> messages;
  for (const auto& v : answer["violations"]) {
    CHECK(v["severity"] == "block");
    messages.insert(v["policy"].get<std::string>() + " " + v["message"].get<std::string>());
  }
  CHECK(messages.count("required_metadata description: required, and must not be empty") == 1);
  CHECK(messages.count("required_metadata sla: required, and must not be empty") == 1);
  CHECK(messages.count("required_metadata domain: required, and must not be empty") == 1);
  bool tagged = false;
  for (const auto& m : messages) {
    tagged = tagged || m.rfind("tagged ", 0) == 0;
  }
  CHECK(tagged);
  CHECK(answer["violations"].size() == 4);  // the warn-level naming policy does not block

  auto wrong = Payments();
  wrong["tags"] = "finance";
  const auto w = estate.Send("POST", "/api/v1/products", wrong.dump(), "payments");
  CHECK(w.status == 400);
  CHECK(w.body.find("data.tags") != std::string::npos);
  CHECK(estate.Send("POST", "/api/v1/products", "{not json", "payments").status == 400);
  CHECK(estate.Get("/api/v1/products")["products"].empty());
  CHECK(ReadCatalogTopic(estate.bootstrap()).empty());
}

TEST_CASE(
    "PATCH /products/{name} and POST /products/{name}/retire: only the owning team or an "
    "admin, read back at once, emptied metadata is 422, each is one CloudEvent on the topic") {
  Estate estate;
  REQUIRE(estate.Send("POST", "/api/v1/products", Payments().dump(), "payments").status == 201);
  const json change = {{"description", "Settled payments (EUR and USD)"}, {"sla", "tier-2"}};
  CHECK(estate.Send("PATCH", "/api/v1/products/payments.settled", change.dump(), "").status == 401);
  CHECK(estate.Send("PATCH", "/api/v1/products/payments.settled", change.dump(), "viewer").status ==
        403);
  CHECK(estate.Send("PATCH", "/api/v1/products/payments.settled", change.dump(), "risk").status ==
        403);
  CHECK(estate.Send("PATCH", "/api/v1/products/nope", change.dump(), "payments").status == 404);
  const auto patched =
      estate.Send("PATCH", "/api/v1/products/payments.settled", change.dump(), "payments");
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  auto read = estate.Get("/api/v1/products/payments.settled");
  CHECK(read["description"] == "Settled payments (EUR and USD)");
  CHECK(read["sla"] == "tier-2");
  CHECK(read["quality"] == "authoritative");  // untouched

  const auto emptied = estate.Send("PATCH", "/api/v1/products/payments.settled",
                                   R"({"description":""})", "payments");
  CHECK(emptied.status == 422);
  const auto untagged =
      estate.Send("PATCH", "/api/v1/products/payments.settled", R"({"tags":[]})", "payments");
  CHECK(untagged.status == 422);
  CHECK(estate.Get("/api/v1/products/payments.settled")["description"] ==
        "Settled payments (EUR and USD)");

  CHECK(estate.Send("POST", "/api/v1/products/payments.settled/retire", "", "risk").status == 403);
  const auto retired =
      estate.Send("POST", "/api/v1/products/payments.settled/retire", "", "ops");  // admin
  INFO(retired.body);
  REQUIRE(retired.status == 200);
  CHECK(estate.Get("/api/v1/products/payments.settled")["status"] == "retired");
  CHECK(estate.Send("POST", "/api/v1/products/payments.settled/retire", "", "ops").status == 409);
  CHECK(
      estate.Send("PATCH", "/api/v1/products/payments.settled", change.dump(), "payments").status ==
      409);

  const auto records = ReadCatalogTopic(estate.bootstrap());
  REQUIRE(records.size() == 3);
  const auto updated = json::parse(records[1].value);
  CHECK(updated["type"] == "tributary.product.updated");
  CHECK(updated["data"] == json({{"product", "payments.settled"},
                                 {"description", "Settled payments (EUR and USD)"},
                                 {"sla", "tier-2"}}));
  const auto retire = json::parse(records[2].value);
  CHECK(retire["type"] == "tributary.product.retired");
  CHECK(retire["source"] == "ops-token");
  CHECK(retire["data"] == json({{"product", "payments.settled"}}));
}

TEST_CASE(
    "POST /products/{name}/deprecate goes to the catalog topic too, and is read back at once") {
  Estate estate;
  REQUIRE(estate.Send("POST", "/api/v1/products", Payments().dump(), "payments").status == 201);
  const json deprecation = {{"reason", "moving to payments.settled.v2"},
                            {"sunset", "2030-01-01T00:00:00Z"}};
  const auto r = estate.Send("POST", "/api/v1/products/payments.settled/deprecate",
                             deprecation.dump(), "payments");
  INFO(r.body);
  REQUIRE(r.status == 202);
  const auto read = estate.Get("/api/v1/products/payments.settled");
  CHECK(read["status"] == "deprecated");
  CHECK(read["deprecation"]["reason"] == "moving to payments.settled.v2");
  const auto records = ReadCatalogTopic(estate.bootstrap());
  REQUIRE(records.size() == 2);
  const auto event = json::parse(records[1].value);
  CHECK(event["type"] == "tributary.product.deprecated");
  CHECK(event["data"]["sunset"] == "2030-01-01T00:00:00.000Z");
}

TEST_CASE("without a catalog topic the writes go straight to the log, read back at once") {
  Estate estate(/*catalog_topic=*/false);
  const auto created = estate.Send("POST", "/api/v1/products", Payments().dump(), "payments");
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(estate.Get("/api/v1/products/payments.settled")["owner"] == "payments");
  const auto events = estate.Get("/api/v1/events?type=product_published");
  REQUIRE(events["events"].size() == 1);
  CHECK(events["events"][0]["source"] == "api:payments-token");
}
