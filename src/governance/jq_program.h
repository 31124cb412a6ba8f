#pragma once
// JqProgram: one jq program (libjq, Debian's libjq1) compiled once and run over
// JSON documents — the engine of `expression` policies (DESIGN.md §9).
//
// Guards for a program written by someone else and run on the writer thread:
//   * at compile time, constructs that can run without end or grow without
//     bound over a finite input are refused (`def`, `range`, `repeat`,
//     `while`, `until`, `recurse` with a filter, `limit`-free generators such
//     as `combinations`, and the I/O builtins `input`, `inputs`, `env`,
//     `$ENV`, `halt`, `halt_error`, `debug`, `stderr`, `input_filename`), so
//     every accepted program terminates over the finite policy input;
//   * only the first output is taken (a generator is not run to its end);
//   * the input document is bounded by the caller (one product's facts).
// A run-time error (jq's `error`, a type error) is an error Status carrying
// jq's message; it never stops the caller.
//
// Not thread-safe: a jq_state runs one program at a time. Evaluate() takes a
// mutex, so one JqProgram may be shared by the writer thread and HTTP handlers.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tributary/result.h"

namespace tributary::governance {

// A JSON document parsed once for libjq, so that several programs can run over
// it without each parsing it again (the policy input of one evaluation).
class JqInput {
 public:
  static Result<JqInput> Parse(const nlohmann::json& input);
  JqInput(JqInput&&) noexcept;
  JqInput& operator=(JqInput&&) noexcept;
  ~JqInput();

 private:
  friend class JqProgram;
  struct Value;
  explicit JqInput(std::unique_ptr<Value> value);
  std::unique_ptr<Value> value_;
};

class JqProgram {
 public:
  // Compiles `program`; an InvalidArgument with jq's message (or the refused
  // construct) when it does not compile.
  static Result<std::unique_ptr<JqProgram>> Compile(std::string_view program);
  ~JqProgram();
  JqProgram(const JqProgram&) = delete;
  JqProgram& operator=(const JqProgram&) = delete;

  // The first output of the program over `input` (null when it has none), or
  // the run-time error jq reports.
  Result<nlohmann::json> Evaluate(const nlohmann::json& input) const;
  Result<nlohmann::json> Evaluate(const JqInput& input) const;

 private:
  struct State;
  explicit JqProgram(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  mutable std::mutex mu_;
};

// The first construct of `program` that policies refuse (see above), or "".
// Identifiers inside string literals and comments do not count.
std::string RefusedConstruct(std::string_view program);

}  // namespace tributary::governance
