// sync-collection (RFC 6578) on any store collection, calendar homes included (Apple syncs the
// home): an empty token returns every member, a known token the members changed since, with
// deletions as 404 responses; an unknown or foreign token is 403 DAV:valid-sync-token.

#include "dav/members.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/property_registry.h"
#include "dav/report_registry.h"
#include "dav/reports/report_scope.h"
#include "dav/sharing/mount.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

Status InvalidToken(std::string_view token) {
  return Status::Violates(
      Precondition::kValidSyncToken,
      "unknown or expired sync token '" + std::string(token) + "': sync again from an empty token");
}

// A calendar or address-book home, where shares are mounted.
bool IsShareHome(const Target& t) {
  return !t.mount && (t.collection.kind == store::kKindCalendarHome ||
                      t.collection.kind == store::kKindAddressbookHome);
}

// The change of mount `name` ("partage-N/") in home `t`: the mount as it is now, or 404 when
// it is no longer mounted there.
Status WriteMountChange(const Request& req, const Target& t, const PropRequest& props,
                        const std::string& name, MultistatusWriter& out) {
  std::optional<store::Id> id = sharing::ParseMountName(name.substr(0, name.size() - 1));
  Result<std::optional<sharing::MountedShare>> m =
      t.owner ? sharing::FindMount(req.session, *t.owner, t.collection.kind, *id)
              : Result<std::optional<sharing::MountedShare>>(std::nullopt);
  if (!m.ok()) return m.status();
  if (!m->has_value()) {
    out.StatusResponse(Href(t.path + name), 404);
    return Status::OK();
  }
  return WritePropResponse(req, sharing::MountTarget(t, **m), props, false, out);
}

// Writes the members named in `changes` (latest state of each) into `out`.
Status WriteChanges(const Request& req, const Target& t, const PropRequest& props,
                    const std::vector<store::Change>& changes, MultistatusWriter& out) {
  std::vector<std::string> names;
  for (const store::Change& c : changes) {
    if (c.name.empty()) continue;  // a change of the collection's own properties
    if (c.deleted) {
      out.StatusResponse(Href(t.path + c.name), 404);
    } else if (c.name.back() == '/' && IsShareHome(t) &&
               sharing::ParseMountName(c.name.substr(0, c.name.size() - 1))) {
      // A share mounted in (or gone from) a sharee's home: the sharing service Touches the
      // home with the mount's name (sharing_service.h).
      if (Status s = WriteMountChange(req, t, props, c.name, out); !s.ok()) return s;
    } else if (c.name.back() == '/') {
      Result<store::Collection> sub = req.session.GetCollection(t.path + c.name);
      if (!sub.ok()) {
        out.StatusResponse(Href(t.path + c.name), 404);
        continue;
      }
      if (Status s = WritePropResponse(req, ChildCollectionTarget(t, *sub), props, false, out);
          !s.ok()) {
        return s;
      }
    } else {
      names.push_back(c.name);
    }
  }
  Result<std::vector<store::Object>> objects =
      req.session.GetObjects(t.collection.id, names, props.calendar_data.has_value());
  if (!objects.ok()) return objects.status();
  Target child = ChildObjectTarget(t, store::Object{});
  for (const store::Object& o : *objects) {
    FillObjectTarget(t, o, child);
    if (Status s = WritePropResponse(req, child, props, false, out); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

MethodResult RunSyncCollection(const Request& req, Target& t, const pugi::xml_node& root) {
  pugi::xml_node token_node = Child(root, ns::kDav, "sync-token");
  std::string token = token_node.child_value();
  std::string_view level = Child(root, ns::kDav, "sync-level").child_value();
  if (!level.empty() && level != "1" && level != "infinite") {
    return Status::BadRequest("DAV:sync-level must be 1 or infinite");
  }
  Result<size_t> limit = ParseLimit(root, ns::kDav, "DAV");
  if (!limit.ok()) return limit.status();
  Result<PropRequest> props = ParseReportProps(root, req.ctx.options);
  if (!props.ok()) return props.status();

  MultistatusWriter out(req.ctx.options.max_response_bytes);
  std::string new_token = SyncToken(t.collection);
  if (token.empty()) {
    Status s = ForEachMember(req, t, [&](const Target& m, MemberProperties* rows) {
      return WritePropResponse(req, m, *props, false, out, rows);
    });
    if (!s.ok()) return s;
  } else {
    std::optional<int64_t> since = ParseSyncToken(token, t.collection);
    if (!since || *since > t.collection.sync_seq) return InvalidToken(token);
    Result<std::vector<store::Change>> changes = req.session.ChangesSince(t.collection.id, *since);
    if (!changes.ok()) {
      if (changes.status().code() == Status::Code::kNotFound) return InvalidToken(token);
      return changes.status();
    }
    if (*limit > 0 && changes->size() > *limit) {
      // Truncated (RFC 6578 §3.6): the token resumes after the last change returned.
      changes->resize(*limit);
      store::Collection upto = t.collection;
      upto.sync_seq = changes->back().seq;
      new_token = SyncToken(upto);
      out.StatusResponse(Href(t.path), 507);
    }
    if (Status s = WriteChanges(req, t, *props, *changes, out); !s.ok()) return s;
  }
  out.SyncToken(new_token);
  return out.Finish();
}

}  // namespace cartable::dav
