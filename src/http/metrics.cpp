#include "http/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace tributary::http {
namespace {

// Latencies from 10 µs (an in-memory query) to 10 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,     0.1,     0.25,   0.5,     1.0,    2.5,   5.0,    10.0};
  return buckets;
}

std::string_view MethodLabel(std::string_view method) {
  for (const std::string_view known :
       {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) {
      return known;
    }
  }
  return "other";
}

// Series looked up by a key of their labels, cached so the hot path takes a
// shared lock and no allocation once a series exists.
template <typename T>
class SeriesCache {
 public:
  template <typename Make>
  T& Get(const std::string& key, Make&& make) {
    {
      std::shared_lock lock(mu_);
      if (auto it = series_.find(key); it != series_.end()) {
        return *it->second;
      }
    }
    std::unique_lock lock(mu_);
    auto [it, inserted] = series_.try_emplace(key, nullptr);
    if (inserted) {
      it->second = &make();
    }
    return *it->second;
  }

 private:
  std::shared_mutex mu_;
  std::unordered_map<std::string, T*> series_;
};

}  // namespace

struct Metrics::Impl {
  Impl()
      : ingest_records(prometheus::BuildCounter()
                           .Name("tributary_ingest_records_total")
                           .Help("Records read from each source.")
                           .Register(registry)),
        ingest_events(prometheus::BuildCounter()
                          .Name("tributary_ingest_events_total")
                          .Help("Domain events appended to the event log by ingestion.")
                          .Register(registry)
                          .Add({})),
        source_gap_records(prometheus::BuildCounter()
                               .Name("tributary_source_gap_records_total")
                               .Help("Source records deleted by the broker before they were read.")
                               .Register(registry)
                               .Add({})),
        ingest_quarantined(prometheus::BuildCounter()
                               .Name("tributary_ingest_quarantined_total")
                               .Help("Undecodable records stored in the quarantine table.")
                               .Register(registry)),
        ingest_skipped(prometheus::BuildCounter()
                           .Name("tributary_ingest_skipped_total")
                           .Help("Well-formed records of kinds Tributary does not use.")
                           .Register(registry)),
        ingest_lag(prometheus::BuildGauge()
                       .Name("tributary_ingest_lag_records")
                       .Help("Records between a source's position and its high watermark.")
                       .Register(registry)),
        http_requests(prometheus::BuildCounter()
                          .Name("tributary_http_requests_total")
                          .Help("HTTP requests answered, by method, route pattern and status.")
                          .Register(registry)),
        http_duration(prometheus::BuildHistogram()
                          .Name("tributary_http_request_duration_seconds")
                          .Help("Time to answer an HTTP request, by method and route pattern.")
                          .Register(registry)),
        query_duration(prometheus::BuildHistogram()
                           .Name("tributary_query_duration_seconds")
                           .Help("Time to run a graph query, by query kind.")
                           .Register(registry)),
        notifications(prometheus::BuildCounter()
                          .Name("tributary_notifications_total")
                          .Help("Notification outcomes: routed intents, unroutable ones (sent to "
                                "the fallback channel or dead), delivered, failed attempts, dead "
                                "letters.")
                          .Register(registry)) {}

  prometheus::Counter& SourceCounter(prometheus::Family<prometheus::Counter>& family,
                                     SeriesCache<prometheus::Counter>& cache,
                                     std::string_view source) {
    const std::string key(source);
    return cache.Get(key, [&]() -> prometheus::Counter& { return family.Add({{"source", key}}); });
  }

  // Advances `counter` by the increase of a cumulative total.
  static void Advance(prometheus::Counter& counter, std::int64_t& last, std::int64_t total) {
    if (total > last) {
      counter.Increment(static_cast<double>(total - last));
    }
    last = total;
  }

  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& ingest_records;
  prometheus::Counter& ingest_events;
  prometheus::Counter& source_gap_records;
  std::int64_t last_gap_records = 0;
  prometheus::Family<prometheus::Counter>& ingest_quarantined;
  prometheus::Family<prometheus::Counter>& ingest_skipped;
  prometheus::Family<prometheus::Gauge>& ingest_lag;
  prometheus::Family<prometheus::Counter>& http_requests;
  prometheus::Family<prometheus::Histogram>& http_duration;
  prometheus::Family<prometheus::Histogram>& query_duration;
  prometheus::Family<prometheus::Counter>& notifications;
  std::map<std::string, std::int64_t, std::less<>> last_notification_totals;
  prometheus::Family<prometheus::Gauge>* consumer_lag = nullptr;  // on the first SetConsumerLag()
  prometheus::Family<prometheus::Gauge>* consumer_lag_seconds = nullptr;
  prometheus::Gauge* consumer_lag_dropped = nullptr;
  std::map<std::tuple<std::string, std::string, std::string>,
           std::pair<prometheus::Gauge*, prometheus::Gauge*>>
      consumer_series;  // (cluster, group, topic) -> lag, lag seconds (null when unknown)
  prometheus::Gauge* replica_leader = nullptr;  // created on the first SetReplica()
  prometheus::Gauge* replica_epoch = nullptr;
  prometheus::Gauge* replica_apply_lag = nullptr;

  SeriesCache<prometheus::Counter> records_cache;
  SeriesCache<prometheus::Counter> quarantined_cache;
  SeriesCache<prometheus::Counter> skipped_cache;
  SeriesCache<prometheus::Gauge> lag_cache;
  SeriesCache<prometheus::Counter> requests_cache;
  SeriesCache<prometheus::Histogram> http_duration_cache;
  SeriesCache<prometheus::Histogram> query_duration_cache;

  std::mutex totals_mu;
  std::map<std::string, IngestTotals, std::less<>> last_totals;  // by source
  std::int64_t last_events_total = 0;

  std::mutex scrape_mu;  // one Render() at a time; guards hooks
  std::vector<std::function<void(Metrics&)>> hooks;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::CountIngestRecords(std::string_view source, std::int64_t n) {
  impl_->SourceCounter(impl_->ingest_records, impl_->records_cache, source)
      .Increment(static_cast<double>(n));
}

void Metrics::CountIngestEvents(std::int64_t n) {
  impl_->ingest_events.Increment(static_cast<double>(n));
}

void Metrics::CountQuarantined(std::string_view source, std::int64_t n) {
  impl_->SourceCounter(impl_->ingest_quarantined, impl_->quarantined_cache, source)
      .Increment(static_cast<double>(n));
}

void Metrics::CountSkipped(std::string_view source, std::int64_t n) {
  impl_->SourceCounter(impl_->ingest_skipped, impl_->skipped_cache, source)
      .Increment(static_cast<double>(n));
}

void Metrics::SetIngestLag(std::string_view source, double records_behind) {
  const std::string key(source);
  impl_->lag_cache
      .Get(key,
           [&]() -> prometheus::Gauge& {
             return impl_->ingest_lag.Add({{"source", key}});
           })
      .Set(records_behind);
}

void Metrics::SetIngestTotals(std::string_view source, const IngestTotals& totals) {
  auto& records = impl_->SourceCounter(impl_->ingest_records, impl_->records_cache, source);
  auto& quarantined =
      impl_->SourceCounter(impl_->ingest_quarantined, impl_->quarantined_cache, source);
  auto& skipped = impl_->SourceCounter(impl_->ingest_skipped, impl_->skipped_cache, source);
  std::lock_guard lock(impl_->totals_mu);
  auto it = impl_->last_totals.find(source);
  if (it == impl_->last_totals.end()) {
    it = impl_->last_totals.emplace(std::string(source), IngestTotals{}).first;
  }
  Impl::Advance(records, it->second.records, totals.records);
  Impl::Advance(quarantined, it->second.quarantined, totals.quarantined);
  Impl::Advance(skipped, it->second.skipped, totals.skipped);
}

void Metrics::SetIngestEventsTotal(std::int64_t total) {
  std::lock_guard lock(impl_->totals_mu);
  Impl::Advance(impl_->ingest_events, impl_->last_events_total, total);
}

void Metrics::SetSourceGapRecordsTotal(std::int64_t total) {
  std::lock_guard lock(impl_->totals_mu);
  Impl::Advance(impl_->source_gap_records, impl_->last_gap_records, total);
}

void Metrics::SetNotificationTotal(std::string_view outcome, std::int64_t total) {
  std::lock_guard lock(impl_->totals_mu);
  auto& counter = impl_->notifications.Add({{"outcome", std::string(outcome)}});
  Impl::Advance(counter, impl_->last_notification_totals[std::string(outcome)], total);
}

void Metrics::SetReplica(bool leader, std::int64_t epoch, std::int64_t apply_lag) {
  std::lock_guard lock(impl_->totals_mu);
  if (impl_->replica_leader == nullptr) {
    auto gauge = [&](const char* name, const char* help) -> prometheus::Gauge* {
      return &prometheus::BuildGauge().Name(name).Help(help).Register(impl_->registry).Add({});
    };
    impl_->replica_leader = gauge("tributary_replica_leader",
                                  "1 while this replica leads (reads the sources, "
                                  "decides, sends notifications), else 0.");
    impl_->replica_epoch =
        gauge("tributary_replica_epoch",
              "The newest leader epoch (consumer group generation) this replica applied.");
    impl_->replica_apply_lag =
        gauge("tributary_replica_apply_lag_records",
              "Records of the events topic this replica has not applied yet.");
  }
  impl_->replica_leader->Set(leader ? 1 : 0);
  impl_->replica_epoch->Set(static_cast<double>(epoch));
  impl_->replica_apply_lag->Set(static_cast<double>(apply_lag));
}

void Metrics::SetConsumerLag(std::vector<ConsumerLag> series, std::size_t cap) {
  std::lock_guard lock(impl_->totals_mu);
  auto& m = *impl_;
  if (m.consumer_lag == nullptr) {
    m.consumer_lag = &prometheus::BuildGauge()
                          .Name("tributary_consumer_lag")
                          .Help(
                              "Offsets a consumer group is behind the end of a topic, summed "
                              "over its partitions.")
                          .Register(m.registry);
    m.consumer_lag_seconds = &prometheus::BuildGauge()
                                  .Name("tributary_consumer_lag_seconds")
                                  .Help(
                                      "How old the next record a consumer group reads on a "
                                      "topic is (its worst partition).")
                                  .Register(m.registry);
    m.consumer_lag_dropped = &prometheus::BuildGauge()
                                  .Name("tributary_consumer_lag_series_dropped")
                                  .Help(
                                      "(group, topic) series left out of tributary_consumer_lag "
                                      "by health.metrics_series_cap.")
                                  .Register(m.registry)
                                  .Add({});
  }
  const auto dropped = series.size() > cap ? series.size() - cap : 0;
  if (dropped > 0) {
    std::partial_sort(series.begin(), series.begin() + static_cast<std::ptrdiff_t>(cap),
                      series.end(), [](const ConsumerLag& a, const ConsumerLag& b) {
                        const double sa = a.lag_seconds.value_or(-1);
                        const double sb = b.lag_seconds.value_or(-1);
                        return sa != sb ? sa > sb : a.lag > b.lag;
                      });
    series.resize(cap);
  }
  m.consumer_lag_dropped->Set(static_cast<double>(dropped));
  std::set<std::tuple<std::string, std::string, std::string>> keep;
  for (auto& c : series) {
    auto key = std::tuple{c.cluster, c.group, c.topic};
    auto& [lag, seconds] = m.consumer_series[key];
    const std::map<std::string, std::string> labels = {
        {"cluster", c.cluster}, {"group", c.group}, {"topic", c.topic}};
    if (lag == nullptr) {
      lag = &m.consumer_lag->Add(labels);
    }
    lag->Set(static_cast<double>(c.lag));
    if (c.lag_seconds) {
      if (seconds == nullptr) {
        seconds = &m.consumer_lag_seconds->Add(labels);
      }
      seconds->Set(*c.lag_seconds);
    } else if (seconds != nullptr) {
      m.consumer_lag_seconds->Remove(seconds);
      seconds = nullptr;
    }
    keep.insert(std::move(key));
  }
  for (auto it = m.consumer_series.begin(); it != m.consumer_series.end();) {
    if (keep.contains(it->first)) {
      ++it;
      continue;
    }
    m.consumer_lag->Remove(it->second.first);
    if (it->second.second != nullptr) {
      m.consumer_lag_seconds->Remove(it->second.second);
    }
    it = m.consumer_series.erase(it);
  }
}

void Metrics::AddScrapeHook(std::function<void(Metrics&)> hook) {
  std::lock_guard lock(impl_->scrape_mu);
  impl_->hooks.push_back(std::move(hook));
}

void Metrics::ObserveHttpRequest(std::string_view method, std::string_view route, int status,
                                 double seconds) {
  const std::string_view route_label = route.empty() ? std::string_view("unmatched") : route;
  const std::string_view method_label = MethodLabel(method);
  const std::string status_label = std::to_string(status);
  std::string key;
  key.reserve(method_label.size() + route_label.size() + status_label.size() + 2);
  key.append(method_label).append(1, '\0').append(route_label).append(1, '\0').append(status_label);
  impl_->requests_cache
      .Get(key,
           [&]() -> prometheus::Counter& {
             return impl_->http_requests.Add({{"method", std::string(method_label)},
                                              {"route", std::string(route_label)},
                                              {"status", status_label}});
           })
      .Increment();
  const std::string duration_key = std::string(method_label) + '\0' + std::string(route_label);
  impl_->http_duration_cache
      .Get(duration_key,
           [&]() -> prometheus::Histogram& {
             return impl_->http_duration.Add(
                 {{"method", std::string(method_label)}, {"route", std::string(route_label)}},
                 LatencyBuckets());
           })
      .Observe(seconds);
}

void Metrics::ObserveQuery(std::string_view query, double seconds) {
  const std::string key(query);
  impl_->query_duration_cache
      .Get(key,
           [&]() -> prometheus::Histogram& {
             return impl_->query_duration.Add({{"query", key}}, LatencyBuckets());
           })
      .Observe(seconds);
}

std::string Metrics::Render() {
  std::lock_guard lock(impl_->scrape_mu);
  for (const auto& hook : impl_->hooks) {
    hook(*this);
  }
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

Handler Instrument(const Router& router, Metrics& metrics) {
  return [&router, &metrics](const Request& request) {
    const auto start = std::chrono::steady_clock::now();
    std::string pattern;
    const auto elapsed = [&start] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    try {
      Response response = router.Handle(request, &pattern);
      metrics.ObserveHttpRequest(request.method, pattern, response.status, elapsed());
      return response;
    } catch (...) {
      metrics.ObserveHttpRequest(request.method, pattern, 500, elapsed());
      throw;
    }
  };
}

Handler MetricsHandler(Metrics& metrics) {
  return [&metrics](const Request&) {
    Response response;
    response.content_type = std::string(Metrics::kContentType);
    response.body = metrics.Render();
    return response;
  };
}

}  // namespace tributary::http
