// Request headers that condition a method: Depth, If-Match / If-None-Match, Overwrite, Prefer.
#pragma once

#include <optional>
#include <string>

#include "dav/status.h"
#include "server/http/message.h"

namespace cartable::dav {

enum class Depth { kZero, kOne, kInfinity };

// Parses the Depth header; `fallback` when absent. kBadRequest for any other value.
Result<Depth> ParseDepth(const http::HttpRequest& req, Depth fallback);

// Evaluates If-Match and If-None-Match (RFC 9110 §13.1) against the current ETag of the target
// (nullopt = the resource does not exist). `safe_method` (GET/HEAD) turns a failed If-None-Match
// into 304 instead of 412. Returns OK, or kPreconditionFailed; *not_modified set for 304.
Status CheckConditions(const http::HttpRequest& req, const std::optional<std::string>& etag,
                       bool safe_method, bool* not_modified);

// Overwrite: T (default) or F. kBadRequest otherwise.
Result<bool> ParseOverwrite(const http::HttpRequest& req);

// True when the client asked for minimal PROPFIND answers (RFC 8144 Prefer: return=minimal, or
// Apple's Brief: t): 404 propstats are left out.
bool WantsMinimal(const http::HttpRequest& req);

}  // namespace cartable::dav
