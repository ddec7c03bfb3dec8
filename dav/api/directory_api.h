// The webmail's JSON API over the staff directory:
//   GET /api/v1/directory?q=hel&departement=37&limit=20   people (prefix search on every word of
//       name, email, function, establishment; accents and case ignored)
//   GET /api/v1/directory?etablissement=0370001A         people of an establishment (UAI, any
//       case; with or without q, with departement)
//   GET /api/v1/directory/people/{login}                  {"person": {...}} or 404
//   GET /api/v1/directory/groups                          department and establishment groups
//       with member counts, each with "key" ("departement-37", "etablissement-0370001A") and
//       "email" (the group account's scheduling address, or null)
//   GET /api/v1/directory/groups/{key}/members            {"group": {key, name, email, code|uai},
//       "people": [...], "truncated": bool}: at most DavOptions::max_group_members people
//       ([scheduling] max_group_members), in name order
// Errors are JSON {"error": "..."} with the HTTP status.
#pragma once

#include <map>
#include <string>

#include "dav/context.h"
#include "server/http/message.h"

namespace cartable::dav::api {

inline constexpr size_t kMaxDirectoryResults = 100;

// `departments` maps codes ("37") to names ("Indre-et-Loire") for the groups listing.
http::HttpResponse ServeDirectory(const DavContext& ctx, const http::HttpRequest& request,
                                  const std::map<std::string, std::string>& departments);

}  // namespace cartable::dav::api
