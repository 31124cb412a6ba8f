#pragma once
// Status and Result<T>: how errors cross module boundaries.
//
// A Status is either ok or carries an error code and a human message that names
// what failed (file, line, field, record) so it can be shown to a user as is.
// Result<T> holds either a value or a non-ok Status. Both are plain values:
// cheap to move, safe to copy, no thread affinity.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tributary {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // bad input from a user, a file or a record
  kNotFound,
  kAlreadyExists,
  kCorruption,   // stored data is unreadable or foreign
  kIoError,      // the operating system or a library failed
  kUnavailable,  // a peer is down; retrying may help
  kUnauthenticated,
  kPermissionDenied,
  kUnimplemented,
  kInternal,           // a bug
  kResourceExhausted,  // the request needs more work or memory than it may use
};

inline std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kAlreadyExists:
      return "already exists";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kIoError:
      return "i/o error";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kUnimplemented:
      return "unimplemented";
    case ErrorCode::kInternal:
      return "internal error";
    case ErrorCode::kResourceExhausted:
      return "resource exhausted";
  }
  return "unknown";
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs.
  std::string ToString() const {
    return ok() ? "ok" : std::string(tributary::ToString(code_)) + ": " + message_;
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Status NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
inline Status Corruption(std::string message) {
  return {ErrorCode::kCorruption, std::move(message)};
}
inline Status IoError(std::string message) { return {ErrorCode::kIoError, std::move(message)}; }
inline Status Unavailable(std::string message) {
  return {ErrorCode::kUnavailable, std::move(message)};
}
inline Status Unimplemented(std::string message) {
  return {ErrorCode::kUnimplemented, std::move(message)};
}
inline Status Internal(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }
inline Status ResourceExhausted(std::string message) {
  return {ErrorCode::kResourceExhausted, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; an ok Status when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace tributary
