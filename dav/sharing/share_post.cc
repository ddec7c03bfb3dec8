#include "dav/sharing/share_post.h"

#include <optional>
#include <vector>

#include "dav/multistatus.h"
#include "dav/property_registry.h"
#include "dav/sharing/sharing_service.h"
#include "dav/text_fold.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav::sharing {
namespace {

using Code = Status::Code;

// One sharee change of a CS:share or DAV:share-resource body.
struct Change {
  std::string href;
  bool remove = false;
  store::ShareAccess access = store::ShareAccess::kRead;
  std::string summary;
};

// The trimmed text of the element {ns}local under `parent` ("" when absent).
std::string ChildText(const pugi::xml_node& parent, std::string_view ns, std::string_view local) {
  pugi::xml_node c = Child(parent, ns, local);
  if (!c) return "";
  std::string text = ElementText(c);
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = text.find_last_not_of(" \t\r\n");
  return text.substr(b, e - b + 1);
}

Result<std::string> RequiredHref(const pugi::xml_node& parent, std::string_view what) {
  std::string href = ChildText(parent, ns::kDav, "href");
  if (href.empty()) return Status::BadRequest(std::string(what) + " needs a DAV:href");
  return href;
}

// caldav-sharing §6.26-6.28: CS:set (DAV:href, CS:common-name?, CS:summary?, CS:read |
// CS:read-write) and CS:remove (DAV:href).
Result<std::vector<Change>> ParseCsShare(const pugi::xml_node& root) {
  std::vector<Change> changes;
  Status s = ForEachElement(root, [&](const pugi::xml_node& e) -> Status {
    Change c;
    if (Is(e, ns::kCalendarServer, "remove")) {
      c.remove = true;
    } else if (Is(e, ns::kCalendarServer, "set")) {
      const bool read = Child(e, ns::kCalendarServer, "read");
      const bool write = Child(e, ns::kCalendarServer, "read-write");
      if (read == write) {
        return Status::BadRequest("CS:set needs exactly one of CS:read and CS:read-write");
      }
      c.access = write ? store::ShareAccess::kReadWrite : store::ShareAccess::kRead;
      c.summary = ChildText(e, ns::kCalendarServer, "summary");
    } else {
      return Status::BadRequest("CS:share holds only CS:set and CS:remove, not " +
                                NameOf(e).Clark());
    }
    Result<std::string> href = RequiredHref(e, c.remove ? "CS:remove" : "CS:set");
    if (!href.ok()) return href.status();
    c.href = std::move(href.value());
    changes.push_back(std::move(c));
    return Status::OK();
  });
  if (!s.ok()) return s;
  return changes;
}

// draft-pot-webdav-resource-sharing §5.3: DAV:sharee (DAV:href, DAV:prop?, DAV:comment?,
// DAV:share-access (DAV:read | DAV:read-write | DAV:no-access)).
Result<std::vector<Change>> ParseShareResource(const pugi::xml_node& root) {
  std::vector<Change> changes;
  Status s = ForEachElement(root, [&](const pugi::xml_node& e) -> Status {
    if (!Is(e, ns::kDav, "sharee")) {
      return Status::BadRequest("DAV:share-resource holds only DAV:sharee, not " +
                                NameOf(e).Clark());
    }
    Change c;
    Result<std::string> href = RequiredHref(e, "DAV:sharee");
    if (!href.ok()) return href.status();
    c.href = std::move(href.value());
    pugi::xml_node access = Child(e, ns::kDav, "share-access");
    if (Child(access, ns::kDav, "read-write")) {
      c.access = store::ShareAccess::kReadWrite;
    } else if (Child(access, ns::kDav, "read")) {
      c.access = store::ShareAccess::kRead;
    } else if (Child(access, ns::kDav, "no-access")) {
      c.remove = true;
    } else {
      return Status::BadRequest(
          "DAV:sharee needs a DAV:share-access of DAV:read, DAV:read-write or DAV:no-access");
    }
    c.summary = ChildText(e, ns::kDav, "comment");
    changes.push_back(std::move(c));
    return Status::OK();
  });
  if (!s.ok()) return s;
  if (changes.empty()) return Status::BadRequest("DAV:share-resource names no DAV:sharee");
  return changes;
}

http::HttpResponse Ok() {
  http::HttpResponse r;
  r.status = 200;
  return r;
}

// Applies every change, or none: the request's transaction commits only on a 2xx answer.
// Every sharee is resolved before anything changes, so an unknown one refuses the whole body.
MethodResult ApplyChanges(const Request& req, Target& t, const std::vector<Change>& changes) {
  // Sharing is DAV:write-acl, the owner's alone: sharees (mounts) and everyone else are refused
  // before any sharee is looked up.
  if (t.mount || !t.owner || t.collection.owner_id != req.principal.user_id) {
    return Status::Violates(Precondition::kNeedPrivileges, "you may not share " + t.path);
  }
  std::vector<Sharee> sharees;
  for (const Change& c : changes) {
    Result<Sharee> sharee = ResolveSharee(req.session, c.href);
    if (!sharee.ok()) {
      // SabreDAV keeps such a sharee as invite-invalid; there is no one outside the academy's
      // accounts to share with here, so the request is refused and says whom it did not know.
      if (sharee.status().code() == Code::kNotFound) {
        return Status::Violates(Precondition::kRecognizedPrincipal, sharee.status().message(),
                                c.href);
      }
      return sharee.status();
    }
    sharees.push_back(std::move(sharee.value()));
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    if (c.remove) {
      Status s = RemoveShare(req, t.collection, sharees[i]);
      // Removing someone the collection is not shared with changes nothing (caldav-sharing
      // clients send the whole list again).
      if (!s.ok() && s.code() != Code::kNotFound) return s;
      continue;
    }
    Result<store::Share> share = SetShare(req, t.collection, sharees[i], c.access, c.summary);
    if (!share.ok()) return share.status();
  }
  return Ok();
}

// The answer to an accepted invitation: caldav-sharing §6.29 CS:shared-as.
http::HttpResponse SharedAs(const std::string& mount) {
  std::string body;
  XmlWriter w(body);
  w.OpenRoot(ns::kCalendarServer, "shared-as");
  w.TextElement(ns::kDav, "href", Href(mount));
  w.Finish();
  http::HttpResponse r = XmlResponse(200, std::move(body));
  r.headers.Set("Location", Href(mount));
  return r;
}

MethodResult Reply(const Request& req, const std::string& invite_uid, bool accept) {
  Result<std::string> mount = ReplyToShare(req, invite_uid, accept);
  if (!mount.ok()) {
    // The home exists; what is missing is the invitation: the POST is refused, not the URL.
    if (mount.status().code() == Code::kNotFound) {
      return Status::Forbidden(mount.status().message());
    }
    return mount.status();
  }
  return accept ? SharedAs(*mount) : Ok();
}

bool IsHomeUser(const Request& req, const Target& t) {
  return !t.mount && t.owner && t.owner->id == req.principal.user_id;
}

// The invitation a CS:invite-reply without CS:in-reply-to answers: the one of the collection
// its CS:hosturl names.
Result<std::string> InviteOfHost(const Request& req, const std::string& hosturl) {
  std::string raw = hosturl;
  if (raw.compare(0, 7, "http://") == 0 || raw.compare(0, 8, "https://") == 0) {
    std::optional<http::RequestTarget> target = http::ParseRequestTarget(raw);
    if (!target) return Status::BadRequest("malformed CS:hosturl");
    raw = target->raw_path;
  }
  std::optional<std::string> path = http::DecodePath(raw);
  if (!path) return Status::BadRequest("malformed CS:hosturl");
  if (path->empty() || path->back() != '/') *path += '/';
  Result<store::Collection> c = req.session.GetCollection(*path);
  if (c.ok()) {
    Result<std::vector<store::Share>> shares = req.session.ListShares(c->id);
    if (!shares.ok()) return shares.status();
    for (const store::Share& s : *shares) {
      if (s.sharee_user_id == req.principal.user_id) return s.invite_uid;
    }
  } else if (c.status().code() != Code::kNotFound) {
    return c.status();
  }
  return Status::Forbidden("you have no invitation to " + hosturl.substr(0, 200));
}

MethodResult PostCsShare(const Request& req, Target& t, const pugi::xml_node& root) {
  Result<std::vector<Change>> changes = ParseCsShare(root);
  if (!changes.ok()) return changes.status();
  return ApplyChanges(req, t, *changes);
}

MethodResult PostShareResource(const Request& req, Target& t, const pugi::xml_node& root) {
  Result<std::vector<Change>> changes = ParseShareResource(root);
  if (!changes.ok()) return changes.status();
  return ApplyChanges(req, t, *changes);
}

// caldav-sharing §6.22: DAV:href, (CS:invite-accepted | CS:invite-declined), CS:hosturl,
// CS:in-reply-to, CS:summary?.
MethodResult PostCsInviteReply(const Request& req, Target& t, const pugi::xml_node& root) {
  if (!IsHomeUser(req, t)) {
    return Status::Violates(Precondition::kNeedPrivileges, "you may not answer for " + t.path);
  }
  const bool accepted = Child(root, ns::kCalendarServer, "invite-accepted");
  const bool declined = Child(root, ns::kCalendarServer, "invite-declined");
  if (accepted == declined) {
    return Status::BadRequest(
        "CS:invite-reply needs exactly one of CS:invite-accepted and CS:invite-declined");
  }
  std::string uid = ChildText(root, ns::kCalendarServer, "in-reply-to");
  if (uid.empty()) {
    std::string host = ChildText(Child(root, ns::kCalendarServer, "hosturl"), ns::kDav, "href");
    if (host.empty()) {
      return Status::BadRequest("CS:invite-reply needs CS:in-reply-to or CS:hosturl");
    }
    Result<std::string> found = InviteOfHost(req, host);
    if (!found.ok()) return found.status();
    uid = std::move(found.value());
  }
  return Reply(req, uid, accepted);
}

// draft-pot-webdav-resource-sharing §5.5: DAV:invite-reply (DAV:invite-accepted |
// DAV:invite-declined, ...) posted to the invitation itself.
MethodResult PostDavInviteReply(const Request& req, Target& t, const pugi::xml_node& root) {
  if (!IsHomeUser(req, t)) {
    return Status::Violates(Precondition::kNeedPrivileges, "you may not answer for " + t.path);
  }
  const bool accepted = Child(root, ns::kDav, "invite-accepted");
  const bool declined = Child(root, ns::kDav, "invite-declined");
  if (accepted == declined) {
    return Status::BadRequest(
        "DAV:invite-reply needs exactly one of DAV:invite-accepted and DAV:invite-declined");
  }
  std::string uid = t.name;
  if (uid.size() > 4 && uid.compare(uid.size() - 4, 4, ".xml") == 0) uid.resize(uid.size() - 4);
  return Reply(req, uid, accepted);
}

struct PostRow {
  std::string_view ns;
  std::string_view local;
  KindSet applies;
  MethodResult (*fn)(const Request&, Target&, const pugi::xml_node&);
};

constexpr KindSet kShareable = kCalendar | kAddressbook;
const PostRow kPosts[] = {
    {ns::kCalendarServer, "share", kShareable, PostCsShare},
    {ns::kDav, "share-resource", kShareable, PostShareResource},
    {ns::kCalendarServer, "invite-reply", kCalendarHome | kAddressbookHome, PostCsInviteReply},
    {ns::kDav, "invite-reply", kNotification, PostDavInviteReply},
};

bool IsXmlType(std::string_view content_type) {
  std::string type = AsciiLower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type.empty() || type == "application/xml" || type == "text/xml";
}

}  // namespace

MethodResult HandleSharePost(const Request& req, Target& t) {
  if (!IsXmlType(req.http.headers.Get("Content-Type").value_or(""))) {
    return Status::UnsupportedMedia(
        "POST here takes an XML sharing request (CS:share, DAV:share-resource, "
        "CS:invite-reply, DAV:invite-reply)");
  }
  if (req.http.body.empty()) {
    return Status::BadRequest(
        "POST needs an XML body (CS:share, DAV:share-resource, "
        "CS:invite-reply or DAV:invite-reply)");
  }
  Result<std::unique_ptr<pugi::xml_document>> doc =
      ParseXml(req.http.body, XmlLimitsOf(req.ctx.options));
  if (!doc.ok()) return doc.status();
  pugi::xml_node root = (*doc)->document_element();
  const QName name = NameOf(root);
  for (const PostRow& row : kPosts) {
    if (!name.Is(row.ns, row.local)) continue;
    if (!row.applies.Has(t.kind)) {
      return Status::Forbidden(name.Clark() + " does not apply to " + t.path);
    }
    return row.fn(req, t, root);
  }
  return Status::BadRequest("unsupported POST request " + name.Clark() +
                            " (CS:share, DAV:share-resource, CS:invite-reply, DAV:invite-reply)");
}

}  // namespace cartable::dav::sharing
