#pragma once
// A budget of work for one compatibility check, so hostile schemas (deep
// nesting, mutually-referencing combinators) cannot hold a CPU for seconds.
//
// A WorkBudget is installed for the current thread by constructing it; the
// engines call ChargeWork() at every step of their recursion (parse and
// compare). When the steps or the wall time run out, ChargeWork() throws
// WorkBudgetExceeded, which CheckCompatibility turns into a
// kResourceExhausted status ("schema_too_complex" over HTTP). Without an
// installed budget ChargeWork() does nothing. Budgets nest: the innermost
// applies. Not shared between threads.

#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace tributary::schema {

struct WorkLimits {
  std::uint64_t steps = 2'000'000;
  std::chrono::milliseconds time{2000};
};

class WorkBudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WorkBudget {
 public:
  explicit WorkBudget(WorkLimits limits);
  ~WorkBudget();
  WorkBudget(const WorkBudget&) = delete;
  WorkBudget& operator=(const WorkBudget&) = delete;

  void Charge(std::uint64_t steps);
  std::uint64_t used() const { return used_; }

 private:
  WorkLimits limits_;
  std::chrono::steady_clock::time_point deadline_;
  std::uint64_t used_ = 0;
  std::uint64_t next_clock_check_ = 0;
  WorkBudget* previous_;
};

// Charges the current thread's budget, if any. Throws WorkBudgetExceeded.
void ChargeWork(std::uint64_t steps = 1);

}  // namespace tributary::schema
