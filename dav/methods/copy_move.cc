// COPY and MOVE (RFC 4918 §9.8, §9.9): Destination, Overwrite, Depth; dead properties travel
// with the resource; 201 for a new destination, 204 for an overwritten one.
#include "dav/collection_types.h"
#include "dav/conditional.h"
#include "dav/methods/methods.h"
#include "dav/quota.h"
#include "dav/resource_kind.h"
#include "dav/sharing/mount.h"
#include "dav/sharing/per_user.h"
#include "server/http/path.h"

namespace cartable::dav {
namespace {

Status CopyProperties(store::Session& s, store::Owner owner, store::Id from, store::Id to) {
  // Collections only: objects carry theirs through PlaceObject.
  Result<std::vector<store::DeadProperty>> props = s.GetProperties(owner, from);
  if (!props.ok()) return props.status();
  for (const store::DeadProperty& p : *props) {
    if (Status st = s.SetProperty(owner, to, p); !st.ok()) return st;
  }
  return Status::OK();
}

// A share mount itself (not a member below it).
bool IsMountRoot(const Target& t) { return t.mount && t.path == t.mount->path; }

// The missing member `name` of `coll`, in the destination's area and owner's tree (`base`).
Target MemberTarget(const Target& base, const store::Collection& coll, const std::string& name) {
  Target t;
  t.type = NodeType::kMissing;
  t.path = coll.path + name;
  t.area = base.area;
  t.owner = base.owner;
  t.collection = coll;
  t.parent_exists = true;
  t.name = name;
  t.kind = KindOf(t);
  return t;
}

// Stores `src` (with data) at `to` (a missing member) with the properties `props`, through the
// destination type's write hook: a calendar validates components and UIDs whatever the source
// and applies the scheduling rules of a PUT (calendar_member.cc says what COPY and MOVE do).
// `source` and `source_state`: the MOVE's source and what its hooks read (null for COPY).
// `replaced`: the destination object Overwrite deleted (null when there was none).
Status PlaceObject(const Request& req, const store::Object& src,
                   const std::vector<store::DeadProperty>& props, const Target& to,
                   MemberChange change, const store::Object* replaced,
                   const Target* source = nullptr, const MemberState* source_state = nullptr) {
  MemberState state;
  if (Status s = CheckChange(req, to, change, state); !s.ok()) return s;
  Result<WriteResult> dst = WriteMember(
      req, MemberWrite{to, *src.data, src.content_type, change, source, source_state, replaced},
      state);
  if (!dst.ok()) return dst.status();
  for (const store::DeadProperty& p : props) {
    if (Status st = req.session.SetProperty(store::Owner::kObject, dst->object.id, p); !st.ok()) {
      return st;
    }
  }
  return Status::OK();
}

// Loads object `name` of `coll` with its data and properties.
Status LoadObject(store::Session& s, store::Id coll, const std::string& name, store::Object* obj,
                  std::vector<store::DeadProperty>* props) {
  Result<store::Object> src = s.GetObject(coll, name, true);
  if (!src.ok()) return src.status();
  Result<std::vector<store::DeadProperty>> p = s.GetProperties(store::Owner::kObject, src->id);
  if (!p.ok()) return p.status();
  *obj = std::move(src.value());
  *props = std::move(p.value());
  return Status::OK();
}

// What the principal sees of a loaded calendar object of a collection of kind `kind` that they
// reach with `access`: a copy or a move takes that, never more (a sharee copying a private
// event gets the busy time; dav/sharing/per_user.h).
Status ApplyView(const Request& req, std::string_view kind, const Access& access,
                 store::Object& obj) {
  if (kind != store::kKindCalendar || !sharing::HasView(access) || !obj.data) return Status::OK();
  Result<std::string> seen =
      sharing::CalendarView(req.session, access, req.principal.user_id, obj, std::move(*obj.data));
  if (!seen.ok()) return seen.status();
  obj.data = std::move(seen.value());
  return Status::OK();
}

// COPY of one object: a new resource at `to`, made as a PUT there would make it. `from`: the
// source's collection kind and the principal's access there.
Status CopyObject(const Request& req, const store::Collection& from, const Access& access,
                  const std::string& name, const Target& to,
                  const store::Object* replaced = nullptr) {
  store::Object src;
  std::vector<store::DeadProperty> props;
  if (Status s = LoadObject(req.session, from.id, name, &src, &props); !s.ok()) return s;
  if (Status s = ApplyView(req, from.kind, access, src); !s.ok()) return s;
  return PlaceObject(req, src, props, to, MemberChange::kCopyTo, replaced);
}

// Copies collection `src` to `path` under `parent_id`; members too when `deep`. `base`: the
// destination target (area and owner of everything created).
Status CopyCollection(const Request& req, const Target& base, const store::Collection& src,
                      const Access& access, const std::string& path, store::Id parent_id,
                      bool deep) {
  store::Session& s = req.session;
  // The copy belongs to the destination's owner (a sharee copying a shared calendar into their
  // home owns the copy).
  Result<store::Collection> dst = s.CreateCollection(path, parent_id, base.owner->id, src.kind);
  if (!dst.ok()) return dst.status();
  if (Status st = CopyProperties(s, store::Owner::kCollection, src.id, dst->id); !st.ok()) {
    return st;
  }
  // The settings travel like dead properties (a copied calendar keeps its colour and name).
  if (src.settings != store::CollectionSettings{}) {
    if (Status st = s.SetCollectionSettings(dst->id, src.settings); !st.ok()) return st;
  }
  if (!deep) return Status::OK();
  std::vector<std::string> names;
  Status st = s.ForEachObject(src.id, [&names](const store::Object& o) {
    names.push_back(o.name);
    return Status::OK();
  });
  if (!st.ok()) return st;
  for (const std::string& n : names) {
    if (st = CopyObject(req, src, access, n, MemberTarget(base, *dst, n)); !st.ok()) return st;
  }
  Result<std::vector<store::Collection>> subs = s.ListChildCollections(src.id);
  if (!subs.ok()) return subs.status();
  for (const store::Collection& c : *subs) {
    std::string child = path + c.path.substr(src.path.size());
    if (st = CopyCollection(req, base, c, access, child, dst->id, true); !st.ok()) return st;
  }
  return Status::OK();
}

// Resolves and checks the destination; removes an existing one when Overwrite allows.
// `change`: kCopyTo or kMoveTo, as the destination's type hooks are told. `replaced` gets the
// destination object removed, if any (its UID is checked when the new one is written).
Result<Target> PrepareDestination(const Request& req, const Target& src, MemberChange change,
                                  bool* existed, std::optional<store::Object>* replaced) {
  std::optional<std::string_view> header = req.http.headers.Get("Destination");
  if (!header) return Status::BadRequest("COPY and MOVE need a Destination header");
  std::string host(req.http.headers.Get("Host").value_or(""));
  std::optional<std::string> path = http::ParseDestination(*header, host);
  if (!path) return Status::BadRequest("invalid Destination: " + std::string(*header));
  Result<bool> overwrite = ParseOverwrite(req.http);
  if (!overwrite.ok()) return overwrite.status();
  Result<Target> dst = Resolve(req.session, *path, req.principal);
  if (!dst.ok()) {
    if (dst.status().code() == Status::Code::kNotFound) {
      return Status::Conflict("the destination's parent does not exist");
    }
    return dst.status();
  }
  // RFC 3744 §7.1: bind at the destination, and unbind there too when Overwrite replaces what
  // it holds. A share mount is not a collection of the sharee's home: it is neither replaced
  // nor a place to move or copy something to (its members are).
  bool dst_exists = dst->type == NodeType::kObject || dst->type == NodeType::kCollection;
  uint32_t dst_needs = dst_exists ? kPrivBind | kPrivUnbind : kPrivBind;
  if (dst->area != src.area || !dst->access.Has(dst_needs) || IsMountRoot(*dst)) {
    return Status::Violates(Precondition::kNeedPrivileges, "you may not write the destination");
  }
  auto within = [](const std::string& inner, const std::string& outer) {
    return inner.compare(0, outer.size(), outer) == 0;
  };
  std::string dst_dir = dst->path.back() == '/' ? dst->path : dst->path + "/";
  if (dst->path == src.path || (src.type == NodeType::kCollection && within(dst_dir, src.path)) ||
      within(src.path, dst_dir)) {
    return Status::Forbidden("the destination is the source, lies inside it or contains it");
  }
  *existed = dst->type == NodeType::kObject || dst->type == NodeType::kCollection;
  if (*existed) {
    if (!*overwrite) return Status::PreconditionFailed("the destination exists (Overwrite: F)");
    Status s;
    if (dst->type == NodeType::kCollection) {
      if (Status c = CheckDelete(req, *dst); !c.ok()) return c;
      s = req.session.DeleteCollection(dst->collection.id);
      dst->parent_exists = false;
    } else {
      // Overwrite deletes the destination first (RFC 4918 §9.8.4): as a DELETE would, so a
      // scheduled event replaced this way is cancelled or declined.
      MemberState state;
      *replaced = dst->object;
      s = CheckChange(req, *dst, change, state);
      if (s.ok()) s = RemoveMember(req, *dst, nullptr, state);
    }
    if (!s.ok()) return s;
    // Re-resolve: the destination is now missing, with its parent.
    dst = Resolve(req.session, *path, req.principal);
    if (!dst.ok()) return dst.status();
  }
  if (!dst->parent_exists) return Status::Conflict("the destination's parent does not exist");
  if (Status s = CheckNewResourceName(dst->path); !s.ok()) return s;
  if (Status s = sharing::CheckReservedName(*dst); !s.ok()) return s;
  const CollectionType& parent = DescribeCollection(dst->collection.kind);
  bool allowed = src.type == NodeType::kCollection
                     ? MayContain(dst->collection.kind, src.collection.kind)
                     : parent.allows_objects;
  if (!allowed) return Status::Forbidden("the destination collection cannot hold this resource");
  return dst;
}

http::HttpResponse Done(bool existed) {
  http::HttpResponse r;
  r.status = existed ? 204 : 201;
  return r;
}

// After a copy, the owner must still be within quota (the transaction is rolled back if not).
Status CheckQuotaAfter(const Request& req, const Target& dst) {
  Result<store::User> owner = req.session.GetUserById(dst.owner->id);
  if (!owner.ok()) return owner.status();
  Target fresh = dst;
  fresh.owner = *owner;
  fresh.owner->used_bytes = 0;
  return CheckQuota(req, fresh, owner->used_bytes);
}

}  // namespace

MethodResult HandleCopy(const Request& req, Target& src) {
  Result<Depth> depth = ParseDepth(req.http, Depth::kInfinity);
  if (!depth.ok()) return depth.status();
  if (*depth == Depth::kOne) return Status::BadRequest("COPY takes Depth 0 or infinity");
  bool existed = false;
  std::optional<store::Object> replaced;
  Result<Target> dst = PrepareDestination(req, src, MemberChange::kCopyTo, &existed, &replaced);
  if (!dst.ok()) return dst.status();
  Status s;
  if (src.type == NodeType::kCollection) {
    s = CopyCollection(req, *dst, src.collection, src.access,
                       dst->collection.path + dst->name + "/", dst->collection.id,
                       *depth == Depth::kInfinity);
  } else {
    s = CopyObject(req, src.collection, src.access, src.name, *dst,
                   replaced ? &*replaced : nullptr);
  }
  if (!s.ok()) return s;
  if (s = CheckQuotaAfter(req, *dst); !s.ok()) return s;
  return Done(existed);
}

MethodResult HandleMove(const Request& req, Target& src) {
  Result<Depth> depth = ParseDepth(req.http, Depth::kInfinity);
  if (!depth.ok()) return depth.status();
  if (src.type == NodeType::kCollection && *depth != Depth::kInfinity) {
    return Status::BadRequest("MOVE of a collection takes Depth infinity");
  }
  if (IsMountRoot(src)) {
    return Status::Forbidden("a shared " + std::string(KindName(src.kind)) +
                             " cannot be moved; DELETE removes it from your home");
  }
  if (src.type == NodeType::kCollection) {
    if (Status c = CheckDelete(req, src, true); !c.ok()) return c;
  }
  bool existed = false;
  std::optional<store::Object> replaced;
  Result<Target> dst = PrepareDestination(req, src, MemberChange::kMoveTo, &existed, &replaced);
  if (!dst.ok()) return dst.status();
  Status s;
  if (src.type == NodeType::kCollection) {
    s = req.session.MoveCollection(src.collection.id, dst->collection.path + dst->name + "/",
                                   dst->collection.id);
  } else {
    // Remove first: a move inside one calendar keeps its UID without conflicting with itself.
    // Both ends go through their type's hooks (a calendar event moved within its owner's
    // calendars is the same event: nothing is sent; see calendar_member.cc).
    store::Object obj;
    std::vector<store::DeadProperty> props;
    MemberState from;
    s = LoadObject(req.session, src.collection.id, src.name, &obj, &props);
    if (s.ok()) s = ApplyView(req, src.collection.kind, src.access, obj);
    if (s.ok()) s = CheckChange(req, src, MemberChange::kMoveFrom, from);
    if (s.ok()) s = RemoveMember(req, src, &*dst, from);
    if (s.ok()) {
      s = PlaceObject(req, obj, props, *dst, MemberChange::kMoveTo, replaced ? &*replaced : nullptr,
                      &src, &from);
    }
  }
  if (!s.ok()) return s;
  return Done(existed);
}

}  // namespace cartable::dav
