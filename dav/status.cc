#include "dav/status.h"

namespace cartable {
namespace {
const std::string kEmpty;

int CodeToHttp(Status::Code c) {
  switch (c) {
    case Status::Code::kOk: return 200;
    case Status::Code::kBadRequest: return 400;
    case Status::Code::kForbidden: return 403;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kMethodNotAllowed: return 405;
    case Status::Code::kConflict: return 409;
    case Status::Code::kPreconditionFailed: return 412;
    case Status::Code::kTooLarge: return 413;
    case Status::Code::kUnsupportedMedia: return 415;
    case Status::Code::kLocked: return 423;
    case Status::Code::kFailedDependency: return 424;
    case Status::Code::kInternal: return 500;
    case Status::Code::kNotImplemented: return 501;
    case Status::Code::kUnavailable: return 503;
    case Status::Code::kInsufficientStorage: return 507;
    case Status::Code::kCancelled: return 500;
  }
  return 500;
}

Status::Code HttpToCode(int http) {
  switch (http) {
    case 400: return Status::Code::kBadRequest;
    case 403: return Status::Code::kForbidden;
    case 404: return Status::Code::kNotFound;
    case 409: return Status::Code::kConflict;
    case 412: return Status::Code::kPreconditionFailed;
    case 423: return Status::Code::kLocked;
    case 507: return Status::Code::kInsufficientStorage;
    default: return Status::Code::kForbidden;
  }
}
}  // namespace

Status Status::Violates(dav::Precondition p, std::string msg, std::string href) {
  Status s;
  s.rep_ = std::make_shared<Rep>(
      Rep{HttpToCode(dav::Describe(p).http_code), std::move(msg), p, std::move(href), 0});
  return s;
}

Status Status::Unavailable(std::string msg, int retry_after_seconds) {
  Status s;
  s.rep_ = std::make_shared<Rep>(Rep{Code::kUnavailable,
                                     std::move(msg),
                                     dav::Precondition::kNone,
                                     {},
                                     retry_after_seconds > 0 ? retry_after_seconds : 0});
  return s;
}

const std::string& Status::message() const { return rep_ ? rep_->message : kEmpty; }
const std::string& Status::href() const { return rep_ ? rep_->href : kEmpty; }

int Status::HttpCode() const {
  if (!rep_) return 200;
  if (rep_->precondition != dav::Precondition::kNone)
    return dav::Describe(rep_->precondition).http_code;
  return CodeToHttp(rep_->code);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = std::to_string(HttpCode());
  if (precondition() != dav::Precondition::kNone) {
    s += " (";
    s += dav::Describe(precondition()).local_name;
    s += ")";
  }
  s += ": " + message();
  return s;
}

}  // namespace cartable
