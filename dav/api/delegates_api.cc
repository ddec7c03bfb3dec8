// /api/v1/me/delegates: the webmail's view of calendar delegation (the same rows macOS sets
// with PROPPATCH DAV:group-member-set on calendar-proxy-read/-write, dav/sharing/).
#include <algorithm>

#include "dav/api/collections_api.h"
#include "dav/api/json_response.h"
#include "dav/api/sharing_api.h"
#include "dav/sharing/sharing_service.h"
#include "server/http/path.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;

std::string_view DelegateAccessName(store::DelegateAccess a) {
  return a == store::DelegateAccess::kReadWrite ? "read-write" : "read";
}

// {"login", "name", "access"} of the other user of each row (`other` picks the id).
Result<json> DelegatesJson(store::Session& s, const std::vector<store::Delegate>& rows,
                           store::Id store::Delegate::*other) {
  json list = json::array();
  for (const store::Delegate& d : rows) {
    Result<store::User> u = s.GetUserById(d.*other);
    if (!u.ok()) return u.status();
    list.push_back(
        {{"login", u->login}, {"name", u->display_name}, {"access", DelegateAccessName(d.access)}});
  }
  return list;
}

http::HttpResponse ListDelegates(store::Session& s, const store::User& me) {
  Result<std::vector<store::Delegate>> mine = s.ListDelegates(me.id);
  if (!mine.ok()) return JsonError(mine.status());
  Result<std::vector<store::Delegate>> of = s.ListDelegations(me.id);
  if (!of.ok()) return JsonError(of.status());
  Result<json> delegates = DelegatesJson(s, *mine, &store::Delegate::delegate_id);
  if (!delegates.ok()) return JsonError(delegates.status());
  Result<json> delegate_of = DelegatesJson(s, *of, &store::Delegate::owner_id);
  if (!delegate_of.ok()) return JsonError(delegate_of.status());
  return Json(200, json{{"delegates", *delegates}, {"delegate_of", *delegate_of}});
}

// The colleague a request names (a login, an e-mail address or a principal URL): 404 when
// unknown, 403 for a group account (groups never sign in, so they cannot act for anyone), 400
// for the caller themself.
Result<store::User> DelegateUser(store::Session& s, const store::User& me, const std::string& who) {
  Result<sharing::Sharee> sharee = sharing::ResolveSharee(s, who);
  if (!sharee.ok()) return sharee.status();
  if (sharee->is_group || sharee->user.kind == store::UserKind::kGroup) {
    return Status::Forbidden("only colleagues can be delegates, not a group ('" + who + "')");
  }
  if (sharee->user.id == me.id) return Status::BadRequest("you cannot be your own delegate");
  return sharee->user;
}

http::HttpResponse AddDelegate(const DavContext& ctx, store::Session& s, OpenedHome& opened,
                               const http::HttpRequest& request) {
  std::optional<json> body = JsonObjectBody(request);
  if (!body)
    return JsonError(400, "expected {\"login\": ..., \"access\": \"read\"|\"read-write\"}");
  std::string who = StringMember(*body, "login");
  if (who.empty()) return JsonError(400, "\"login\" names the colleague (login or e-mail)");
  std::string access_name = StringMember(*body, "access");
  if (access_name != "read" && access_name != "read-write") {
    return JsonError(400, "\"access\" is \"read\" or \"read-write\"");
  }
  Result<store::User> them = DelegateUser(s, opened.user, who);
  if (!them.ok()) return JsonError(them.status());
  Result<std::vector<store::Delegate>> mine = s.ListDelegates(opened.user.id);
  if (!mine.ok()) return JsonError(mine.status());
  const bool existed = std::any_of(mine->begin(), mine->end(), [&](const store::Delegate& d) {
    return d.delegate_id == them->id;
  });
  if (!existed && mine->size() >= ctx.options.max_delegates) {
    return JsonError(409, "at most " + std::to_string(ctx.options.max_delegates) +
                              " delegates ([sharing] max_delegates): remove one first");
  }
  store::Delegate d;
  d.owner_id = opened.user.id;
  d.delegate_id = them->id;
  d.access = access_name == "read-write" ? store::DelegateAccess::kReadWrite
                                         : store::DelegateAccess::kRead;
  if (Status st = s.PutDelegate(d); !st.ok()) return JsonError(st);
  if (Status st = opened.txn->Commit(); !st.ok()) return JsonError(st);
  return Json(existed ? 200 : 201,
              json{{"login", them->login}, {"name", them->display_name}, {"access", access_name}});
}

http::HttpResponse RemoveDelegate(store::Session& s, OpenedHome& opened,
                                  const http::HttpRequest& request) {
  std::string who = http::QueryParam(request.query, "login");
  if (who.empty()) return JsonError(400, "give ?login= the delegate to remove");
  Result<store::User> them = DelegateUser(s, opened.user, who);
  if (!them.ok()) return JsonError(them.status());
  Result<store::Delegate> d = s.GetDelegate(opened.user.id, them->id);
  if (!d.ok()) {
    if (d.status().code() == Status::Code::kNotFound) {
      return JsonError(404, "'" + who + "' is not your delegate");
    }
    return JsonError(d.status());
  }
  if (Status st = s.DeleteDelegate(opened.user.id, them->id); !st.ok()) return JsonError(st);
  if (Status st = opened.txn->Commit(); !st.ok()) return JsonError(st);
  return NoContent();
}

}  // namespace

http::HttpResponse ServeDelegates(const DavContext& ctx, const http::HttpRequest& request,
                                  const Principal& principal) {
  if (request.path != "/api/v1/me/delegates" && request.path != "/api/v1/me/delegates/") {
    return JsonError(404, "no such API resource");
  }
  if (auto refused = OnlyMethods(request, {"GET", "POST", "DELETE"})) return *refused;
  const bool write = request.method != "GET" && request.method != "HEAD";
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), write);
  if (!opened.ok()) return JsonError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  if (request.method == "POST") return AddDelegate(ctx, s, *opened, request);
  if (request.method == "DELETE") return RemoveDelegate(s, *opened, request);
  return ListDelegates(s, opened->user);
}

}  // namespace cartable::dav::api
