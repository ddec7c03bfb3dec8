// Status and Result<T>: errors as values, LevelDB-style. Free when OK (no allocation).
// A Status may carry a DAV precondition (rendered as a DAV:error body) and an href.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "dav/precondition.h"

namespace cartable {

class Status {
 public:
  enum class Code {
    kOk,
    kBadRequest,           // 400
    kForbidden,            // 403
    kNotFound,             // 404
    kMethodNotAllowed,     // 405
    kConflict,             // 409
    kPreconditionFailed,   // 412
    kTooLarge,             // 413
    kUnsupportedMedia,     // 415
    kLocked,               // 423
    kFailedDependency,     // 424
    kInternal,             // 500
    kNotImplemented,       // 501
    kUnavailable,          // 503: a dependency (SMTP relay, busy store) is down; retry later
    kInsufficientStorage,  // 507
    kCancelled,            // a visitor stopped a walk early (store::StopVisit); 500 if it escapes
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status BadRequest(std::string msg) { return Status(Code::kBadRequest, std::move(msg)); }
  static Status Forbidden(std::string msg) { return Status(Code::kForbidden, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status MethodNotAllowed(std::string msg) {
    return Status(Code::kMethodNotAllowed, std::move(msg));
  }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status PreconditionFailed(std::string msg) {
    return Status(Code::kPreconditionFailed, std::move(msg));
  }
  static Status TooLarge(std::string msg) { return Status(Code::kTooLarge, std::move(msg)); }
  static Status UnsupportedMedia(std::string msg) {
    return Status(Code::kUnsupportedMedia, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  // `retry_after_seconds` > 0: when the caller may try again (a busy store); rendered as the
  // Retry-After header of the 503 (dav::ResponseForStatus).
  static Status Unavailable(std::string msg, int retry_after_seconds = 0);
  static Status InsufficientStorage(std::string msg) {
    return Status(Code::kInsufficientStorage, std::move(msg));
  }
  // A status whose HTTP code and DAV:error element come from the precondition table.
  static Status Violates(dav::Precondition p, std::string msg, std::string href = "");

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  const std::string& message() const;
  dav::Precondition precondition() const {
    return rep_ ? rep_->precondition : dav::Precondition::kNone;
  }
  const std::string& href() const;
  // Seconds after which a kUnavailable operation may be retried; 0 = no hint.
  int retry_after_seconds() const { return rep_ ? rep_->retry_after_seconds : 0; }
  // The HTTP status code: from the precondition table when there is one, else from the code.
  int HttpCode() const;
  std::string ToString() const;

  Status(Code code, std::string msg)
      : rep_(std::make_shared<Rep>(Rep{code, std::move(msg), dav::Precondition::kNone, {}, 0})) {}

 private:
  struct Rep {
    Code code;
    std::string message;
    dav::Precondition precondition;
    std::string href;
    int retry_after_seconds;
  };
  std::shared_ptr<const Rep> rep_;
};

// A value or an error Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace cartable
