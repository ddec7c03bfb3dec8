// One function per HTTP method (files in this folder). Each runs inside the transaction the
// dispatcher opened (a write one for mutating methods) and returns a response or an error Status;
// the dispatcher commits only when the result is a 2xx response.
#pragma once

#include <vector>

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

// Creates a collection of `kind` at the missing `target` with `updates` applied (at creation);
// on a refused property answers 403 with `failure_root` (mkcol-response, mkcalendar-response).
MethodResult CreateCollectionAt(const Request& req, Target& target, std::string_view kind,
                                std::vector<PropUpdate> updates, const QName& failure_root);

// The DAV compliance classes advertised in the DAV header of every OPTIONS response.
std::string DavComplianceHeader(bool scheduling);

}  // namespace cartable::dav
