// The sharing service (dav/sharing/sharing_service.h) on the real SQLite store: sharees as
// people name them, shares set, answered, left and revoked, the Touches that tell the sharees'
// next sync, invitations in the notification collection, and the bound on shares.
#include "dav/sharing/sharing_service.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dav/sharing/notification.h"
#include "dav/target.h"
#include "tests/testlib/temp_store.h"
#include "tests/unit/dav/dav_test_util.h"

namespace cartable::dav::sharing {
namespace {

class SharingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jean_ = testing::AddJeanLabert(s());
    marie_ = testing::AddUser(s(), "mdupont", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    paul_ = testing::AddUser(s(), "pmartin", "Paul Martin", "paul.martin@ac-orleans-tours.fr");
    for (const Principal* p : {&jean_, &marie_, &paul_}) {
      for (const char* area : {"/dav/calendars/", "/dav/addressbooks/"}) {
        ASSERT_TRUE(EnsureHome(s(), std::string(area) + p->login + "/", *p).ok());
      }
    }
    agenda_ = *s().GetCollection("/dav/calendars/jlabert/agenda/");
    contacts_ = *s().GetCollection("/dav/addressbooks/jlabert/contacts/");
  }

  store::Session& s() { return store_->ThreadSession(); }
  DavContext Ctx() { return DavContext{*store_, options_, {}}; }

  // Runs `fn` as `who` inside a committed write transaction (as a request would).
  template <typename F>
  auto As(const Principal& who, F fn) {
    auto txn = s().Begin(true);
    EXPECT_TRUE(txn.ok());
    DavContext ctx = Ctx();
    http::HttpRequest http;
    Request req{http, who, s(), ctx};
    auto out = fn(req);
    EXPECT_TRUE((*txn)->Commit().ok());
    return out;
  }

  Sharee Who(const std::string& text) {
    Result<Sharee> r = ResolveSharee(s(), text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return r.ok() ? *r : Sharee{};
  }

  int64_t Seq(const std::string& home) { return s().GetCollection(home)->sync_seq; }
  // The home's change-log entries after `since`, as "name" or "-name" (deleted).
  std::vector<std::string> ChangesOf(const std::string& home, int64_t since) {
    std::vector<std::string> out;
    Result<std::vector<store::Change>> c = s().ChangesSince(s().GetCollection(home)->id, since);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) return out;
    for (const store::Change& ch : *c) out.push_back((ch.deleted ? "-" : "") + ch.name);
    return out;
  }
  std::vector<MountedShare> Mounts(const Principal& who, std::string_view home_kind) {
    Result<std::vector<MountedShare>> m =
        SharesInHome(s(), *s().GetUserById(who.user_id), home_kind);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : std::vector<MountedShare>{};
  }

  testlib::TempStore store_;
  DavOptions options_;
  Principal jean_, marie_, paul_;
  store::Collection agenda_, contacts_;
};

TEST_F(SharingServiceTest, ResolvesShareesAsPeopleAndClientsNameThem) {
  for (const char* text :
       {"mdupont", "MDupont", "marie.dupont@ac-orleans-tours.fr",
        "mailto:Marie.Dupont@ac-orleans-tours.fr", "/dav/principals/users/mdupont/",
        "https://agenda.example/dav/principals/users/mdupont/",
        "/dav/principals/users/marie.dupont%40ac-orleans-tours.fr/", "  mdupont\n"}) {
    Result<Sharee> r = ResolveSharee(s(), text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    EXPECT_FALSE(r->is_group) << text;
    EXPECT_EQ(r->user.id, marie_.user_id) << text;
  }
  Result<Sharee> unknown = ResolveSharee(s(), "mailto:personne@ac-orleans-tours.fr");
  EXPECT_EQ(unknown.status().code(), Status::Code::kNotFound);
  EXPECT_NE(unknown.status().message().find("personne@ac-orleans-tours.fr"), std::string::npos);
  EXPECT_EQ(ResolveSharee(s(), "departement:99").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ResolveSharee(s(), "/dav/calendars/mdupont/").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ResolveSharee(s(), "").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(ResolveSharee(s(), "mailto:").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(ResolveSharee(s(), std::string(400, 'a')).status().code(), Status::Code::kBadRequest);
}

TEST_F(SharingServiceTest, ResolvesGroupsByKeyUrnLoginAndPrincipal) {
  store::User group;
  group.login = "departement-37";
  group.display_name = "Indre-et-Loire";
  group.kind = store::UserKind::kGroup;
  group.group_key = "departement:37";
  Result<store::Id> id = s().CreateUser(group);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  for (const char* text :
       {"departement:37", "Departement:37", "urn:x-cartable:group:departement-37",
        "/dav/principals/groups/departement-37/", "departement-37"}) {
    Result<Sharee> r = ResolveSharee(s(), text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    EXPECT_TRUE(r->is_group) << text;
    EXPECT_EQ(r->group_key, "departement:37") << text;
    EXPECT_EQ(r->user.id, *id) << text;
  }
  // A person is no group.
  EXPECT_EQ(ResolveSharee(s(), "urn:x-cartable:group:mdupont").status().code(),
            Status::Code::kNotFound);
}

TEST_F(SharingServiceTest, MountNamesHaveOneSpelling) {
  EXPECT_EQ(MountName(12), "partage-12");
  EXPECT_EQ(ParseMountName("partage-12"), std::optional<store::Id>(12));
  for (const char* bad : {"partage-", "partage-012", "partage-0", "partage-1a", "partage--1",
                          "Partage-1", "agenda", "partage-1234567890123456789"}) {
    EXPECT_FALSE(ParseMountName(bad)) << bad;
  }
  EXPECT_EQ(Greatest(store::ShareAccess::kRead, store::ShareAccess::kReadWrite),
            store::ShareAccess::kReadWrite);
  EXPECT_EQ(Greatest(store::ShareAccess::kRead, store::ShareAccess::kFreeBusy),
            store::ShareAccess::kRead);
  for (auto a :
       {store::ShareAccess::kRead, store::ShareAccess::kReadWrite, store::ShareAccess::kFreeBusy}) {
    EXPECT_EQ(ParseAccess(AccessName(a)), a);
  }
  EXPECT_FALSE(ParseAccess("write"));
}

// auto_accept on (the default): the mount appears at once, the home's next sync says so, and
// no invitation waits.
TEST_F(SharingServiceTest, AutoAcceptedShareIsMountedAndTouched) {
  const int64_t before = Seq("/dav/calendars/mdupont/");
  Result<store::Share> share = As(jean_, [&](const Request& req) {
    return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kRead, "Conseils");
  });
  ASSERT_TRUE(share.ok()) << share.status().ToString();
  EXPECT_EQ(share->status, store::ShareStatus::kAccepted);
  EXPECT_EQ(share->summary, "Conseils");
  const std::string mount = MountName(share->id) + "/";
  EXPECT_EQ(ChangesOf("/dav/calendars/mdupont/", before), std::vector<std::string>{mount});
  std::vector<MountedShare> mounts = Mounts(marie_, store::kKindCalendarHome);
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].mount_path, "/dav/calendars/mdupont/" + mount);
  EXPECT_EQ(mounts[0].collection.id, agenda_.id);
  EXPECT_EQ(mounts[0].owner.login, "jlabert");
  EXPECT_EQ(mounts[0].access, store::ShareAccess::kRead);
  EXPECT_TRUE(Mounts(marie_, store::kKindAddressbookHome).empty()) << "calendars only";
  EXPECT_TRUE(PendingInvitations(s(), *s().GetUserById(marie_.user_id))->empty());
  auto box = s().GetCollection(NotificationsPath("mdupont"));
  ASSERT_TRUE(box.ok());
  EXPECT_FALSE(s().GetObject(box->id, NotificationName(*share), false).ok());

  // Changing the access touches the mount again; revoking deletes it and the sharee's alarms.
  int64_t mid = Seq("/dav/calendars/mdupont/");
  ASSERT_TRUE(As(jean_, [&](const Request& req) {
                return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kReadWrite, "");
              }).ok());
  EXPECT_EQ(ChangesOf("/dav/calendars/mdupont/", mid), std::vector<std::string>{mount});
  EXPECT_EQ(Mounts(marie_, store::kKindCalendarHome)[0].access, store::ShareAccess::kReadWrite);
  auto event = s().PutObject(agenda_.id, "e.ics", "text/calendar", "BEGIN:VCALENDAR\r\n");
  ASSERT_TRUE(event.ok());
  ASSERT_TRUE(s().PutPerUserData(event->id, marie_.user_id, "BEGIN:VCALENDAR\r\n").ok());
  mid = Seq("/dav/calendars/mdupont/");
  Status removed = As(jean_, [&](const Request& req) {
    return RemoveShare(req, agenda_, Who("mailto:marie.dupont@ac-orleans-tours.fr"));
  });
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  EXPECT_EQ(ChangesOf("/dav/calendars/mdupont/", mid), std::vector<std::string>{"-" + mount});
  EXPECT_TRUE(Mounts(marie_, store::kKindCalendarHome).empty());
  EXPECT_EQ(s().GetPerUserData(event->id, marie_.user_id).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(As(jean_, [&](const Request& req) { return RemoveShare(req, agenda_, Who("mdupont")); })
                .code(),
            Status::Code::kNotFound);
}

// auto_accept off: a pending share, an invitation in the sharee's notification collection,
// nothing in their home until they accept.
TEST_F(SharingServiceTest, InvitationWaitsForTheAnswer) {
  options_.share_auto_accept = false;
  const int64_t before = Seq("/dav/calendars/mdupont/");
  Result<store::Share> share = As(jean_, [&](const Request& req) {
    return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kReadWrite, "Oraux");
  });
  ASSERT_TRUE(share.ok()) << share.status().ToString();
  EXPECT_EQ(share->status, store::ShareStatus::kPending);
  EXPECT_TRUE(ChangesOf("/dav/calendars/mdupont/", before).empty()) << "nothing mounted yet";
  EXPECT_TRUE(Mounts(marie_, store::kKindCalendarHome).empty());
  auto pending = PendingInvitations(s(), *s().GetUserById(marie_.user_id));
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, share->id);

  auto box = s().GetCollection(NotificationsPath("mdupont"));
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(box->kind, store::kKindNotifications);
  auto note = s().GetObject(box->id, NotificationName(*share), true);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  const std::string& xml = *note->data;
  for (const std::string& part :
       {"<cs:uid>" + share->invite_uid + "</cs:uid>", std::string("<cs:invite-noresponse/>"),
        std::string("<cs:read-write/>"), std::string("/dav/calendars/jlabert/agenda/"),
        std::string("mailto:jean.labert@ac-orleans-tours.fr"), std::string("Jean Labert"),
        std::string("mailto:marie.dupont@ac-orleans-tours.fr"), std::string("Oraux"),
        std::string("shared-type=\"calendar\""), std::string("<cs:dtstamp>")}) {
    EXPECT_NE(xml.find(part), std::string::npos) << part << " in " << xml;
  }
  NotificationType type = ReadNotificationType(xml);
  EXPECT_EQ(type.local, "invite-notification");
  EXPECT_EQ(type.shared_type, "calendar");

  // Someone else cannot answer it.
  EXPECT_EQ(
      As(paul_, [&](const Request& req) { return ReplyToShare(req, share->invite_uid, true); })
          .status()
          .code(),
      Status::Code::kNotFound);
  Result<std::string> mount =
      As(marie_, [&](const Request& req) { return ReplyToShare(req, share->invite_uid, true); });
  ASSERT_TRUE(mount.ok()) << mount.status().ToString();
  const std::string name = MountName(share->id) + "/";
  EXPECT_EQ(*mount, "/dav/calendars/mdupont/" + name);
  EXPECT_EQ(ChangesOf("/dav/calendars/mdupont/", before), std::vector<std::string>{name});
  EXPECT_EQ(Mounts(marie_, store::kKindCalendarHome).size(), 1u);
  EXPECT_FALSE(s().GetObject(box->id, NotificationName(*share), false).ok())
      << "an answered invitation is gone";
  EXPECT_EQ(s().GetShare(share->id)->status, store::ShareStatus::kAccepted);

  // Leaving (DELETE of the mount) declines it; the owner's share row stays.
  const int64_t mid = Seq("/dav/calendars/mdupont/");
  Status left = As(marie_, [&](const Request& req) { return LeaveShare(req, *share); });
  ASSERT_TRUE(left.ok()) << left.ToString();
  EXPECT_EQ(s().GetShare(share->id)->status, store::ShareStatus::kDeclined);
  EXPECT_EQ(ChangesOf("/dav/calendars/mdupont/", mid), std::vector<std::string>{"-" + name});
  EXPECT_TRUE(Mounts(marie_, store::kKindCalendarHome).empty());

  // Sharing again invites again.
  ASSERT_TRUE(As(jean_, [&](const Request& req) {
                return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kRead, "");
              }).ok());
  EXPECT_EQ(s().GetShare(share->id)->status, store::ShareStatus::kPending);
  EXPECT_TRUE(s().GetObject(box->id, NotificationName(*share), false).ok());
  // Declining removes the invitation and mounts nothing.
  Result<std::string> declined =
      As(marie_, [&](const Request& req) { return ReplyToShare(req, share->invite_uid, false); });
  ASSERT_TRUE(declined.ok());
  EXPECT_EQ(*declined, "");
  EXPECT_EQ(s().GetShare(share->id)->status, store::ShareStatus::kDeclined);
  EXPECT_FALSE(s().GetObject(box->id, NotificationName(*share), false).ok());
}

TEST_F(SharingServiceTest, RefusesWhatCannotBeShared) {
  auto code = [&](const Principal& who, const store::Collection& c, const std::string& sharee,
                  store::ShareAccess a) {
    return As(who, [&](const Request& req) { return SetShare(req, c, Who(sharee), a, ""); })
        .status()
        .code();
  };
  EXPECT_EQ(code(marie_, agenda_, "pmartin", store::ShareAccess::kRead), Status::Code::kForbidden)
      << "not the owner";
  EXPECT_EQ(code(jean_, agenda_, "jlabert", store::ShareAccess::kRead), Status::Code::kForbidden)
      << "yourself";
  EXPECT_EQ(code(jean_, contacts_, "mdupont", store::ShareAccess::kFreeBusy),
            Status::Code::kForbidden)
      << "free/busy of an address book";
  auto inbox = *s().GetCollection("/dav/calendars/jlabert/inbox/");
  EXPECT_EQ(code(jean_, inbox, "mdupont", store::ShareAccess::kRead), Status::Code::kForbidden);
  EXPECT_EQ(code(jean_, contacts_, "mdupont", store::ShareAccess::kRead), Status::Code::kOk);
  EXPECT_EQ(Mounts(marie_, store::kKindAddressbookHome).size(), 1u);
  EXPECT_EQ(Mounts(marie_, store::kKindAddressbookHome)[0].mount_path.rfind(
                "/dav/addressbooks/mdupont/partage-", 0),
            0u);
}

// Deleting a shared calendar: every mount goes (the sharee's sync says so) and pending
// invitations are withdrawn.
TEST_F(SharingServiceTest, RevokeAllSharesBeforeDelete) {
  options_.share_auto_accept = false;
  Result<store::Share> marie = As(jean_, [&](const Request& req) {
    return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kRead, "");
  });
  Result<store::Share> paul = As(jean_, [&](const Request& req) {
    return SetShare(req, agenda_, Who("pmartin"), store::ShareAccess::kRead, "");
  });
  ASSERT_TRUE(marie.ok() && paul.ok());
  ASSERT_TRUE(As(marie_, [&](const Request& req) {
                return ReplyToShare(req, marie->invite_uid, true);
              }).ok());
  auto paul_box = s().GetCollection(NotificationsPath("pmartin"));
  ASSERT_TRUE(s().GetObject(paul_box->id, NotificationName(*paul), false).ok());
  const int64_t before = Seq("/dav/calendars/mdupont/");
  Status s1 = As(jean_, [&](const Request& req) { return RevokeAllShares(req, agenda_); });
  ASSERT_TRUE(s1.ok()) << s1.ToString();
  EXPECT_EQ(ChangesOf("/dav/calendars/mdupont/", before),
            std::vector<std::string>{"-" + MountName(marie->id) + "/"});
  EXPECT_TRUE(s().ListShares(agenda_.id)->empty());
  EXPECT_FALSE(s().GetObject(paul_box->id, NotificationName(*paul), false).ok());
  EXPECT_TRUE(As(jean_, [&](const Request& req) { return RevokeAllShares(req, agenda_); }).ok())
      << "nothing to revoke";
}

// [sharing] max_shares_per_collection: 409 with a message, the shares already there kept.
TEST_F(SharingServiceTest, SharesPerCollectionAreBounded) {
  options_.max_shares_per_collection = 1;
  ASSERT_TRUE(As(jean_, [&](const Request& req) {
                return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kRead, "");
              }).ok());
  Result<store::Share> second = As(jean_, [&](const Request& req) {
    return SetShare(req, agenda_, Who("pmartin"), store::ShareAccess::kRead, "");
  });
  EXPECT_EQ(second.status().code(), Status::Code::kConflict);
  EXPECT_NE(second.status().message().find("max_shares_per_collection"), std::string::npos);
  EXPECT_EQ(s().ListShares(agenda_.id)->size(), 1u);
  // Changing an existing share is no new share.
  EXPECT_TRUE(As(jean_, [&](const Request& req) {
                return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kReadWrite, "");
              }).ok());
}

// A group share reaches every member with an account; one member hiding it keeps it for the
// others, and a colleague share of the same calendar names the mount.
TEST_F(SharingServiceTest, GroupShareReachesMembers) {
  store::User group;
  group.login = "departement-37";
  group.display_name = "Indre-et-Loire";
  group.kind = store::UserKind::kGroup;
  group.group_key = "departement:37";
  ASSERT_TRUE(s().CreateUser(group).ok());
  int n = 0;
  for (const Principal* p : {&marie_, &paul_}) {
    store::DirectoryEntry e;
    e.source_key = "numen-" + p->login;
    e.user_id = p->user_id;
    e.card_uid = "urn:uuid:00000000-0000-0000-0000-00000000000" + std::to_string(++n);
    e.nom = p->display_name;
    e.email = p->email;
    e.departement = "37";
    e.uai = "0370001A";
    ASSERT_TRUE(s().PutDirectoryEntry(e).ok());
  }
  const int64_t marie_before = Seq("/dav/calendars/mdupont/");
  const int64_t paul_before = Seq("/dav/calendars/pmartin/");
  Result<store::Share> share = As(jean_, [&](const Request& req) {
    return SetShare(req, agenda_, Who("departement:37"), store::ShareAccess::kRead, "");
  });
  ASSERT_TRUE(share.ok()) << share.status().ToString();
  EXPECT_EQ(share->status, store::ShareStatus::kAccepted);
  const std::string name = MountName(share->id) + "/";
  EXPECT_EQ(ChangesOf("/dav/calendars/mdupont/", marie_before), std::vector<std::string>{name});
  EXPECT_EQ(ChangesOf("/dav/calendars/pmartin/", paul_before), std::vector<std::string>{name});
  ASSERT_EQ(Mounts(paul_, store::kKindCalendarHome).size(), 1u);

  // Marie also gets a colleague share (read-write): one mount, named by it, the greater access.
  Result<store::Share> own = As(jean_, [&](const Request& req) {
    return SetShare(req, agenda_, Who("mdupont"), store::ShareAccess::kReadWrite, "");
  });
  ASSERT_TRUE(own.ok());
  std::vector<MountedShare> marie = Mounts(marie_, store::kKindCalendarHome);
  ASSERT_EQ(marie.size(), 1u);
  EXPECT_EQ(marie[0].share.id, own->id);
  EXPECT_EQ(marie[0].access, store::ShareAccess::kReadWrite);

  // Paul removes it from his home: hidden for him only.
  const int64_t mid = Seq("/dav/calendars/pmartin/");
  ASSERT_TRUE(As(paul_, [&](const Request& req) { return LeaveShare(req, *share); }).ok());
  EXPECT_EQ(ChangesOf("/dav/calendars/pmartin/", mid), std::vector<std::string>{"-" + name});
  EXPECT_TRUE(Mounts(paul_, store::kKindCalendarHome).empty());
  EXPECT_TRUE(s().GetShareMember(share->id, paul_.user_id)->hidden);
  EXPECT_EQ(Mounts(marie_, store::kKindCalendarHome).size(), 1u);
  // Answering the group's invitation again shows it.
  Result<std::string> back =
      As(paul_, [&](const Request& req) { return ReplyToShare(req, share->invite_uid, true); });
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, "/dav/calendars/pmartin/" + name);
}

}  // namespace
}  // namespace cartable::dav::sharing
