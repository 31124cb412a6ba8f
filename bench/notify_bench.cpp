// Notification figures (issue: notifications):
//  - 10k intents routed, rendered and committed (one transaction per 1,000);
//  - delivery to a local webhook receiver over keep-alive connections
//    (the dispatcher's threads, one per channel; outcomes committed as events).
// Prints medians. Usage: notify_bench [--intents N] [--channels C] [--runs R]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "notifiers//core/dispatcher.h"
#include "notifiers/channel_registry.h"
#include "notifiers/webhook/webhook_channel.h"
#include "store/log_readers.h"
#include "store/notification_store.h"
#include "support/http_receiver.h"

using namespace tributary;
using namespace tributary::notifiers;
using Stopwatch = std::chrono::steady_clock;

namespace {

// The Writer port over the log, serialising the dispatcher's threads.
class LockedWriter final : public Writer {
 public:
  explicit LockedWriter(EventLog& log) : log_(log) {}
  Result<AppendResult> Commit(Batch batch) override {
    std::lock_guard lock(mu_);
    return log_.Append(batch);
  }

 private:
  std::mutex mu_;
  EventLog& log_;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void AddIntents(EventLog& log, int n, int teams) {
  Batch b;
  for (int i = 0; i < n; ++i) {
    OutboxIntent intent;
    intent.idempotency_key = "bench:" + std::to_string(i);
    intent.kind = "breaking_change";
    intent.team = "team-" + std::to_string(i % teams);
    intent.severity = "critical";
    intent.facts = {{"subject", "stocktrades-value"},
                    {"topic", "topic:prod/stocktrades"},
                    {"product", "stocktrades"},
                    {"owner", "execution"},
                    {"from_version", 1},
                    {"to_version", 2},
                    {"level", "NONE"},
                    {"mode", "READWRITE"},
                    {"cause", "incompatible_schema"},
                    {"incompatibilities",
                     {{{"type", "TYPE_MISMATCH"},
                       {"path", "/fields/1/type"},
                       {"message", "field `price` changed from double to string"},
                       {"version", 1}}}},
                    {"consumers",
                     {{{"id", "group:prod/" + intent.team + "-pnl"}, {"depth", 1}},
                      {{"id", "group:prod/" + intent.team + "-risk"}, {"depth", 1}}}},
                    {"event_time", "2026-11-25T09:59:00Z"},
                    {"decision_key", intent.idempotency_key}};
    b.outbox.push_back(std::move(intent));
  }
  if (!log.Append(b).ok()) {
    std::fprintf(stderr, "cannot add intents\n");
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int intents = 10000;
  int channels = 4;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--intents") {
      intents = std::atoi(argv[i + 1]);
    } else if (flag == "--channels") {
      channels = std::atoi(argv[i + 1]);
    } else if (flag == "--runs") {
      runs = std::atoi(argv[i + 1]);
    }
  }
  auto templates = LoadTemplates("");
  if (!templates.ok()) {
    std::fprintf(stderr, "%s\n", templates.status().ToString().c_str());
    return 1;
  }
  const EgressGuard guard(EgressPolicy{{"127.0.0.1"}, {"http"}});
  SystemClock clock;
  std::vector<double> route_ms;
  std::vector<double> send_rate;
  for (int run = 0; run < runs; ++run) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("tributary-notify-bench-" + std::to_string(run));
    std::filesystem::remove_all(dir);
    auto log = std::move(EventLog::Open(dir, clock)).value();
    testing::HttpReceiver receiver;
    std::vector<std::unique_ptr<Channel>> list;
    auto catalog = std::make_shared<CatalogState>();
    for (int c = 0; c < channels; ++c) {
      const std::string name = "hook-" + std::to_string(c);
      list.push_back(std::move(MakeWebhookChannel({name, receiver.url("/" + name),
                                                   "whsec_dHJpYnV0YXJ5LWJlbmNoLXNpZ25pbmcta2V5"},
                                                  guard, clock))
                         .value());
    }
    const int teams = 1000;
    for (int t = 0; t < teams; ++t) {
      catalog->teams["team-" + std::to_string(t)] =
          TeamState{"Team " + std::to_string(t), {"hook-" + std::to_string(t % channels)}};
    }
    LockedWriter writer(*log);
    LogReaders readers(dir, clock);
    DispatcherOptions options;
    options.route_batch = 1000;
    options.poll_interval = std::chrono::milliseconds(5);
    OutboxDispatcher dispatcher(
        options, std::move(list), *templates, readers, writer, [catalog] { return catalog; },
        clock);
    AddIntents(*log, intents, teams);

    // Route + render + commit, without sending.
    const auto start = Stopwatch::now();
    std::size_t routed = 0;
    while (routed < static_cast<std::size_t>(intents)) {
      auto n = dispatcher.RouteQueued();
      if (!n.ok() || *n == 0) {
        std::fprintf(stderr, "routing stopped at %zu\n", routed);
        return 1;
      }
      routed += *n;
    }
    route_ms.push_back(std::chrono::duration<double, std::milli>(Stopwatch::now() - start).count());

    // Delivery: the dispatcher's threads against the local receiver.
    const auto send_start = Stopwatch::now();
    if (!dispatcher.Start().ok()) {
      return 1;
    }
    while (dispatcher.counters().delivered.load() < intents) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (Stopwatch::now() - send_start > std::chrono::seconds(120)) {
        std::fprintf(stderr, "delivery stalled at %lld\n",
                     static_cast<long long>(dispatcher.counters().delivered.load()));
        return 1;
      }
    }
    const double secs = std::chrono::duration<double>(Stopwatch::now() - send_start).count();
    dispatcher.Stop();
    send_rate.push_back(intents / secs);
    std::printf("  run %d: routed %d in %.0f ms; delivered %d in %.2f s (%zu connections)\n", run,
                intents, route_ms.back(), intents, secs, receiver.connections());
    receiver.Stop();
    std::filesystem::remove_all(dir);
  }
  std::printf("route + render + commit %d intents: median %.0f ms (target < 1000 ms)\n", intents,
              Median(route_ms));
  std::printf(
      "delivery to a local webhook receiver, %d channels, keep-alive, signed: median %.0f "
      "messages/s (target >= 2000/s)\n",
      channels, Median(send_rate));
  return 0;
}
