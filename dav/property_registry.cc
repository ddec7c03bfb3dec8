#include "dav/property_registry.h"

#include <algorithm>
#include <ctime>

#include "dav/collection_types.h"
#include "dav/quota.h"
#include "dav/report_registry.h"
#include "dav/caldav/calendar_collection.h"
#include "dav/carddav/addressbook_collection.h"
#include "dav/scheduling/scheduling_properties.h"
#include "server/http/path.h"

namespace cartable::dav {
namespace {

using T = NodeType;

bool Always(const Target&) { return true; }
bool IsObject(const Target& t) { return t.type == T::kObject; }
bool IsStored(const Target& t) { return t.type == T::kObject || t.type == T::kCollection; }
bool IsPrincipal(const Target& t) { return t.type == T::kPrincipal; }
bool IsOwned(const Target& t) { return IsStored(t) && t.owner.has_value(); }
bool InFilesArea(const Target& t) {
  return t.type == T::kCollection && t.area == &FilesArea() && t.owner.has_value();
}

void WriteHref(XmlWriter& w, const std::string& path) { w.TextElement(ns::kDav, "href", Href(path)); }

bool GetResourcetype(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  if (t.type == T::kObject) return true;
  w.Empty(ns::kDav, "collection");
  if (t.type == T::kPrincipal) w.Empty(ns::kDav, "principal");
  if (t.type == T::kCollection) {
    for (const QName& q : DescribeCollection(t.collection.kind).resourcetype) w.Empty(q.ns, q.local);
  }
  return true;
}

bool IsDirectory(const Target& t) {
  return t.type == T::kCollection && t.collection.kind == store::kKindDirectory;
}
// Principals and the directory have fixed names; other collections keep theirs in the settings
// record; on objects displayname is a dead property.
bool HasLiveDisplayname(const Target& t) { return IsPrincipal(t) || t.type == T::kCollection; }

bool GetLiveDisplayname(const PropContext& c, XmlWriter& w) {
  if (IsPrincipal(c.target)) {
    w.Text(c.target.owner->display_name);
  } else if (IsDirectory(c.target)) {
    w.Text("Annuaire académique");
  } else if (const auto& name = c.target.collection.settings.display_name) {
    w.Text(*name);
  } else {
    return false;
  }
  return true;
}

Status UpdateDisplayname(const Request&, const Target& t, const pugi::xml_node& value,
                         store::CollectionSettings& settings) {
  if (IsPrincipal(t) || IsDirectory(t)) {
    return Status::Violates(Precondition::kCannotModifyProtectedProperty,
                            "this displayname comes from the staff directory");
  }
  settings.display_name = value ? std::optional(ElementText(value)) : std::nullopt;
  return Status::OK();
}

bool GetEtag(const PropContext& c, XmlWriter& w) {
  w.Text(c.target.object.etag);
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
    if (!r.applies(c.target)) continue;
    w.Open(ns::kDav, "supported-report");
    w.Open(ns::kDav, "report");
    w.Empty(r.name.ns, r.name.local);
    w.Close();
    w.Close();
  }
  return true;
}

bool IsCollection(const Target& t) { return t.type == T::kCollection; }

bool GetSyncToken(const PropContext& c, XmlWriter& w) {
  w.Text(SyncToken(c.target.collection));
  return true;
}

bool GetOwner(const PropContext& c, XmlWriter& w) {
  WriteHref(w, PrincipalPath(c.target.owner->login));
  return true;
}

bool GetCurrentUserPrivilegeSet(const PropContext& c, XmlWriter& w) {
  auto priv = [&w](std::string_view name) {
    w.Open(ns::kDav, "privilege");
    w.Empty(ns::kDav, name);
    w.Close();
  };
  if (CanRead(c.target, c.req.principal)) {
    priv("read");
    priv("read-current-user-privilege-set");
  }
  if (CanWrite(c.target, c.req.principal)) {
    priv("write");
    priv("write-properties");
    priv("write-content");
    if (c.target.type == T::kCollection) {
      priv("bind");
      priv("unbind");
    }
  }
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
  w.Text(std::to_string(std::max<int64_t>(0, QuotaBytes(c.req.ctx, *c.target.owner) - c.target.owner->used_bytes)));
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
  WriteHref(w, HomePath(AddressbookArea(), c.target.owner->login));
  return true;
}

bool GetCalendarUserAddressSet(const PropContext& c, XmlWriter& w) {
  // mailto: first: Thunderbird takes the first mailto: as the user's address.
  if (!c.target.owner->email.empty()) WriteHref(w, "mailto:" + c.target.owner->email);
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
  return true;
}

std::vector<LiveProperty> BuildTable() {
  const std::string d(ns::kDav), cal(ns::kCalDav), card(ns::kCardDav), cs(ns::kCalendarServer);
  return {
      {{d, "resourcetype"}, true, true, false, Always, GetResourcetype},
      {{d, "displayname"}, true, false, true, HasLiveDisplayname, GetLiveDisplayname, false, false,
       nullptr, UpdateDisplayname},
      {{d, "getetag"}, true, true, false, IsObject, GetEtag},
      {{d, "getlastmodified"}, true, true, false, IsStored, GetLastModified},
      {{d, "creationdate"}, true, true, false, IsStored, GetCreationDate},
      {{d, "getcontentlength"}, true, true, false, IsObject, GetContentLength},
      {{d, "getcontenttype"}, true, true, false, IsObject, GetContentType},
      {{d, "supported-report-set"}, false, true, false, Always, GetSupportedReportSet},
      {{d, "owner"}, false, true, false, IsOwned, GetOwner},
      {{d, "current-user-privilege-set"}, false, true, false, Always, GetCurrentUserPrivilegeSet},
      {{d, "current-user-principal"}, false, true, false, Always, GetCurrentUserPrincipal},
      {{d, "quota-used-bytes"}, false, true, false, InFilesArea, GetQuotaUsed},
      {{d, "quota-available-bytes"}, false, true, false, InFilesArea, GetQuotaAvailable},
      {{d, "principal-URL"}, false, true, false, IsPrincipal, GetPrincipalUrl},
      {{d, "principal-collection-set"}, false, true, false, Always, GetPrincipalCollectionSet},
      {{cal, "calendar-home-set"}, false, true, false, IsPrincipal, GetCalendarHomeSet},
      {{cal, "calendar-user-address-set"}, false, true, false, IsPrincipal, GetCalendarUserAddressSet},
      {{card, "addressbook-home-set"}, false, true, false, IsPrincipal, GetAddressbookHomeSet},
      {{cs, "email-address-set"}, false, true, false, IsPrincipal, GetEmailAddressSet},
      {{d, "sync-token"}, false, true, false, IsCollection, GetSyncToken},
      // Kept in step with sync-token (CLIENTS.md #11): same value.
      {{cs, "getctag"}, false, true, false, IsCollection, GetSyncToken},
  };
}

}  // namespace

const PropertyRegistry& PropertyRegistry::Default() {
  static const PropertyRegistry kRegistry([] {
    std::vector<LiveProperty> table = BuildTable();
    caldav::AddCalendarProperties(table);
    carddav::AddAddressbookProperties(table);
    scheduling::AddSchedulingProperties(table);
    return table;
  }());
  return kRegistry;
}

bool PropertyRegistry::IsLiveStorage(const store::DeadProperty& stored,
                                     const Target& target) const {
  const LiveProperty* live = Find({stored.ns, stored.local});
  return live != nullptr && live->applies(target);
}

const store::DeadProperty* PropContext::Stored(std::string_view ns, std::string_view local) const {
  if (stored == nullptr) return nullptr;
  for (const store::DeadProperty& p : *stored) {
    if (p.local == local && p.ns == ns) return &p;
  }
  return nullptr;
}

const LiveProperty* PropertyRegistry::Find(const QName& name) const {
  for (const LiveProperty& p : props_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::optional<std::string> ObjectBody(const PropContext& ctx) {
  if (ctx.target.object.data) return *ctx.target.object.data;
  Result<store::Object> full = ctx.req.session.GetObject(ctx.target.collection.id, ctx.target.name, true);
  if (!full.ok()) return std::nullopt;
  return std::move(full->data);
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
