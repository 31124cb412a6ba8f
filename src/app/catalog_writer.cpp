#include "app/catalog_writer.h"

#include <random>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "core/text_codec.h"
#include "ingest/catalog/catalog_decoder.h"
#include "ingest/catalog/catalog_encoder.h"

namespace tributary {
namespace {

struct CatalogDelivery {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

void OnCatalogDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  auto* d = static_cast<CatalogDelivery*>(m->_private);
  d->err = m->err;
  d->partition = m->partition;
  d->offset = m->offset;
  d->done = true;
}

// A CloudEvent id: 128 random bits.
std::string EventId() {
  std::random_device rd;
  std::string bytes(16, '\0');
  for (auto& b : bytes) {
    b = static_cast<char>(rd() & 0xff);
  }
  return "tributary-api-" + HexEncode(bytes);
}

const std::string& ProductOf(const DomainEvent& event) {
  static const std::string kNone;
  return std::visit(
      [](const auto& e) -> const std::string& {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ProductPublished> || std::is_same_v<T, ProductUpdated> ||
                      std::is_same_v<T, ProductDeprecated> ||
                      std::is_same_v<T, ProductUndeprecated> || std::is_same_v<T, ProductRetired>) {
          return e.product;
        } else {
          return kNone;
        }
      },
      event);
}

}  // namespace

CatalogWriter::CatalogWriter(CatalogWriterOptions options, Writer& writer, OffsetsFn offsets,
                             const Clock& clock)
    : options_(std::move(options)), writer_(writer), offsets_(std::move(offsets)), clock_(clock) {
  if (options_.kafka) {
    source_ = options_.kafka->cluster + "/" + options_.topic;
  }
}

CatalogWriter::~CatalogWriter() {
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
  }
}

Result<std::unique_ptr<CatalogWriter>> CatalogWriter::Open(CatalogWriterOptions options,
                                                           Writer& writer, OffsetsFn offsets,
                                                           const Clock& clock) {
  std::unique_ptr<CatalogWriter> w(
      new CatalogWriter(std::move(options), writer, std::move(offsets), clock));
  if (!w->options_.kafka) {
    return w;
  }
  auto conf = log::replication::MakeKafkaConf(
      *w->options_.kafka,
      {{"client.id", "tributary-catalog-writer"},
       {"enable.idempotence", "true"},
       {"acks", "all"},
       {"linger.ms", "0"},
       {"message.timeout.ms", std::to_string(w->options_.timeout.count())}},
      {"enable.idempotence", "acks", "transactional.id"});
  if (!conf.ok()) {
    return conf.status();
  }
  rd_kafka_conf_set_dr_msg_cb(*conf, &OnCatalogDelivery);
  char errstr[512];
  w->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, errstr, sizeof errstr);
  if (w->producer_ == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return InvalidArgument("sources.catalog: cannot create the catalog producer: " +
                           std::string(errstr));
  }
  return w;
}

Result<DomainEvent> CatalogWriter::Decode(std::string_view type, const nlohmann::json& data,
                                          const std::string& actor) const {
  return ingest::catalog::DecodeCatalogData(type, data, actor);
}

std::string CatalogWriter::destination() const {
  return options_.kafka ? "kafka:" + source_ : "log";
}

Status CatalogWriter::Write(const DomainEvent& event, const WriteGrant& grant,
                            std::optional<std::string> dedup_key) {
  if (producer_ != nullptr) {
    return Produce(event, grant);
  }
  Batch batch;
  batch.events.push_back(
      NewEvent{event, clock_.Now(), "api:" + grant.actor, std::nullopt, std::move(dedup_key)});
  auto appended = writer_.CommitAs(std::move(batch), grant);
  return appended.ok() ? Status::Ok() : appended.status();
}

Status CatalogWriter::Produce(const DomainEvent& event, const WriteGrant& grant) {
  ingest::catalog::CatalogEnvelope envelope;
  envelope.id = EventId();
  envelope.source = grant.actor;
  envelope.time = clock_.Now();
  auto value = ingest::catalog::EncodeCatalogEvent(envelope, event);
  if (!value.ok()) {
    return value.status();
  }
  const auto& key = ProductOf(event);
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  CatalogDelivery delivered;
  {
    std::lock_guard lock(produce_mu_);
    const auto err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(options_.topic.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value->data()), value->size()),
        RD_KAFKA_V_HEADER("content-type", "application/cloudevents+json; charset=UTF-8", -1),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&delivered), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable("catalog write: cannot produce to " + source_ + ": " +
                         rd_kafka_err2str(err) + "; retry");
    }
    while (!delivered.done) {  // reported within message.timeout.ms
      rd_kafka_poll(producer_, 5);
    }
  }
  if (delivered.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable("catalog write: " + source_ + " did not take it: " +
                       std::string(rd_kafka_err2str(delivered.err)) + "; retry");
  }
  // Applied once the catalog source's stored next offset passes the record.
  for (auto pause = std::chrono::milliseconds(2);;
       pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    auto offsets = offsets_(source_);
    if (offsets.ok()) {
      for (const auto& o : *offsets) {
        if (o.partition == delivered.partition && o.next_offset > delivered.offset) {
          return Status::Ok();
        }
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Unavailable("catalog write: written to " + source_ + " (partition " +
                         std::to_string(delivered.partition) + ", offset " +
                         std::to_string(delivered.offset) + ") but not applied within " +
                         std::to_string(options_.timeout.count() / 1000) +
                         " s (is the catalog source running?); it will be applied once read");
    }
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace tributary
