#include "dav/api/sharing_api.h"

#include <algorithm>

#include "dav/api/collections_api.h"
#include "dav/api/json_response.h"
#include "dav/property_registry.h"
#include "dav/sharing/sharing_service.h"
#include "server/http/path.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;
constexpr std::string_view kInvitationsPrefix = "/api/v1/me/invitations";

std::string_view StatusName(store::ShareStatus status) {
  switch (status) {
    case store::ShareStatus::kPending: return "pending";
    case store::ShareStatus::kAccepted: return "accepted";
    case store::ShareStatus::kDeclined: return "declined";
  }
  return "pending";
}

// One share as its owner lists it. A group share names the group's key and the group account's
// display name (the key alone when the account went away).
Result<json> ShareJson(store::Session& s, const store::Share& share) {
  json j{{"access", sharing::AccessName(share.access)},
         {"status", StatusName(share.status)},
         {"summary", share.summary}};
  if (share.sharee_user_id == 0) {
    j["with"] = share.sharee_group;
    j["group"] = true;
    Result<store::User> group = s.GetUserByGroupKey(share.sharee_group);
    if (!group.ok() && group.status().code() != Status::Code::kNotFound) return group.status();
    j["name"] = group.ok() ? group->display_name : share.sharee_group;
    return j;
  }
  Result<store::User> user = s.GetUserById(share.sharee_user_id);
  if (!user.ok()) return user.status();
  j["with"] = user->login;
  j["group"] = false;
  j["name"] = user->display_name;
  return j;
}

// The collection `id` of the principal's home that they own and may share: 404 when there is
// none of that kind, 403 when `id` is a share mounted in their home (only its owner shares it).
Result<store::Collection> OwnCollection(store::Session& s, const OpenedHome& opened,
                                        const std::string& id, std::string_view kind) {
  const std::string what = kind == store::kKindCalendar ? "calendar" : "address book";
  const std::string path = opened.home.path + id + "/";
  if (sharing::ParseMountName(id)) {
    Result<std::vector<sharing::MountedShare>> mounted =
        sharing::SharesInHome(s, opened.user, opened.home.kind);
    if (!mounted.ok()) return mounted.status();
    for (const sharing::MountedShare& m : *mounted) {
      if (m.mount_path == path) {
        return Status::Forbidden("only the owner of this " + what +
                                 " may see or change its shares");
      }
    }
    return Status::NotFound("no " + what + " '" + id + "'");
  }
  Result<store::Collection> c = s.GetCollection(path);
  if (!c.ok()) {
    if (c.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("no " + what + " '" + id + "'");
    }
    return c.status();
  }
  if (c->kind != kind || c->parent_id != opened.home.id) {
    return Status::NotFound("no " + what + " '" + id + "'");
  }
  if (c->owner_id != opened.user.id) {
    return Status::Forbidden("only the owner of this " + what + " may see or change its shares");
  }
  return c;
}

bool SameSharee(const store::Share& share, const sharing::Sharee& sharee) {
  return sharee.is_group ? share.sharee_user_id == 0 && share.sharee_group == sharee.group_key
                         : share.sharee_user_id == sharee.user.id;
}

http::HttpResponse ListShares(store::Session& s, const store::Collection& c) {
  Result<std::vector<store::Share>> shares = s.ListShares(c.id);
  if (!shares.ok()) return JsonError(shares.status());
  json list = json::array();
  for (const store::Share& share : *shares) {
    Result<json> j = ShareJson(s, share);
    if (!j.ok()) return JsonError(j.status());
    list.push_back(std::move(j.value()));
  }
  return Json(200, json{{"shares", list}});
}

http::HttpResponse SetShare(const Request& req, OpenedHome& opened, const store::Collection& c) {
  std::optional<json> body = JsonObjectBody(req.http);
  if (!body) {
    return JsonError(400,
                     "expected {\"with\": login, email, \"departement:CODE\" or "
                     "\"etablissement:UAI\", \"access\": \"read\"|\"read-write\"|\"freebusy\"}");
  }
  std::string with = StringMember(*body, "with");
  if (with.empty()) return JsonError(400, "\"with\" names the colleague or group to share with");
  std::optional<store::ShareAccess> access = sharing::ParseAccess(StringMember(*body, "access"));
  if (!access) return JsonError(400, "\"access\" is \"read\", \"read-write\" or \"freebusy\"");
  if (body->contains("summary") && !(*body)["summary"].is_string()) {
    return JsonError(400, "\"summary\" is a text");
  }
  std::string summary = StringMember(*body, "summary");
  Result<sharing::Sharee> sharee = sharing::ResolveSharee(req.session, with);
  if (!sharee.ok()) return JsonError(sharee.status());
  Result<std::vector<store::Share>> before = req.session.ListShares(c.id);
  if (!before.ok()) return JsonError(before.status());
  const bool existed = std::any_of(before->begin(), before->end(),
                                   [&](const store::Share& s) { return SameSharee(s, *sharee); });
  Result<store::Share> share = sharing::SetShare(req, c, *sharee, *access, summary);
  if (!share.ok()) return JsonError(share.status());
  Result<json> j = ShareJson(req.session, *share);
  if (!j.ok()) return JsonError(j.status());
  if (Status st = opened.txn->Commit(); !st.ok()) return JsonError(st);
  return Json(existed ? 200 : 201, *j);
}

http::HttpResponse RemoveShare(const Request& req, OpenedHome& opened, const store::Collection& c) {
  std::string with = http::QueryParam(req.http.query, "with");
  if (with.empty())
    return JsonError(400, "give ?with= the colleague or group to stop sharing with");
  Result<sharing::Sharee> sharee = sharing::ResolveSharee(req.session, with);
  if (!sharee.ok()) return JsonError(sharee.status());
  if (Status st = sharing::RemoveShare(req, c, *sharee); !st.ok()) return JsonError(st);
  if (Status st = opened.txn->Commit(); !st.ok()) return JsonError(st);
  return NoContent();
}

}  // namespace

http::HttpResponse ServeShares(const DavContext& ctx, const http::HttpRequest& request,
                               const Principal& principal, const Area& area,
                               const std::string& id) {
  if (auto refused = OnlyMethods(request, {"GET", "POST", "DELETE"})) return *refused;
  const bool write = request.method == "POST" || request.method == "DELETE";
  Result<OpenedHome> opened = OpenHome(ctx, principal, area, write);
  if (!opened.ok()) return JsonError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  std::string_view kind = &area == &CalendarArea() ? store::kKindCalendar : store::kKindAddressbook;
  Result<store::Collection> c = OwnCollection(s, *opened, id, kind);
  if (!c.ok()) return JsonError(c.status());
  Request req{request, principal, s, ctx};
  if (request.method == "POST") return SetShare(req, *opened, *c);
  if (request.method == "DELETE") return RemoveShare(req, *opened, *c);
  return ListShares(s, *c);
}

namespace {

Result<json> InvitationJson(store::Session& s, const store::Share& share) {
  Result<store::Collection> c = s.GetCollectionById(share.collection_id);
  if (!c.ok()) return c.status();
  Result<store::User> owner = s.GetUserById(c->owner_id);
  if (!owner.ok()) return owner.status();
  std::string segment = c->path.substr(0, c->path.size() - 1);
  segment = segment.substr(segment.rfind('/') + 1);
  return json{{"uid", share.invite_uid},
              {"type", c->kind == store::kKindCalendar ? "calendar" : "addressbook"},
              {"name", ShownName(*c, nullptr, segment)},
              {"owner", {{"login", owner->login}, {"name", owner->display_name}}},
              {"access", sharing::AccessName(share.access)},
              {"summary", share.summary},
              {"created_at", IsoUtc(share.created_at)}};
}

http::HttpResponse ListShareInvitations(store::Session& s, const store::User& user) {
  Result<std::vector<store::Share>> pending = sharing::PendingInvitations(s, user);
  if (!pending.ok()) return JsonError(pending.status());
  json list = json::array();
  for (const store::Share& share : *pending) {
    Result<json> j = InvitationJson(s, share);
    if (!j.ok()) return JsonError(j.status());
    list.push_back(std::move(j.value()));
  }
  return Json(200, json{{"invitations", list}});
}

}  // namespace

http::HttpResponse ServeShareInvitations(const DavContext& ctx, const http::HttpRequest& request,
                                         const Principal& principal) {
  std::string uid, tail;
  SplitApiPath(std::string_view(request.path)
                   .substr(std::min(request.path.size(), kInvitationsPrefix.size())),
               &uid, &tail);
  if (!tail.empty() && tail != "/") return JsonError(404, "no such API resource");
  if (uid.empty()) {
    if (auto refused = OnlyGet(request)) return *refused;
  } else if (auto refused = OnlyMethods(request, {"POST"})) {
    return *refused;
  }
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), !uid.empty());
  if (!opened.ok()) return JsonError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  if (uid.empty()) return ListShareInvitations(s, opened->user);
  std::optional<json> body = JsonObjectBody(request);
  if (!body || !body->contains("accept") || !(*body)["accept"].is_boolean()) {
    return JsonError(400, "expected {\"accept\": true} or {\"accept\": false}");
  }
  const bool accept = (*body)["accept"].get<bool>();
  Request req{request, principal, s, ctx};
  Result<std::string> mount = sharing::ReplyToShare(req, uid, accept);
  if (!mount.ok()) return JsonError(mount.status());
  if (Status st = opened->txn->Commit(); !st.ok()) return JsonError(st);
  json answer{{"uid", uid}, {"accepted", accept}};
  if (accept) {
    std::string segment = mount->substr(0, mount->size() - 1);
    answer["id"] = segment.substr(segment.rfind('/') + 1);
    answer["url"] = Href(*mount);
  }
  return Json(200, answer);
}

}  // namespace cartable::dav::api
