#include "dav/sharing/mount_settings.h"

#include "dav/property_registry.h"
#include "dav/target.h"

namespace cartable::dav::sharing {
namespace {

enum class Setting { kNone, kDisplayName, kColor, kOrder, kTransp };

Setting SettingOf(const QName& name) {
  if (name.Is(ns::kDav, "displayname")) return Setting::kDisplayName;
  if (name.Is(ns::kApple, "calendar-color")) return Setting::kColor;
  if (name.Is(ns::kApple, "calendar-order")) return Setting::kOrder;
  if (name.Is(ns::kCalDav, "schedule-calendar-transp")) return Setting::kTransp;
  return Setting::kNone;
}

// The parent path of a collection path ("/a/b/" -> "/a/").
std::string ParentPath(const std::string& path) {
  size_t slash = path.rfind('/', path.size() - 2);
  return path.substr(0, slash + 1);
}

}  // namespace

bool IsMountRoot(const Target& t) {
  return t.mount && t.type == NodeType::kCollection && t.path == t.mount->path;
}

bool IsPerUserSetting(const QName& name) { return SettingOf(name) != Setting::kNone; }

store::CollectionSettings SettingsSeen(const Target& t) {
  store::CollectionSettings s = t.collection.settings;
  if (!IsMountRoot(t)) return s;
  const store::ShareMember& m = t.mount->member;
  if (m.display_name) s.display_name = m.display_name;
  if (m.color) s.color = m.color;
  if (m.order) s.order = m.order;
  if (m.transparent) s.transparent = m.transparent;
  return s;
}

Result<std::vector<PropOutcome>> ApplyMountUpdates(const Request& req, const Target& t,
                                                   const std::vector<PropUpdate>& updates,
                                                   bool* all_ok) {
  std::vector<PropOutcome> outcomes;
  *all_ok = true;
  store::CollectionSettings settings = SettingsSeen(t);
  store::ShareMember member = t.mount->member;
  member.share_id = t.mount->share.id;
  member.user_id = t.mount->home_user.id;
  for (const PropUpdate& u : updates) {
    QName name = NameOf(u.element);
    const LiveProperty* live = PropertyRegistry::Default().Find(name);
    Setting which = SettingOf(name);
    Status error;
    if (which == Setting::kNone || live == nullptr || !live->AppliesTo(t) ||
        live->update_setting == nullptr) {
      error = Denied(t, "PROPPATCH");
    } else {
      error = live->update_setting(req, t, u.remove ? pugi::xml_node() : u.element, settings);
    }
    if (error.ok()) {
      // A removed setting falls back to the owner's value.
      switch (which) {
        case Setting::kDisplayName:
          member.display_name = u.remove ? std::nullopt : settings.display_name;
          break;
        case Setting::kColor: member.color = u.remove ? std::nullopt : settings.color; break;
        case Setting::kOrder: member.order = u.remove ? std::nullopt : settings.order; break;
        case Setting::kTransp:
          member.transparent = u.remove ? std::nullopt : settings.transparent;
          break;
        case Setting::kNone: break;
      }
    }
    int code = error.ok() ? 200 : error.HttpCode();
    if (code != 200) *all_ok = false;
    outcomes.push_back({std::move(name), code, std::move(error)});
  }
  if (!*all_ok) {
    FailDependencies(outcomes);
    return outcomes;
  }
  if (Status s = req.session.PutShareMember(member); !s.ok()) return s;
  Result<store::Collection> home = req.session.GetCollection(ParentPath(t.mount->path));
  if (!home.ok()) return home.status();
  std::string name = t.mount->path.substr(home->path.size());
  if (Result<int64_t> seq = req.session.Touch(home->id, name, false); !seq.ok()) {
    return seq.status();
  }
  return outcomes;
}

}  // namespace cartable::dav::sharing
