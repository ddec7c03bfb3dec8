#include "dav/sharing/acl_properties.h"

#include <string>

#include "dav/sharing/access.h"
#include "dav/target.h"

namespace cartable::dav::sharing {
namespace {

void WritePrivilege(XmlWriter& w, std::string_view ns, std::string_view name) {
  w.Open(ns::kDav, "privilege");
  w.Empty(ns, name);
  w.Close();
}

bool InCalendarArea(const Target& t) { return t.area == &CalendarArea(); }

// RFC 3744 §5.4. Only what applies to the resource is listed: bind and unbind on collections,
// read-free-busy in the calendar area, schedule-send on outboxes and schedule-deliver on inboxes
// (RFC 6638 §6).
bool GetCurrentUserPrivilegeSet(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  const Access& a = t.access;
  const bool collection = t.type == NodeType::kCollection;
  if (a.Has(kPrivRead)) WritePrivilege(w, ns::kDav, "read");
  if (a.HasAny(kPrivRead | kPrivReadFreeBusy)) {
    WritePrivilege(w, ns::kDav, "read-current-user-privilege-set");
  }
  if (a.Has(kPrivReadFreeBusy) && InCalendarArea(t)) {
    WritePrivilege(w, ns::kCalDav, "read-free-busy");
  }
  if (a.Has(collection ? kPrivWrite : kPrivWriteContent | kPrivWriteProperties)) {
    WritePrivilege(w, ns::kDav, "write");
  }
  if (a.Has(kPrivWriteProperties)) WritePrivilege(w, ns::kDav, "write-properties");
  if (a.Has(kPrivWriteContent)) WritePrivilege(w, ns::kDav, "write-content");
  if (collection && a.Has(kPrivBind)) WritePrivilege(w, ns::kDav, "bind");
  if (collection && a.Has(kPrivUnbind)) WritePrivilege(w, ns::kDav, "unbind");
  if (a.Has(kPrivReadAcl)) WritePrivilege(w, ns::kDav, "read-acl");
  if (a.Has(kPrivWriteAcl)) WritePrivilege(w, ns::kDav, "write-acl");
  if (t.kind == ResourceKind::kOutbox && a.Has(kPrivScheduleSend)) {
    WritePrivilege(w, ns::kCalDav, "schedule-send");
  }
  if (t.kind == ResourceKind::kInbox && a.Has(kPrivScheduleDeliver)) {
    WritePrivilege(w, ns::kCalDav, "schedule-deliver");
  }
  return true;
}

// One ACE (RFC 3744 §5.5): `principal` granted `privileges` (DAV:all when 0). Every ACE is
// protected: ACLs change through sharing and delegation, never through the ACL method. On a
// member the collection's grants are inherited from it.
void WriteAce(XmlWriter& w, const Target& t, const std::string& principal,
              std::initializer_list<std::pair<std::string_view, std::string_view>> privileges,
              bool inherited) {
  w.Open(ns::kDav, "ace");
  w.Open(ns::kDav, "principal");
  w.TextElement(ns::kDav, "href", Href(principal));
  w.Close();
  w.Open(ns::kDav, "grant");
  for (const auto& [ns, name] : privileges) WritePrivilege(w, ns, name);
  w.Close();
  w.Empty(ns::kDav, "protected");
  if (inherited) {
    w.Open(ns::kDav, "inherited");
    w.TextElement(ns::kDav, "href", Href(t.path.substr(0, t.path.size() - t.name.size())));
    w.Close();
  }
  w.Close();
}

void WriteShareAce(XmlWriter& w, const Target& t, const std::string& principal,
                   store::ShareAccess access, bool inherited) {
  switch (access) {
    case store::ShareAccess::kFreeBusy:
      WriteAce(w, t, principal, {{ns::kCalDav, "read-free-busy"}}, inherited);
      break;
    case store::ShareAccess::kRead:
      WriteAce(w, t, principal, {{ns::kDav, "read"}}, inherited);
      break;
    case store::ShareAccess::kReadWrite:
      WriteAce(w, t, principal, {{ns::kDav, "read"}, {ns::kDav, "write"}}, inherited);
      break;
  }
}

// The accepted shares of the target's collection (or of its parent, for a member).
Status WriteShareAces(const PropContext& c, XmlWriter& w, bool inherited) {
  const Target& t = c.target;
  if (t.collection.kind != store::kKindCalendar && t.collection.kind != store::kKindAddressbook) {
    return Status::OK();
  }
  Result<std::vector<store::Share>> shares = c.req.session.ListShares(t.collection.id);
  if (!shares.ok()) return shares.status();
  for (const store::Share& s : *shares) {
    if (s.status != store::ShareStatus::kAccepted) continue;
    Result<store::User> who = s.sharee_user_id != 0
                                  ? c.req.session.GetUserById(s.sharee_user_id)
                                  : c.req.session.GetUserByGroupKey(s.sharee_group);
    if (!who.ok()) {
      if (who.status().code() == Status::Code::kNotFound) continue;  // a group not imported
      return who.status();
    }
    WriteShareAce(w, t, PrincipalPath(*who), s.access, inherited);
  }
  return Status::OK();
}

// The owner's delegates, on the owner's calendar area (calendar-proxy-read / -write).
Status WriteDelegateAces(const PropContext& c, XmlWriter& w, bool inherited) {
  const Target& t = c.target;
  if (!InCalendarArea(t) || t.collection.kind == store::kKindNotifications) return Status::OK();
  Result<std::vector<store::Delegate>> delegates = c.req.session.ListDelegates(t.owner->id);
  if (!delegates.ok()) return delegates.status();
  for (const store::Delegate& d : *delegates) {
    Result<store::User> who = c.req.session.GetUserById(d.delegate_id);
    if (!who.ok()) return who.status();
    WriteShareAce(w, t, PrincipalPath(*who),
                  d.access == store::DelegateAccess::kReadWrite ? store::ShareAccess::kReadWrite
                                                                : store::ShareAccess::kRead,
                  inherited);
  }
  return Status::OK();
}

bool GetAcl(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  if (!t.owner) return false;
  const bool inherited = t.type == NodeType::kObject;
  WriteAce(w, t, PrincipalPath(*t.owner), {{ns::kDav, "all"}}, false);
  Status s = WriteShareAces(c, w, inherited);
  if (s.ok()) s = WriteDelegateAces(c, w, inherited);
  if (!s.ok()) {
    c.Fail(s);
    return false;
  }
  return true;
}

bool GetAclRestrictions(const PropContext&, XmlWriter& w) {
  w.Empty(ns::kDav, "grant-only");
  w.Empty(ns::kDav, "no-invert");
  return true;
}

// One node of the privilege tree; `children` written by the caller between Open and Close.
void OpenSupported(XmlWriter& w, std::string_view ns, std::string_view name,
                   std::string_view description) {
  w.Open(ns::kDav, "supported-privilege");
  WritePrivilege(w, ns, name);
  w.OpenWithAttributes(ns::kDav, "description", {{"xml:lang", "fr"}});
  w.Text(description);
  w.Close();
}

void Leaf(XmlWriter& w, std::string_view ns, std::string_view name, std::string_view description) {
  OpenSupported(w, ns, name, description);
  w.Close();
}

// RFC 3744 §5.3, shaped like its example: DAV:all aggregates read (with CalDAV's
// read-free-busy, RFC 4791 §6.1.1), write (properties, content, bind, unbind), the ACL
// privileges and, on scheduling collections, RFC 6638's.
bool GetSupportedPrivilegeSet(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  OpenSupported(w, ns::kDav, "all", "Tous les droits");
  OpenSupported(w, ns::kDav, "read", "Lire");
  if (InCalendarArea(t)) Leaf(w, ns::kCalDav, "read-free-busy", "Lire les disponibilités");
  w.Close();
  OpenSupported(w, ns::kDav, "write", "Modifier");
  Leaf(w, ns::kDav, "write-properties", "Modifier les propriétés");
  Leaf(w, ns::kDav, "write-content", "Modifier le contenu");
  Leaf(w, ns::kDav, "bind", "Ajouter des éléments");
  Leaf(w, ns::kDav, "unbind", "Supprimer des éléments");
  w.Close();
  Leaf(w, ns::kDav, "read-acl", "Lire les droits");
  Leaf(w, ns::kDav, "read-current-user-privilege-set", "Lire ses propres droits");
  Leaf(w, ns::kDav, "write-acl", "Partager");
  if (t.kind == ResourceKind::kOutbox) Leaf(w, ns::kCalDav, "schedule-send", "Envoyer");
  if (t.kind == ResourceKind::kInbox) Leaf(w, ns::kCalDav, "schedule-deliver", "Recevoir");
  w.Close();
  return true;
}

}  // namespace

void AddAclProperties(std::vector<LiveProperty>& table) {
  const std::string d(ns::kDav);
  table.push_back({.name = {d, "current-user-privilege-set"},
                   .applies = kAnyKind,
                   .get = GetCurrentUserPrivilegeSet});
  table.push_back(
      {.name = {d, "acl"}, .applies = kStored, .get = GetAcl, .read_needs = kPrivReadAcl});
  table.push_back({.name = {d, "acl-restrictions"}, .applies = kStored, .get = GetAclRestrictions});
  table.push_back({.name = {d, "supported-privilege-set"},
                   .applies = kExisting,
                   .get = GetSupportedPrivilegeSet});
}

}  // namespace cartable::dav::sharing
