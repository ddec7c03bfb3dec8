#include "dav/property_registry.h"

#include <algorithm>
#include <ctime>

#include "dav/caldav/calendar_collection.h"
#include "dav/carddav/addressbook_collection.h"
#include "dav/collection_types.h"
#include "dav/members.h"
#include "dav/quota.h"
#include "dav/report_registry.h"
#include "dav/scheduling/scheduling_properties.h"
#include "dav/sharing/acl_properties.h"
#include "dav/sharing/delegation.h"
#include "dav/sharing/mount_settings.h"
#include "dav/sharing/per_user.h"
#include "dav/sharing/principal_groups.h"
#include "dav/sharing/sharing_properties.h"
#include "server/http/path.h"

namespace cartable::dav {
namespace {

using T = NodeType;

// Principals and the directory have fixed displaynames; other collections keep theirs in the
// settings record; on objects displayname is a dead property.
constexpr KindSet kLiveDisplayname = kPrincipal | kProxyGroup | kStoreCollections;

void WriteHref(XmlWriter& w, const std::string& path) {
  w.TextElement(ns::kDav, "href", Href(path));
}

bool GetResourcetype(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  if (t.type == T::kObject) return true;
  if (t.kind == ResourceKind::kProxyGroup) {
    // caldav-cu-proxy §5.1: a principal (not a collection) of type calendar-proxy-read/-write.
    w.Empty(ns::kDav, "principal");
    w.Empty(ns::kCalendarServer, t.name);
    return true;
  }
  w.Empty(ns::kDav, "collection");
  if (t.type == T::kPrincipal) w.Empty(ns::kDav, "principal");
  if (t.type == T::kCollection) {
    for (const QName& q : DescribeCollection(t.collection.kind).resourcetype)
      w.Empty(q.ns, q.local);
    sharing::WriteSharingResourcetype(c, w);
  }
  return true;
}

bool GetLiveDisplayname(const PropContext& c, XmlWriter& w) {
  if (c.target.kind == ResourceKind::kPrincipal) {
    w.Text(c.target.owner->display_name);
  } else if (c.target.kind == ResourceKind::kProxyGroup) {
    w.Text(sharing::ProxyGroupDisplayName(c.target));
  } else if (c.target.kind == ResourceKind::kDirectory) {
    w.Text("Annuaire académique");
  } else if (std::optional<std::string> name = sharing::SettingsSeen(c.target).display_name) {
    w.Text(*name);  // on a share mount, the sharee's own name for it
  } else {
    return false;
  }
  return true;
}

Status UpdateDisplayname(const Request&, const Target& t, const pugi::xml_node& value,
                         store::CollectionSettings& settings) {
  if (t.kind == ResourceKind::kPrincipal || t.kind == ResourceKind::kProxyGroup ||
      t.kind == ResourceKind::kDirectory) {
    return Status::Violates(Precondition::kCannotModifyProtectedProperty,
                            "this displayname comes from the staff directory");
  }
  settings.display_name = value ? std::optional(ElementText(value)) : std::nullopt;
  return Status::OK();
}

bool GetEtag(const PropContext& c, XmlWriter& w) {
  if (!sharing::HasCalendarView(c.target)) {  // the stored etag, without a copy per member
    w.Text(c.target.object.etag);
    return true;
  }
  Result<std::string> etag = sharing::ViewerEtag(c);  // a sharee's own
  if (!etag.ok()) {
    c.Fail(etag.status());
    return false;
  }
  w.Text(*etag);
  return true;
}

int64_t ModifiedAt(const Target& t) {
  return t.type == T::kObject ? t.object.modified_at : t.collection.modified_at;
}

bool GetLastModified(const PropContext& c, XmlWriter& w) {
  w.Text(http::HttpDate(std::chrono::system_clock::from_time_t(ModifiedAt(c.target))));
  return true;
}

bool GetCreationDate(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  w.Text(Rfc3339(t.type == T::kObject ? t.object.created_at : t.collection.created_at));
  return true;
}

bool GetContentLength(const PropContext& c, XmlWriter& w) {
  w.Text(std::to_string(c.target.object.size));
  return true;
}

bool GetContentType(const PropContext& c, XmlWriter& w) {
  w.Text(c.target.object.content_type);
  return true;
}

bool GetSupportedReportSet(const PropContext& c, XmlWriter& w) {
  for (const ReportHandler& r : ReportRegistry::Default().All()) {
    if (!r.applies.Has(c.target.kind)) continue;
    w.Open(ns::kDav, "supported-report");
    w.Open(ns::kDav, "report");
    w.Empty(r.name.ns, r.name.local);
    w.Close();
    w.Close();
  }
  return true;
}

bool GetSyncToken(const PropContext& c, XmlWriter& w) {
  w.Text(SyncToken(c.target.collection));
  return true;
}

bool GetOwner(const PropContext& c, XmlWriter& w) {
  if (!c.target.owner) return false;
  WriteHref(w, PrincipalPath(*c.target.owner));  // on a share mount: the sharer
  return true;
}

bool GetCurrentUserPrincipal(const PropContext& c, XmlWriter& w) {
  WriteHref(w, PrincipalPath(c.req.principal.login));
  return true;
}

bool GetQuotaUsed(const PropContext& c, XmlWriter& w) {
  w.Text(std::to_string(c.target.owner->used_bytes));
  return true;
}

bool GetQuotaAvailable(const PropContext& c, XmlWriter& w) {
  w.Text(std::to_string(
      std::max<int64_t>(0, QuotaBytes(c.req.ctx, *c.target.owner) - c.target.owner->used_bytes)));
  return true;
}

bool GetPrincipalUrl(const PropContext& c, XmlWriter& w) {
  WriteHref(w, c.target.path);
  return true;
}

bool GetCalendarHomeSet(const PropContext& c, XmlWriter& w) {
  WriteHref(w, HomePath(CalendarArea(), c.target.owner->login));
  return true;
}

bool GetAddressbookHomeSet(const PropContext& c, XmlWriter& w) {
  if (sharing::IsGroupPrincipal(c.target)) return false;  // groups own agendas only
  WriteHref(w, HomePath(AddressbookArea(), c.target.owner->login));
  return true;
}

bool GetCalendarUserAddressSet(const PropContext& c, XmlWriter& w) {
  // mailto: first: Thunderbird takes the first mailto: as the user's address.
  if (!c.target.owner->email.empty()) WriteHref(w, "mailto:" + c.target.owner->email);
  // A group has no e-mail: its address is a URN (what CUTYPE=GROUP attendees name).
  if (sharing::IsGroupPrincipal(c.target))
    WriteHref(w, sharing::GroupAddress(c.target.owner->login));
  WriteHref(w, c.target.path);
  return true;
}

bool GetEmailAddressSet(const PropContext& c, XmlWriter& w) {
  if (c.target.owner->email.empty()) return false;
  w.TextElement(ns::kCalendarServer, "email-address", c.target.owner->email);
  return true;
}

bool GetPrincipalCollectionSet(const PropContext&, XmlWriter& w) {
  WriteHref(w, "/dav/principals/users/");
  WriteHref(w, std::string(sharing::kPrincipalsGroups));
  return true;
}

std::vector<LiveProperty> BuildTable() {
  const std::string d(ns::kDav), cal(ns::kCalDav), card(ns::kCardDav), cs(ns::kCalendarServer);
  return {
      {.name = {d, "resourcetype"},
       .applies = kAnyKind,
       .in_allprop = true,
       .get = GetResourcetype},
      {.name = {d, "displayname"},
       .applies = kLiveDisplayname,
       .in_allprop = true,
       .is_protected = false,
       .dead_elsewhere = true,
       .get = GetLiveDisplayname,
       .update_setting = UpdateDisplayname},
      {.name = {d, "getetag"}, .applies = kObjects, .in_allprop = true, .get = GetEtag},
      {.name = {d, "getlastmodified"},
       .applies = kStored,
       .in_allprop = true,
       .get = GetLastModified},
      {.name = {d, "creationdate"}, .applies = kStored, .in_allprop = true, .get = GetCreationDate},
      {.name = {d, "getcontentlength"},
       .applies = kObjects,
       .in_allprop = true,
       .get = GetContentLength},
      {.name = {d, "getcontenttype"},
       .applies = kObjects,
       .in_allprop = true,
       .get = GetContentType},
      {.name = {d, "supported-report-set"}, .applies = kAnyKind, .get = GetSupportedReportSet},
      {.name = {d, "owner"}, .applies = kStored, .get = GetOwner},
      {.name = {d, "current-user-principal"}, .applies = kAnyKind, .get = GetCurrentUserPrincipal},
      {.name = {d, "quota-used-bytes"}, .applies = kFileCollections, .get = GetQuotaUsed},
      {.name = {d, "quota-available-bytes"}, .applies = kFileCollections, .get = GetQuotaAvailable},
      {.name = {d, "principal-URL"}, .applies = kPrincipal | kProxyGroup, .get = GetPrincipalUrl},
      {.name = {d, "principal-collection-set"},
       .applies = kAnyKind,
       .get = GetPrincipalCollectionSet},
      {.name = {cal, "calendar-home-set"}, .applies = kPrincipal, .get = GetCalendarHomeSet},
      {.name = {cal, "calendar-user-address-set"},
       .applies = kPrincipal,
       .get = GetCalendarUserAddressSet},
      {.name = {card, "addressbook-home-set"}, .applies = kPrincipal, .get = GetAddressbookHomeSet},
      {.name = {cs, "email-address-set"}, .applies = kPrincipal, .get = GetEmailAddressSet},
      {.name = {d, "sync-token"}, .applies = kStoreCollections, .get = GetSyncToken},
      // Kept in step with sync-token (docs/clients.md #11): same value.
      {.name = {cs, "getctag"}, .applies = kStoreCollections, .get = GetSyncToken},
  };
}

}  // namespace

const PropertyRegistry& PropertyRegistry::Default() {
  static const PropertyRegistry kRegistry([] {
    std::vector<LiveProperty> table = BuildTable();
    caldav::AddCalendarProperties(table);
    carddav::AddAddressbookProperties(table);
    scheduling::AddSchedulingProperties(table);
    sharing::AddGroupPrincipalProperties(table);
    sharing::AddAclProperties(table);
    sharing::AddSharingProperties(table);
    sharing::AddDelegationProperties(table);
    return table;
  }());
  return kRegistry;
}

bool PropertyRegistry::IsLiveStorage(const store::DeadProperty& stored,
                                     const Target& target) const {
  const LiveProperty* live = Find({stored.ns, stored.local});
  return live != nullptr && live->AppliesTo(target);
}

const std::vector<store::DeadProperty>& PropContext::StoredRows() const {
  static const std::vector<store::DeadProperty> kNone;
  if (!loaded_) {
    loaded_ = true;
    rows_ = &kNone;
    if (bulk_ != nullptr && target.type == NodeType::kObject) {
      Result<const std::vector<store::DeadProperty>*> r = bulk_->For(target.object.id);
      if (r.ok()) {
        rows_ = *r;
      } else {
        error_ = r.status();
      }
    } else if (kStored.Has(target.kind)) {
      bool object = target.type == NodeType::kObject;
      Result<std::vector<store::DeadProperty>> r =
          req.session.GetProperties(object ? store::Owner::kObject : store::Owner::kCollection,
                                    object ? target.object.id : target.collection.id);
      if (r.ok()) {
        own_ = std::move(r.value());
        rows_ = &own_;
      } else {
        error_ = r.status();
      }
    }
  }
  return *rows_;
}

const store::DeadProperty* PropContext::Stored(std::string_view ns, std::string_view local) const {
  for (const store::DeadProperty& p : StoredRows()) {
    if (p.local == local && p.ns == ns) return &p;
  }
  return nullptr;
}

PropertyRegistry::PropertyRegistry(std::vector<LiveProperty> props) : props_(std::move(props)) {
  for (size_t i = 0; i < props_.size(); ++i) by_local_.emplace(props_[i].name.local, i);
}

const LiveProperty* PropertyRegistry::Find(const QName& name) const {
  // The first row of the table with that name, as the scan it replaces returned.
  const LiveProperty* first = nullptr;
  auto [begin, end] = by_local_.equal_range(name.local);
  for (auto it = begin; it != end; ++it) {
    const LiveProperty& p = props_[it->second];
    if (p.name == name && (first == nullptr || &p < first)) first = &p;
  }
  return first;
}

std::optional<std::string> ObjectBody(const PropContext& ctx) {
  std::string data;
  if (ctx.target.object.data) {
    data = *ctx.target.object.data;
  } else {
    Result<store::Object> full =
        ctx.req.session.GetObject(ctx.target.collection.id, ctx.target.name, true);
    if (!full.ok()) return std::nullopt;
    data = std::move(*full->data);
  }
  // What the principal may see (the read hook of dav/sharing/per_user.h).
  Result<std::string> view = sharing::CalendarView(ctx, std::move(data));
  if (!view.ok()) {
    ctx.Fail(view.status());
    return std::nullopt;
  }
  return std::move(view.value());
}

std::string ElementText(const pugi::xml_node& value) {
  std::string text;
  for (pugi::xml_node c : value.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  return text;
}

std::string Href(const std::string& decoded_path) { return http::EncodePath(decoded_path); }

std::string Rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace cartable::dav
