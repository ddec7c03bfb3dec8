#include "dav/api/collections_api.h"

#include "dav/api/contacts_api.h"
#include "dav/api/json_response.h"
#include "dav/api/sharing_api.h"
#include "dav/carddav/vcard_edit.h"
#include "dav/methods/methods.h"
#include "dav/property_registry.h"
#include "dav/sharing/mount_settings.h"
#include "dav/sharing/sharing_service.h"
#include "dav/text_check.h"
#include "dav/xml.h"

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
  return json{{"id", c.id},
              {"name", c.name},
              {"color", c.color},
              {"owner", {{"login", c.owner.login}, {"name", c.owner.display_name}}},
              {"access", c.access},
              {"shared", c.shared},
              {"url", Href(c.path)},
              {"href", Href(c.path)},
              {"writable", c.access == "owner" || c.access == "read-write"}};
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
    if (tail.empty() || tail == "/") {
      if (auto refused = OnlyMethods(request, {"PATCH", "DELETE"})) return *refused;
      if (request.method == "DELETE") {
        return DeleteCollectionCall(ctx, principal, AddressbookArea(), id);
      }
      return RenameCollectionCall(ctx, request, principal, AddressbookArea(), id,
                                  store::kKindAddressbook);
    }
    return ServeContacts(ctx, request, principal, id, tail);
  }
  if (auto refused = OnlyMethods(request, {"GET", "POST"})) return *refused;
  if (request.method == "POST") {
    return CreateCollectionCall(ctx, request, principal, AddressbookArea(),
                                store::kKindAddressbook);
  }
  Result<OpenedHome> opened = OpenHome(ctx, principal, AddressbookArea(), false);
  if (!opened.ok()) return JsonError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  Result<std::vector<ListedCollection>> listed =
      ListCollections(s, opened->user, opened->home, store::kKindAddressbook);
  if (!listed.ok()) return JsonError(listed.status());
  json list = json::array();
  for (const ListedCollection& c : *listed) list.push_back(ListedJson(c));
  // The staff directory every home shows read-only as annuaire/ (target.h kDirectoryMount):
  // the web pages list it with the books, as CardDAV clients see it.
  if (Result<store::Collection> dir = s.GetCollection(store::kDirectoryPath); dir.ok()) {
    ListedCollection a;
    a.collection = std::move(dir.value());
    a.id = std::string(kDirectoryMount);
    a.name = ShownName(a.collection, nullptr, "Annuaire académique");
    a.access = "read";
    a.path = DirectoryMountPath(principal.login);
    json j = ListedJson(a);
    j["owner"] = nullptr;
    j["directory"] = true;
    list.push_back(std::move(j));
  } else if (dir.status().code() != Status::Code::kNotFound) {
    return JsonError(dir.status());
  }
  return Json(200, json{{"addressbooks", list}});
}

namespace {

// A DAV:displayname update, as PROPPATCH and extended MKCOL receive it.
std::vector<PropUpdate> DisplaynameUpdate(pugi::xml_document& doc, const std::string& name) {
  pugi::xml_node prop = doc.append_child("D:displayname");
  prop.append_attribute("xmlns:D") = std::string(ns::kDav).c_str();
  prop.text().set(name.c_str());
  return {PropUpdate{false, prop}};
}

// The "name" member of a create or rename call, checked like a resource's display name.
std::optional<http::HttpResponse> ReadName(const http::HttpRequest& request, std::string* name) {
  std::optional<json> body = JsonObjectBody(request);
  if (!body) {
    return ApiError(400, "invalid-json", "Le corps de la requête doit être un objet JSON.");
  }
  auto it = body->find("name");
  *name = it != body->end() && it->is_string() ? it->get<std::string>() : "";
  while (!name->empty() && name->back() == ' ') name->pop_back();
  while (!name->empty() && name->front() == ' ') name->erase(0, 1);
  if (name->empty() || name->size() > 200 || FindTextFault(*name, TextRules::kName)) {
    return ApiError(400, "invalid-field",
                    "Donnez un nom d'au plus 200 caractères, sans caractère de contrôle.", "name");
  }
  return std::nullopt;
}

// The collection `id` of the principal's home of `area`, resolved in a write transaction.
Result<std::pair<std::unique_ptr<store::Transaction>, Target>> OpenForWrite(
    const DavContext& ctx, const Principal& principal, const Area& area, const std::string& id) {
  store::Session& s = ctx.store.ThreadSession();
  const std::string home = HomePath(area, principal.login);
  if (Status st = EnsureHome(s, home, principal, ctx.homes); !st.ok()) return st;
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return txn.status();
  if (id.empty() || id == "." || id == "..") return Status::NotFound("no collection '" + id + "'");
  Result<Target> t = Resolve(s, home + id + "/", principal);
  if (!t.ok()) return t.status();
  if (t->type != NodeType::kCollection || !CanRead(*t, principal)) {
    return Status::NotFound("no collection '" + id + "'");
  }
  return std::make_pair(std::move(txn.value()), std::move(t.value()));
}

}  // namespace

http::HttpResponse CreateCollectionCall(const DavContext& ctx, const http::HttpRequest& request,
                                        const Principal& principal, const Area& area,
                                        std::string_view kind) {
  std::string name;
  if (auto bad = ReadName(request, &name)) return *bad;
  store::Session& s = ctx.store.ThreadSession();
  const std::string home = HomePath(area, principal.login);
  if (Status st = EnsureHome(s, home, principal, ctx.homes); !st.ok()) return CardApiError(st);
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return CardApiError(txn.status());
  const std::string id = carddav::NewContactUid();
  Result<Target> t = Resolve(s, home + id + "/", principal);
  if (!t.ok()) return CardApiError(t.status());
  if (!t->access.Has(kPrivBind)) return CardApiError(Denied(*t, "MKCOL"));
  pugi::xml_document doc;
  const Request req{request, principal, s, ctx};
  MethodResult made = CreateCollectionAt(req, *t, kind, DisplaynameUpdate(doc, name),
                                         {std::string(ns::kDav), "mkcol-response"});
  if (!made.ok()) return CardApiError(made.status());
  if (made->status != 201) return ApiError(400, "invalid-field", "Ce nom est refusé.", "name");
  Result<store::Collection> created = s.GetCollection(home + id + "/");
  if (!created.ok()) return CardApiError(created.status());
  if (Status c = (*txn)->Commit(); !c.ok()) return CardApiError(c);
  ListedCollection l;
  l.collection = std::move(created.value());
  l.id = id;
  l.name = name;
  l.color = ShownColor(l.collection, nullptr);
  Result<store::User> me = s.GetUserById(principal.user_id);
  if (me.ok()) l.owner = std::move(me.value());
  l.access = "owner";
  l.path = home + id + "/";
  const char* key = kind == store::kKindAddressbook ? "addressbook" : "calendar";
  return Json(201, json{{key, ListedJson(l)}});
}

http::HttpResponse RenameCollectionCall(const DavContext& ctx, const http::HttpRequest& request,
                                        const Principal& principal, const Area& area,
                                        const std::string& id, std::string_view kind) {
  std::string name;
  if (auto bad = ReadName(request, &name)) return *bad;
  auto opened = OpenForWrite(ctx, principal, area, id);
  if (!opened.ok()) return CardApiError(opened.status());
  Target& t = opened->second;
  if (t.kind == ResourceKind::kDirectory) {
    return ApiError(403, "forbidden", "L'annuaire ne peut pas être renommé.");
  }
  if (t.collection.kind != kind)
    return CardApiError(Status::NotFound("no collection '" + id + "'"));
  store::Session& s = ctx.store.ThreadSession();
  const Request req{request, principal, s, ctx};
  pugi::xml_document doc;
  std::vector<PropUpdate> updates = DisplaynameUpdate(doc, name);
  bool all_ok = false;
  Result<std::vector<PropOutcome>> outcomes = Status::OK();
  // A share: the sharee's own name for it (mount_settings.h), as a PROPPATCH of the mount does.
  if (sharing::IsMountRoot(t)) {
    outcomes = sharing::ApplyMountUpdates(req, t, updates, &all_ok);
  } else if (!t.access.Has(kPrivWriteProperties)) {
    return CardApiError(Denied(t, "PROPPATCH"));
  } else {
    outcomes = ApplyUpdates(req, t, updates, false, &all_ok);
    if (outcomes.ok() && all_ok) {
      if (auto r = s.Touch(t.collection.id, "", false); !r.ok()) return CardApiError(r.status());
    }
  }
  if (!outcomes.ok()) return CardApiError(outcomes.status());
  if (!all_ok) {
    for (const PropOutcome& o : *outcomes) {
      if (!o.error.ok()) return CardApiError(o.error);
    }
    return CardApiError(Status::Forbidden("the name was refused"));
  }
  if (Status c = opened->first->Commit(); !c.ok()) return CardApiError(c);
  return Json(200, json{{"id", id}, {"name", name}});
}

http::HttpResponse DeleteCollectionCall(const DavContext& ctx, const Principal& principal,
                                        const Area& area, const std::string& id) {
  auto opened = OpenForWrite(ctx, principal, area, id);
  if (!opened.ok()) return CardApiError(opened.status());
  Target& t = opened->second;
  // Own collections only: a share is left from the sharing page (DELETE .../shares), the
  // annuaire is nobody's to delete.
  if (t.mount || !t.owner || t.owner->id != principal.user_id ||
      t.kind == ResourceKind::kDirectory) {
    return ApiError(403, "forbidden", "Vous ne pouvez supprimer que vos propres carnets.");
  }
  store::Session& s = ctx.store.ThreadSession();
  http::HttpRequest none;
  const Request req{none, principal, s, ctx};
  if (Status c = CheckDelete(req, t); !c.ok()) {
    if (c.precondition() == Precondition::kDefaultAddressbookNeeded) {
      return ApiError(409, "default-addressbook",
                      "Votre carnet « Contacts » ne peut pas être supprimé.");
    }
    return CardApiError(c);
  }
  if (Status r = sharing::RevokeAllShares(req, t.collection); !r.ok()) return CardApiError(r);
  if (Status d = s.DeleteCollection(t.collection.id); !d.ok()) return CardApiError(d);
  if (Status c = opened->first->Commit(); !c.ok()) return CardApiError(c);
  return NoContent();
}

}  // namespace cartable::dav::api
