#include "dav/dav_handler.h"

#include <initializer_list>

#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/prepared_body.h"
#include "dav/prop_request.h"
#include "dav/property_registry.h"
#include "dav/sharing/access.h"
#include "dav/sharing/mount.h"
#include "dav/store/commit_later.h"
#include "dav/target.h"

namespace cartable::dav {
namespace {

// One row per method. Fields left out of a row are false.
struct MethodRow {
  std::string_view name;
  MethodResult (*fn)(const Request&, Target&);
  // Kinds of resource the method applies to (else 405 with Allow, or 404 when missing).
  KindSet allowed;
  // Runs in a write transaction and needs write access; commits on a 2xx answer.
  bool writes = false;
  // Whether the target is resolved with its body (an object's data), saving a second read.
  BodyRead body = BodyRead::kNo;
  // The answer carries the Allow header of the target (OPTIONS: RFC 9110 §9.3.7, §10.2.1).
  bool answers_allow = false;
  // For methods that create a resource at an unmapped URL: the status of the answer on an
  // existing one, which names DAV:resource-must-be-null (0: a bare 405).
  int on_existing = 0;
  // The privileges (dav/sharing/access.h) the principal needs on the target (t.access, which
  // for a missing resource is its parent collection's): all of `needs` on an existing one, all
  // of `needs_new` on a missing one; on a collection, `or_on_collection` suffices instead of
  // `needs` (PROPFIND of a calendar by a free-busy sharee: Depth 0 only, members are not
  // listed). Handlers check what depends on the body (REPORT: the report's own column) and on
  // the other end (COPY/MOVE: the destination). Refused: 403 DAV:need-privileges.
  uint32_t needs = 0;
  uint32_t needs_new = 0;
  uint32_t or_on_collection = 0;
  // DELETE and PROPPATCH of a share mount itself are the home user's business whatever the
  // share's access: leaving the share, their own name and colour for it (sharing_service.h).
  bool mount_home_user = false;
  // A sharee with per-user data who reads an existing calendar object may send it back with
  // their own alarms (PUT): the calendar's write hook keeps only those and refuses any other
  // change with need-privileges (dav/sharing/per_user.h SplitShareeWrite).
  bool per_user_write = false;
};

constexpr uint32_t kReadAny = kPrivRead | kPrivReadFreeBusy;

constexpr MethodRow kMethods[] = {
    {.name = "OPTIONS",
     .fn = HandleOptions,
     .allowed = kAnyKind,
     .answers_allow = true,
     .needs = kPrivRead,
     .needs_new = kPrivRead,
     .or_on_collection = kPrivReadFreeBusy},
    {.name = "GET",
     .fn = HandleGet,
     .allowed = kExisting,
     .body = BodyRead::kYes,
     .needs = kPrivRead},
    {.name = "HEAD",
     .fn = HandleGet,
     .allowed = kExisting,
     .body = BodyRead::kYes,
     .needs = kPrivRead},
    {.name = "PROPFIND",
     .fn = HandlePropfind,
     .allowed = kExisting,
     .needs = kPrivRead,
     .or_on_collection = kPrivReadFreeBusy},
    // Each report needs its own privilege too (ReportHandler::needs): free-busy-query
    // read-free-busy, the others read.
    {.name = "REPORT",
     .fn = HandleReport,
     .allowed = kExisting,
     .needs = kPrivRead,
     .or_on_collection = kPrivReadFreeBusy},
    {.name = "PUT",
     .fn = HandlePut,
     .allowed = kObjects | kMissing,
     .writes = true,
     .body = BodyRead::kForWrite,
     .needs = kPrivWriteContent,
     .needs_new = kPrivBind,
     .per_user_write = true},
    {.name = "DELETE",
     .fn = HandleDelete,
     .allowed = kStored,
     .writes = true,
     .body = BodyRead::kForWrite,  // a calendar object's remove hook reads what it deletes
     .needs = kPrivUnbind,
     .mount_home_user = true},
    {.name = "PROPPATCH",
     .fn = HandleProppatch,
     .allowed = kStored | kProxyGroup,  // proxy groups: their owner sets group-member-set
     .writes = true,
     .needs = kPrivWriteProperties,
     .mount_home_user = true},
    // RFC 4918 §9.3.1 gives MKCOL on an existing URL 405 (litmus mkcol_again checks it); RFC
    // 5689 §3 adds DAV:resource-must-be-null for extended MKCOL, sent with the 405.
    {.name = "MKCOL",
     .fn = HandleMkcol,
     .allowed = kMissing,
     .writes = true,
     .on_existing = 405,
     .needs_new = kPrivBind},
    // RFC 4791 §5.3.1.1: DAV:resource-must-be-null, 403 as Cyrus answers (DAV_RSRC_EXISTS).
    {.name = "MKCALENDAR",
     .fn = HandleMkcalendar,
     .allowed = kMissing,
     .writes = true,
     .on_existing = 403,
     .needs_new = kPrivBind},
    // RFC 3744 §7.1: COPY reads the source and binds at the destination; MOVE also unbinds the
    // source (the destination is checked by PrepareDestination).
    {.name = "COPY", .fn = HandleCopy, .allowed = kStored, .writes = true, .needs = kPrivRead},
    {.name = "MOVE",
     .fn = HandleMove,
     .allowed = kStored,
     .writes = true,
     .needs = kPrivRead | kPrivUnbind},
    // RFC 6638 §5 on outboxes (schedule-send); sharing (dav/sharing/share_post.h) on calendars
    // and address books (CS:share, DAV:share-resource), homes (CS:invite-reply) and invitations
    // (DAV:invite-reply): the handlers check that the principal owns what they change.
    {.name = "POST",
     .fn = HandlePost,
     .allowed =
         kOutbox | kCalendar | kAddressbook | kCalendarHome | kAddressbookHome | kNotification,
     .writes = true,
     .needs = kPrivScheduleSend},
};

const MethodRow* FindMethod(std::string_view name) {
  for (const MethodRow& row : kMethods) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

std::string AllowFor(ResourceKind kind) {
  std::string allow;
  for (const MethodRow& row : kMethods) {
    if (!row.allowed.Has(kind)) continue;
    if (!allow.empty()) allow += ", ";
    allow += row.name;
  }
  return allow;
}

http::HttpResponse MethodNotAllowed(ResourceKind kind, std::string_view method) {
  http::HttpResponse r = ErrorResponse(
      Status::MethodNotAllowed(std::string(method) + " is not allowed on this resource"));
  r.headers.Set("Allow", AllowFor(kind));
  return r;
}

// A creating method on an existing resource: DAV:resource-must-be-null with the row's status.
http::HttpResponse ResourceExists(const MethodRow& row, const Target& t) {
  http::HttpResponse r = ErrorResponse(Status::Violates(
      Precondition::kResourceMustBeNull,
      std::string(row.name) + " creates a new resource; " + t.path + " already exists"));
  r.status = row.on_existing;
  if (r.status == 405) r.headers.Set("Allow", AllowFor(t.kind));
  return r;
}

// Whether `principal` may run `row` on `t` (the privilege columns of the row).
bool Permitted(const MethodRow& row, const Target& t, const Principal& principal) {
  if (row.mount_home_user && t.mount && t.path == t.mount->path &&
      t.mount->home_user.id == principal.user_id) {
    return true;
  }
  if (t.type == NodeType::kMissing) return t.access.Has(row.needs_new);
  if (t.access.Has(row.needs)) return true;
  if (row.per_user_write && t.type == NodeType::kObject && t.access.per_user &&
      t.access.Has(kPrivRead) && t.collection.kind == store::kKindCalendar) {
    return true;
  }
  return t.IsCollectionLike() && row.or_on_collection != 0 && t.access.Has(row.or_on_collection);
}

// The write is answered once its commit is durable, but this thread does not wait for the
// fsync: it goes on with other connections' requests, whose commits share the same fsync
// (sqlite_commit.cc). With one server thread per core, waiting here capped the durable writes at
// one or two commits per fsync whatever the number of clients (issue 14).
http::HttpResponse CommitAndDeliver(store::CommitsLater& txn,
                                    std::function<void(http::HttpResponse)> deliver,
                                    std::function<void()> mail_committed,
                                    http::HttpResponse response) {
  txn.CommitThen([deliver = std::move(deliver), mail = std::move(mail_committed),
                  response = std::move(response)](Status s) mutable {
    if (!s.ok()) return deliver(ErrorResponse(s));
    if (mail) mail();  // mail it queued leaves now, not before
    deliver(std::move(response));
  });
  return http::HttpResponse::Later();
}

}  // namespace

http::HttpResponse DavHandler::AnonymousOptions() const {
  http::HttpResponse r;
  r.status = 200;
  r.headers.Set("DAV", DavComplianceHeader(ctx_.options.scheduling));
  r.headers.Set("Allow", AllowFor(ResourceKind::kPlainCollection));
  return r;
}

http::HttpResponse DavHandler::PropfindServerRoot(const http::HttpRequest& http,
                                                  const Principal& principal) const {
  Result<PropRequest> props = ParsePropfindBody(http.body, ctx_.options);
  if (!props.ok()) return ErrorResponse(props.status());
  const QName principal_name{std::string(ns::kDav), "current-user-principal"};
  const QName type_name{std::string(ns::kDav), "resourcetype"};
  std::string found, missing;
  XmlWriter fw(found), mw(missing);
  auto answer = [&](const QName& q) {
    if (q == principal_name) {
      fw.Open(ns::kDav, "current-user-principal");
      fw.TextElement(ns::kDav, "href", Href(PrincipalPath(principal.login)));
      fw.Close();
    } else if (q == type_name) {
      fw.Empty(ns::kDav, "resourcetype");
    } else {
      mw.Empty(q.ns, q.local);
    }
  };
  switch (props->mode) {
    case PropRequest::Mode::kPropname:
      fw.Empty(ns::kDav, "resourcetype");
      fw.Empty(ns::kDav, "current-user-principal");
      break;
    case PropRequest::Mode::kAllprop:
      answer(type_name);
      for (const QName& q : props->names) {
        if (!(q == type_name)) answer(q);
      }
      break;
    case PropRequest::Mode::kProp:
      for (const QName& q : props->names) answer(q);
      break;
  }
  MultistatusWriter out(ctx_.options.max_response_bytes);
  out.BeginResponse("/");
  if (!found.empty() || missing.empty()) out.Propstat(200, found);
  if (!missing.empty()) out.Propstat(404, missing);
  out.EndResponse();
  return out.Finish();
}

http::HttpResponse DavHandler::Handle(const http::HttpRequest& http, const Principal& principal) {
  const MethodRow* row = FindMethod(http.method);
  store::Session& session = ctx_.store.ThreadSession();
  if (Status s = EnsureHome(session, http.path, principal, ctx_.homes); !s.ok()) {
    return ErrorResponse(s);
  }
  PreparedBody prepared = PrepareBody(http);  // outside the one-writer section (issue 14)
  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(row != nullptr && row->writes);
  if (!txn.ok()) return ErrorResponse(txn.status());
  return Serve(http, principal, session, **txn, &prepared);
}

http::HttpResponse DavHandler::Handle(const http::HttpRequest& http, store::Id user_id,
                                      const PrincipalCheck& confirm, bool* unconfirmed) {
  *unconfirmed = false;
  // A home not known to exist yet may be created (its own write transaction, before the
  // request's): the principal is confirmed first, as for any request.
  if (!HomeKnown(http.path, user_id, ctx_.homes)) {
    std::optional<Principal> principal = confirm();
    if (!principal) {
      *unconfirmed = true;
      return {};
    }
    return Handle(http, *principal);
  }
  const MethodRow* row = FindMethod(http.method);
  store::Session& session = ctx_.store.ThreadSession();
  PreparedBody prepared = PrepareBody(http);  // outside the one-writer section (issue 14)
  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(row != nullptr && row->writes);
  if (!txn.ok()) return ErrorResponse(txn.status());
  std::optional<Principal> principal = confirm();
  if (!principal) {
    *unconfirmed = true;
    return {};
  }
  return Serve(http, *principal, session, **txn, &prepared);
}

http::HttpResponse DavHandler::Serve(const http::HttpRequest& http, const Principal& principal,
                                     store::Session& session, store::Transaction& txn,
                                     PreparedBody* prepared) {
  const MethodRow* row = FindMethod(http.method);
  Result<Target> target =
      Resolve(session, http.path, principal, row != nullptr ? row->body : BodyRead::kNo);
  if (!target.ok()) return ErrorResponse(target.status());
  Target& t = target.value();

  if (row == nullptr) return MethodNotAllowed(t.kind, http.method);
  if (!row->allowed.Has(t.kind)) {
    if (t.kind == ResourceKind::kMissing) {
      return ErrorResponse(Status::NotFound("no such resource"));
    }
    if (row->on_existing != 0) return ResourceExists(*row, t);
    return MethodNotAllowed(t.kind, http.method);
  }
  if (row->writes && t.type == NodeType::kMissing) {
    if (Status s = CheckNewResourceName(t.path); !s.ok()) return ErrorResponse(s);
  }
  if (!Permitted(*row, t, principal)) return ErrorResponse(Denied(t, http.method));
  if (row->writes && t.type == NodeType::kMissing) {
    if (Status s = sharing::CheckReservedName(t); !s.ok()) return ErrorResponse(s);
  }
  Request req{http, principal, session, ctx_, prepared};
  MethodResult result = row->fn(req, t);
  if (!result.ok()) return ErrorResponse(result.status());
  if (row->answers_allow) result->headers.Set("Allow", AllowFor(t.kind));
  if (row->writes && result->status < 300) {
    auto* later = dynamic_cast<store::CommitsLater*>(&txn);
    if (later != nullptr && http.deliver_later) {
      return CommitAndDeliver(*later, http.deliver_later, ctx_.mail_committed,
                              std::move(result.value()));
    }
    if (Status s = txn.Commit(); !s.ok()) return ErrorResponse(s);
    if (ctx_.mail_committed) ctx_.mail_committed();  // mail it queued leaves now, not before
  }
  return std::move(result.value());
}

}  // namespace cartable::dav
