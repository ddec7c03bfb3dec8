#include "dav/sharing/group_calendars.h"

#include <algorithm>

#include "dav/sharing/sharing_service.h"
#include "dav/target.h"
#include "dav/text_fold.h"
#include "server/http/path.h"

namespace cartable::dav::sharing {
namespace {

constexpr size_t kMaxSlug = 60;

bool Reserved(const std::string& slug) {
  if (slug == "inbox" || slug == "outbox" || slug == "notifications") return true;
  return ParseMountName(slug).has_value();  // "partage-<digits>": share mounts (design rule)
}

// The request the sharing service acts in: the group account as the owner of its calendars.
struct GroupRequest {
  http::HttpRequest http;
  Principal principal;
  Request req;
  GroupRequest(const DavContext& ctx, store::Session& session, const store::User& group)
      : principal{group.id, group.login, group.display_name, group.email},
        req{http, principal, session, ctx} {
    http.method = "POST";
    http.user = group.login;
  }
};

// The group's calendar home, created bare when missing.
Result<store::Collection> GroupHome(store::Session& session, const store::User& group) {
  const std::string path = HomePath(CalendarArea(), group.login);
  Result<store::Collection> home = session.GetCollection(path);
  if (home.ok() || home.status().code() != Status::Code::kNotFound) return home;
  return session.CreateCollection(path, 0, group.id, store::kKindCalendarHome);
}

// A free path for `slug` in `home`: slug, slug-2, slug-3...
Result<std::string> FreePath(store::Session& session, const store::Collection& home,
                             const std::string& slug) {
  for (int n = 1; n < 1000; ++n) {
    std::string path = home.path + slug + (n == 1 ? "" : "-" + std::to_string(n)) + "/";
    Result<store::Collection> taken = session.GetCollection(path);
    if (!taken.ok() && taken.status().code() == Status::Code::kNotFound) return path;
    if (!taken.ok()) return taken.status();
  }
  return Status::Conflict("too many calendars named " + slug);
}

Status CreateIn(const DavContext& ctx, store::Session& session, const GroupCalendarSpec& spec,
                std::string* path_out) {
  Result<store::User> group = session.GetUserByGroupKey(spec.group_key);
  if (!group.ok()) {
    if (group.status().code() != Status::Code::kNotFound) return group.status();
    return Status::NotFound("no group " + spec.group_key +
                            " (group accounts come from `cartable directory import`)");
  }
  std::vector<Sharee> managers;
  for (const std::string& login : spec.managers) {
    Result<Sharee> m = ResolveSharee(session, login);
    if (!m.ok()) return Status(m.status().code(), "manager " + login + ": " + m.status().message());
    if (m->is_group) return Status::BadRequest("manager " + login + " is a group, not a colleague");
    managers.push_back(std::move(m.value()));
  }
  Result<store::Collection> home = GroupHome(session, *group);
  if (!home.ok()) return home.status();
  Result<std::string> path = FreePath(session, *home, CalendarSlug(spec.name));
  if (!path.ok()) return path.status();
  Result<store::Collection> calendar =
      session.CreateCollection(*path, home->id, group->id, store::kKindCalendar);
  if (!calendar.ok()) return calendar.status();
  store::CollectionSettings settings;
  settings.display_name = spec.name;
  settings.components = {"VEVENT"};
  if (Status s = session.SetCollectionSettings(calendar->id, settings); !s.ok()) return s;
  calendar->settings = settings;
  DavContext accepting = ctx;  // managers' shares are accepted at once, whatever auto_accept says
  accepting.options.share_auto_accept = true;
  GroupRequest as_group(accepting, session, *group);
  Sharee members{true, *group, group->group_key};
  Result<store::Share> shared =
      SetShare(as_group.req, *calendar, members, store::ShareAccess::kRead, "");
  if (!shared.ok()) return shared.status();
  for (const Sharee& m : managers) {
    Result<store::Share> s =
        SetShare(as_group.req, *calendar, m, store::ShareAccess::kReadWrite, spec.name);
    if (!s.ok()) return s.status();
  }
  *path_out = *path;
  return Status::OK();
}

}  // namespace

std::string CalendarSlug(std::string_view name) {
  std::string folded = AsciiLower(FoldToAscii(name));
  std::string slug;
  for (char c : folded) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      slug += c;
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
    if (slug.size() >= kMaxSlug) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) return "agenda";
  return Reserved(slug) ? "agenda-" + slug : slug;
}

Result<std::string> CreateGroupCalendar(const DavContext& ctx, store::Session& session,
                                        const GroupCalendarSpec& spec) {
  if (spec.name.empty()) return Status::BadRequest("the calendar needs a name (--name)");
  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
  if (!txn.ok()) return txn.status();
  std::string path;
  if (Status s = CreateIn(ctx, session, spec, &path); !s.ok()) return s;  // rolled back
  if (Status s = (*txn)->Commit(); !s.ok()) return s;
  return path;
}

Result<std::vector<GroupCalendar>> ListGroupCalendars(store::Session& session) {
  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(false);
  if (!txn.ok()) return txn.status();
  Result<std::vector<store::User>> groups = session.ListGroups();
  if (!groups.ok()) return groups.status();
  std::vector<GroupCalendar> out;
  for (const store::User& group : *groups) {
    Result<store::Collection> home = session.GetCollection(HomePath(CalendarArea(), group.login));
    if (!home.ok()) {
      if (home.status().code() == Status::Code::kNotFound) continue;
      return home.status();
    }
    Result<std::vector<store::Collection>> calendars = session.ListChildCollections(home->id);
    if (!calendars.ok()) return calendars.status();
    for (const store::Collection& c : *calendars) {
      if (c.kind != store::kKindCalendar) continue;
      GroupCalendar gc{c.path, c.settings.display_name.value_or(""), group, {}};
      Result<std::vector<store::Share>> shares = session.ListShares(c.id);
      if (!shares.ok()) return shares.status();
      for (const store::Share& s : *shares) {
        if (s.sharee_user_id == 0 || s.access != store::ShareAccess::kReadWrite) continue;
        Result<store::User> u = session.GetUserById(s.sharee_user_id);
        if (u.ok()) gc.managers.push_back(u->login);
      }
      out.push_back(std::move(gc));
    }
  }
  return out;
}

Status DeleteGroupCalendar(const DavContext& ctx, store::Session& session, std::string_view url) {
  std::optional<http::RequestTarget> target = http::ParseRequestTarget(url);
  std::optional<std::string> path =
      target ? http::DecodePath(target->raw_path) : std::optional<std::string>();
  if (!path) return Status::BadRequest("not a calendar URL: " + std::string(url));
  if (path->back() != '/') *path += '/';
  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
  if (!txn.ok()) return txn.status();
  Result<store::Collection> calendar = session.GetCollection(*path);
  Result<store::User> owner = calendar.ok() ? session.GetUserById(calendar->owner_id)
                                            : Result<store::User>(calendar.status());
  if (!owner.ok() && owner.status().code() != Status::Code::kNotFound) return owner.status();
  if (!owner.ok() || owner->kind != store::UserKind::kGroup ||
      calendar->kind != store::kKindCalendar) {
    return Status::NotFound(*path + " is not the calendar of a group");
  }
  GroupRequest as_group(ctx, session, *owner);
  if (Status s = RevokeAllShares(as_group.req, *calendar); !s.ok()) return s;
  if (Status s = session.DeleteCollection(calendar->id); !s.ok()) return s;
  return (*txn)->Commit();
}

}  // namespace cartable::dav::sharing
