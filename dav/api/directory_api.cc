#include "dav/api/directory_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "dav/api/json_response.h"
#include "server/http/path.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;
constexpr std::string_view kPrefix = "/api/v1/directory";
// Group keys of the JSON API: the group accounts' keys (directory/group_accounts.h
// "departement:37") with a hyphen, which a URL path takes as it is.
constexpr std::string_view kDepartmentKey = "departement-";
constexpr std::string_view kEstablishmentKey = "etablissement-";

json PersonJson(store::Session& s, const store::DirectoryEntry& e) {
  Result<store::User> u = s.GetUserById(e.user_id);
  return {{"login", u.ok() ? u->login : ""},
          {"name", e.prenom + " " + e.nom},
          {"nom", e.nom},
          {"prenom", e.prenom},
          {"email", e.email},
          {"fonction", e.fonction},
          {"etablissement", e.etablissement},
          {"uai", e.uai},
          {"departement", e.departement},
          {"telephone", e.telephone}};
}

// UAIs are imported upper case ("0370001A"); people type them in either case.
std::string UpperAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

http::HttpResponse Search(store::Session& s, const http::HttpRequest& request) {
  store::DirectoryQuery q;
  q.text = http::QueryParam(request.query, "q");
  q.departement = http::QueryParam(request.query, "departement");
  q.uai = UpperAscii(http::QueryParam(request.query, "etablissement"));
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
  // Without words, a filter lists the people of a department or an establishment.
  if (q.text.empty() && q.uai.empty() && q.departement.empty()) {
    return JsonError(400, "give the text to search with q=");
  }
  Result<std::vector<store::DirectoryEntry>> found = s.SearchDirectory(q);
  if (!found.ok()) return JsonError(found.status());
  json people = json::array();
  for (const store::DirectoryEntry& e : *found) people.push_back(PersonJson(s, e));
  return Json(200, json{{"people", people}});
}

http::HttpResponse Person(store::Session& s, const std::string& login) {
  Result<store::User> u = s.GetUserByLogin(login);
  Result<store::DirectoryEntry> e = Status::NotFound("no person '" + login + "'");
  if (u.ok() && u->kind == store::UserKind::kPerson) {
    e = s.GetDirectoryEntryByUser(u->id);
  } else if (!u.ok() && u.status().code() != Status::Code::kNotFound) {
    e = u.status();
  }
  if (!e.ok() || !e->active) {
    if (e.ok() || e.status().code() == Status::Code::kNotFound) {
      return Json(404, json{{"error", "not-found"},
                            {"message", "Personne ne porte l'identifiant « " + login +
                                            " » dans l'annuaire."}});
    }
    return JsonError(e.status());
  }
  return Json(200, json{{"person", PersonJson(s, *e)}});
}

std::string DepartmentName(const std::map<std::string, std::string>& names,
                           const std::string& code) {
  auto it = names.find(code);
  return "DSDEN " + code + " — " + (it == names.end() ? code : it->second);
}

// The scheduling address of each group account that has one, by group key (issue 12
// group accounts, directory/group_accounts.h): invitations to it reach the group's members.
Result<std::map<std::string, std::string>> GroupEmails(store::Session& s) {
  Result<std::vector<store::User>> groups = s.ListGroups();
  if (!groups.ok()) return groups.status();
  std::map<std::string, std::string> out;
  for (const store::User& g : *groups) {
    if (!g.email.empty()) out[g.group_key] = g.email;
  }
  return out;
}

json EmailOrNull(const std::map<std::string, std::string>& emails, const std::string& key) {
  auto it = emails.find(key);
  return it == emails.end() ? json(nullptr) : json(it->second);
}

http::HttpResponse Groups(store::Session& s, const std::map<std::string, std::string>& names) {
  Result<std::vector<store::DirectoryEntry>> all = s.ListDirectoryEntries();
  if (!all.ok()) return JsonError(all.status());
  Result<std::map<std::string, std::string>> emails = GroupEmails(s);
  if (!emails.ok()) return JsonError(emails.status());
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
    deps.push_back({{"code", code},
                    {"name", DepartmentName(names, code)},
                    {"members", count},
                    {"key", std::string(kDepartmentKey) + code},
                    {"email", EmailOrNull(*emails, "departement:" + code)}});
  }
  for (const auto& [uai, est] : establishments) {
    ests.push_back({{"uai", uai},
                    {"name", est.first},
                    {"members", est.second},
                    {"key", std::string(kEstablishmentKey) + uai},
                    {"email", EmailOrNull(*emails, "etablissement:" + uai)}});
  }
  return Json(200, json{{"departements", deps}, {"etablissements", ests}});
}

// GET /directory/groups/{key}/members: the people of a department or an establishment, at most
// `max_members` ("truncated": true beyond).
http::HttpResponse Members(store::Session& s, const std::string& key,
                           const std::map<std::string, std::string>& names, size_t max_members) {
  store::DirectoryQuery q;
  std::string group_key;
  json group;
  if (key.starts_with(kDepartmentKey) && key.size() > kDepartmentKey.size()) {
    q.departement = key.substr(kDepartmentKey.size());
    group_key = "departement:" + q.departement;
    group = {{"key", key}, {"code", q.departement}, {"name", DepartmentName(names, q.departement)}};
  } else if (key.starts_with(kEstablishmentKey) && key.size() > kEstablishmentKey.size()) {
    q.uai = UpperAscii(key.substr(kEstablishmentKey.size()));
    group_key = "etablissement:" + q.uai;
    group = {{"key", std::string(kEstablishmentKey) + q.uai}, {"uai", q.uai}, {"name", q.uai}};
  } else {
    return Json(404, json{{"error", "not-found"}, {"message", "Ce groupe n'existe pas."}});
  }
  q.limit = max_members + 1;  // one more tells that the list was cut
  Result<std::vector<store::DirectoryEntry>> found = s.SearchDirectory(q);
  if (!found.ok()) return JsonError(found.status());
  if (found->empty()) {
    return Json(404, json{{"error", "not-found"}, {"message", "Ce groupe n'a aucun membre."}});
  }
  const bool truncated = found->size() > max_members;
  if (truncated) found->resize(max_members);
  if (q.departement.empty()) group["name"] = found->front().etablissement;
  Result<std::map<std::string, std::string>> emails = GroupEmails(s);
  if (!emails.ok()) return JsonError(emails.status());
  group["email"] = EmailOrNull(*emails, group_key);
  json people = json::array();
  for (const store::DirectoryEntry& e : *found) people.push_back(PersonJson(s, e));
  return Json(200, json{{"group", group}, {"people", people}, {"truncated", truncated}});
}

}  // namespace

http::HttpResponse ServeDirectory(const DavContext& ctx, const http::HttpRequest& request,
                                  const std::map<std::string, std::string>& departments) {
  if (auto refused = OnlyGet(request)) return *refused;
  store::Session& s = ctx.store.ThreadSession();
  std::string rest = request.path.substr(std::min(request.path.size(), kPrefix.size()));
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty()) return Search(s, request);
  if (rest == "/groups") return Groups(s, departments);
  constexpr std::string_view kPeople = "/people/", kGroups = "/groups/", kMembers = "/members";
  if (rest.starts_with(kPeople) && rest.find('/', kPeople.size()) == std::string::npos) {
    return Person(s, rest.substr(kPeople.size()));
  }
  if (rest.starts_with(kGroups) && rest.ends_with(kMembers) &&
      rest.size() > kGroups.size() + kMembers.size()) {
    std::string key = rest.substr(kGroups.size(), rest.size() - kGroups.size() - kMembers.size());
    if (key.find('/') == std::string::npos) {
      return Members(s, key, departments, ctx.options.max_group_members);
    }
  }
  return JsonError(404, "no such API resource");
}

}  // namespace cartable::dav::api
