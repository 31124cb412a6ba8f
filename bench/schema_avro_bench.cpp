// Avro BACKWARD check of a realistic 30-field schema pair (bench/schema/order_v1.avsc
// read by order_v2.avsc: promotions, a new enum symbol, a renamed field with an
// alias, a field added with a default, one removed). Target: at least 100k
// checks/s on one core. After the Google Benchmark runs, times Apache Avro's
// Python checker on the same pair (bench/schema_avro_reference.py) and prints
// the ratio.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>

#include "schema/avro/avro_engine.h"
#include "schema/compatibility.h"

namespace {

using tributary::schema::AvroEngine;
using tributary::schema::CheckCompatibility;
using tributary::schema::CompatibilityLevel;
using tributary::schema::SchemaVersion;

std::string ReadSchema(const char* name) {
  std::ifstream in(std::string(TRIBUTARY_SOURCE_DIR "/bench/schema/") + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string& OldText() {
  static const std::string text = ReadSchema("order_v1.avsc");
  return text;
}
const std::string& NewText() {
  static const std::string text = ReadSchema("order_v2.avsc");
  return text;
}

// The check itself, on schemas parsed once (what a registry with a parsed-schema
// cache does per request).
void BM_AvroBackwardCheck(benchmark::State& state) {
  const auto old_schema = *AvroEngine().Parse(OldText(), {}, {});
  const auto new_schema = *AvroEngine().Parse(NewText(), {}, {});
  if (!AvroEngine().CheckReadable(*new_schema, *old_schema, {}).empty()) {
    state.SkipWithError("the benchmark pair should be backward compatible");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(AvroEngine().CheckReadable(*new_schema, *old_schema, {}));
  }
  state.counters["checks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AvroBackwardCheck);

// Parsing both texts and checking: what `check-compat` and an uncached request do.
void BM_AvroBackwardCheckWithParsing(benchmark::State& state) {
  SchemaVersion old_version;
  old_version.version = 1;
  old_version.text = OldText();
  SchemaVersion new_version;
  new_version.version = 2;
  new_version.text = NewText();
  for (auto _ : state) {
    auto result = CheckCompatibility(CompatibilityLevel::kBackward, {old_version}, new_version);
    if (!result.ok() || !result->compatible) {
      state.SkipWithError("the benchmark pair should be backward compatible");
      return;
    }
    benchmark::DoNotOptimize(result);
  }
  state.counters["checks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AvroBackwardCheckWithParsing);

// Checks per second over about a second, for the ratio.
template <typename Fn>
double Rate(Fn fn) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  long count = 0;
  while (true) {
    for (int i = 0; i < 100; ++i) {
      fn();
    }
    count += 100;
    const std::chrono::duration<double> elapsed = Clock::now() - start;
    if (elapsed.count() >= 1.0) {
      return static_cast<double>(count) / elapsed.count();
    }
  }
}

// Runs the Python reference; 0 when it is not available.
void PythonRates(double& check, double& parse_and_check) {
  check = 0;
  parse_and_check = 0;
  FILE* pipe =
      ::popen("/usr/bin/python3 " TRIBUTARY_SOURCE_DIR "/bench/schema_avro_reference.py 1", "r");
  if (pipe == nullptr) {
    return;
  }
  char name[64];
  double value = 0;
  while (std::fscanf(pipe, "%63s %lf", name, &value) == 2) {
    if (std::string(name) == "checks_per_second") {
      check = value;
    } else if (std::string(name) == "parse_and_check_per_second") {
      parse_and_check = value;
    }
  }
  ::pclose(pipe);
}

void PrintComparison() {
  const auto old_schema = *AvroEngine().Parse(OldText(), {}, {});
  const auto new_schema = *AvroEngine().Parse(NewText(), {}, {});
  const double ours = Rate(
      [&] { benchmark::DoNotOptimize(AvroEngine().CheckReadable(*new_schema, *old_schema, {})); });
  SchemaVersion old_version;
  old_version.text = OldText();
  old_version.version = 1;
  SchemaVersion new_version;
  new_version.text = NewText();
  const double ours_parsing = Rate([&] {
    benchmark::DoNotOptimize(
        CheckCompatibility(CompatibilityLevel::kBackward, {old_version}, new_version));
  });
  double python = 0;
  double python_parsing = 0;
  PythonRates(python, python_parsing);
  std::printf("\nAvro BACKWARD check, 30-field pair (one core)\n");
  std::printf("  tributary check:            %10.0f checks/s (target >= 100000)\n", ours);
  std::printf("  tributary parse + check:    %10.0f checks/s\n", ours_parsing);
  if (python > 0) {
    std::printf("  python-avro check:          %10.0f checks/s  -> ratio %.1fx\n", python,
                ours / python);
    std::printf("  python-avro parse + check:  %10.0f checks/s  -> ratio %.1fx\n", python_parsing,
                ours_parsing / python_parsing);
  } else {
    std::printf("  python-avro: not available (/usr/bin/python3 with python3-avro)\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  PrintComparison();
  return 0;
}
