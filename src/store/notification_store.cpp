#include "store/notification_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace tributary {
namespace {

constexpr const char* kDeliveryColumns =
    "id, intent_id, idempotency_key, kind, team, channel, severity, status, attempts, "
    "next_attempt_at, created_at, delivered_at, last_error, subject, body, html";
constexpr const char* kDeliveryColumnsOfD =
    "d.id, d.intent_id, d.idempotency_key, d.kind, d.team, d.channel, d.severity, d.status, "
    "d.attempts, d.next_attempt_at, d.created_at, d.delivered_at, d.last_error, d.subject, "
    "d.body, d.html";

StoredDelivery ReadDelivery(SQLite::Statement& q) {
  StoredDelivery d;
  d.id = q.getColumn(0).getInt64();
  d.record.intent_id = q.getColumn(1).isNull() ? 0 : q.getColumn(1).getInt64();
  d.record.idempotency_key = q.getColumn(2).getString();
  d.record.kind = q.getColumn(3).getString();
  d.record.team = q.getColumn(4).getString();
  d.record.channel = q.getColumn(5).getString();
  d.record.severity = q.getColumn(6).getString();
  d.record.status = q.getColumn(7).getString();
  d.attempts = q.getColumn(8).getInt();
  d.record.next_attempt_at = FromMillis(q.getColumn(9).getInt64());
  d.created_at = FromMillis(q.getColumn(10).getInt64());
  if (!q.getColumn(11).isNull()) {
    d.delivered_at = FromMillis(q.getColumn(11).getInt64());
  }
  d.record.last_error = q.getColumn(12).getString();
  d.record.subject = q.getColumn(13).getString();
  d.record.body = q.getColumn(14).getString();
  d.record.html = q.getColumn(15).getString();
  return d;
}

template <typename F>
Status Guard(F&& body, const char* what) {
  try {
    body();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Internal(std::string(what) + ": " + e.what());
  }
}

}  // namespace

Result<std::vector<StoredIntent>> NotificationStore::QueuedIntents(std::size_t limit) {
  std::vector<StoredIntent> out;
  auto s = Guard(
      [&] {
        SQLite::Statement q(log_.database(),
                            "SELECT id, idempotency_key, kind, team, channel, severity, facts, "
                            "created_at, caused_by_seq FROM outbox WHERE status = 'queued' "
                            "ORDER BY id LIMIT ?");
        q.bind(1, static_cast<std::int64_t>(limit));
        while (q.executeStep()) {
          StoredIntent i;
          i.id = q.getColumn(0).getInt64();
          i.intent.idempotency_key = q.getColumn(1).getString();
          i.intent.kind = q.getColumn(2).getString();
          i.intent.team = q.getColumn(3).getString();
          i.intent.channel = q.getColumn(4).getString();
          i.intent.severity = q.getColumn(5).getString();
          const auto* blob = static_cast<const std::uint8_t*>(q.getColumn(6).getBlob());
          const auto size = static_cast<std::size_t>(q.getColumn(6).getBytes());
          i.intent.facts = nlohmann::json::from_msgpack(blob, blob + size, true, false);
          if (i.intent.facts.is_discarded()) {
            i.intent.facts = nlohmann::json::object();
          }
          i.created_at = FromMillis(q.getColumn(7).getInt64());
          if (!q.getColumn(8).isNull()) {
            i.caused_by = EventSeq(q.getColumn(8).getInt64());
          }
          out.push_back(std::move(i));
        }
      },
      "cannot read the outbox");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::vector<StoredDelivery>> NotificationStore::DueDeliveries(Timestamp now,
                                                                     std::size_t limit) {
  std::vector<StoredDelivery> out;
  auto s = Guard(
      [&] {
        SQLite::Statement q(
            log_.database(),
            std::string("SELECT ") + kDeliveryColumnsOfD +
                ", o.facts FROM deliveries d LEFT JOIN outbox o ON o.id = d.intent_id "
                "WHERE d.status IN ('queued', 'retrying') AND d.next_attempt_at <= ? "
                "ORDER BY d.next_attempt_at, d.id LIMIT ?");
        q.bind(1, static_cast<std::int64_t>(ToMillis(now)));
        q.bind(2, static_cast<std::int64_t>(limit));
        while (q.executeStep()) {
          auto d = ReadDelivery(q);
          if (!q.getColumn(16).isNull()) {
            const auto* blob = static_cast<const std::uint8_t*>(q.getColumn(16).getBlob());
            const auto size = static_cast<std::size_t>(q.getColumn(16).getBytes());
            auto facts = nlohmann::json::from_msgpack(blob, blob + size, true, false);
            if (facts.is_object()) {
              d.facts = std::move(facts);
            }
          }
          out.push_back(std::move(d));
        }
      },
      "cannot read the deliveries");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::optional<Timestamp>> NotificationStore::NextDue() {
  std::optional<Timestamp> out;
  auto s = Guard(
      [&] {
        SQLite::Statement q(log_.database(),
                            "SELECT min(next_attempt_at) FROM deliveries "
                            "WHERE status IN ('queued', 'retrying')");
        if (q.executeStep() && !q.getColumn(0).isNull()) {
          out = FromMillis(q.getColumn(0).getInt64());
        }
      },
      "cannot read the deliveries");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::vector<StoredDelivery>> NotificationStore::List(const DeliveryFilter& filter) {
  std::vector<StoredDelivery> out;
  auto s = Guard(
      [&] {
        std::string sql = std::string("SELECT ") + kDeliveryColumns + " FROM deliveries WHERE 1";
        if (filter.status) {
          sql += " AND status = :status";
        }
        if (filter.team) {
          sql += " AND team = :team";
        }
        if (filter.kind) {
          sql += " AND kind = :kind";
        }
        if (filter.before_id > 0) {
          sql += " AND id < :before";
        }
        sql += " ORDER BY id DESC LIMIT :limit";
        SQLite::Statement q(log_.database(), sql);
        if (filter.status) {
          q.bind(":status", *filter.status);
        }
        if (filter.team) {
          q.bind(":team", *filter.team);
        }
        if (filter.kind) {
          q.bind(":kind", *filter.kind);
        }
        if (filter.before_id > 0) {
          q.bind(":before", static_cast<std::int64_t>(filter.before_id));
        }
        q.bind(":limit", static_cast<std::int64_t>(filter.limit));
        while (q.executeStep()) {
          out.push_back(ReadDelivery(q));
        }
      },
      "cannot read the deliveries");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::optional<StoredDelivery>> NotificationStore::Find(std::int64_t id) {
  std::optional<StoredDelivery> out;
  auto s = Guard(
      [&] {
        SQLite::Statement q(log_.database(), std::string("SELECT ") + kDeliveryColumns +
                                                 " FROM deliveries WHERE id = ?");
        q.bind(1, static_cast<std::int64_t>(id));
        if (q.executeStep()) {
          out = ReadDelivery(q);
        }
      },
      "cannot read the deliveries");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::map<std::string, std::string>> NotificationStore::DisabledChannels() {
  std::map<std::string, std::string> out;
  auto s = Guard(
      [&] {
        SQLite::Statement q(log_.database(), "SELECT channel, fingerprint FROM disabled_channels");
        while (q.executeStep()) {
          out[q.getColumn(0).getString()] = q.getColumn(1).getString();
        }
      },
      "cannot read the disabled channels");
  if (!s.ok()) {
    return s;
  }
  return out;
}

}  // namespace tributary
