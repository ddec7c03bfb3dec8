// The per-user quota (RFC 4331) shared by PUT, COPY and MOVE.
#pragma once

#include <cstdint>

#include "dav/context.h"
#include "dav/status.h"
#include "dav/target.h"

namespace cartable::dav {

// The owner's quota in bytes (their own, or the configured default).
int64_t QuotaBytes(const DavContext& ctx, const store::User& owner);

// OK when adding `delta` bytes to the owner of `t` stays within their quota; else 507 with the
// DAV:quota-not-exceeded precondition. A negative delta always fits.
Status CheckQuota(const Request& req, const Target& t, int64_t delta);

}  // namespace cartable::dav
