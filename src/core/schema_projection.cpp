#include "core/schema_projection.h"

#include "core/field_codec.h"
#include "tributary/overloaded.h"

namespace tributary {
namespace {

nlohmann::json ToJsonState(const SchemaState& s) {
  nlohmann::json subjects = nlohmann::json::object();
  for (const auto& [name, subject] : s.subjects) {
    nlohmann::json versions = nlohmann::json::array();
    for (const auto& [n, v] : subject.versions) {
      versions.push_back({{"v", v.version},
                          {"id", v.id},
                          {"t", v.schema_type},
                          {"s", v.schema},
                          {"r", codec::ToJson(v.references)},
                          {"d", v.deleted},
                          {"at", ToMillis(v.registered_at)}});
    }
    subjects[name] = {{"versions", versions},
                      {"level", subject.level ? nlohmann::json(*subject.level) : nlohmann::json()},
                      {"mode", subject.mode ? nlohmann::json(*subject.mode) : nlohmann::json()}};
  }
  return {{"subjects", subjects}, {"level", s.global_level}, {"mode", s.global_mode}};
}

}  // namespace

std::string SchemaState::LevelOf(const std::string& subject) const {
  if (auto it = subjects.find(subject); it != subjects.end() && it->second.level) {
    return *it->second.level;
  }
  return global_level;
}

void SchemaProjection::Apply(const EventRecord& record) {
  std::visit(Overloaded{
                 [&](const SchemaRegistered& e) {
                   state_.subjects[e.subject].versions[e.version] =
                       SubjectVersion{e.version,    e.schema_id, e.schema_type,    e.schema,
                                      e.references, false,       record.event_time};
                   changed_ = true;
                 },
                 [&](const SchemaDeleted& e) {
                   auto it = state_.subjects.find(e.subject);
                   if (it == state_.subjects.end()) {
                     return;
                   }
                   auto& versions = it->second.versions;
                   if (e.version) {
                     if (e.permanent) {
                       versions.erase(*e.version);
                     } else if (auto v = versions.find(*e.version); v != versions.end()) {
                       v->second.deleted = true;
                     }
                   } else if (e.permanent) {
                     state_.subjects.erase(it);
                   } else {
                     for (auto& [n, v] : versions) {
                       v.deleted = true;
                     }
                   }
                   changed_ = true;
                 },
                 [&](const CompatibilityLevelChanged& e) {
                   if (!e.subject) {
                     state_.global_level = e.level.empty() ? "BACKWARD" : e.level;
                   } else if (e.level.empty()) {
                     state_.subjects[*e.subject].level.reset();
                   } else {
                     state_.subjects[*e.subject].level = e.level;
                   }
                   changed_ = true;
                 },
                 [&](const SchemaModeChanged& e) {
                   if (!e.subject) {
                     state_.global_mode = e.mode.empty() ? "READWRITE" : e.mode;
                   } else if (e.mode.empty()) {
                     state_.subjects[*e.subject].mode.reset();
                   } else {
                     state_.subjects[*e.subject].mode = e.mode;
                   }
                   changed_ = true;
                 },
                 [](const auto&) {},
             },
             record.event);
}

std::string SchemaProjection::Digest() const {
  Fnv1a64 h;
  h.Add(ToJsonState(state_).dump());
  return h.Hex();
}

std::string SchemaProjection::Snapshot() const {
  const auto bytes = nlohmann::json::to_msgpack(ToJsonState(state_));
  return {bytes.begin(), bytes.end()};
}

SnapshotJob SchemaProjection::CaptureSnapshot() const {
  return [state = std::make_shared<const SchemaState>(state_)] {
    return JsonSnapshotImage(ToJsonState(*state));
  };
}

Status SchemaProjection::Restore(std::string_view snapshot) {
  auto j = nlohmann::json::from_msgpack(snapshot.begin(), snapshot.end(), true, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("schemas snapshot is not valid MessagePack");
  }
  SchemaState state;
  try {
    state.global_level = j.at("level").get<std::string>();
    state.global_mode = j.at("mode").get<std::string>();
    for (const auto& [name, sj] : j.at("subjects").items()) {
      SubjectState subject;
      for (const auto& v : sj.at("versions")) {
        SubjectVersion sv{v.at("v").get<std::int32_t>(),
                          v.at("id").get<std::int32_t>(),
                          v.at("t").get<std::string>(),
                          v.at("s").get<std::string>(),
                          {},
                          v.at("d").get<bool>(),
                          FromMillis(v.at("at").get<std::int64_t>())};
        if (auto s = codec::FromJson(v.at("r"), sv.references, "references"); !s.ok()) {
          return Corruption("schemas snapshot: " + s.message());
        }
        subject.versions.emplace(sv.version, std::move(sv));
      }
      if (!sj.at("level").is_null()) {
        subject.level = sj.at("level").get<std::string>();
      }
      if (!sj.at("mode").is_null()) {
        subject.mode = sj.at("mode").get<std::string>();
      }
      state.subjects.emplace(name, std::move(subject));
    }
  } catch (const std::exception& e) {
    return Corruption(std::string("schemas snapshot: ") + e.what());
  }
  state_ = std::move(state);
  changed_ = true;
  return Status::Ok();
}

void SchemaProjection::Publish() {
  if (changed_) {
    published_.Set(state_);
    changed_ = false;
  }
}

std::shared_ptr<const SchemaState> SchemaProjection::published() const { return published_.Get(); }

}  // namespace tributary
