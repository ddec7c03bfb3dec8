#include "dav/prop_update.h"

#include "dav/property_registry.h"
#include "dav/sharing/mount_settings.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

// Whether the name is a live property that clients may not change on this target.
bool IsProtected(const QName& name, const Target& t, bool at_creation) {
  const LiveProperty* live = PropertyRegistry::Default().Find(name);
  if (live == nullptr) return false;
  if (live->AppliesTo(t)) return live->is_protected && !(at_creation && live->settable_at_creation);
  return !live->dead_elsewhere;
}

}  // namespace

Result<std::vector<PropUpdate>> CollectUpdates(const pugi::xml_node& root) {
  std::vector<PropUpdate> updates;
  for (pugi::xml_node op : root.children()) {
    bool remove = Is(op, ns::kDav, "remove");
    if (!remove && !Is(op, ns::kDav, "set")) continue;
    pugi::xml_node prop = Child(op, ns::kDav, "prop");
    if (!prop) return Status::BadRequest("DAV:set/DAV:remove without DAV:prop");
    for (pugi::xml_node e : prop.children()) {
      if (e.type() == pugi::node_element) updates.push_back({remove, e});
    }
  }
  return updates;
}

Result<std::vector<PropOutcome>> ApplyUpdates(const Request& req, const Target& t,
                                              const std::vector<PropUpdate>& updates,
                                              bool at_creation, bool* all_ok) {
  // A share mount: the sharee's own settings, nothing of the sharer's collection.
  if (sharing::IsMountRoot(t)) return sharing::ApplyMountUpdates(req, t, updates, all_ok);
  std::vector<PropOutcome> outcomes;
  *all_ok = true;
  // Settings are applied to a copy in document order (a later set wins, as for property rows)
  // and stored once, only when every update is allowed.
  store::CollectionSettings settings = t.collection.settings;
  std::vector<bool> is_setting(updates.size(), false);
  for (size_t i = 0; i < updates.size(); ++i) {
    const PropUpdate& u = updates[i];
    QName name = NameOf(u.element);
    int code = IsProtected(name, t, at_creation) ? 403 : 200;
    Status error;
    const LiveProperty* live = PropertyRegistry::Default().Find(name);
    if (code == 200 && live && live->AppliesTo(t) && live->update_setting) {
      is_setting[i] = true;
      error = live->update_setting(req, t, u.remove ? pugi::xml_node() : u.element, settings);
      if (!error.ok()) code = error.HttpCode();
    }
    if (code != 200) *all_ok = false;
    outcomes.push_back({std::move(name), code, std::move(error)});
  }
  if (!*all_ok) {
    FailDependencies(outcomes);
    return outcomes;
  }
  store::Owner owner =
      t.type == NodeType::kObject ? store::Owner::kObject : store::Owner::kCollection;
  store::Id id = t.type == NodeType::kObject ? t.object.id : t.collection.id;
  if (t.type == NodeType::kCollection && settings != t.collection.settings) {
    if (Status s = req.session.SetCollectionSettings(t.collection.id, settings); !s.ok()) return s;
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    if (is_setting[i]) continue;
    const QName& name = outcomes[i].name;
    Status s = updates[i].remove
                   ? req.session.RemoveProperty(owner, id, name.ns, name.local)
                   : req.session.SetProperty(
                         owner, id, {name.ns, name.local, SelfContainedXml(updates[i].element)});
    if (!s.ok()) return s;
  }
  return outcomes;
}

void WriteOutcomes(const std::vector<PropOutcome>& outcomes, XmlWriter& out) {
  for (int code : {200, 403, 409, 424}) {
    std::string props;
    XmlWriter w(props);
    for (const PropOutcome& o : outcomes) {
      if (o.code == code && o.error.ok()) w.Empty(o.name.ns, o.name.local);
    }
    if (!props.empty()) WritePropstat(out, code, props);
  }
  // A refused setting gets a propstat of its own, carrying its precondition and the reason
  // (RFC 4918 §14.22: a propstat may hold DAV:error and DAV:responsedescription).
  for (const PropOutcome& o : outcomes) {
    if (o.error.ok()) continue;
    std::string props;
    XmlWriter w(props);
    w.Empty(o.name.ns, o.name.local);
    out.Open(ns::kDav, "propstat");
    out.Open(ns::kDav, "prop");
    out.Raw(props);
    out.Close();
    out.TextElement(ns::kDav, "status", StatusLine(o.code));
    if (o.error.precondition() != Precondition::kNone) {
      const PreconditionInfo& p = Describe(o.error.precondition());
      out.Open(ns::kDav, "error");
      out.Empty(p.ns, p.local_name);
      out.Close();
    }
    out.TextElement(ns::kDav, "responsedescription", o.error.message());
    out.Close();
  }
}

void FailDependencies(std::vector<PropOutcome>& outcomes) {
  for (PropOutcome& o : outcomes) {
    if (o.code == 200) o.code = 424;
  }
}

}  // namespace cartable::dav
