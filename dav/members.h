// Walking the members of a collection-like target without reading member bodies: used by
// PROPFIND Depth 1 and sync-collection. Object members reuse one Target (no per-member copies of
// the parent), and their stored properties are fetched for the whole collection at once.
#pragma once

#include <functional>
#include <unordered_map>
#include <vector>

#include "dav/context.h"
#include "dav/target.h"

namespace cartable::dav {

// The stored property rows of every object of one collection, read with one query
// (Session::ForEachObjectProperty) when the first member asks for its rows: a walk over the
// members costs a fixed number of queries, and none when no property needs stored data.
class MemberProperties {
 public:
  MemberProperties(store::Session& session, store::Id collection_id)
      : session_(session), collection_id_(collection_id) {}

  // The rows of object `object_id` of the collection (empty when it has none). Errors from the
  // store (then every later call returns the same error).
  Result<const std::vector<store::DeadProperty>*> For(store::Id object_id);
  // The per-user data of user `user_id` for object `object_id` (null when none), read for every
  // object of the collection with one query (Session::ForEachPerUserData) on the first call: a
  // sharee's getetag and calendar-data in a walk (dav/sharing/per_user.h). One user per walk.
  Result<const store::PerUserData*> PerUser(store::Id object_id, store::Id user_id);

 private:
  store::Session& session_;
  store::Id collection_id_;
  bool loaded_ = false;
  Status error_;
  std::unordered_map<store::Id, std::vector<store::DeadProperty>> rows_;
  bool per_user_loaded_ = false;
  Status per_user_error_;
  std::unordered_map<store::Id, store::PerUserData> per_user_;
};

// fn(member, stored): `stored` supplies the stored rows of object members in bulk (nullptr for
// collection members, which load their own rows when asked).
using MemberFn = std::function<Status(const Target& member, MemberProperties* stored)>;

Status ForEachMember(const Request& req, const Target& t, const MemberFn& fn);

// The object member `object` of collection target `parent`, written into `child` (reused).
void FillObjectTarget(const Target& parent, const store::Object& object, Target& child);

}  // namespace cartable::dav
