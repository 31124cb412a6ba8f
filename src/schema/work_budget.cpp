#include "schema/work_budget.h"

#include <string>

namespace tributary::schema {
namespace {

thread_local WorkBudget* current = nullptr;

// Reading the clock costs more than a step: it is read every this many steps.
constexpr std::uint64_t kClockEvery = 256;

}  // namespace

WorkBudget::WorkBudget(WorkLimits limits)
    : limits_(limits),
      deadline_(std::chrono::steady_clock::now() + limits.time),
      previous_(current) {
  current = this;
}

WorkBudget::~WorkBudget() { current = previous_; }

void WorkBudget::Charge(std::uint64_t steps) {
  used_ += steps;
  if (used_ > limits_.steps) {
    throw WorkBudgetExceeded("the schemas take more than " + std::to_string(limits_.steps) +
                             " steps to compare");
  }
  if (used_ >= next_clock_check_) {
    next_clock_check_ = used_ + kClockEvery;
    if (std::chrono::steady_clock::now() > deadline_) {
      throw WorkBudgetExceeded("the schemas take more than " +
                               std::to_string(limits_.time.count()) + " ms to compare");
    }
  }
}

void ChargeWork(std::uint64_t steps) {
  if (current != nullptr) {
    current->Charge(steps);
  }
}

}  // namespace tributary::schema
