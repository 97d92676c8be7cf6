// Errors are values (LevelDB style). A Status is either ok or carries a code and
// a message written for the user. Result<T> is a Status or a value.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata {

class Status {
 public:
  enum class Code { kOk, kInvalidInput, kNotFound, kIo, kDatabase, kConflict, kUsage, kRefused };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidInput(std::string msg) { return Status(Code::kInvalidInput, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Io(std::string msg) { return Status(Code::kIo, std::move(msg)); }
  static Status Database(std::string msg) { return Status(Code::kDatabase, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status Usage(std::string msg) { return Status(Code::kUsage, std::move(msg)); }
  // The user declined, or a guard (CI, protected environment) refused to proceed.
  static Status Refused(std::string msg) { return Status(Code::kRefused, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // Returns a copy whose message is "prefix: message" (fields kept).
  Status Wrap(const std::string& prefix) const {
    if (ok()) return *this;
    Status out = *this;
    out.message_ = prefix + ": " + message_;
    return out;
  }
  // Returns a copy with `more` appended to the message (fields kept).
  Status Extend(const std::string& more) const {
    if (ok()) return *this;
    Status out = *this;
    out.message_ += more;
    return out;
  }
  // Structured details for machine-readable output (--format json): the server's
  // SQLSTATE, detail, hint, the file, line and column, ... Empty values are not kept.
  using Fields = std::vector<std::pair<std::string, std::string>>;
  Status With(std::string key, std::string value) const {
    Status out = *this;
    if (!value.empty()) out.fields_.emplace_back(std::move(key), std::move(value));
    return out;
  }
  const Fields& fields() const { return fields_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
  Fields fields_;
};

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace strata

#define STRATA_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::strata::Status _st = (expr);            \
    if (!_st.ok()) return _st;                \
  } while (0)
