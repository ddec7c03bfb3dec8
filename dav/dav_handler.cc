#include "dav/dav_handler.h"

#include <initializer_list>

#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/target.h"

namespace cartable::dav {
namespace {

using T = NodeType;

constexpr unsigned Bit(T t) { return 1u << static_cast<unsigned>(t); }
constexpr unsigned kExisting = Bit(T::kVirtual) | Bit(T::kPrincipal) | Bit(T::kCollection) |
                               Bit(T::kObject);
constexpr unsigned kStored = Bit(T::kCollection) | Bit(T::kObject);

struct MethodRow {
  std::string_view name;
  bool write;         // runs in a write transaction and needs write access
  unsigned allowed;   // node types the method applies to (else 405, or 404 when missing)
  MethodResult (*fn)(const Request&, Target&);
};

constexpr MethodRow kMethods[] = {
    {"OPTIONS", false, kExisting | Bit(T::kMissing), HandleOptions},
    {"GET", false, kExisting, HandleGet},
    {"HEAD", false, kExisting, HandleGet},
    {"PROPFIND", false, kExisting, HandlePropfind},
    {"REPORT", false, kExisting, HandleReport},
    {"PUT", true, Bit(T::kObject) | Bit(T::kMissing), HandlePut},
    {"DELETE", true, kStored, HandleDelete},
    {"PROPPATCH", true, kStored, HandleProppatch},
    {"MKCOL", true, Bit(T::kMissing), HandleMkcol},
    {"MKCALENDAR", true, Bit(T::kMissing), HandleMkcalendar},
    {"COPY", true, kStored, HandleCopy},
    {"MOVE", true, kStored, HandleMove},
    {"POST", true, Bit(T::kCollection), HandlePost},
};

const MethodRow* FindMethod(std::string_view name) {
  for (const MethodRow& row : kMethods) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

std::string AllowFor(T type) {
  std::string allow;
  for (const MethodRow& row : kMethods) {
    if ((row.allowed & Bit(type)) == 0) continue;
    if (!allow.empty()) allow += ", ";
    allow += row.name;
  }
  return allow;
}

http::HttpResponse MethodNotAllowed(T type, std::string_view method) {
  http::HttpResponse r = ErrorResponse(
      Status::MethodNotAllowed(std::string(method) + " is not allowed on this resource"));
  r.headers.Set("Allow", AllowFor(type));
  return r;
}

}  // namespace

http::HttpResponse DavHandler::AnonymousOptions() const {
  http::HttpResponse r;
  r.status = 200;
  r.headers.Set("DAV", DavComplianceHeader(ctx_.options.scheduling));
  r.headers.Set("Allow", AllowFor(T::kCollection));
  return r;
}

http::HttpResponse DavHandler::Handle(const http::HttpRequest& http,
                                        const Principal& principal) {
  const MethodRow* row = FindMethod(http.method);
  store::Session& session = ctx_.store.ThreadSession();
  if (Status s = EnsureHome(session, http.path, principal, ctx_.homes); !s.ok()) {
    return ErrorResponse(s);
  }

  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(row != nullptr && row->write);
  if (!txn.ok()) return ErrorResponse(txn.status());
  Result<Target> target =
      Resolve(session, http.path, principal, row != nullptr && row->fn == HandleGet);
  if (!target.ok()) return ErrorResponse(target.status());
  Target& t = target.value();

  if (row == nullptr) return MethodNotAllowed(t.type, http.method);
  if ((row->allowed & Bit(t.type)) == 0) {
    if (t.type == T::kMissing) return ErrorResponse(Status::NotFound("no such resource"));
    return MethodNotAllowed(t.type, http.method);
  }
  if (!CanRead(t, principal) || (row->write && !CanWrite(t, principal))) {
    return ErrorResponse(Status::Violates(Precondition::kNeedPrivileges,
                                          "you may not " + http.method + " " + t.path));
  }
  Request req{http, principal, session, ctx_};
  MethodResult result = row->fn(req, t);
  if (!result.ok()) return ErrorResponse(result.status());
  if (row->fn == HandleOptions) result->headers.Set("Allow", AllowFor(t.type));
  if (row->write && result->status < 300) {
    if (Status s = (*txn)->Commit(); !s.ok()) return ErrorResponse(s);
  }
  return std::move(result.value());
}

}  // namespace cartable::dav
