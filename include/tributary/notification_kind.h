#pragma once
// NotificationKind: what a notification is about (templates/README.md has the
// table of when each is sent and to whom). One list: the enum, the names stored
// in the outbox, the template directories (notifiers/templates/CMakeLists.txt
// reads the X(...) lines below) and the kinds a team may choose in its
// preferences all come from it. Names are never renamed.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tributary {

// clang-format off
#define TRIBUTARY_NOTIFICATION_KINDS(X)                                  \
  X(kBreakingChange, "breaking_change")                                  \
  X(kDeprecation, "deprecation")                                         \
  X(kReminder, "reminder")                                               \
  X(kSunsetEscalation, "sunset_escalation")                              \
  X(kNewConsumerOnDeprecated, "new_consumer_on_deprecated")              \
  X(kRetiredWithConsumers, "retired_with_consumers")                     \
  X(kAccessRevoked, "access_revoked")                                    \
  X(kPolicyViolation, "policy_violation")                                \
  X(kSignoffRequested, "signoff_requested")                              \
  X(kProposalDecided, "proposal_decided")                                \
  X(kUnapprovedBreakingChange, "unapproved_breaking_change")            \
  X(kConsumerUnhealthy, "consumer_unhealthy")                            \
  X(kDataLossRisk, "data_loss_risk")                                     \
  X(kAccessRequested, "access_requested")                                \
  X(kAccessDecided, "access_decided")                                    \
  X(kDualSupportBroken, "dual_support_broken")                           \
  X(kReadyToRetire, "ready_to_retire")
// clang-format on

enum class NotificationKind : std::uint8_t {
#define TRIBUTARY_KIND_ENUMERATOR(id, name) id,
  TRIBUTARY_NOTIFICATION_KINDS(TRIBUTARY_KIND_ENUMERATOR)
#undef TRIBUTARY_KIND_ENUMERATOR
};

inline constexpr std::array kNotificationKinds = {
#define TRIBUTARY_KIND_VALUE(id, name) NotificationKind::id,
    TRIBUTARY_NOTIFICATION_KINDS(TRIBUTARY_KIND_VALUE)
#undef TRIBUTARY_KIND_VALUE
};

constexpr std::string_view ToString(NotificationKind kind) {
  switch (kind) {
#define TRIBUTARY_KIND_CASE(id, name) \
  case NotificationKind::id:          \
    return name;
    TRIBUTARY_NOTIFICATION_KINDS(TRIBUTARY_KIND_CASE)
#undef TRIBUTARY_KIND_CASE
  }
  return "";
}

constexpr std::optional<NotificationKind> ParseNotificationKind(std::string_view name) {
  for (const auto kind : kNotificationKinds) {
    if (ToString(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace tributary
