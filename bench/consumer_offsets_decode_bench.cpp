// Decoding __consumer_offsets offset-commit records in memory, one core.
//
// Builds 1M offset commits (v3 values, as Kafka 2.1-3.x brokers write them;
// 10k groups over 100 topics, 12 partitions) with the encoder, then decodes all
// of them 5 times and prints the median rate. Target: at least 3M records/s.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "ingest/consumer_offsets/consumer_offsets_decoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"

namespace co = tributary::ingest::consumer_offsets;

int main() {
  constexpr int kRecords = 1'000'000;
  constexpr int kRuns = 5;

  std::vector<co::EncodedRecord> records;
  records.reserve(kRecords);
  for (int i = 0; i < kRecords; ++i) {
    co::OffsetCommit commit;
    commit.value_version = 3;
    commit.group = "group-" + std::to_string(i % 10'000);
    commit.topic = "domain.topic-" + std::to_string(i % 100);
    commit.partition = i % 12;
    commit.offset = 1'000'000 + i;
    commit.leader_epoch = 7;
    commit.commit_timestamp_ms = 1'700'000'000'000 + i;
    records.push_back(co::Encode(commit));
  }

  std::vector<double> rates;
  std::int64_t checksum = 0;
  for (int run = 0; run < kRuns; ++run) {
    const auto start = std::chrono::steady_clock::now();
    for (const co::EncodedRecord& r : records) {
      auto decoded = co::Decode(r.key, std::string_view(*r.value));
      if (!decoded.ok()) {
        std::fprintf(stderr, "decode failed: %s\n", decoded.status().ToString().c_str());
        return 1;
      }
      checksum += std::get<co::OffsetCommit>(*decoded).offset;
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    rates.push_back(kRecords / elapsed.count());
  }
  std::sort(rates.begin(), rates.end());
  const double median = rates[kRuns / 2];
  std::printf(
      "consumer_offsets_decode: %d offset commits (v3), median of %d runs: %.2fM records/s"
      " (min %.2fM, max %.2fM); target 3M records/s %s [checksum %lld]\n",
      kRecords, kRuns, median / 1e6, rates.front() / 1e6, rates.back() / 1e6,
      median >= 3e6 ? "met" : "NOT met", static_cast<long long>(checksum));
  return 0;
}
