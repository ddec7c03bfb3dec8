#include "dav/api/collections_api.h"

#include "dav/api/json_response.h"
#include "dav/api/sharing_api.h"
#include "dav/property_registry.h"
#include "dav/sharing/sharing_service.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;
constexpr std::string_view kAddressbooksPrefix = "/api/v1/addressbooks";

// The last segment of a collection path ("/dav/calendars/jlabert/agenda/" -> "agenda").
std::string LastSegment(const std::string& path) {
  std::string_view p(path);
  if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return std::string(p.substr(p.rfind('/') + 1));
}

}  // namespace

Result<OpenedHome> OpenHome(const DavContext& ctx, const Principal& principal, const Area& area,
                            bool write) {
  store::Session& s = ctx.store.ThreadSession();
  std::string home = HomePath(area, principal.login);
  if (Status st = EnsureHome(s, home, principal, ctx.homes); !st.ok()) return st;
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(write);
  if (!txn.ok()) return txn.status();
  OpenedHome opened;
  opened.txn = std::move(txn.value());
  Result<store::Collection> home_coll = s.GetCollection(home);
  if (!home_coll.ok()) return home_coll.status();
  opened.home = std::move(home_coll.value());
  Result<store::User> user = s.GetUserById(principal.user_id);
  if (!user.ok()) return user.status();
  opened.user = std::move(user.value());
  return opened;
}

std::string ShownName(const store::Collection& c, const store::ShareMember* member,
                      const std::string& id) {
  if (member != nullptr && member->display_name && !member->display_name->empty()) {
    return *member->display_name;
  }
  std::string name = c.settings.display_name.value_or("");
  return name.empty() ? id : name;
}

std::string ShownColor(const store::Collection& c, const store::ShareMember* member) {
  if (member != nullptr && member->color) return *member->color;
  return c.settings.color.value_or("");
}

Result<std::vector<ListedCollection>> ListCollections(store::Session& session,
                                                      const store::User& user,
                                                      const store::Collection& home,
                                                      std::string_view kind) {
  std::vector<ListedCollection> out;
  Result<std::vector<store::Collection>> subs = session.ListChildCollections(home.id);
  if (!subs.ok()) return subs.status();
  for (const store::Collection& c : *subs) {
    if (c.kind != kind) continue;
    Result<std::vector<store::Share>> shares = session.ListShares(c.id);
    if (!shares.ok()) return shares.status();
    ListedCollection l;
    l.collection = c;
    l.id = LastSegment(c.path);
    l.name = ShownName(c, nullptr, l.id);
    l.color = ShownColor(c, nullptr);
    l.owner = user;
    l.access = "owner";
    l.shared = !shares->empty();
    l.path = c.path;
    out.push_back(std::move(l));
  }
  Result<std::vector<sharing::MountedShare>> mounted =
      sharing::SharesInHome(session, user, home.kind);
  if (!mounted.ok()) return mounted.status();
  for (sharing::MountedShare& m : *mounted) {
    if (m.collection.kind != kind) continue;
    ListedCollection l;
    l.id = LastSegment(m.mount_path);
    l.name = ShownName(m.collection, &m.member, l.id);
    l.color = ShownColor(m.collection, &m.member);
    l.collection = std::move(m.collection);
    l.owner = std::move(m.owner);
    l.access = std::string(sharing::AccessName(m.access));
    l.shared = true;
    l.path = std::move(m.mount_path);
    out.push_back(std::move(l));
  }
  return out;
}

json ListedJson(const ListedCollection& c) {
  return json{
      {"id", c.id},          {"name", c.name},
      {"color", c.color},    {"owner", {{"login", c.owner.login}, {"name", c.owner.display_name}}},
      {"access", c.access},  {"shared", c.shared},
      {"url", Href(c.path)}, {"href", Href(c.path)}};
}

void SplitApiPath(std::string_view rest, std::string* id, std::string* tail) {
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  size_t slash = rest.find('/');
  *id = std::string(rest.substr(0, slash));
  *tail = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
}

http::HttpResponse ServeAddressbooks(const DavContext& ctx, const http::HttpRequest& request,
                                     const Principal& principal) {
  std::string id, tail;
  SplitApiPath(std::string_view(request.path)
                   .substr(std::min(request.path.size(), kAddressbooksPrefix.size())),
               &id, &tail);
  if (!id.empty()) {
    if (tail == "/shares" || tail == "/shares/") {
      return ServeShares(ctx, request, principal, AddressbookArea(), id);
    }
    return JsonError(404, "no such API resource");
  }
  if (auto refused = OnlyGet(request)) return *refused;
  Result<OpenedHome> opened = OpenHome(ctx, principal, AddressbookArea(), false);
  if (!opened.ok()) return JsonError(opened.status());
  Result<std::vector<ListedCollection>> listed = ListCollections(
      ctx.store.ThreadSession(), opened->user, opened->home, store::kKindAddressbook);
  if (!listed.ok()) return JsonError(listed.status());
  json list = json::array();
  for (const ListedCollection& c : *listed) list.push_back(ListedJson(c));
  return Json(200, json{{"addressbooks", list}});
}

}  // namespace cartable::dav::api
