#include "ingest/schema_registry/registry_poller.h"

#include <nlohmann/json.hpp>

#include "core/field_codec.h"
#include "tributary/overloaded.h"

namespace tributary::ingest::schema_registry {
namespace {

std::string Bytes(const nlohmann::json& j) {
  const auto v = nlohmann::json::to_msgpack(j);
  return {v.begin(), v.end()};
}

nlohmann::json VersionsToJson(const std::map<std::int32_t, SchemaVersion>& versions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [n, v] : versions) {
    out.push_back({{"v", v.version},
                   {"id", v.id},
                   {"t", v.schema_type},
                   {"r", codec::ToJson(v.references)},
                   {"s", v.schema},
                   {"d", v.deleted}});
  }
  return out;
}

}  // namespace

std::optional<DomainEvent> EventFor(const SchemasRecord& record) {
  return std::visit(Overloaded{
                        [](const SchemaVersion& v) -> std::optional<DomainEvent> {
                          if (v.deleted) {
                            return SchemaDeleted{v.subject, v.version, false};
                          }
                          return SchemaRegistered{v.subject,     v.version, v.id,
                                                  v.schema_type, v.schema,  v.references};
                        },
                        [](const SchemaHardDeleted& d) -> std::optional<DomainEvent> {
                          return SchemaDeleted{d.subject, d.version, true};
                        },
                        [](const ConfigChanged& c) -> std::optional<DomainEvent> {
                          return CompatibilityLevelChanged{c.subject, c.level.value_or("")};
                        },
                        [](const ModeChanged& m) -> std::optional<DomainEvent> {
                          return SchemaModeChanged{m.subject, m.mode.value_or("")};
                        },
                        [](const SubjectDeleted& d) -> std::optional<DomainEvent> {
                          return SchemaDeleted{d.subject, std::nullopt, false};
                        },
                        [](const SubjectCleared& c) -> std::optional<DomainEvent> {
                          return SchemaDeleted{c.subject, std::nullopt, true};
                        },
                        [](const Noop&) -> std::optional<DomainEvent> { return std::nullopt; },
                    },
                    record);
}

RegistryPoller::RegistryPoller(std::unique_ptr<SchemaRegistryClient> client, std::string url,
                               Duration interval)
    : client_(std::move(client)), url_(std::move(url)), interval_(interval) {}

Status RegistryPoller::Restore(const std::vector<std::pair<std::string, std::string>>& entries) {
  previous_ = {};
  pending_.reset();
  const auto subject_prefix = fold_prefix() + "subject/";
  try {
    for (const auto& [key, value] : entries) {
      const auto j = nlohmann::json::from_msgpack(value);
      if (key == fold_prefix() + "global") {
        previous_.includes_deleted = j.at("deleted").get<bool>();
        if (!j.at("level").is_null()) {
          previous_.global_level = j.at("level").get<std::string>();
        }
        if (!j.at("mode").is_null()) {
          previous_.global_mode = j.at("mode").get<std::string>();
        }
      } else if (key.rfind(subject_prefix, 0) == 0) {
        const auto subject = key.substr(subject_prefix.size());
        auto& versions = previous_.subjects[subject];
        for (const auto& v : j.at("versions")) {
          SchemaVersion sv;
          sv.subject = subject;
          sv.version = v.at("v").get<std::int32_t>();
          sv.id = v.at("id").get<std::int32_t>();
          sv.schema_type = v.at("t").get<std::string>();
          if (auto s = codec::FromJson(v.at("r"), sv.references, "references"); !s.ok()) {
            return s;
          }
          sv.schema = v.at("s").get<std::string>();
          sv.deleted = v.at("d").get<bool>();
          versions.emplace(sv.version, std::move(sv));
        }
        if (!j.at("level").is_null()) {
          previous_.subject_levels[subject] = j.at("level").get<std::string>();
        }
      }
    }
  } catch (const std::exception& e) {
    return Corruption("schema registry poll state: " + std::string(e.what()));
  }
  return Status::Ok();
}

Status RegistryPoller::Poll(Timestamp now, TranslationSink& sink) {
  auto snapshot = client_->FetchSnapshot(&previous_);
  if (!snapshot.ok()) {
    return snapshot.status();
  }
  std::size_t index = 0;
  const auto poll_key = name() + "/" + std::to_string(ToMillis(now)) + "/";
  for (const auto& record : SchemaRegistrySnapshotDiff(previous_, *snapshot)) {
    if (auto event = EventFor(record)) {
      sink.EmitDecision(std::move(*event), now, poll_key + std::to_string(index++));
    }
  }
  pending_ = std::move(snapshot).value();
  return Status::Ok();
}

void RegistryPoller::Flush(TranslationSink& sink) {
  if (!pending_) {
    return;
  }
  const auto& next = *pending_;
  // Only the subjects that changed are written again.
  for (const auto& [subject, versions] : next.subjects) {
    auto old = previous_.subjects.find(subject);
    const auto level = next.subject_levels.find(subject);
    const auto old_level = previous_.subject_levels.find(subject);
    const bool same_level =
        (level == next.subject_levels.end()) == (old_level == previous_.subject_levels.end()) &&
        (level == next.subject_levels.end() || level->second == old_level->second);
    if (old != previous_.subjects.end() && old->second == versions && same_level) {
      continue;
    }
    sink.WriteFold(
        fold_prefix() + "subject/" + subject,
        Bytes({{"versions", VersionsToJson(versions)},
               {"level", level == next.subject_levels.end() ? nlohmann::json(nullptr)
                                                            : nlohmann::json(level->second)}}));
  }
  for (const auto& [subject, versions] : previous_.subjects) {
    if (!next.subjects.contains(subject)) {
      sink.WriteFold(fold_prefix() + "subject/" + subject, std::nullopt);
    }
  }
  sink.WriteFold(fold_prefix() + "global",
                 Bytes({{"deleted", next.includes_deleted},
                        {"level", next.global_level ? nlohmann::json(*next.global_level)
                                                    : nlohmann::json(nullptr)},
                        {"mode", next.global_mode ? nlohmann::json(*next.global_mode)
                                                  : nlohmann::json(nullptr)}}));
  previous_ = std::move(*pending_);
  pending_.reset();
}

}  // namespace tributary::ingest::schema_registry
