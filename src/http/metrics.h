#pragma once
// Metrics: the service's Prometheus metrics and their text exposition
// (served at GET /metrics).
//
// Families (all prefixed `tributary_`):
//   ingest_records_total{source}        counter  records read from a source
//   ingest_events_total                  counter  domain events appended
//   ingest_quarantined_total{source}     counter  undecodable records quarantined
//   ingest_skipped_total{source}         counter  known records Tributary does not use
//   ingest_lag_records{source}           gauge    records behind the high watermark
//   http_requests_total{method,route,status}   counter
//   http_request_duration_seconds{method,route} histogram
//   query_duration_seconds{query}              histogram (lineage, impact, ...)
//   replica_leader / replica_epoch / replica_apply_lag_records   gauges, with
//   [replication] only (DESIGN.md §8)
//   consumer_lag{cluster,group,topic}          gauge    offsets behind the end (summed over
//   partitions) consumer_lag_seconds{cluster,group,topic}  gauge    the worst partition's lag in
//   seconds consumer_lag_series_dropped                gauge    (group, topic) series left out by
//   the cap
//
// Ingest figures can be pushed as they happen (Count*) or pulled at scrape
// time: a hook added with AddScrapeHook() runs at the start of every Render()
// and reports cumulative totals with SetIngestTotals()/SetIngestEventsTotal(),
// which advance the counters by the increase since the last report. Use one
// style or the other for a given source, not both.
//
// Route labels are route patterns ("/api/v1/products/{name}"), never raw
// paths, so the number of series stays bounded.
//
// Thread-safety: every method may be called from any thread at once. A scrape
// hook runs on the thread calling Render(), one scrape at a time; it must not
// call Render() itself.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.h"

namespace tributary::http {

struct IngestTotals {
  std::int64_t records = 0;
  std::int64_t quarantined = 0;
  std::int64_t skipped = 0;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Push style.
  void CountIngestRecords(std::string_view source, std::int64_t n = 1);
  void CountIngestEvents(std::int64_t n = 1);
  void CountQuarantined(std::string_view source, std::int64_t n = 1);
  void CountSkipped(std::string_view source, std::int64_t n = 1);
  void SetIngestLag(std::string_view source, double records_behind);

  // Pull style: cumulative totals; a total lower than the last one reported
  // (a restarted source) resets the baseline without decreasing the counter.
  void SetIngestTotals(std::string_view source, const IngestTotals& totals);
  void SetIngestEventsTotal(std::int64_t total);
  // tributary_source_gap_records_total: records lost to retention before read.
  void SetSourceGapRecordsTotal(std::int64_t total);
  // tributary_notifications_total{outcome}: routed | unroutable | delivered | failed | dead.
  void SetNotificationTotal(std::string_view outcome, std::int64_t total);
  void AddScrapeHook(std::function<void(Metrics&)> hook);
  // With [replication]: whether this replica leads (1/0), the newest epoch it
  // applied, and the events-topic records it has not applied yet.
  void SetReplica(bool leader, std::int64_t epoch, std::int64_t apply_lag);

  // Consumer health (DESIGN.md §10): one series per (cluster, group, topic),
  // replacing the previous set. At most `cap` series per family are kept, the
  // ones with the largest lag in seconds (then offsets) first; the rest are
  // counted in tributary_consumer_lag_series_dropped.
  struct ConsumerLag {
    std::string cluster;
    std::string group;
    std::string topic;
    std::int64_t lag = 0;
    std::optional<double> lag_seconds;
  };
  void SetConsumerLag(std::vector<ConsumerLag> series, std::size_t cap);

  // `method` outside GET/HEAD/POST/PUT/PATCH/DELETE/OPTIONS is counted as
  // "other"; an empty route as "unmatched".
  void ObserveHttpRequest(std::string_view method, std::string_view route, int status,
                          double seconds);
  void ObserveQuery(std::string_view query, double seconds);

  // Prometheus text exposition format 0.0.4.
  std::string Render();
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Wraps a router: each request is routed, timed and counted under its route
// pattern and status. A handler exception is counted as a 500 and rethrown.
// `router` and `metrics` must outlive the returned handler.
Handler Instrument(const Router& router, Metrics& metrics);

// GET /metrics: metrics.Render() as text/plain. `metrics` must outlive it.
Handler MetricsHandler(Metrics& metrics);

}  // namespace tributary::http
