#pragma once
// Deprecations (src/tracking/README.md, the rules on products):
//
//   * a product deprecated -> deprecation_announced and a `deprecation`
//     intent to every team of an observed or permitted consumer, the
//     subscribers and the owner;
//   * `sunset - d` reached for each configured reminder -> reminder_due and a
//     `reminder` intent to the teams whose consumers still read (only the one
//     nearest the sunset is sent when several are due at once);
//   * the sunset reached -> reminder_due ("after") and a `sunset_escalation`
//     intent to the teams still reading and the owner;
//   * a consumer starts reading a deprecated product -> consumer_on_deprecated
//     and a `new_consumer_on_deprecated` intent to its team and the owner;
//   * a product retired while observed consumers read it ->
//     retired_with_consumers and a critical intent to their teams and the owner.
//
//   * a versioned product (product_versioned) still read on its old topic
//     while nothing was produced there for tracking.dual_support_grace ->
//     dual_support_broken to the owner, once per deprecation; nobody reading
//     its old topic any more -> ready_to_retire to the owner, once.
//
// Pure functions of the DecisionContext; they add to its batch only.

#include "tracking/decision_context.h"
#include "tributary/events.h"

namespace tributary::tracking {

// Announces the deprecation recorded by `record`, unless a later deprecation of
// the same product (in the tracking state) superseded it.
void DetectDeprecation(DecisionContext& ctx, const EventRecord& record,
                       const ProductDeprecated& deprecated);

// Decides about a retirement while observed consumers still read the product.
void DetectRetirement(DecisionContext& ctx, const EventRecord& record,
                      const ProductRetired& retired);

// Decides about a topic deleted while observed consumers read it: each
// consumer team (and the owner of a product on it) is told, like a retirement.
void DetectTopicDeletion(DecisionContext& ctx, const EventRecord& record,
                         const TopicDeleted& deleted);

// Decides about a consumer that starts reading a deprecated product it was not
// tracked as reading.
void DetectNewConsumerOnDeprecated(DecisionContext& ctx, const EventRecord& record,
                                   const ConsumerStarted& started);

// The reminders and sunset escalations due at `now` for every tracked
// deprecation.
// REQUIRES: ctx.options().reminders_before_sunset sorted longest first (the
// Tracker sorts them).
void DetectReminders(DecisionContext& ctx, Timestamp now);

// Dual support of every versioned, tracked deprecation at `now`.
void DetectDualSupport(DecisionContext& ctx, Timestamp now);

// The facts of a field-level diff: {"diff":[{"change","path","from_type",
// "to_type","added","removed","retyped"}],"diff_count"}.
nlohmann::json DiffFacts(const std::vector<FieldChange>& diff);

}  // namespace tributary::tracking
