// One function per HTTP method (files in this folder). Each runs inside the transaction the
// dispatcher opened (a write one for mutating methods) and returns a response or an error Status;
// the dispatcher commits only when the result is a 2xx response.
#pragma once

#include <vector>

#include "dav/collection_types.h"
#include "dav/context.h"
#include "dav/prop_update.h"
#include "dav/status.h"
#include "dav/target.h"
#include "server/http/message.h"

namespace cartable::dav {

using MethodResult = Result<http::HttpResponse>;

MethodResult HandleOptions(const Request& req, Target& target);
MethodResult HandleGet(const Request& req, Target& target);  // GET and HEAD
MethodResult HandlePut(const Request& req, Target& target);
MethodResult HandleDelete(const Request& req, Target& target);
MethodResult HandlePropfind(const Request& req, Target& target);
MethodResult HandleProppatch(const Request& req, Target& target);
MethodResult HandleMkcol(const Request& req, Target& target);
MethodResult HandleMkcalendar(const Request& req, Target& target);
MethodResult HandleCopy(const Request& req, Target& target);
MethodResult HandleMove(const Request& req, Target& target);
MethodResult HandleReport(const Request& req, Target& target);
MethodResult HandlePost(const Request& req, Target& target);  // outbox, or sharing

// The member part of PUT (RFC 4918 §9.7), for a PUT and for the JSON API's writes (the web
// application's contacts and events): If-Match/If-None-Match of `req.http` against the viewer's
// ETag of `t` (kObject, or kMissing with its parent), the collection type's checks and hooks
// (validation, scheduling, sharing), the owner's quota (507), then the store. The caller has
// checked the privileges (dav_handler.cc Permitted) and runs it in a write transaction.
Result<WriteResult> PutMember(const Request& req, Target& t, const std::string& body,
                              const std::string& content_type);

// DELETE of an existing member `t` (kObject), for DELETE and the JSON API: If-Match against the
// viewer's ETag, the type's checks and its remove hook. Same contract as PutMember.
Status DeleteMember(const Request& req, Target& t);

// Creates a collection of `kind` at the missing `target` with `updates` applied (at creation);
// on a refused property answers 403 with `failure_root` (mkcol-response, mkcalendar-response).
MethodResult CreateCollectionAt(const Request& req, Target& target, std::string_view kind,
                                std::vector<PropUpdate> updates, const QName& failure_root);

// The DAV compliance classes advertised in the DAV header of every OPTIONS response.
std::string DavComplianceHeader(bool scheduling);

}  // namespace cartable::dav
