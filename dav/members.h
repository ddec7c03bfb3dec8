// Walking the members of a collection-like target without reading member bodies: used by
// PROPFIND Depth 1 and sync-collection. Object members reuse one Target (no per-member copies of
// the parent), and their stored properties can be fetched for the whole collection at once.
#pragma once

#include <functional>
#include <vector>

#include "dav/context.h"
#include "dav/target.h"

namespace cartable::dav {

// fn(member, stored): `stored` is the member's property rows when `with_stored` was asked and
// the member is an object (nullptr otherwise: load them yourself if needed).
using MemberFn =
    std::function<Status(const Target& member, const std::vector<store::DeadProperty>* stored)>;

Status ForEachMember(const Request& req, const Target& t, bool with_stored, const MemberFn& fn);

// The object member `object` of collection target `parent`, written into `child` (reused).
void FillObjectTarget(const Target& parent, const store::Object& object, Target& child);

}  // namespace cartable::dav
