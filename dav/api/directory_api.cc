#include "dav/api/directory_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "dav/api/json_response.h"
#include "server/http/path.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;
constexpr std::string_view kPrefix = "/api/v1/directory";

http::HttpResponse Search(store::Session& s, const http::HttpRequest& request) {
  store::DirectoryQuery q;
  q.text = http::QueryParam(request.query, "q");
  q.departement = http::QueryParam(request.query, "departement");
  std::string limit = http::QueryParam(request.query, "limit");
  q.limit = 20;
  if (!limit.empty()) {
    size_t n = 0;
    auto r = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (r.ec != std::errc() || r.ptr != limit.data() + limit.size() || n == 0) {
      return JsonError(400, "limit must be a positive number");
    }
    q.limit = std::min(n, kMaxDirectoryResults);
  }
  if (q.text.empty()) return JsonError(400, "give the text to search with q=");
  Result<std::vector<store::DirectoryEntry>> found = s.SearchDirectory(q);
  if (!found.ok()) return JsonError(found.status());
  json people = json::array();
  for (const store::DirectoryEntry& e : *found) {
    Result<store::User> u = s.GetUserById(e.user_id);
    people.push_back({{"login", u.ok() ? u->login : ""},
                      {"name", e.prenom + " " + e.nom},
                      {"nom", e.nom},
                      {"prenom", e.prenom},
                      {"email", e.email},
                      {"fonction", e.fonction},
                      {"etablissement", e.etablissement},
                      {"uai", e.uai},
                      {"departement", e.departement},
                      {"telephone", e.telephone}});
  }
  return Json(200, json{{"people", people}});
}

http::HttpResponse Groups(store::Session& s, const std::map<std::string, std::string>& names) {
  Result<std::vector<store::DirectoryEntry>> all = s.ListDirectoryEntries();
  if (!all.ok()) return JsonError(all.status());
  std::map<std::string, size_t> departments;
  std::map<std::string, std::pair<std::string, size_t>> establishments;  // uai -> (name, count)
  for (const store::DirectoryEntry& e : *all) {
    if (!e.active) continue;
    ++departments[e.departement];
    if (e.uai.empty()) continue;
    auto& est = establishments[e.uai];
    est.first = e.etablissement;
    ++est.second;
  }
  json deps = json::array(), ests = json::array();
  for (const auto& [code, count] : departments) {
    auto it = names.find(code);
    std::string name = it == names.end() ? code : it->second;
    deps.push_back({{"code", code}, {"name", "DSDEN " + code + " — " + name}, {"members", count}});
  }
  for (const auto& [uai, est] : establishments) {
    ests.push_back({{"uai", uai}, {"name", est.first}, {"members", est.second}});
  }
  return Json(200, json{{"departements", deps}, {"etablissements", ests}});
}

}  // namespace

http::HttpResponse ServeDirectory(const DavContext& ctx, const http::HttpRequest& request,
                                  const std::map<std::string, std::string>& departments) {
  if (auto refused = OnlyGet(request)) return *refused;
  store::Session& s = ctx.store.ThreadSession();
  std::string rest = request.path.substr(std::min(request.path.size(), kPrefix.size()));
  if (rest.empty() || rest == "/") return Search(s, request);
  if (rest == "/groups" || rest == "/groups/") return Groups(s, departments);
  return JsonError(404, "no such API resource");
}

}  // namespace cartable::dav::api
