#include "dav/sharing/privacy.h"

#include "dav/caldav/ical.h"
#include "dav/target.h"

namespace cartable::dav::sharing {

bool ApplyPrivacy(const Access& access, caldav::CalendarObject& object) {
  if (!ReducesPrivate(access) || object.empty()) return false;
  if (!caldav::MayBeClassified(object.Text())) return false;
  caldav::Privacy level = caldav::PrivacyOf(object);
  if (level == caldav::Privacy::kPublic) return false;
  caldav::ReduceForPrivacy(object, level);
  return true;
}

Status PrivateEventDenied(const Target& t, std::string_view what) {
  return Status::Violates(Precondition::kNeedPrivileges,
                          std::string(what) + " " + t.path + " : événement privé");
}

Status CheckMayChange(const Target& t, std::string_view stored, std::string_view what) {
  if (!ReducesPrivate(t.access) || !caldav::MayBeClassified(stored)) return Status::OK();
  Result<caldav::CalendarObject> parsed = caldav::CalendarObject::Parse(stored);
  if (!parsed.ok()) return Status::Internal("cannot read the stored event " + t.path);
  if (caldav::PrivacyOf(*parsed) == caldav::Privacy::kPublic) return Status::OK();
  return PrivateEventDenied(t, what);
}

}  // namespace cartable::dav::sharing
